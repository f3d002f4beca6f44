//! `chatd user …` against a running server: reset-password, disable, enable, list.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::cli::chatd;
use crate::server::{agent, post, Server};

fn get(base: &str, path: &str, token: &str) -> u16 {
    let res = agent()
        .get(&format!("{base}{path}"))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    res.status().as_u16()
}

fn login(base: &str, username: &str, password: &str) -> (u16, Value) {
    post(
        &agent(),
        &format!("{base}/api/login"),
        None,
        json!({"username": username, "password": password}),
    )
    .unwrap()
}

/// Waits (bounded) until `GET /api/auth/me` with `token` answers `status`.
fn me_becomes(base: &str, token: &str, status: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if get(base, "/api/auth/me", token) == status {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn register(base: &str, username: &str) -> String {
    let (status, body) = post(
        &agent(),
        &format!("{base}/api/register"),
        None,
        json!({"username": username, "password": "password123"}),
    )
    .unwrap();
    assert_eq!(status, 201);
    body["data"]["token"].as_str().unwrap().to_string()
}

#[test]
fn reset_password_prints_a_working_password_and_ends_old_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = register(&server.base, "alice");
    assert_eq!(get(&server.base, "/api/auth/me", &token), 200);

    let out = chatd(dir.path(), &["user", "reset-password", "alice"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let password = text
        .lines()
        .find_map(|l| l.strip_prefix("new password for alice: "))
        .expect("the new password is printed")
        .trim()
        .to_string();
    assert!(password.len() >= 12);

    assert!(
        me_becomes(&server.base, &token, 401),
        "the old token stops working"
    );
    assert_eq!(login(&server.base, "alice", "password123").0, 401);
    let (status, body) = login(&server.base, "alice", &password);
    assert_eq!(status, 200, "{body}");
    let new_token = body["data"]["token"].as_str().unwrap();
    assert_eq!(get(&server.base, "/api/auth/me", new_token), 200);
}

#[test]
fn a_disabled_user_cannot_log_in_or_use_old_tokens_until_enabled() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let token = register(&server.base, "bob");
    let other = register(&server.base, "carol");

    let out = chatd(dir.path(), &["user", "disable", "bob"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        me_becomes(&server.base, &token, 401),
        "old tokens stop working"
    );
    let (status, body) = login(&server.base, "bob", "password123");
    assert_eq!(status, 401);
    assert_eq!(body["message"], "用户名或密码错误");
    assert_eq!(
        get(&server.base, "/api/auth/me", &other),
        200,
        "others are untouched"
    );

    let list = chatd(dir.path(), &["user", "list"], &[]);
    let text = String::from_utf8_lossy(&list.stdout).to_string();
    assert!(
        text.lines()
            .any(|l| l.contains("bob") && l.contains("disabled")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("carol") && l.contains("active")),
        "{text}"
    );

    let out = chatd(dir.path(), &["user", "enable", "bob"], &[]);
    assert!(out.status.success());
    assert_eq!(login(&server.base, "bob", "password123").0, 200);
    assert_eq!(
        get(&server.base, "/api/auth/me", &token),
        401,
        "tokens from before stay dead"
    );

    let out = chatd(dir.path(), &["user", "disable", "nobody"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user named nobody"));
}
