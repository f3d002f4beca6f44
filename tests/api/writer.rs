//! Group commit keeps per-request semantics: in one batch, a failing write is undone alone
//! (its savepoint) and gets its own error, while its neighbours commit and succeed.

use std::sync::Arc;

use chatd::db::{self, Db};
use chatd::error::Error;
use serde_json::json;

use crate::helpers::{count_in, Api};
use crate::live::{LiveApp, Remote};

fn db_on_temp_file() -> (tempfile::TempDir, Db) {
    db_replicated_by(chatd::config::Replication::None)
}

fn db_replicated_by(replication: chatd::config::Replication) -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chat.db");
    db::migrate::run(&path).unwrap();
    let config = chatd::config::Config {
        database_path: path,
        db_readers: 2,
        replication,
        ..Default::default()
    };
    let db = Db::start(&config, Default::default()).unwrap();
    (dir, db)
}

/// A bare user row named `name` (the writer's tests need rows, not accounts).
fn insert_user(conn: &rusqlite::Connection, name: &str) -> rusqlite::Result<usize> {
    conn.execute(
        "INSERT INTO users (username, display_name, password_hash, created_at)
         VALUES (?1, ?1, 'x', 0)",
        [name],
    )
}

#[test]
fn a_failing_write_in_a_batch_is_undone_alone_and_gets_its_own_error() {
    let (_dir, db) = db_on_temp_file();
    let db = Arc::new(db);
    let runtime = rocket::tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let results: Vec<Result<i64, String>> = runtime.block_on(async {
        let mut tasks = Vec::new();
        for i in 0..200i64 {
            let db = db.clone();
            tasks.push(rocket::tokio::spawn(async move {
                db.write(move |conn| {
                    insert_user(conn, &format!("user{i}"))?;
                    // Every third write fails after it has written: its row must vanish.
                    if i % 3 == 0 {
                        return Err(Error::bad_request(format!("job {i}")));
                    }
                    Ok(i)
                })
                .await
                .map_err(|e| e.message().into_owned())
            }));
        }
        let mut out = Vec::new();
        for task in tasks {
            out.push(task.await.unwrap());
        }
        out
    });
    for (i, result) in results.iter().enumerate() {
        if i % 3 == 0 {
            assert_eq!(result, &Err(format!("参数错误：job {i}")));
        } else {
            assert_eq!(result, &Ok(i as i64));
        }
    }
    let names: Vec<String> = runtime
        .block_on(db.read(|conn| {
            let mut stmt = conn.prepare("SELECT username FROM users ORDER BY id")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<Vec<String>, _>>()?)
        }))
        .unwrap();
    let expected: Vec<String> = (0..200)
        .filter(|i| i % 3 != 0)
        .map(|i| format!("user{i}"))
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(sorted, expected_sorted);
}

#[test]
fn concurrent_sends_with_some_invalid_each_get_their_own_answer() {
    let app = LiveApp::spawn(&[]);
    let a = app.user("alice");
    let b = app.user("bob");
    let c = app.user("carol");
    app.befriend(&a, &b);
    app.befriend(&b, &c);
    let ab = app.private_chat(&a, &b);
    let bc = app.private_chat(&b, &c);
    let base = app.base.clone();
    let threads: Vec<_> = (0..64)
        .map(|i| {
            let (base, token, ab, bc) = (base.clone(), a.token.clone(), ab.clone(), bc.clone());
            std::thread::spawn(move || {
                // Odd workers send where alice is no member (404), every fifth sends blank
                // content (400), the rest are valid.
                let (conv, content) = match i {
                    i if i % 2 == 1 => (bc, format!("intruder {i}")),
                    i if i % 5 == 0 => (ab, "   ".to_string()),
                    i => (ab, format!("valid {i}")),
                };
                let res = Remote::at(&base).post(
                    "/api/auth/messages",
                    &token,
                    json!({"conversation_id": conv, "content": content}),
                );
                assert!(!res.body.is_null(), "worker {i}: the answer is not JSON");
                (i, res.status, res.body)
            })
        })
        .collect();
    let mut valid = 0;
    for thread in threads {
        let (i, status, body) = thread.join().unwrap();
        match i {
            i if i % 2 == 1 => {
                assert_eq!(
                    (status, body["message"].as_str().unwrap()),
                    (404, "会话不存在")
                )
            }
            i if i % 5 == 0 => assert_eq!(status, 400, "{body}"),
            _ => {
                assert_eq!(
                    (status, body["message"].as_str().unwrap()),
                    (201, "消息已发送")
                );
                valid += 1;
            }
        }
    }
    let count = |sql| count_in(&app.db_path, sql);
    assert_eq!(
        count("SELECT COUNT(*) FROM messages WHERE content LIKE 'valid %'"),
        valid
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM messages WHERE content LIKE 'intruder %'"),
        0
    );
}

