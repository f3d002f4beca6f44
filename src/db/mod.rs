//! Storage: one SQLite file in WAL mode, many readers and one writer.
//!
//! * Readers come from an r2d2 pool of `query_only` connections; `Db::read` runs the closure
//!   on Tokio's blocking pool, never on an async worker.
//! * Writes have one owner, the writer thread (`writer.rs`). `Db::write` sends it a closure
//!   and awaits the answer, which arrives only after the transaction holding that closure's
//!   changes has committed (group commit: one transaction and one fsync for every write that
//!   was waiting). Because there is only one writing connection, no user ever sees
//!   SQLITE_BUSY.
//! * The table-family modules hold plain, parameterized SQL in functions taking
//!   `&Connection`, usable from both sides.

/// SQL: message `$message` is hidden from `$viewer`, whose history is cleared up to
/// `$cleared` in its conversation: they deleted it for themselves, or cleared the history up
/// to it (`members.cleared_upto`). The one home of the rule every query of visible messages
/// applies, as `NOT hidden_past!(…)` where the query has the viewer's `members` row at hand,
/// else through `hidden_from!`.
macro_rules! hidden_past {
    ($viewer:literal, $message:literal, $cleared:expr) => {
        concat!(
            "(EXISTS (SELECT 1 FROM deleted_messages d WHERE d.user_id = ",
            $viewer,
            " AND d.message_id = ",
            $message,
            ") OR ",
            $message,
            " <= ",
            $cleared,
            ")"
        )
    };
}

/// SQL: message `$message` of conversation `$conversation` is hidden from `$viewer`
/// (`hidden_past!`, with the viewer's marker looked up). Pass the conversation as a parameter
/// (`?1`) where the query has one: the marker's lookup is then evaluated once per statement
/// instead of once per row (measured: about 900 ns a row correlated, 80 ns not).
macro_rules! hidden_from {
    ($viewer:literal, $message:literal, $conversation:literal) => {
        $crate::db::hidden_past!(
            $viewer,
            $message,
            concat!(
                "IFNULL((SELECT hm.cleared_upto FROM members hm WHERE hm.conversation_id = ",
                $conversation,
                " AND hm.user_id = ",
                $viewer,
                "), 0)"
            )
        )
    };
}

/// SQL: message `x` of conversation `$conversation` counts as unread for `$user` whose read
/// marker is `$marker`: a normal message from someone else, after the marker, not hidden
/// from the user. The one home of the
/// rule behind every stored unread count.
macro_rules! unread_for {
    ($user:literal, $marker:literal, $conversation:literal) => {
        concat!(
            "x.status = 0 AND x.sender_id != ",
            $user,
            " AND x.id > ",
            $marker,
            " AND NOT ",
            $crate::db::hidden_from!($user, "x.id", $conversation)
        )
    };
}

/// SQL: the name `$viewer` sees for user `$user` (a `users` row alias): their remark for
/// that user (备注) if they set one, else the user's display name. The one home of the rule.
macro_rules! name_for {
    ($viewer:literal, $user:literal) => {
        concat!(
            "COALESCE((SELECT fr.remark FROM friendships fr WHERE fr.user_id = ",
            $viewer,
            " AND fr.friend_id = ",
            $user,
            ".id), ",
            $user,
            ".display_name)"
        )
    };
}

pub(crate) use {hidden_from, hidden_past, unread_for};

/// A column holding one of a closed set of values (the migrations' `CHECK`s and comments): a
/// Rust enum written and read through rusqlite and serialized as its stored value. An unknown
/// stored value is a corrupt row, reported as an error, never read as some default.
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident: $ty:ty, read by $read:ident {
            $($(#[$vmeta:meta])* $variant:ident = $value:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, by variant name (published in `GET /api/info` where clients
            /// need them).
            pub const ALL: &'static [(&'static str, $name)] =
                &[$((stringify!($variant), $name::$variant)),+];

            /// The value as stored (and as the API shows it).
            pub const fn stored(self) -> $ty {
                match self {
                    $($name::$variant => $value),+
                }
            }
        }

        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.stored().into())
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                match value.$read()? {
                    $($value => Ok($name::$variant),)+
                    other => Err(rusqlite::types::FromSqlError::Other(
                        format!(concat!("unknown ", stringify!($name), " {:?}"), other).into(),
                    )),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.stored().serialize(s)
            }
        }

        /// In the OpenAPI document: one of the stored values, each named.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let values = [$(serde_json::json!($value)),+];
                let kind = if values.iter().all(serde_json::Value::is_string) {
                    utoipa::openapi::schema::Type::String
                } else {
                    utoipa::openapi::schema::Type::Integer
                };
                let names = [$(format!("`{}` {}", $value, stringify!($variant))),+];
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(kind)
                    .enum_values(Some(values))
                    .description(Some(names.join(", ")))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

