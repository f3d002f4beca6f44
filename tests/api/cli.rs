//! The real binary: `chatd migrate`, `chatd seed`, `--help`, `--version`, and start-up
//! failures. Each runs in its own temporary folder, so the default `data/chat.db` is there.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::json;

use crate::helpers::TestApp;

pub fn chatd(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chatd"));
    cmd.args(args).current_dir(dir);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("ROCKET_")) {
        cmd.env_remove(key);
    }
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.output().expect("run chatd")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn count(db: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn migrate_applies_the_schema_once_and_then_reports_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let first = chatd(dir.path(), &["migrate"], &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("applied migration V1__init"),
        "{}",
        stdout(&first)
    );
    assert!(dir.path().join("data/chat.db").exists());

    let second = chatd(dir.path(), &["migrate"], &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stdout(&second).contains("up to date"),
        "{}",
        stdout(&second)
    );
    assert!(!stdout(&second).contains("applied migration"));
}

#[test]
fn seed_twice_loads_the_demo_data_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/chat.db");
    let first = chatd(dir.path(), &["seed"], &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("demo data loaded"),
        "{}",
        stdout(&first)
    );
    let counts = [
        "users",
        "messages",
        "conversations",
        "friendships",
        "members",
    ]
    .map(|t| count(&db, t));
    assert_eq!(counts[0], 4);
    assert!(counts[1] > 0 && counts[2] == 2);

    let second = chatd(dir.path(), &["seed"], &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stdout(&second).contains("already loaded"),
        "{}",
        stdout(&second)
    );
    let again = [
        "users",
        "messages",
        "conversations",
        "friendships",
        "members",
    ]
    .map(|t| count(&db, t));
    assert_eq!(counts, again);
}

#[test]
fn a_demo_user_logs_in_and_sees_a_non_empty_conversation_list() {
    let dir = tempfile::tempdir().unwrap();
    let out = chatd(dir.path(), &["seed"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
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
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(count(&db, "users"), 5);
    assert_eq!(count(&db, "conversations"), 3);
    assert_eq!(count(&db, "messages"), 30);
    assert_eq!(count(&db, "members"), 9);

    let second = chatd(dir.path(), &args, &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(count(&db, "messages"), 30);
    assert!(stdout(&second).contains("already loaded"));
}

#[test]
fn help_teaches_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let out = chatd(dir.path(), &["--help"], &[]);
    assert!(out.status.success());
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
    assert!(out.status.success());
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
    assert!(!out.status.success());
    assert!(stderr(&out).contains("jwt_secret"), "{}", stderr(&out));
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
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("blocker"), "{err}");
    assert!(err.contains("cannot"), "{err}");
}
