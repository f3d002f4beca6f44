//! `chatd user …` against a running server: reset-password, disable, enable, list.

use std::time::Duration;

use crate::cli::{assert_fails_saying, assert_succeeds, chatd, stdout};
use crate::helpers::Api;
use crate::live::Remote;
use crate::server::{wait_until, Server};

/// The real binary serving in a new folder (`chatd user …` runs there too), and a client of
/// it. Bind all three: dropping the server stops it, dropping the folder deletes it.
fn serving() -> (tempfile::TempDir, Server, Remote) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let remote = Remote::at(&server.base);
    (dir, server, remote)
}

/// The status of `GET /api/auth/me` with `token`.
fn me_status(remote: &Remote, token: &str) -> u16 {
    remote.get("/api/auth/me", token).status
}

/// Waits (bounded) until `GET /api/auth/me` with `token` answers `status`.
fn me_becomes(remote: &Remote, token: &str, status: u16) -> bool {
    wait_until(Duration::from_secs(10), || {
        me_status(remote, token) == status
    })
}

#[test]
fn reset_password_prints_a_working_password_and_ends_old_sessions() {
    let (dir, _server, remote) = serving();
    let token = remote.user("alice").token;
    assert_eq!(me_status(&remote, &token), 200);

    let out = chatd(dir.path(), &["user", "reset-password", "alice"], &[]);
    assert_succeeds(&out);
    let text = stdout(&out);
    let password = text
        .lines()
        .find_map(|l| l.strip_prefix("new password for alice: "))
        .expect("the new password is printed")
        .trim()
        .to_string();
    assert!(password.len() >= 12);

    assert!(
        me_becomes(&remote, &token, 401),
        "the old token stops working"
    );
    assert_eq!(remote.try_login("alice", "password123").status, 401);
    let res = remote.try_login("alice", &password);
    assert_eq!(res.status, 200, "{res}");
    assert_eq!(me_status(&remote, &res.data_str("token")), 200);
}

#[test]
fn a_disabled_user_cannot_log_in_or_use_old_tokens_until_enabled() {
    let (dir, _server, remote) = serving();
    let token = remote.user("bob").token;
    let other = remote.user("carol").token;

    let out = chatd(dir.path(), &["user", "disable", "bob"], &[]);
    assert_succeeds(&out);
    assert!(me_becomes(&remote, &token, 401), "old tokens stop working");
    let res = remote.try_login("bob", "password123");
    assert_eq!(res.status, 401);
    assert_eq!(res.body["message"], "用户名或密码错误");
    assert_eq!(me_status(&remote, &other), 200, "others are untouched");

    let list = chatd(dir.path(), &["user", "list"], &[]);
    let text = stdout(&list);
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
    assert_succeeds(&out);
    assert_eq!(remote.try_login("bob", "password123").status, 200);
    assert_eq!(
        me_status(&remote, &token),
        401,
        "tokens from before stay dead"
    );

    let out = chatd(dir.path(), &["user", "disable", "nobody"], &[]);
    assert_fails_saying(&out, "no user named nobody");
}
