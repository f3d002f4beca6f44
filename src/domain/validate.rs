//! "Parse, don't validate": raw request fields become values the rest of the code can
//! trust. Each type here is built only by its `parse`, so holding one means its rule held.
//! Lengths are counted in characters (Unicode scalar values).

use crate::error::Error;

macro_rules! checked_text {
    ($($(#[$meta:meta])* $name:ident;)+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }
    )+};
}

checked_text! {
    /// 3–32 of `[A-Za-z0-9_]`.
    Username;
    /// 8–128 characters.
    Password;
    /// 1–32 characters after trimming, no control characters; kept trimmed.
    DisplayName;
    /// 1–64 characters after trimming, no control characters; kept trimmed.
    GroupName;
    /// A message's text: 1–`max_message_chars` characters, not only white space; kept
    /// exactly as sent.
    Content;
    /// A sender's retry key: 1–64 characters.
    ClientMsgId;
    /// A friend request's note: at most 200 characters.
    RequestNote;
    /// What a search looks for (`q`): 1–64 characters after trimming; kept trimmed.
    SearchText;
    /// A group announcement: at most 2,000 characters after trimming, never empty (an empty
    /// text clears the announcement instead); line breaks and tabs kept.
    Announcement;
    /// A remark for a friend (备注): 1–32 characters after trimming, no control characters;
    /// kept trimmed (an empty text removes the remark instead).
    Remark;
}

/// A page size given as `limit`: `default` when absent, else 1–`max`.
pub fn page_limit(raw: Option<&str>, default: u32, max: u32) -> Result<u32, Error> {
    match raw {
        None => Ok(default),
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| Error::bad_request(format!("limit 须为1–{max}"))),
    }
}

impl SearchText {
    /// A missing `q` reads as empty.
    pub fn parse(raw: Option<&str>) -> Result<SearchText, Error> {
        let q = raw.map(str::trim).unwrap_or_default();
        if q.is_empty() {
            return Err(Error::bad_request("q 不能为空"));
        }
        if q.chars().count() > 64 {
            return Err(Error::bad_request("q 过长"));
        }
        // SQLite reads match expressions and LIKE patterns as C strings: a NUL would cut
        // the text short (and an FTS5 phrase unterminated).
        if q.contains('\0') {
            return Err(Error::bad_request("q 含有无效字符"));
        }
        Ok(SearchText(q.to_string()))
    }

    /// A `LIKE … ESCAPE '\'` pattern matching any text that contains it, with `%`, `_` and
    /// `\` taken literally.
    pub fn contains_pattern(&self) -> String {
        format!("%{}%", self.escaped())
    }

    /// The same for text that starts with it.
    pub fn prefix_pattern(&self) -> String {
        format!("{}%", self.escaped())
    }

    fn escaped(&self) -> String {
        self.0
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    }
}

impl Username {
    pub fn parse(raw: &str) -> Result<Username, Error> {
        let ok = (3..=32).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if ok {
            Ok(Username(raw.to_string()))
        } else {
            Err(Error::bad_request("用户名须为3–32位字母、数字或下划线"))
        }
    }
}

impl Password {
    pub fn parse(raw: &str) -> Result<Password, Error> {
        if (8..=128).contains(&raw.chars().count()) {
            Ok(Password(raw.to_string()))
        } else {
            Err(Error::bad_request("密码长度须为8–128个字符"))
        }
    }
}

impl DisplayName {
    pub fn parse(raw: &str) -> Result<DisplayName, Error> {
        trimmed_name(raw, 32, "昵称须为1–32个字符且不含控制字符").map(DisplayName)
    }

    /// A new account's name when it gives none: its username.
    pub fn of(username: &Username) -> DisplayName {
        DisplayName(username.0.clone())
    }
}

impl GroupName {
    pub fn parse(raw: &str) -> Result<GroupName, Error> {
        trimmed_name(raw, 64, "群名须为1–64个字符且不含控制字符").map(GroupName)
    }
}

fn trimmed_name(raw: &str, max: usize, reason: &str) -> Result<String, Error> {
    let name = raw.trim();
    if (1..=max).contains(&name.chars().count()) && !name.chars().any(char::is_control) {
        Ok(name.to_string())
    } else {
        Err(Error::bad_request(reason))
    }
}

impl Content {
    pub fn parse(raw: &str, max: usize) -> Result<Content, Error> {
        if raw.trim().is_empty() {
            return Err(Error::send_failed("消息内容不能为空"));
        }
        if raw.chars().count() > max {
            return Err(Error::send_failed(format!("消息不能超过{max}个字符")));
        }
        Ok(Content(raw.to_string()))
    }
}

impl ClientMsgId {
    pub fn parse(raw: &str) -> Result<ClientMsgId, Error> {
        if raw.is_empty() || raw.chars().count() > 64 {
            Err(Error::send_failed("client_msg_id 须为1–64个字符"))
        } else {
            Ok(ClientMsgId(raw.to_string()))
        }
    }
}

impl RequestNote {
    pub fn parse(raw: &str) -> Result<RequestNote, Error> {
        if raw.chars().count() > 200 {
            Err(Error::bad_request("验证消息不能超过200个字符"))
        } else {
            Ok(RequestNote(raw.to_string()))
        }
    }
}

impl Announcement {
    /// `None` for a blank text: the announcement is cleared.
    pub fn parse(raw: &str) -> Result<Option<Announcement>, Error> {
        let text = raw.trim();
        if text.chars().count() > 2000 {
            return Err(Error::bad_request("群公告不能超过2000个字符"));
        }
        if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(Error::bad_request("群公告含有无效字符"));
        }
        Ok((!text.is_empty()).then(|| Announcement(text.to_string())))
    }
}

impl Remark {
    /// `None` for a blank text: the remark is removed.
    pub fn parse(raw: &str) -> Result<Option<Remark>, Error> {
        if raw.trim().is_empty() {
            return Ok(None);
        }
        trimmed_name(raw, 32, "备注须为0–32个字符且不含控制字符").map(|r| Some(Remark(r)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(Username::parse("abc").is_ok());
        assert!(Username::parse(&"a".repeat(32)).is_ok());
        for bad in ["ab", "a-b-c", "张三丰", &"a".repeat(33), "abc ", ""] {
            assert!(Username::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn display_names_are_trimmed_and_counted_in_characters() {
        assert_eq!(DisplayName::parse("  张三 ").unwrap().as_str(), "张三");
        assert!(DisplayName::parse(&"张".repeat(32)).is_ok());
        assert!(DisplayName::parse(&"张".repeat(33)).is_err());
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("a\u{7}b").is_err());
    }

    #[test]
    fn message_content_rules() {
        assert_eq!(Content::parse("  hi ", 10).unwrap().as_str(), "  hi ");
        assert!(Content::parse(" \n\t", 10).is_err());
        assert!(Content::parse("", 10).is_err());
        assert!(Content::parse(&"字".repeat(10), 10).is_ok());
        assert!(Content::parse(&"字".repeat(11), 10).is_err());
    }

    #[test]
    fn passwords_and_client_ids() {
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        assert!(ClientMsgId::parse(&"x".repeat(64)).is_ok());
        assert!(ClientMsgId::parse(&"x".repeat(65)).is_err());
    }
}
