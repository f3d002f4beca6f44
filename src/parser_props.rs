//! Property tests for the pure parsers that see raw client input: ids, message content,
//! pagination parameters, `Last-Event-ID`, and bearer tokens. Each runs a bounded number of
//! generated cases (proptest's default 256) as part of `cargo test`: no input may panic, and
//! what is accepted is exactly what the rules allow.

use proptest::prelude::*;

use crate::auth::Tokens;
use crate::domain::conversations::{parse_page, PageQuery};
use crate::domain::validate;
use crate::events::stream::Resume;
use crate::ids::{ConversationId, MessageId, UserId};

proptest! {
    #[test]
    fn ids_never_panic_and_round_trip(text in "\\PC{0,24}", n in 1i64..i64::MAX / 10) {
        let _ = UserId::parse(&text);
        let _ = ConversationId::parse(&text);
        prop_assert_eq!(MessageId::parse(&MessageId(n).to_string()), Some(MessageId(n)));
        if let Some(id) = UserId::parse(&text) {
            prop_assert_eq!(id.to_string(), text);
        }
    }

    #[test]
    fn message_content_accepts_exactly_the_rules(text in "\\PC{0,40}|[ \\t\\n]{0,5}", max in 1usize..30) {
        let accepted = validate::Content::parse(&text, max).is_ok();
        let allowed = !text.trim().is_empty() && text.chars().count() <= max;
        prop_assert_eq!(accepted, allowed);
    }

    #[test]
    fn pagination_parameters_are_checked_not_trusted(
        limit in proptest::option::of("\\PC{0,6}|[0-9]{1,4}"),
        before in proptest::option::of("\\PC{0,8}|m_[0-9]{1,5}"),
        after in proptest::option::of("\\PC{0,8}|m_[0-9]{1,5}"),
    ) {
        let query = PageQuery { limit: limit.as_deref(), before: before.as_deref(), after: after.as_deref(), around: None };
        if let Ok((_, n)) = parse_page(&query) {
            prop_assert!((1..=200).contains(&n));
            prop_assert!(before.is_none() || after.is_none());
        }
    }

    #[test]
    fn last_event_id_never_panics(raw in proptest::option::of("\\PC{0,24}|[0-9]{1,20}")) {
        match Resume::parse(raw.as_deref()) {
            Resume::After(n) => prop_assert!(n >= 0),
            Resume::Fresh => prop_assert!(raw.as_deref().map(str::trim).unwrap_or("").is_empty()),
            Resume::Invalid => {}
        }
    }

    #[test]
    fn arbitrary_tokens_are_rejected_without_panicking(token in "\\PC{0,200}|[A-Za-z0-9_-]{10,40}\\.[A-Za-z0-9_-]{10,80}\\.[A-Za-z0-9_-]{10,43}") {
        let tokens = Tokens::new(b"proptest-secret-proptest-secret-00", 60, Default::default());
        prop_assert!(tokens.verify(&token).is_none());
    }
}
