//! Sending, recalling and deleting messages (API.md §6).

use serde::Serialize;
use utoipa::ToSchema;

use super::files::{own_upload, NOT_YOUR_UPLOAD};
use super::mentions::{self, Mention};
use super::quotes;
use super::render;
use super::validate::{ClientMsgId, Content};
use crate::config::Config;
use crate::db::conversations::{self as convs, Kind, Membership};
use crate::db::events::{self, kind, NewEvent};
use crate::db::messages::{self, MessageType, Status};
use crate::db::{self, Db};
use crate::error::Error;
use crate::ids::{ConversationId, FileId, Given, MessageId, UserId};
use crate::media::store::MediaStore;
use crate::time::rfc3339_ms;

/// A sent message (or, on a retry with the same `client_msg_id`, the original one).
#[derive(Debug, Serialize, ToSchema)]
pub struct Sent {
    pub message_id: MessageId,
    #[schema(value_type = crate::time::Timestamp)]
    pub created_at: String,
}

/// A send request: its conversation parsed, its body still to be checked.
#[derive(Debug)]
pub struct Draft<'a> {
    pub conversation_id: ConversationId,
    pub body: DraftBody<'a>,
    pub client_msg_id: Option<&'a str>,
    /// The quoted message, if any (checked in the transaction).
    pub reply_to: Option<Given<MessageId>>,
    /// Who it mentions (checked in the transaction).
    pub mentions: Vec<Mention>,
}

/// What a send carries.
#[derive(Debug)]
pub enum DraftBody<'a> {
    Text(&'a str),
    /// An image, file or voice note: the upload (`None` when the id was malformed) and a
    /// voice note's length.
    Upload {
        kind: MessageType,
        file: Option<FileId>,
        duration_ms: Option<i64>,
    },
}

/// The longest voice note (API.md §12).
pub const MAX_VOICE_MS: i64 = 60_000;

pub async fn send(db: &Db, config: &Config, me: UserId, draft: Draft<'_>) -> Result<Sent, Error> {
    let conversation = draft.conversation_id;
    let (content, upload) = match draft.body {
        DraftBody::Text(text) => (
            Content::parse(text, config.max_message_chars)?.into_string(),
            None,
        ),
        DraftBody::Upload {
            kind,
            file,
            duration_ms,
        } => {
            let voice_ok = duration_ms.is_some_and(|ms| (1..=MAX_VOICE_MS).contains(&ms));
            if kind == MessageType::Voice && !voice_ok {
                return Err(Error::send_failed("语音时长须为1–60000毫秒"));
            }
            let duration_ms = duration_ms.filter(|_| kind == MessageType::Voice);
            (String::new(), Some((kind, file, duration_ms)))
        }
    };
    let client_id = draft
        .client_msg_id
        .map(ClientMsgId::parse)
        .transpose()?
        .map(ClientMsgId::into_string);
    let reply_to = draft.reply_to.map(Given::known).transpose()?;
    let mentions = draft.mentions;
    let require_friendship = config.require_friendship;
    // Membership, friendship, the retry check and the insert commit together.
    let clock = db.clock();
    let (id, at) = db
        .write(move |conn| {
            let text = Text {
                content: &content,
                client_id: client_id.as_deref(),
                upload,
                reply_to,
                mentions: &mentions,
            };
            send_in(
                conn,
                me,
                conversation,
                text,
                require_friendship,
                clock.now_ms(),
            )
        })
        .await?;
    Ok(Sent {
        message_id: id,
        created_at: rfc3339_ms(at),
    })
}

/// A checked message text and its retry key; for an image, file or voice note, its type,
/// upload and length (checked against the upload in the transaction).
pub struct Text<'a> {
    pub content: &'a str,
    pub client_id: Option<&'a str>,
    pub upload: Option<(MessageType, Option<FileId>, Option<i64>)>,
    pub reply_to: Option<MessageId>,
    pub mentions: &'a [Mention],
}

/// The upload a message may carry: the caller's own, and of the right kind.
fn attachable(
    conn: &rusqlite::Connection,
    me: UserId,
    kind: MessageType,
    file: Option<FileId>,
) -> Result<FileId, Error> {
    let row = own_upload(conn, me, file)?.ok_or_else(|| Error::send_failed(NOT_YOUR_UPLOAD))?;
    let audio =
        row.mime.starts_with("audio/") || matches!(row.mime.as_str(), "video/webm" | "video/mp4");
    match kind {
        MessageType::Image if !row.is_image() => Err(Error::send_failed("不是图片")),
        MessageType::Voice if !audio => Err(Error::send_failed("不是音频")),
        _ => Ok(row.id),
    }
}