pub mod conversations;
pub mod events;
pub mod files;
pub mod friends;
pub mod history;
pub mod messages;
pub mod migrate;
pub mod notify;
pub mod reserve;
pub mod search;
pub mod users;
mod writer;

use std::path::Path;
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;

use crate::config::Replication;
use crate::error::Error;
use crate::time::Clock;
pub use writer::Writer;

pub type Pool = r2d2::Pool<SqliteConnectionManager>;

/// Statements through each connection's prepared-statement cache: parsing SQL was a
/// visible share of the profile (see bench/RESULTS.md), and chatd runs a small fixed set of
/// statements over and over.
pub trait Cached {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    fn row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

/// Distinct statements chatd prepares; the cache holds them all.
///
/// Note for new SQL: write a bound `LIMIT` as `LIMIT ?N + 0`. SQLite re-prepares a cached
/// statement on every run when its LIMIT is a bare parameter (measured: the page query was
/// re-parsed on each request, a fifth of the read path's CPU); the expression form is
/// evaluated the same way and keeps the prepared plan.
const STATEMENT_CACHE: usize = 256;

/// Cheap to clone; shared through Rocket's managed state.
#[derive(Clone)]
pub struct Db {
    readers: Pool,
    writer: Writer,
    path: std::path::PathBuf,
    reserve: std::sync::Arc<reserve::DiskReserve>,
    clock: Clock,
    replication: Replication,
}

/// Settings every connection gets. `synchronous=FULL`: a commit is on disk (fsync of the
/// WAL) before the writer answers, so an acknowledged write survives a crash of the process
/// and of the machine. Group commit keeps that affordable. (The writer may be configured to
/// `NORMAL`, `sqlite_synchronous`, which still survives a crash of the process.)
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    search::define_functions(conn)?;
    // mmap: reads of a database larger than the page cache come from the OS's cache without
    // a read() per page (the 1M-message benchmark lost a third of its list throughput to
    // them). 256 MiB of address space, not of memory.
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = FULL;
         PRAGMA mmap_size = 268435456;",
    )
}

/// Opens (creating if needed) the database file with WAL on, for migrations, the writer and
/// the command-line tools.
pub fn open(path: &Path) -> Result<Connection, String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the database folder {}: {e}", dir.display()))?;
    }
    let fail = |e: rusqlite::Error| format!("cannot open the database {}: {e}", path.display());
    let conn = Connection::open(path).map_err(fail)?;
    configure(&conn).map_err(fail)?;
    // WAL is a property of the file: set once, every later connection uses it.
    let mode: String = conn
        .row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(fail)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(format!(
            "cannot open the database {}: WAL mode unavailable ({mode})",
            path.display()
        ));
    }
    Ok(conn)
}

