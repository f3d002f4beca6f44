//! "Parse, don't validate": input checks that turn raw request fields into values the rest
//! of the code can trust. Lengths are counted in characters (Unicode scalar values).

use crate::error::Error;

/// 3–32 of `[A-Za-z0-9_]`.
pub fn username(raw: &str) -> Result<&str, Error> {
    let ok = (3..=32).contains(&raw.len())
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(raw)
    } else {
        Err(Error::bad_request("用户名须为3–32位字母、数字或下划线"))
    }
}

/// 8–128 characters.
pub fn password(raw: &str) -> Result<&str, Error> {
    if (8..=128).contains(&raw.chars().count()) {
        Ok(raw)
    } else {
        Err(Error::bad_request("密码长度须为8–128个字符"))
    }
}

/// 1–32 characters after trimming, no control characters; returns the trimmed name.
pub fn display_name(raw: &str) -> Result<&str, Error> {
    trimmed_name(raw, 32, "昵称须为1–32个字符且不含控制字符")
}

/// 1–64 characters after trimming, no control characters; returns the trimmed name.
pub fn group_name(raw: &str) -> Result<&str, Error> {
    trimmed_name(raw, 64, "群名须为1–64个字符且不含控制字符")
}

fn trimmed_name<'a>(raw: &'a str, max: usize, reason: &str) -> Result<&'a str, Error> {
    let name = raw.trim();
    if (1..=max).contains(&name.chars().count()) && !name.chars().any(char::is_control) {
        Ok(name)
    } else {
        Err(Error::bad_request(reason))
    }
}

/// 1–`max` characters, not only white space; stored exactly as sent.
pub fn message_content(raw: &str, max: usize) -> Result<&str, Error> {
    if raw.trim().is_empty() {
        return Err(Error::send_failed("消息内容不能为空"));
    }
    if raw.chars().count() > max {
        return Err(Error::send_failed(format!("消息不能超过{max}个字符")));
    }
    Ok(raw)
}

/// At most 64 characters, not empty.
pub fn client_msg_id(raw: &str) -> Result<&str, Error> {
    if raw.is_empty() || raw.chars().count() > 64 {
        Err(Error::send_failed("client_msg_id 须为1–64个字符"))
    } else {
        Ok(raw)
    }
}

/// A friend request's note: at most 200 characters.
pub fn request_message(raw: &str) -> Result<&str, Error> {
    if raw.chars().count() > 200 {
        Err(Error::bad_request("验证消息不能超过200个字符"))
    } else {
        Ok(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(username("abc").is_ok());
        assert!(username(&"a".repeat(32)).is_ok());
        for bad in ["ab", "a-b-c", "张三丰", &"a".repeat(33), "abc ", ""] {
            assert!(username(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn display_names_are_trimmed_and_counted_in_characters() {
        assert_eq!(display_name("  张三 ").unwrap(), "张三");
        assert!(display_name(&"张".repeat(32)).is_ok());
        assert!(display_name(&"张".repeat(33)).is_err());
        assert!(display_name("   ").is_err());
        assert!(display_name("a\u{7}b").is_err());
    }

    #[test]
    fn message_content_rules() {
        assert_eq!(message_content("  hi ", 10).unwrap(), "  hi ");
        assert!(message_content(" \n\t", 10).is_err());
        assert!(message_content("", 10).is_err());
        assert!(message_content(&"字".repeat(10), 10).is_ok());
        assert!(message_content(&"字".repeat(11), 10).is_err());
    }

    #[test]
    fn passwords_and_client_ids() {
        assert!(password("12345678").is_ok());
        assert!(password("1234567").is_err());
        assert!(password(&"x".repeat(129)).is_err());
        assert!(client_msg_id(&"x".repeat(64)).is_ok());
        assert!(client_msg_id(&"x".repeat(65)).is_err());
    }
}
