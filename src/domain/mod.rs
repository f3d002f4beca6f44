//! The rules of chatd, free of Rocket types: who may do what, validation of input, and
//! rendering of messages for one viewer. Handlers call these; these call `db`.

pub mod accounts;
pub mod avatars;
pub mod conversations;
pub mod events;
pub mod files;
pub mod forward;
pub mod friends;
pub mod groups;
pub mod history;
pub mod labels;
pub mod members;
pub mod mentions;
pub mod messages;
pub mod names;
pub mod notifications;
pub mod pages;
pub mod quotes;
pub mod render;
pub mod search;
pub mod validate;

use crate::db::conversations::{self as convs, Membership};
use crate::error::Error;
use crate::ids::{ConversationId, UserId};

/// The caller's membership, or `404 会话不存在` (not a member and no such conversation look
/// the same to the caller).
pub(crate) fn member_of(
    conn: &rusqlite::Connection,
    id: ConversationId,
    me: UserId,
) -> Result<Membership, Error> {
    convs::membership(conn, id, me)?.ok_or(Error::ConversationNotFound)
}
