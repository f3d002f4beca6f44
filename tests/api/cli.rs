//! The real binary: `chatd migrate`, `chatd seed`, `--help`, `--version`, and start-up
//! failures. Each runs in its own temporary folder, so the default `data/chat.db` is there.

use std::path::Path;
use std::process::Output;

use rocket::http::Method;
use serde_json::json;

use crate::helpers::{Api, TestApp};
use crate::live::Remote;

pub fn chatd(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = crate::server::chatd_command();
    cmd.args(args).current_dir(dir);
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.output().expect("run chatd")
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the command succeeded (showing its standard error if not).
#[track_caller]
pub fn assert_succeeds(out: &Output) {
    assert!(out.status.success(), "{}", stderr(out));
}

/// Asserts the command succeeded and printed `text` on standard output.
#[track_caller]
pub fn assert_succeeds_saying(out: &Output, text: &str) {
    assert_succeeds(out);
    assert!(stdout(out).contains(text), "{}", stdout(out));
}

/// Asserts the command failed and said `text` on standard error.
#[track_caller]
pub fn assert_fails_saying(out: &Output, text: &str) {
    assert!(!out.status.success(), "{}", stdout(out));
    assert!(stderr(out).contains(text), "{}", stderr(out));
}

fn count(db: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// The row counts of the tables the demo data fills.
fn demo_counts(db: &Path) -> [i64; 5] {
    [
        "users",
        "messages",
        "conversations",
        "friendships",
        "members",
    ]
    .map(|t| count(db, t))
}

#[test]
fn migrate_applies_the_schema_once_and_then_reports_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let first = chatd(dir.path(), &["migrate"], &[]);
    assert_succeeds_saying(&first, "applied migration V1__init");
    assert!(dir.path().join("data/chat.db").exists());

    let second = chatd(dir.path(), &["migrate"], &[]);
    assert_succeeds_saying(&second, "up to date");
    assert!(!stdout(&second).contains("applied migration"));
}

#[test]
fn seed_twice_loads_the_demo_data_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/chat.db");
    let first = chatd(dir.path(), &["seed"], &[]);
    assert_succeeds_saying(&first, "demo data loaded");
    let counts = demo_counts(&db);
    assert_eq!(counts[0], 4);
    assert!(counts[1] > 0 && counts[2] == 2);

    let second = chatd(dir.path(), &["seed"], &[]);
    assert_succeeds_saying(&second, "already loaded");
    assert_eq!(counts, demo_counts(&db));
}

#[test]
fn a_demo_user_logs_in_and_sees_a_non_empty_conversation_list() {
    let dir = tempfile::tempdir().unwrap();
    let out = chatd(dir.path(), &["seed"], &[]);
    assert_succeeds(&out);
    let app = TestApp::spawn_on(&dir.path().join("data/chat.db"));
    let res = app.call(
        rocket::http::Method::Post,
        "/api/login",
        None,
        Some(json!({"username": "zhangsan", "password": chatd::seed::DEMO_PASSWORD})),
    );
    res.expect(200, "登录成功");
    let token = res.data()["token"].as_str().unwrap().to_string();
    let list = app.get("/api/auth/conversations", &token).list();
    assert_eq!(list.len(), 2);
    assert!(list
        .iter()
        .all(|c| !c["last_message_preview"].as_str().unwrap().is_empty()));
    let titles: Vec<&str> = list.iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert!(
        titles.contains(&"李四") && titles.contains(&"周末聚餐"),
        "{titles:?}"
    );
}

#[test]
fn seed_remove_takes_the_demo_accounts_out_and_keeps_everyone_else() {
    let dir = tempfile::tempdir().unwrap();
    assert_succeeds(&chatd(dir.path(), &["seed"], &[]));
    let db = dir.path().join("data/chat.db");
    let app = TestApp::spawn_on(&db);
    let family = app.user("mama");
    drop(app);

    let out = chatd(dir.path(), &["seed", "--remove"], &[]);
    assert_succeeds_saying(&out, "zhangsan, lisi, wangwu, zhaoliu");

    let app = TestApp::spawn_on(&db);
    for name in ["zhangsan", "lisi", "wangwu", "zhaoliu"] {
        let res = app.call(
            rocket::http::Method::Post,
            "/api/login",
            None,
            Some(json!({"username": name, "password": chatd::seed::DEMO_PASSWORD})),
        );
        assert_eq!(
            res.status, 401,
            "{name} still logs in with the public password"
        );
    }
    app.me(&family.token);
    let listed = stdout(&chatd(dir.path(), &["user", "list"], &[]));
    assert_eq!(listed.matches("disabled").count(), 4, "{listed}");
}

