//! Rendering stored messages for one viewer (API.md §5 and §7): `sender_name` "我" for the
//! viewer's own messages, system messages as text with the viewer's own name as "你" and
//! current display names joined by "、".

use rusqlite::Connection;
use serde::Serialize;
use utoipa::ToSchema;

use super::files::{file_view, AttachmentView, Links, ViewerLinks};
use super::labels::{label, preview};
use super::names::Names;
use super::quotes::{QuoteView, Quotes};
use crate::db::messages::{MessageRow, MessageType, Status};
use crate::error::Error;
use crate::ids::{MessageId, UserId};
use crate::time::rfc3339_ms;

/// A message as the viewer sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageView {
    pub id: MessageId,
    pub sender_id: UserId,
    /// The sender's current display name, or `我` when the sender is the caller.
    #[schema(example = "李四")]
    pub sender_name: String,
    /// The text as sent; `""` for a recalled message; for a system message its text
    /// rendered for the viewer (e.g. `你撤回了一条消息`).
    #[schema(example = "下午一起吃饭？")]
    pub content: String,
    pub status: Status,
    #[schema(value_type = crate::time::Timestamp)]
    pub created_at: String,
    /// `text`, `image`, `file` or `voice` (system messages are `text`).
    #[serde(rename = "type")]
    pub kind: MessageType,
    /// The upload of an image, file or voice message, with URLs signed for this viewer;
    /// `null` for text, and once recalled.
    pub attachment: Option<AttachmentView>,
    /// The message it quotes, as this viewer sees it now (API.md §14); `null` when none.
    pub reply_to: Option<QuoteView>,
    /// Who it mentions, as sent: user ids, or `["all"]`; `[]` when none.
    #[schema(example = json!(["u_2"]))]
    pub mentions: Vec<String>,
}

/// System-message actions as stored in `messages.action`.
pub mod action {
    pub const CREATED: &str = "created";
    pub const INVITED: &str = "invited";
    pub const REMOVED: &str = "removed";
    pub const LEFT: &str = "left";
    pub const RENAMED: &str = "renamed";
    pub const OWNER_CHANGED: &str = "owner_changed";
    pub const RECALLED: &str = "recalled";
    pub const AVATAR_CHANGED: &str = "avatar_changed";
    pub const ANNOUNCED: &str = "announcement_changed";
    pub const ANNOUNCEMENT_CLEARED: &str = "announcement_cleared";
}

/// Renders rows for `viewer`, looking up the quotes and names they need once.
pub fn messages_for(
    conn: &Connection,
    viewer: UserId,
    rows: Vec<MessageRow>,
    links: &Links,
) -> Result<Vec<MessageView>, Error> {
    let quotes = Quotes::load(conn, rows.iter().map(|r| (viewer, r)))?;
    let names = Names::load(conn, &[viewer], rows.iter().chain(quotes.rows()))?;
    let links = links.for_viewer(viewer);
    Ok(rows
        .into_iter()
        .map(|row| view(viewer, row, &names, &quotes, &links))
        .collect())
}

/// One message as `viewer` sees it; `names` holds the names it shows, `quotes` the message
/// it quotes.
pub fn view(
    viewer: UserId,
    row: MessageRow,
    names: &Names,
    quotes: &Quotes,
    links: &ViewerLinks<'_>,
) -> MessageView {
    let attachment = row
        .file
        .as_ref()
        .filter(|_| row.status == Status::Normal)
        .map(|file| AttachmentView {
            file: file_view(links, file),
            duration_ms: row.duration_ms,
        });
    let content = if row.status == Status::System {
        system_text(viewer, &row, names)
    } else {
        row.content
    };
    let sender_name = if row.sender_id == viewer {
        "我".to_string()
    } else {
        names.shown(viewer, row.sender_id, &row.sender_name)
    };
    MessageView {
        id: row.id,
        sender_id: row.sender_id,
        sender_name,
        content,
        status: row.status,
        created_at: rfc3339_ms(row.created_at),
        kind: row.kind,
        attachment,
        reply_to: quotes.view(viewer, row.reply_to, names),
        mentions: super::mentions::shown(&row.mentions),
    }
}

/// What the conversation list shows for a message: its text, or `[图片]`, `[文件] name`,
/// `[语音] 12"` (API.md §12), cut to `max` characters.
pub fn preview_of(view: &MessageView, max: usize) -> String {
    match &view.attachment {
        Some(a) => preview(&label(view.kind, &a.file.name, a.duration_ms), max),
        None => preview(&view.content, max),
    }
}