#[test]
fn close_finishes_queued_writes_folds_the_wal_and_stops_the_writer() {
    let (dir, db) = db_on_temp_file();
    let runtime = rocket::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let wal = dir.path().join("chat.db-wal");
    runtime.block_on(async {
        // Queued, not awaited: close must still finish them.
        let pending: Vec<_> = (0..50)
            .map(|i| {
                let db = db.clone();
                rocket::tokio::spawn(async move {
                    db.write(move |conn| {
                        insert_user(conn, &format!("queued{i}"))?;
                        Ok(())
                    })
                    .await
                })
            })
            .collect();
        rocket::tokio::task::yield_now().await;
        assert!(db.close().await.unwrap(), "the WAL should be folded in");
        let mut done = 0;
        for task in pending {
            if task.await.unwrap().is_ok() {
                done += 1;
            }
        }
        let stored: i64 = rusqlite::Connection::open(dir.path().join("chat.db"))
            .unwrap()
            .query_row(
                "SELECT COUNT(*) FROM users WHERE username LIKE 'queued%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        // Every write sent before close was finished and stored.
        assert_eq!(done, 50);
        assert_eq!(stored, 50);
        let after = db.write(|_| Ok(())).await;
        assert!(after.is_err(), "a write after close should be refused");
    });
    let wal_len = std::fs::metadata(&wal).map_or(0, |m| m.len());
    assert_eq!(wal_len, 0, "the WAL is folded into the database file");
}

#[test]
fn under_litestream_chatd_never_checkpoints_the_wal() {
    let (dir, db) = db_replicated_by(chatd::config::Replication::Litestream);
    let wal = dir.path().join("chat.db-wal");
    let wal_len = || std::fs::metadata(&wal).map_or(0, |m| m.len());
    let runtime = rocket::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // 1,200 commits of at least two pages each: SQLite's automatic checkpoint (at 1,000
        // frames) would have wrapped the WAL well before this.
        for i in 0..1200 {
            db.write(move |conn| {
                insert_user(conn, &format!("u{i}"))?;
                Ok(())
            })
            .await
            .unwrap();
        }
        let page: u64 = 4096;
        assert!(wal_len() > 2000 * page, "WAL of {} bytes", wal_len());
        // The recall's checkpoint is Litestream's to take, and so is the one at exit.
        let before = wal_len();
        db.truncate_wal().await.unwrap();
        assert_eq!(wal_len(), before, "no TRUNCATE checkpoint of chatd's own");
        assert!(db.close().await.unwrap());
    });
    assert!(wal_len() > 0, "the WAL is left to Litestream at exit");
}

/// A busy writer merges the search indexes as it indexes: a step after each batch of queued
/// messages it indexes, so segments do not pile up to FTS5's crisis merge (16 on a level),
/// which held every send of the batch that reached it for tens of milliseconds
/// (bench/RESULTS.md, sixth sitting).
#[test]
fn a_busy_writer_merges_the_search_indexes_as_it_indexes() {
    const BATCHES: i64 = 15;
    let (dir, db) = db_on_temp_file();
    let runtime = rocket::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        db.write(|conn| {
            insert_user(conn, "sender")?;
            conn.execute(
                "INSERT INTO conversations (kind, name, created_at) VALUES ('group', 'g', 0)",
                [],
            )?;
            Ok(())
        })
        .await
        .unwrap();
        // One batch's worth of varied messages per write, back to back: the writer indexes
        // at each commit and is never idle long enough to merge in between.
        for batch in 0..BATCHES {
            db.write(move |conn| {
                conn.execute(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
                     INSERT INTO messages (conversation_id, sender_id, content, status, created_at)
                     SELECT 1, 1, '今天晚上吃什么 ' || (?2 * 100000 + i) || ' 第' || (i * 7919 % 10007) || '号', 0, 0
                     FROM n",
                    (db::search::INDEX_BATCH, batch),
                )?;
                Ok(())
            })
            .await
            .unwrap();
        }
    });
    let conn = rusqlite::Connection::open(dir.path().join("chat.db")).unwrap();
    let queued = db::search::queued(&conn).unwrap();
    assert_eq!(queued, 0, "every batch was indexed as it committed");
    for index in ["message_search", "message_grams"] {
        let segments: i64 = conn
            .query_row(
                &format!("SELECT COUNT(DISTINCT segid) FROM {index}_idx"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        // Without merging there is one segment per batch (15); with it, 6.
        assert!(
            segments < 10,
            "{index} holds {segments} segments after {BATCHES} batches"
        );
    }
}
