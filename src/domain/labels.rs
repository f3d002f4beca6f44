//! Short texts that stand for a message: what the conversation list and a quote show.

use crate::db::messages::{MessageRow, MessageType};

/// The first `max` characters of `text`.
pub fn preview(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// What stands for an image, file or voice note in text (`[图片]`, `[文件] name`, `[语音]
/// 12"`), cut to `max` characters; `""` for a row without one.
pub fn attachment_preview(row: &MessageRow, max: usize) -> String {
    match &row.file {
        Some(file) => preview(&label(row.kind, &file.name, row.duration_ms), max),
        None => String::new(),
    }
}

/// The label of an attachment of `kind` (`""` for text).
pub fn label(kind: MessageType, file_name: &str, duration_ms: Option<i64>) -> String {
    match kind {
        MessageType::Image => "[图片]".to_string(),
        MessageType::File => format!("[文件] {file_name}"),
        MessageType::Voice => {
            let secs = (duration_ms.unwrap_or(0) + 500) / 1000;
            format!("[语音] {secs}\"")
        }
        MessageType::Text => String::new(),
    }
}