impl Db {
    /// Opens the pool and starts the writer. The schema must already be migrated.
    pub fn start(config: &crate::config::Config, clock: Clock) -> Result<Db, String> {
        let (path, readers) = (config.database_path.as_path(), config.db_readers);
        let writer_conn = open(path)?;
        // Recalled text is overwritten on disk, not only unlinked (API.md §6: "gone from
        // storage too").
        let synchronous = config.sqlite_synchronous.pragma();
        // Under Litestream only Litestream checkpoints (`Replication::Litestream`); readers
        // never write, so never checkpoint.
        let autocheckpoint = match config.replication {
            Replication::None => 1000,
            Replication::Litestream => 0,
        };
        writer_conn
            .execute_batch(&format!(
                "PRAGMA secure_delete = ON; PRAGMA synchronous = {synchronous};
                 PRAGMA wal_autocheckpoint = {autocheckpoint};"
            ))
            .map_err(|e| format!("cannot configure the database: {e}"))?;
        let manager = SqliteConnectionManager::file(path).with_init(|conn| {
            configure(conn)?;
            conn.execute_batch("PRAGMA query_only = ON;")
        });
        let readers = r2d2::Pool::builder()
            .max_size(readers)
            .min_idle(Some(1))
            // Connections are local files, not sockets: no liveness probe per checkout.
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| format!("cannot open the database {}: {e}", path.display()))?;
        Ok(Db {
            readers,
            writer: Writer::spawn(writer_conn, config.replication == Replication::None)?,
            path: path.to_path_buf(),
            reserve: std::sync::Arc::new(reserve::DiskReserve::new(path, config.min_free_disk_mb)),
            clock,
            replication: config.replication,
        })
    }

    /// How many write batches have committed (`Writer::generation`).
    pub fn generation(&self) -> u64 {
        self.writer.generation()
    }

    /// The server's clock (a cheap copy, to move into a write).
    pub fn clock(&self) -> Clock {
        self.clock.clone()
    }

    /// Finishes the queued writes, folds the WAL into the database file and stops the
    /// writer (see `Writer::close`); whether the WAL was folded.
    pub async fn close(&self) -> Result<bool, Error> {
        self.writer.close().await
    }

    /// Told after every commit (see `Writer::subscribe_commits`).
    pub fn subscribe_commits(&self) -> std::sync::mpsc::Receiver<()> {
        self.writer.subscribe_commits()
    }

    /// Runs a read on a pooled connection, off the async workers.
    pub async fn read<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    {
        let pool = self.readers.clone();
        rocket::tokio::task::spawn_blocking(move || {
            let conn = pool.get()?;
            f(&conn)
        })
        .await
        .map_err(|e| Error::internal(format!("read task failed: {e}")))?
    }

    /// Runs `f` on the writer inside a savepoint of the current group transaction. `Err`
    /// undoes exactly `f`'s changes; `Ok` is returned once the transaction is durable.
    /// Refused with `507` while the disk is below its reserve (`reserve::DiskReserve`).
    pub async fn write<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    {
        self.reserve.check()?;
        self.writer.run(f).await
    }

    /// `write` for changes that free space or only mark (deletes, recalls, leaving, logout,
    /// read markers): these go on below the disk reserve.
    pub async fn write_freeing<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    {
        self.writer.run(f).await
    }
}

impl Db {
    /// Copies the WAL into the database file and truncates it, so that text erased by a
    /// committed change (a recall) no longer lingers in old WAL frames. Runs on its own short
    /// connection off the async workers; retries a few times if readers hold old snapshots.
    ///
    /// Under Litestream it does nothing: folding frames away before Litestream has copied
    /// them is what its guidance rules out. The text then leaves the WAL at Litestream's next
    /// checkpoint and the replica when its retention drops the files that held it (README,
    /// "Replication").
    pub async fn truncate_wal(&self) -> Result<(), Error> {
        if self.replication == Replication::Litestream {
            return Ok(());
        }
        let path = self.path.clone();
        rocket::tokio::task::spawn_blocking(move || {
            let conn = Connection::open(&path)?;
            conn.busy_timeout(Duration::from_secs(5))?;
            let on_error = CheckpointError::Stop;
            if checkpoint_truncate(&conn, 5, Duration::from_millis(20), on_error)? {
                return Ok(());
            }
            Err(Error::internal("WAL checkpoint stayed busy"))
        })
        .await
        .map_err(Error::internal)?
    }
}

/// What `checkpoint_truncate` does when the checkpoint statement itself fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointError {
    /// Give up and return the error.
    Stop,
    /// Count it as a busy attempt and go on.
    Retry,
}

/// Runs `PRAGMA wal_checkpoint(TRUNCATE)` on `conn` up to `tries` times, pausing `pause`
/// after every attempt that did not complete (readers holding old snapshots, or a writer
/// finishing its batch). `Ok(true)` once the WAL is folded in and truncated, `Ok(false)`
/// if it stayed busy.
pub fn checkpoint_truncate(
    conn: &Connection,
    tries: u32,
    pause: Duration,
    on_error: CheckpointError,
) -> rusqlite::Result<bool> {
    for _ in 0..tries {
        let busy: i64 = match conn.row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0)) {
            Ok(busy) => busy,
            Err(e) if on_error == CheckpointError::Stop => return Err(e),
            Err(_) => 1,
        };
        if busy == 0 {
            return Ok(true);
        }
        std::thread::sleep(pause);
    }
    Ok(false)
}

