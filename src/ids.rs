//! Opaque, prefixed ids (`u_…`, `c_…`, `m_…`, `r_…`, `f_…`) over SQLite integer keys.
//! Parsing is strict: the prefix, then a positive decimal number without sign or leading
//! zeros. Anything else is "not found" for that kind of resource, never a 500.
//!
//! Requests carry ids in paths and bodies as [`Given`]: parsed at the edge (Rocket's
//! `FromParam`, serde's `Deserialize`), and turned into the id or that resource's 404 with
//! [`Given::known`] where the rules say the lookup happens.

use std::fmt;
use std::marker::PhantomData;

use rocket::request::FromParam;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// A kind of id: how it is written, and the 404 a malformed or unknown one answers.
pub trait Id: Copy + fmt::Display {
    /// `None` when `text` is not a well-formed id of this kind.
    fn parse(text: &str) -> Option<Self>;
    /// `404 用户不存在`, `404 会话不存在`, …
    fn not_found() -> Error;
}

/// An id as a request gave it (in its path or body): well formed, or known to name nothing.
/// Any string is accepted here, so a malformed id answers the resource's 404 (as the
/// contract says) rather than `400 参数错误`; a body value that is not a string is still 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Given<T>(Option<T>);

impl<T: Id> Given<T> {
    pub fn parse(text: &str) -> Given<T> {
        Given(T::parse(text))
    }

    /// The id, or the resource's 404.
    pub fn known(self) -> Result<T, Error> {
        self.0.ok_or_else(T::not_found)
    }
}

impl<T: Id> From<T> for Given<T> {
    fn from(id: T) -> Given<T> {
        Given(Some(id))
    }
}

impl<'a, T: Id> FromParam<'a> for Given<T> {
    type Error = std::convert::Infallible;

    fn from_param(param: &'a str) -> Result<Self, Self::Error> {
        Ok(Given::parse(param))
    }
}

impl<'de, T: Id> Deserialize<'de> for Given<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Text<T>(PhantomData<T>);
        impl<T: Id> serde::de::Visitor<'_> for Text<T> {
            type Value = Given<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id string")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Given<T>, E> {
                Ok(Given::parse(text))
            }
        }
        d.deserialize_str(Text(PhantomData))
    }
}

macro_rules! id_type {
    ($name:ident, $prefix:literal, $not_found:expr, $what:literal) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// `None` when `text` is not a well-formed id of this kind.
            pub fn parse(text: &str) -> Option<Self> {
                parse_number(text.strip_prefix($prefix)?).map($name)
            }
        }

        impl Id for $name {
            fn parse(text: &str) -> Option<Self> {
                $name::parse(text)
            }
            fn not_found() -> Error {
                $not_found
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{}", $prefix, self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        /// In the OpenAPI document: a string with the prefix and a well-formed number.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .pattern(Some(concat!("^", $prefix, "[1-9][0-9]*$")))
                    .description(Some(concat!(
                        $what,
                        " id: `",
                        $prefix,
                        "` followed by a positive decimal number without leading zeros."
                    )))
                    .examples([concat!($prefix, "1")])
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

id_type!(UserId, "u_", Error::UserNotFound, "User");
id_type!(
    ConversationId,
    "c_",
    Error::ConversationNotFound,
    "Conversation"
);
id_type!(
    MessageId,
    "m_",
    Error::MessageNotFound,
    "Message (system messages too)"
);
id_type!(
    RequestId,
    "r_",
    Error::FriendRequestNotFound,
    "Friend request"
);
id_type!(FileId, "f_", Error::FileNotFound, "File (an upload)");

pub(crate) fn parse_number(digits: &str) -> Option<i64> {
    let well_formed = !digits.is_empty()
        && digits.len() <= 18
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if well_formed {
        digits.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_well_formed_ids_only() {
        assert_eq!(UserId::parse("u_42"), Some(UserId(42)));
        assert_eq!(MessageId::parse("m_1"), Some(MessageId(1)));
        for bad in [
            "",
            "u_",
            "u_0",
            "u_01",
            "u_-1",
            "u_+1",
            "u_1a",
            "c_1",
            "U_1",
            "u_ 1",
            "u_9999999999999999999",
        ] {
            assert_eq!(UserId::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn displays_with_prefix() {
        assert_eq!(ConversationId(7).to_string(), "c_7");
        assert_eq!(serde_json::to_string(&RequestId(3)).unwrap(), "\"r_3\"");
    }

    #[test]
    fn given_ids_accept_any_string_and_answer_their_404() {
        let parsed: Vec<Given<UserId>> =
            serde_json::from_str(r#"["u_7", "u_07", "c_7", ""]"#).unwrap();
        assert_eq!(parsed[0].known().unwrap(), UserId(7));
        for malformed in &parsed[1..] {
            assert!(matches!(malformed.known(), Err(Error::UserNotFound)));
        }
        assert!(
            serde_json::from_str::<Given<UserId>>("7").is_err(),
            "a number is not an id"
        );
        let param = Given::<ConversationId>::from_param("c_x").unwrap();
        assert!(matches!(param.known(), Err(Error::ConversationNotFound)));
    }

    #[test]
    fn file_ids_are_f_prefixed_and_unknown_ones_are_file_not_found() {
        assert_eq!(FileId::parse("f_12"), Some(FileId(12)));
        assert_eq!(FileId(12).to_string(), "f_12");
        for bad in ["f_", "f_012", "u_12", "F_12", "f_12/thumbnail"] {
            assert_eq!(FileId::parse(bad), None, "{bad:?}");
        }
        let param = Given::<FileId>::from_param("f_0").unwrap();
        let error = param.known().unwrap_err();
        assert!(matches!(error, Error::FileNotFound));
        assert_eq!(
            (error.status().code, &*error.message()),
            (404, "文件不存在")
        );
    }
}
