//! Schema changes only through refinery migrations embedded from `migrations/`.

use std::path::Path;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The migration that (re)builds the message search indexes over every stored message.
const SEARCH_INDEX_VERSION: i64 = 10;

/// Applies pending migrations; returns the names of those applied (empty when up to date).
/// Building the search index is the one that takes a while on a large database: it says so
/// before it starts, and how long it took.
pub fn run(path: &Path) -> Result<Vec<String>, String> {
    let mut conn = super::open(path)?;
    let indexing =
        messages_to_index(&conn).map_err(|e| format!("reading {} failed: {e}", path.display()))?;
    if let Some(count) = indexing {
        tracing::info!(
            "building the message search index over {count} messages (about 20 s per million on a small machine)…"
        );
    }
    let started = std::time::Instant::now();
    let report = embedded::migrations::runner()
        .run(&mut conn)
        .map_err(|e| format!("migrating {} failed: {e}", path.display()))?;
    if indexing.is_some() {
        tracing::info!(
            "search index built in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(report
        .applied_migrations()
        .iter()
        .map(|m| m.to_string())
        .collect())
}

/// How many messages the search index migration will read, when it is still to run on a
/// database that has messages.
fn messages_to_index(conn: &rusqlite::Connection) -> rusqlite::Result<Option<i64>> {
    let has = |table: &str| -> rusqlite::Result<bool> {
        conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
            [table],
            |r| r.get(0),
        )
    };
    if !has("messages")? || !has("refinery_schema_history")? {
        return Ok(None);
    }
    let version: Option<i64> = conn.query_row(
        "SELECT MAX(version) FROM refinery_schema_history",
        [],
        |r| r.get(0),
    )?;
    if version.unwrap_or(0) >= SEARCH_INDEX_VERSION {
        return Ok(None);
    }
    let count: i64 = conn.query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0))?;
    Ok((count > 0).then_some(count))
}
