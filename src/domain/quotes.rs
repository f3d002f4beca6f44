//! Quote-reply (引用, API.md §14): which message a send may quote, and how a quote reads for
//! each viewer. A quote is rendered when read, from the quoted message as it is now: recalled
//! since, or hidden from this viewer, it shows as recalled with no content.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;
use serde::Serialize;
use utoipa::ToSchema;

use super::labels;
use super::names::Names;
use crate::db::messages::{self, MessageRow, MessageType, Status};
use crate::error::Error;
use crate::ids::{ConversationId, MessageId, UserId};

/// A quote's content is cut to this many characters.
pub const QUOTE_CHARS: usize = 100;

/// The quoted message as the viewer sees it now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteView {
    pub id: MessageId,
    pub sender_id: UserId,
    /// As in `sender_name` of a message: `我` for the viewer's own.
    #[schema(example = "李四")]
    pub sender_name: String,
    #[serde(rename = "type")]
    pub kind: MessageType,
    /// The first 100 characters of its text; for an image, file or voice note what the
    /// conversation list shows (`[图片]`, `[文件] name`, `[语音] 3"`); `""` once recalled or
    /// hidden from the viewer.
    #[schema(example = "下午一起吃饭？")]
    pub content: String,
    /// `0` normal, `1` recalled (or hidden from the viewer: deleted or cleared).
    pub status: Status,
}

/// The message `quoted` a send into `conversation` by `me` may quote: a normal message of
/// that conversation that `me` can see. Unknown, elsewhere or hidden from `me` is `404
/// 消息不存在`; recalled or a system message is `400 发送失败`.
pub fn check(
    conn: &Connection,
    me: UserId,
    conversation: ConversationId,
    quoted: MessageId,
) -> Result<MessageId, Error> {
    let target = messages::find_for_member(conn, quoted, me)?
        .filter(|t| t.conversation_id == conversation && !t.deleted_by_viewer)
        .ok_or(Error::MessageNotFound)?;
    match target.status {
        Status::Normal => Ok(quoted),
        Status::Recalled => Err(Error::send_failed("引用的消息已撤回")),
        Status::System => Err(Error::send_failed("不能引用系统消息")),
    }
}

/// The quoted messages of a batch of renderings and which of them each viewer may not see.
#[derive(Debug, Default)]
pub struct Quotes {
    rows: HashMap<MessageId, MessageRow>,
    hidden: HashSet<(UserId, MessageId)>,
}

impl Quotes {
    /// Loads what `(viewer, message)` renderings need, in two queries (none when no message
    /// quotes another).
    pub fn load<'a>(
        conn: &Connection,
        renderings: impl IntoIterator<Item = (UserId, &'a MessageRow)>,
    ) -> Result<Quotes, Error> {
        let mut pairs: Vec<(UserId, MessageId)> = renderings
            .into_iter()
            .filter_map(|(viewer, row)| row.reply_to.map(|q| (viewer, q)))
            .collect();
        if pairs.is_empty() {
            return Ok(Quotes::default());
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut ids: Vec<MessageId> = pairs.iter().map(|(_, q)| *q).collect();
        ids.sort_unstable();
        ids.dedup();
        let rows = messages::by_ids(conn, &ids)?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        Ok(Quotes {
            rows,
            hidden: messages::hidden_pairs(conn, &pairs)?,
        })
    }

    /// Whether `quoted` reads differently for `viewer` than for everyone else.
    pub fn personal(&self, viewer: UserId, quoted: Option<MessageId>, names: &Names) -> bool {
        quoted.is_some_and(|q| {
            self.hidden.contains(&(viewer, q))
                || self.rows.get(&q).is_some_and(|r| {
                    r.sender_id == viewer || names.personal(viewer, std::iter::once(r.sender_id))
                })
        })
    }

    /// The quoted messages loaded.
    pub fn rows(&self) -> impl Iterator<Item = &MessageRow> {
        self.rows.values()
    }

    /// The quote of `quoted` for `viewer`; `None` if it no longer exists at all.
    pub fn view(
        &self,
        viewer: UserId,
        quoted: Option<MessageId>,
        names: &Names,
    ) -> Option<QuoteView> {
        let row = self.rows.get(&quoted?)?;
        let visible = row.status == Status::Normal && !self.hidden.contains(&(viewer, row.id));
        let content = if !visible {
            String::new()
        } else if row.kind == MessageType::Text {
            labels::preview(&row.content, QUOTE_CHARS)
        } else {
            labels::attachment_preview(row, QUOTE_CHARS)
        };
        Some(QuoteView {
            id: row.id,
            sender_id: row.sender_id,
            sender_name: if row.sender_id == viewer {
                "我".to_string()
            } else {
                names.shown(viewer, row.sender_id, &row.sender_name)
            },
            kind: row.kind,
            content,
            status: if visible {
                Status::Normal
            } else {
                Status::Recalled
            },
        })
    }
}
