//! Typing (API.md §14): "对方正在输入…". Ephemeral: handed straight to the other members'
//! open streams, never stored, so never replayed (the frames carry no `id`, leaving a
//! client's `Last-Event-ID` where it was). At most one per user and conversation every
//! [`TYPING_EVERY_MS`]; more are accepted and dropped.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::json;

use super::Hub;
use crate::db::conversations as convs;
use crate::db::events::kind::TYPING;
use crate::db::Db;
use crate::domain::events::Outgoing;
use crate::error::Error;
use crate::ids::{ConversationId, UserId};
use crate::sync::Recover;

/// The shortest gap between two `typing` events of one user in one conversation.
pub const TYPING_EVERY_MS: i64 = 3_000;

/// When each user last typed in each conversation (entries older than the gap are pruned
/// as the map grows, so it holds about who typed in the last few seconds).
#[derive(Default)]
pub struct Typing {
    last: Mutex<HashMap<(UserId, ConversationId), i64>>,
}

impl Typing {
    /// Whether a `typing` event may go out now, remembering it if so.
    fn allow(&self, user: UserId, conversation: ConversationId, now: i64) -> bool {
        let mut last = self.last.recover();
        if last.len() >= 4096 {
            last.retain(|_, at| now - *at < TYPING_EVERY_MS);
        }
        match last.get(&(user, conversation)) {
            Some(at) if now - *at < TYPING_EVERY_MS => false,
            _ => {
                last.insert((user, conversation), now);
                true
            }
        }
    }
}

/// `me` is typing in `id`: the other members' open streams get `typing` `{conversation_id,
/// user_id}`, at most once per [`TYPING_EVERY_MS`]. `404 会话不存在` when `me` is not a member.
pub async fn typing(
    db: &Db,
    hub: &Hub,
    typing: &Typing,
    me: UserId,
    id: ConversationId,
) -> Result<(), Error> {
    let members = db.read(move |conn| convs::member_ids(conn, id)).await?;
    if !members.contains(&me) {
        return Err(Error::ConversationNotFound);
    }
    if !typing.allow(me, id, db.clock().now_ms()) {
        return Ok(());
    }
    let data = json!({ "conversation_id": id, "user_id": me }).to_string();
    // (Members without an open stream are skipped by the hub.)
    hub.deliver(
        members
            .into_iter()
            .filter(|u| *u != me)
            .map(|u| (u, Outgoing::ephemeral(TYPING, &data)))
            .collect(),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_event_per_gap_per_user_and_conversation() {
        let t = Typing::default();
        let (a, b, c) = (UserId(1), UserId(2), ConversationId(1));
        assert!(t.allow(a, c, 0));
        assert!(!t.allow(a, c, 2_999));
        assert!(t.allow(b, c, 2_999), "another user is counted apart");
        assert!(
            t.allow(a, ConversationId(2), 10),
            "another conversation too"
        );
        assert!(t.allow(a, c, 3_000));
    }
}
