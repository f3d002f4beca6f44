//! Opaque, prefixed ids (`u_…`, `c_…`, `m_…`, `r_…`) over SQLite integer keys.
//! Parsing is strict: the prefix, then a positive decimal number without sign or leading
//! zeros. Anything else is "not found" for that kind of resource, never a 500.

use std::fmt;

use serde::{Serialize, Serializer};

macro_rules! id_type {
    ($name:ident, $prefix:literal) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// `None` when `text` is not a well-formed id of this kind.
            pub fn parse(text: &str) -> Option<Self> {
                parse_number(text.strip_prefix($prefix)?).map($name)
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
    };
}

id_type!(UserId, "u_");
id_type!(ConversationId, "c_");
id_type!(MessageId, "m_");
id_type!(RequestId, "r_");

fn parse_number(digits: &str) -> Option<i64> {
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
}
