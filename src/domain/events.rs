//! Rendering stored events for the user who receives them (API.md §8): messages as the
//! detail view shows them to that viewer, conversations as their list shows them. Rendering
//! happens at delivery from current state, so a replay never shows recalled text.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection};
use serde_json::{json, Map, Value};

use super::conversations::list_items;
use super::render::{self, MessageView};
use crate::db::events::{kind, EventRow};
use crate::db::messages;
use crate::error::Error;
use crate::ids::{MessageId, UserId};

/// An event ready to be written to the stream.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: i64,
    pub kind: String,
    pub data: Value,
}

fn system_message_id(row: &EventRow) -> Option<MessageId> {
    row.data
        .as_ref()
        .and_then(|d| d.get("system_message_id"))
        .and_then(Value::as_i64)
        .map(MessageId)
}

/// Renders `rows` for `viewer`, dropping what they may no longer see: events of
/// conversations they left (other than the removal itself) and messages they deleted.
pub fn render_for(
    conn: &Connection,
    viewer: UserId,
    rows: Vec<EventRow>,
) -> Result<Vec<Outgoing>, Error> {
    let rows: Vec<EventRow> = rows
        .into_iter()
        .filter(|r| r.conversation.is_none() || r.is_member || r.kind == kind::CONVERSATION_REMOVED)
        .collect();
    let mut wanted: Vec<MessageId> = Vec::new();
    for row in &rows {
        match row.kind.as_str() {
            kind::MESSAGE_CREATED => wanted.extend(row.message),
            kind::MESSAGE_RECALLED => wanted.extend(system_message_id(row)),
            _ => {}
        }
    }
    let views = message_views(conn, viewer, &wanted)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let conversation_id = row.conversation.map(|c| c.to_string());
        let data = match row.kind.as_str() {
            kind::MESSAGE_CREATED => {
                let Some(view) = row.message.and_then(|m| views.get(&m)) else {
                    continue;
                };
                json!({ "conversation_id": conversation_id, "message": view })
            }
            kind::MESSAGE_RECALLED => {
                let Some(view) = system_message_id(&row).and_then(|m| views.get(&m)) else {
                    continue;
                };
                json!({
                    "conversation_id": conversation_id,
                    "message_id": row.message.map(|m| m.to_string()),
                    "system_message": view,
                })
            }
            kind::CONVERSATION_CREATED => {
                let Some(item) = row
                    .conversation
                    .map(|c| list_items(conn, viewer, Some(c)))
                    .transpose()?
                    .and_then(|items| items.into_iter().next())
                else {
                    continue;
                };
                serde_json::to_value(item).map_err(Error::internal)?
            }
            _ => {
                let mut data = match row.data {
                    Some(Value::Object(map)) => map,
                    _ => Map::new(),
                };
                if let Some(c) = conversation_id {
                    data.insert("conversation_id".into(), Value::String(c));
                }
                Value::Object(data)
            }
        };
        out.push(Outgoing {
            id: row.id,
            kind: row.kind,
            data,
        });
    }
    Ok(out)
}

/// The given messages rendered for `viewer`, minus those they deleted (two queries).
fn message_views(
    conn: &Connection,
    viewer: UserId,
    ids: &[MessageId],
) -> Result<HashMap<MessageId, MessageView>, Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let raw: Vec<i64> = ids.iter().map(|m| m.0).collect();
    let json_ids = serde_json::to_string(&raw).map_err(Error::internal)?;
    let mut stmt = conn.prepare_cached(
        "SELECT message_id FROM deleted_messages
         WHERE user_id = ?1 AND message_id IN (SELECT value FROM json_each(?2))",
    )?;
    let deleted: HashSet<i64> = stmt
        .query_map(params![viewer.0, json_ids], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let rows = messages::by_ids(conn, ids)?
        .into_iter()
        .filter(|m| !deleted.contains(&m.id.0))
        .collect();
    Ok(render::messages_for(conn, viewer, rows)?
        .into_iter()
        .map(|v| (v.id, v))
        .collect())
}
