//! The dispatcher thread: after each commit, reads the new event rows once, renders them for
//! the users who have streams open, and hands them to the `Hub`. It has its own read-only
//! connection, so neither the writer nor the read pool waits for it.

use std::path::Path;
use std::sync::mpsc;

use rusqlite::Connection;

use super::Hub;
use crate::db;
use crate::domain::events::render_batch;
use crate::domain::files::Links;
use crate::error::Error;

/// Stored events read per round.
const BATCH: u32 = 20_000;

/// Starts the dispatcher on `path`, woken by `commits` (`Db::subscribe_commits`); it ends
/// when the writer does.
pub fn spawn(
    path: &Path,
    hub: Hub,
    links: Links,
    commits: mpsc::Receiver<()>,
) -> Result<(), String> {
    let conn = db::open(path)?;
    conn.execute_batch("PRAGMA query_only = ON;")
        .map_err(|e| format!("cannot configure the database: {e}"))?;
    let seen = db::events::newest_id(&conn).map_err(|e| format!("cannot read events: {e:?}"))?;
    std::thread::Builder::new()
        .name("chatd-events".into())
        .spawn(move || run(conn, commits, hub, links, seen))
        .map_err(|e| format!("cannot start the event dispatcher: {e}"))?;
    Ok(())
}

fn run(conn: Connection, pokes: mpsc::Receiver<()>, hub: Hub, links: Links, mut seen: i64) {
    while pokes.recv().is_ok() {
        while pokes.try_recv().is_ok() {}
        loop {
            match dispatch(&conn, &hub, &links, seen) {
                Ok((next, more)) => {
                    seen = next;
                    if !more {
                        break;
                    }
                }
                Err(e) => {
                    // The streams catch up from storage on their next wake-up or heartbeat.
                    tracing::error!("event dispatch failed: {e:?}");
                    break;
                }
            }
        }
    }
}

/// One round; returns the newest id handled and whether more rows are waiting.
fn dispatch(conn: &Connection, hub: &Hub, links: &Links, seen: i64) -> Result<(i64, bool), Error> {
    let db::events::Batch {
        mut rows,
        last,
        more,
    } = db::events::all_since(conn, seen, BATCH)?;
    let Some(last) = last else {
        return Ok((seen, false));
    };
    // Taken after the read: a stream that subscribes later reads these rows from storage.
    hub.keep_online(&mut rows);
    if !rows.is_empty() {
        let rendered = render_batch(conn, rows, &Default::default(), links)?;
        hub.deliver(rendered);
    }
    Ok((last, more))
}