/// The §7 template for a system message, for this viewer.
pub fn system_text(viewer: UserId, row: &MessageRow, names: &Names) -> String {
    let actor = if row.sender_id == viewer {
        "你".to_string()
    } else {
        names.shown(viewer, row.sender_id, &row.sender_name)
    };
    let targets = row
        .targets
        .iter()
        .map(|id| {
            if *id == viewer {
                "你".to_string()
            } else {
                names.target(viewer, *id)
            }
        })
        .collect::<Vec<_>>()
        .join("、");
    let name = row.action_name.as_deref().unwrap_or_default();
    match row.action.as_deref().unwrap_or_default() {
        action::CREATED | action::INVITED => format!("{actor}邀请{targets}加入了群聊"),
        action::REMOVED => format!("{actor}将{targets}移出了群聊"),
        action::LEFT => format!("{actor}退出了群聊"),
        action::RENAMED => format!("{actor}修改群名为「{name}」"),
        action::OWNER_CHANGED => format!("{targets}已成为新群主"),
        action::RECALLED => format!("{actor}撤回了一条消息"),
        action::AVATAR_CHANGED => format!("{actor}修改了群头像"),
        action::ANNOUNCED => format!("{actor}更新了群公告"),
        action::ANNOUNCEMENT_CLEARED => format!("{actor}清除了群公告"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ConversationId;

    fn system(actor: i64, action: &str, targets: &[i64], name: Option<&str>) -> MessageRow {
        MessageRow {
            id: MessageId(9),
            conversation_id: ConversationId(1),
            sender_id: UserId(actor),
            sender_name: "张三".into(),
            content: String::new(),
            status: Status::System,
            action: Some(action.into()),
            targets: targets.iter().copied().map(UserId).collect(),
            action_name: name.map(Into::into),
            created_at: 0,
            client_msg_id: None,
            kind: MessageType::Text,
            file: None,
            duration_ms: None,
            reply_to: None,
            mentions: Vec::new(),
        }
    }

    fn names() -> Names {
        let display = [
            (UserId(2), "李四".to_string()),
            (UserId(3), "王五".to_string()),
        ];
        // Viewer 5 calls 张三 "爸爸" and 王五 "小五".
        let remarks = [
            ((UserId(5), UserId(1)), "爸爸".to_string()),
            ((UserId(5), UserId(3)), "小五".to_string()),
        ];
        Names::of(display.into(), remarks.into())
    }

    #[test]
    fn invitation_names_the_viewer_as_you_and_joins_names() {
        let row = system(1, action::CREATED, &[2, 3], None);
        assert_eq!(
            system_text(UserId(2), &row, &names()),
            "张三邀请你、王五加入了群聊"
        );
        assert_eq!(
            system_text(UserId(1), &row, &names()),
            "你邀请李四、王五加入了群聊"
        );
        assert_eq!(
            system_text(UserId(4), &row, &names()),
            "张三邀请李四、王五加入了群聊"
        );
    }

    #[test]
    fn a_remark_replaces_a_name_for_the_viewer_who_set_it_only() {
        let row = system(1, action::CREATED, &[2, 3], None);
        assert_eq!(
            system_text(UserId(5), &row, &names()),
            "爸爸邀请李四、小五加入了群聊"
        );
        assert_eq!(
            system_text(UserId(4), &row, &names()),
            "张三邀请李四、王五加入了群聊"
        );
    }

    #[test]
    fn every_template() {
        let n = names();
        let text = |a, t: &[i64], name| system_text(UserId(4), &system(1, a, t, name), &n);
        assert_eq!(text(action::REMOVED, &[2], None), "张三将李四移出了群聊");
        assert_eq!(text(action::LEFT, &[], None), "张三退出了群聊");
        assert_eq!(
            text(action::RENAMED, &[], Some("家")),
            "张三修改群名为「家」"
        );
        assert_eq!(text(action::OWNER_CHANGED, &[3], None), "王五已成为新群主");
        assert_eq!(text(action::ANNOUNCED, &[], None), "张三更新了群公告");
        assert_eq!(
            text(action::ANNOUNCEMENT_CLEARED, &[], None),
            "张三清除了群公告"
        );
        assert_eq!(text(action::RECALLED, &[], None), "张三撤回了一条消息");
        assert_eq!(text(action::AVATAR_CHANGED, &[], None), "张三修改了群头像");
        let mine = system_text(UserId(1), &system(1, action::RECALLED, &[], None), &n);
        assert_eq!(mine, "你撤回了一条消息");
    }

    #[test]
    fn preview_cuts_characters_not_bytes() {
        assert_eq!(preview(&"字".repeat(150), 100).chars().count(), 100);
        assert_eq!(preview("短", 100), "短");
    }
}