/// A write transaction for the command-line tools (`chatd user …`, `chatd seed`), which may
/// run beside a serving chatd: `BEGIN IMMEDIATE` takes the write lock before the first read,
/// so the busy timeout covers a server's commit meanwhile. A deferred transaction that read
/// first fails at once ("database is locked", SQLITE_BUSY_SNAPSHOT, no busy wait) when
/// another connection commits before its first write.
pub fn write_transaction(conn: &mut Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
}

/// A JSON column's value (column `index`, for the error): `None` when NULL; text that does not
/// parse is a corrupt row, reported as an error rather than read as "no data".
pub(crate) fn json_column<T: serde::de::DeserializeOwned>(
    index: usize,
    text: Option<String>,
) -> rusqlite::Result<Option<T>> {
    text.map(|t| {
        serde_json::from_str(&t).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, e.into())
        })
    })
    .transpose()
}

/// A JSON array of raw ids, for `json_each` (one parameter for a whole id list).
pub fn json_ids(ids: impl IntoIterator<Item = i64>) -> String {
    use std::fmt::Write;
    let mut out = String::from("[");
    for (i, id) in ids.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{id}");
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::conversations::Kind;
    use super::*;

    #[test]
    fn corrupt_stored_values_are_errors_not_missing_data() {
        let ids = |text: Option<&str>| json_column::<Vec<i64>>(7, text.map(str::to_string));
        assert_eq!(ids(None).unwrap(), None);
        assert_eq!(ids(Some("[1,2]")).unwrap(), Some(vec![1, 2]));
        assert!(ids(Some("[1,")).is_err());

        let conn = Connection::open_in_memory().unwrap();
        let kind = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, Kind>(0));
        assert_eq!(kind("SELECT 'group'").unwrap(), Kind::Group);
        assert_eq!(kind("SELECT 'private'").unwrap(), Kind::Private);
        assert!(kind("SELECT 'channel'").is_err());
        let status = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, messages::Status>(0));
        assert_eq!(status("SELECT 2").unwrap(), messages::Status::System);
        assert!(status("SELECT 3").is_err());
        assert!(status("SELECT '0'").is_err(), "text is not a status");
        let role = conn.query_row("SELECT ?1", [conversations::Role::Owner], |r| {
            r.get::<_, conversations::Role>(0)
        });
        assert_eq!(role.unwrap(), conversations::Role::Owner);
        assert_eq!(
            serde_json::to_string(&messages::Status::Recalled).unwrap(),
            "1"
        );
        assert_eq!(serde_json::to_string(&Kind::Group).unwrap(), "\"group\"");
    }

    #[test]
    fn the_unread_rule_counts_normal_messages_only() {
        let normal = messages::Status::Normal.stored();
        assert!(unread_for!("u", "m", "c").starts_with(&format!("x.status = {normal} ")));
    }

    #[test]
    fn a_tools_write_transaction_survives_a_commit_after_its_first_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let setup = open(&path).unwrap();
        setup.execute_batch("CREATE TABLE t (n INTEGER)").unwrap();
        let server = open(&path).unwrap();
        let write = |c: &Connection| c.execute("INSERT INTO t VALUES (1)", []);

        // Deferred: read, another connection commits, then the write fails at once.
        let mut tool = open(&path).unwrap();
        let tx = tool.transaction().unwrap();
        tx.query_row("SELECT COUNT(*) FROM t", [], |r| r.get::<_, i64>(0))
            .unwrap();
        write(&server).unwrap();
        assert!(
            write(&tx).is_err(),
            "a deferred transaction's snapshot is stale"
        );
        drop(tx);

        // Immediate: the write lock is taken before the read, so nobody commits in between
        // (the other writer waits for it instead).
        let tx = write_transaction(&mut tool).unwrap();
        tx.query_row("SELECT COUNT(*) FROM t", [], |r| r.get::<_, i64>(0))
            .unwrap();
        server.busy_timeout(Duration::ZERO).unwrap();
        assert!(write(&server).is_err(), "the server waits for the tool");
        write(&tx).unwrap();
        tx.commit().unwrap();
        write(&server).unwrap();
    }
}