/// The transaction of `send` (also `chatd seed`'s): the message's id and time (the
/// original's for a retry).
pub fn send_in(
    conn: &rusqlite::Connection,
    me: UserId,
    conversation: ConversationId,
    text: Text<'_>,
    require_friendship: bool,
    now: i64,
) -> Result<(MessageId, i64), Error> {
    let member = super::member_of(conn, conversation, me)?;
    if let Some(client_id) = text.client_id {
        if let Some(original) = messages::find_by_client_id(conn, conversation, me, client_id)? {
            return Ok(original);
        }
    }
    check_friendship(conn, me, &member, require_friendship)?;
    let reply_to = text
        .reply_to
        .map(|quoted| quotes::check(conn, me, conversation, quoted))
        .transpose()?;
    let mentions = mentions::check(conn, me, conversation, &member, text.mentions)?;
    let (kind, file, duration_ms) = match text.upload {
        Some((kind, file, duration_ms)) => {
            (kind, Some(attachable(conn, me, kind, file)?), duration_ms)
        }
        None => (MessageType::Text, None, None),
    };
    let attached = messages::Attached {
        kind,
        file,
        duration_ms,
        reply_to,
        mentions,
    };
    let id = store(
        conn,
        me,
        conversation,
        text.content,
        &attached,
        text.client_id,
        now,
    )?;
    Ok((id, now))
}

/// A private chat whose friendship has ended takes no messages (when friendship is
/// required): `403 对方不是你的好友`.
pub fn check_friendship(
    conn: &rusqlite::Connection,
    me: UserId,
    member: &Membership,
    require_friendship: bool,
) -> Result<(), Error> {
    if !require_friendship || member.kind != Kind::Private {
        return Ok(());
    }
    let friends = match member.other {
        Some(other) => db::friends::are_friends(conn, me, other)?,
        None => false,
    };
    if friends {
        Ok(())
    } else {
        Err(Error::NotFriends)
    }
}

/// Stores a checked message from `me`: the row, their read marker past it, its event.
pub fn store(
    conn: &rusqlite::Connection,
    me: UserId,
    conversation: ConversationId,
    content: &str,
    attached: &messages::Attached,
    client_id: Option<&str>,
    now: i64,
) -> Result<MessageId, Error> {
    let id = messages::insert_with(conn, conversation, me, content, attached, client_id, now)?;
    convs::advance_read_marker(conn, conversation, me, id)?;
    events::message_created(conn, conversation, id, now)?;
    Ok(id)
}

/// A recalled message.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recalled {
    /// The system message recording the recall.
    pub system_message_id: MessageId,
}

/// Recalls the caller's own normal message within the recall window: its text is erased
/// and a system message takes its place in the conversation's flow.
pub async fn recall(
    db: &Db,
    config: &Config,
    me: UserId,
    media: &MediaStore,
    id: MessageId,
) -> Result<Recalled, Error> {
    let window_ms = i64::try_from(config.recall_window_secs)
        .unwrap_or(i64::MAX / 1000)
        .saturating_mul(1000);
    let clock = db.clock();
    let recalled = db
        .write_freeing(move |conn| {
            let target = messages::find_for_member(conn, id, me)?
                .filter(|t| !t.deleted_by_viewer)
                .ok_or(Error::MessageNotFound)?;
            let now = clock.now_ms();
            let in_window = now < target.created_at.saturating_add(window_ms);
            if target.sender_id != me || target.status != Status::Normal || !in_window {
                return Err(Error::RecallRefused);
            }
            let released = match messages::mark_recalled(conn, id)? {
                Some(file) => db::files::release(conn, file)?,
                None => Vec::new(),
            };
            let system = messages::insert_system(
                conn,
                target.conversation_id,
                me,
                render::action::RECALLED,
                &[],
                None,
                now,
            )?;
            convs::advance_read_marker(conn, target.conversation_id, me, system)?;
            let event = NewEvent::new(kind::MESSAGE_RECALLED)
                .message(id)
                .data(serde_json::json!({ "system_message_id": system.0 }));
            events::to_members(conn, target.conversation_id, &event, now)?;
            Ok((
                Recalled {
                    system_message_id: system,
                },
                released,
            ))
        })
        .await?;
    let (recalled, released) = recalled;
    // The rows no longer lead to these contents (committed above): remove the bytes. A crash
    // before this leaves unreachable bytes, which the media sweep removes.
    super::files::remove_contents(media, &released).await;
    // The old text may still sit in WAL frames: checkpoint them away before answering. The
    // recall itself is committed either way, so a failure here is logged, not returned.
    if let Err(e) = db.truncate_wal().await {
        tracing::warn!("recall committed, but the WAL could not be truncated yet: {e}");
    }
    Ok(recalled)
}

/// Hides a message from the caller only. Idempotent.
pub async fn delete_for_me(db: &Db, me: UserId, id: MessageId) -> Result<(), Error> {
    let clock = db.clock();
    db.write_freeing(move |conn| {
        let target = messages::find_for_member(conn, id, me)?.ok_or(Error::MessageNotFound)?;
        messages::delete_for(conn, me, id)?;
        let unread = convs::unread_count(conn, target.conversation_id, me)?;
        let mentioned = convs::mentioned(conn, target.conversation_id, me)?;
        let event = NewEvent::new(kind::CONVERSATION_UPDATED)
            .conversation(target.conversation_id)
            .data(serde_json::json!({
                "unread_count": unread,
                "mentioned": mentioned,
                "deleted_message_id": id,
            }));
        events::to_users(conn, &[me], &event, clock.now_ms())
    })
    .await
}