#[test]
fn synthetic_seed_creates_the_requested_data_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/chat.db");
    let args = [
        "seed",
        "--users",
        "5",
        "--conversations",
        "3",
        "--messages",
        "10",
    ];
    let first = chatd(dir.path(), &args, &[]);
    assert_succeeds(&first);
    assert_eq!(count(&db, "users"), 5);
    assert_eq!(count(&db, "conversations"), 3);
    assert_eq!(count(&db, "messages"), 30);
    assert_eq!(count(&db, "members"), 9);
    // Loaded history is never notified: the notifier's mark is past it.
    let mark = "SELECT upto = (SELECT MAX(id) FROM messages) FROM notify_state";
    assert_eq!(crate::helpers::count_in(&db, mark), 1);

    let second = chatd(dir.path(), &args, &[]);
    assert_succeeds_saying(&second, "already loaded");
    assert_eq!(count(&db, "messages"), 30);
}

#[test]
fn a_synthetic_seed_can_speak_from_a_corpus_and_is_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/chat.db");
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/corpus/family-chat.txt");
    let args = [
        "seed",
        "--users",
        "3",
        "--conversations",
        "1",
        "--messages",
        "200",
        "--corpus",
        corpus,
    ];
    assert_succeeds(&chatd(dir.path(), &args, &[]));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let texts: Vec<String> = conn
        .prepare("SELECT content FROM messages ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(texts.len(), 200);
    let phrases = std::fs::read_to_string(corpus).unwrap();
    for text in &texts {
        assert!(
            phrases
                .lines()
                .any(|l| !l.starts_with('#') && text.starts_with(l)),
            "{text:?} starts with a phrase of the corpus"
        );
    }
    // Every seeded message is in the search index (the triggers run for bulk loads too).
    let indexed: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM message_search WHERE message_search MATCH '\"起吃饭\"'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let expected = texts.iter().filter(|t| t.contains("起吃饭")).count() as i64;
    assert!(expected > 0);
    assert_eq!(indexed, expected);
    // The same file gives the same messages.
    let again = tempfile::tempdir().unwrap();
    assert_succeeds(&chatd(again.path(), &args, &[]));
    let first_again: String = rusqlite::Connection::open(again.path().join("data/chat.db"))
        .unwrap()
        .query_row(
            "SELECT content FROM messages ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(first_again, texts[0]);
}

#[test]
fn help_teaches_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let out = chatd(dir.path(), &["--help"], &[]);
    assert_succeeds(&out);
    let text = stdout(&out);
    for word in ["serve", "migrate", "seed", "Rocket.toml", "ROCKET_"] {
        assert!(text.contains(word), "--help lacks {word}: {text}");
    }
    let seed = chatd(dir.path(), &["seed", "--help"], &[]);
    assert!(stdout(&seed).contains("--messages"));
}

