//! Rendering stored events for the users who receive them (API.md §8): messages as the
//! detail view shows them to that viewer, conversations as their list shows them. Rendering
//! happens at delivery from current state, so a replay never shows recalled text. One batch
//! may hold events of many users (the live dispatcher) or of one (a replay): the messages and
//! names they need are loaded once for the whole batch.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rusqlite::Connection;
use serde_json::{json, Map, Value};

use super::conversations::list_items;
use super::files::Links;
use super::names::Names;
use super::quotes::Quotes;
use super::render;
use crate::db::events::{kind, EventRow};
use crate::db::messages::{self, MessageRow};
use crate::error::Error;
use crate::ids::{FileId, MessageId, UserId};

/// An event ready to be written to a stream: its data already serialized, and shared by
/// every viewer who sees the same text.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: i64,
    pub kind: String,
    pub data: Arc<str>,
}

impl Outgoing {
    /// The `id` of an event that is not stored (typing): sent without an `id` line.
    pub const EPHEMERAL: i64 = 0;

    /// An event that is never stored nor replayed.
    pub fn ephemeral(kind: &str, data: &str) -> Outgoing {
        Outgoing {
            id: Outgoing::EPHEMERAL,
            kind: kind.to_string(),
            data: Arc::from(data),
        }
    }
}

fn serialize(value: &Value) -> Arc<str> {
    Arc::from(value.to_string())
}

fn system_message_id(row: &EventRow) -> Option<MessageId> {
    row.data
        .as_ref()
        .and_then(|d| d.get("system_message_id"))
        .and_then(Value::as_i64)
        .map(MessageId)
}

/// A replay for one viewer: drops what they may no longer see (events of conversations they
/// left, other than the removal itself, and messages they deleted).
pub fn render_for(
    conn: &Connection,
    viewer: UserId,
    rows: Vec<EventRow>,
    links: &Links,
) -> Result<Vec<Outgoing>, Error> {
    let rows: Vec<(UserId, EventRow)> = rows
        .into_iter()
        .filter(|r| r.conversation.is_none() || r.is_member || r.kind == kind::CONVERSATION_REMOVED)
        .map(|r| (viewer, r))
        .collect();
    let ids: Vec<MessageId> = rows.iter().flat_map(|(_, r)| message_ids(r)).collect();
    let hidden = messages::deleted_among(conn, viewer, &ids)?;
    Ok(render_batch(conn, rows, &hidden, links)?
        .into_iter()
        .map(|(_, out)| out)
        .collect())
}

fn message_ids(row: &EventRow) -> Option<MessageId> {
    match row.kind.as_str() {
        kind::MESSAGE_CREATED => row.message,
        kind::MESSAGE_RECALLED => system_message_id(row),
        _ => None,
    }
}

/// Renders each `(viewer, event)` for its viewer; messages in `hidden` are skipped. Loads
/// the messages and names of the whole batch in two queries; `conversation.created` costs
/// one list query per event (it is rare).
pub fn render_batch(
    conn: &Connection,
    rows: Vec<(UserId, EventRow)>,
    hidden: &HashSet<MessageId>,
    links: &Links,
) -> Result<Vec<(UserId, Outgoing)>, Error> {
    let mut wanted: Vec<MessageId> = rows.iter().flat_map(|(_, r)| message_ids(r)).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let loaded: HashMap<MessageId, MessageRow> = if wanted.is_empty() {
        HashMap::new()
    } else {
        messages::by_ids(conn, &wanted)?
            .into_iter()
            .map(|m| (m.id, m))
            .collect()
    };
    let quotes = Quotes::load(
        conn,
        rows.iter().filter_map(|(viewer, r)| {
            let m = message_ids(r).and_then(|id| loaded.get(&id))?;
            Some((*viewer, m))
        }),
    )?;
    let viewers: Vec<UserId> = rows.iter().map(|(viewer, _)| *viewer).collect();
    let names = Names::load(conn, &viewers, loaded.values().chain(quotes.rows()))?;
    // A message reads the same for every viewer except its sender ("我") and the users its
    // system text names ("你"): render and serialize once per distinct reading.
    let mut memo: HashMap<(bool, MessageId, Option<UserId>), Arc<str>> = HashMap::new();
    let mut message_event = |viewer: UserId, row: &EventRow, id: Option<MessageId>| {
        let m = id
            .filter(|m| !hidden.contains(m))
            .and_then(|m| loaded.get(&m))?;
        // Attachments carry URLs signed for each viewer.
        let personal = (m.sender_id == viewer
            || m.targets.contains(&viewer)
            || m.file.is_some()
            || quotes.personal(viewer, m.reply_to, &names)
            || names.personal(
                viewer,
                std::iter::once(m.sender_id).chain(m.targets.iter().copied()),
            ))
        .then_some(viewer);
        let key = (row.kind == kind::MESSAGE_CREATED, m.id, personal);
        if let Some(text) = memo.get(&key) {
            return Some(text.clone());
        }
        // `loaded` serves every viewer of the batch: render from a copy.
        let view = render::view(
            viewer,
            m.clone(),
            &names,
            &quotes,
            &links.for_viewer(viewer),
        );
        let conversation_id = row.conversation.map(|c| c.to_string());
        let value = if row.kind == kind::MESSAGE_CREATED {
            let mut value = json!({ "conversation_id": conversation_id, "message": view });
            // The sender's own devices match the echo to their pending copy by this key.
            if let Some(key) = m.client_msg_id.as_ref().filter(|_| m.sender_id == viewer) {
                value["client_msg_id"] = Value::String(key.clone());
            }
            value
        } else {
            json!({
                "conversation_id": conversation_id,
                "message_id": row.message.map(|m| m.to_string()),
                "system_message": view,
            })
        };
        let text = serialize(&value);
        memo.insert(key, text.clone());
        Some(text)
    };
    let mut out = Vec::with_capacity(rows.len());
    for (viewer, row) in rows {
        let data = match row.kind.as_str() {
            kind::MESSAGE_CREATED | kind::MESSAGE_RECALLED => {
                let Some(text) = message_event(viewer, &row, message_ids(&row)) else {
                    continue;
                };
                text
            }
            kind::CONVERSATION_CREATED => {
                let Some(item) = row
                    .conversation
                    .map(|c| list_items(conn, viewer, Some(&[c]), links))
                    .transpose()?
                    .and_then(|items| items.into_iter().next())
                else {
                    continue;
                };
                serialize(&serde_json::to_value(item).map_err(Error::internal)?)
            }
            _ => {
                let mut data = match row.data {
                    Some(Value::Object(map)) => map,
                    _ => Map::new(),
                };
                if let Some(c) = row.conversation {
                    data.insert("conversation_id".into(), Value::String(c.to_string()));
                }
                // An avatar is stored as its upload and shown as a URL signed for the viewer.
                if let Some(avatar) = data.remove("avatar_file_id") {
                    let url = links
                        .for_viewer(viewer)
                        .avatar(avatar.as_str().and_then(FileId::parse));
                    data.insert("avatar_url".into(), url.into());
                }
                serialize(&Value::Object(data))
            }
        };
        out.push((
            viewer,
            Outgoing {
                id: row.id,
                kind: row.kind,
                data,
            },
        ));
    }
    Ok(out)
}
