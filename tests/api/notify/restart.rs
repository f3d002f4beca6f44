//! Pending notifications survive a SIGKILL of the real binary.

use std::net::TcpListener;

use super::*;
use crate::live::Remote;
use crate::server::{wait_until, Server};

#[test]
fn an_undelivered_notification_is_delivered_after_a_sigkill_and_restart() {
    // A port with nobody listening yet: the first attempts fail.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/chat.db");
    let mut server = Server::start(dir.path());
    let remote = Remote::at(&server.base);
    let (a, b, chat) = remote.friends_with_a_chat("alice", "bob");
    let topic = format!("http://127.0.0.1:{port}/bob");
    remote
        .put(
            "/api/auth/me/notifications",
            &b.token,
            json!({"ntfy_url": topic}),
        )
        .expect(200, "success");
    remote.send(&a, &chat, "到家了吗");
    let tried = wait_until(Duration::from_secs(10), || {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.query_row(
            "SELECT COUNT(*) FROM notify_deliveries WHERE attempts > 0",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap_or(0)
            > 0
    });
    assert!(tried, "the first attempt failed and was kept for a retry");
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    let ntfy = Receiver::on(TcpListener::bind(("127.0.0.1", port)).unwrap());
    let _restarted = Server::start(dir.path());
    let got = ntfy.wait_for(1, Duration::from_secs(15));
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].body, "到家了吗");
    assert_eq!(got[0].path, "/bob");
}