#[test]
fn version_prints_the_crate_version() {
    let dir = tempfile::tempdir().unwrap();
    let out = chatd(dir.path(), &["--version"], &[]);
    assert_succeeds(&out);
    assert_eq!(
        stdout(&out).trim(),
        format!("chatd {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_bad_configuration_value_stops_with_a_message_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = chatd(
        dir.path(),
        &["serve"],
        &[("ROCKET_MAX_GROUP_MEMBERS", "lots")],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).to_lowercase().contains("max_group_members"),
        "{}",
        stderr(&out)
    );

    let out = chatd(dir.path(), &["migrate"], &[("ROCKET_JWT_SECRET", "short")]);
    assert_fails_saying(&out, "jwt_secret");

    // Settings parsed into types at the edge: the message names the key and what it takes.
    for (key, value, expected) in [
        ("ROCKET_SQLITE_SYNCHRONOUS", "off", "`full` or `normal`"),
        ("ROCKET_REPLICATION", "rsync", "`none` or `litestream`"),
        (
            "ROCKET_RATE_LIMITS",
            "{send=\"5/fortnight\"}",
            "N/second|minute|hour",
        ),
        (
            "ROCKET_TRUSTED_PROXIES",
            "[\"not-an-ip\"]",
            "invalid IP address",
        ),
        // Rocket's own keys too (its own message said only "failed to extract").
        ("ROCKET_PORT", "abc", "expected u16"),
        ("ROCKET_PORT", "99999", "expected u16"),
        ("ROCKET_ADDRESS", "home", "invalid IP address"),
    ] {
        let out = chatd(dir.path(), &["serve"], &[(key, value)]);
        assert!(!out.status.success(), "{key}={value} was accepted");
        let said = stderr(&out);
        assert!(said.contains(expected), "{key}={value}: {said}");
        let name = key.trim_start_matches("ROCKET_");
        assert!(said.to_uppercase().contains(name), "{key}={value}: {said}");
    }
    assert!(
        !dir.path().join("data").exists(),
        "nothing is created before the configuration is known to be good"
    );
}

#[test]
fn an_unusable_database_path_stops_with_a_message_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    // A regular file where the database folder should be.
    std::fs::write(dir.path().join("blocker"), "not a folder").unwrap();
    let out = chatd(
        dir.path(),
        &["serve"],
        &[("ROCKET_DATABASE_PATH", "blocker/chat.db")],
    );
    assert_fails_saying(&out, "blocker");
    assert_fails_saying(&out, "cannot");
}

#[test]
fn a_backup_taken_during_sends_restores_everything_acknowledged_before_it() {
    use crate::server::Server;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let base = server.base.clone();
    let (alice, _, chat) = Remote::at(&base).friends_with_a_chat("alice", "bob");
    let token = alice.token;
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let senders: Vec<_> = (0..4)
        .map(|w| {
            let (acked, stop, base, token, chat) = (
                acked.clone(),
                stop.clone(),
                base.clone(),
                token.clone(),
                chat.clone(),
            );
            std::thread::spawn(move || {
                let http = Remote::bounded(&base);
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let content = format!("w{w}-{n}");
                    let body = json!({"conversation_id": chat, "content": content});
                    let answer =
                        http.try_call(Method::Post, "/api/auth/messages", Some(&token), Some(body));
                    if answer.is_some_and(|res| res.status == 201) {
                        acked.lock().unwrap().push(content);
                    }
                    n += 1;
                }
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let before_backup: Vec<String> = acked.lock().unwrap().clone();
    let out = chatd(dir.path(), &["backup", "--to", "snapshots"], &[]);
    assert_succeeds(&out);
    let printed = stdout(&out);
    let file = printed.trim().rsplit(' ').next().unwrap().to_string();
    std::thread::sleep(std::time::Duration::from_millis(200));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for s in senders {
        s.join().unwrap();
    }
    assert!(
        before_backup.len() > 10,
        "sends were running: {}",
        before_backup.len()
    );

    // A running server blocks restore.
    let refused = chatd(dir.path(), &["restore", &file], &[]);
    assert_fails_saying(&refused, "stop it first");

    drop(server);
    let out = chatd(dir.path(), &["restore", &file], &[]);
    assert_succeeds_saying(&out, "kept as");
    let db = dir.path().join("data/chat.db");
    crate::server::assert_intact(&db);
    crate::server::assert_stored_once(&db, &before_backup);
    // The replaced database is kept aside, not deleted.
    let aside = std::fs::read_dir(dir.path().join("data"))
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().contains(".replaced-"));
    assert!(aside);
    // And the restored database serves: alice logs in.
    let restarted = Server::start(dir.path());
    Remote::at(&restarted.base).login("alice");
}

#[test]
fn restore_refuses_a_file_that_is_not_a_chatd_database() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("junk.db"), "not sqlite").unwrap();
    let out = chatd(dir.path(), &["restore", "junk.db"], &[]);
    assert_fails_saying(&out, "junk.db");
}

#[test]
fn a_second_server_on_the_same_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _first = crate::server::Server::start(dir.path());
    let out = chatd(dir.path(), &["serve"], &[("ROCKET_PORT", "0")]);
    assert_fails_saying(&out, "already serving");
}
