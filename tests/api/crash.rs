//! The real binary under concurrent sends is killed with SIGKILL and restarted on the same
//! file: every acknowledged message is there exactly once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rocket::http::Method;
use serde_json::json;

use crate::helpers::Api;
use crate::live::Remote;
use crate::server::{assert_intact, assert_stored_once, wait_until, Server};

#[test]
fn sigkill_under_concurrent_sends_loses_no_acknowledged_message() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let base = server.base.clone();
    let (alice, bob, conversation) = Remote::at(&base).friends_with_a_chat("alice", "bob");
    assert_eq!(alice.id, "u_1");

    let acked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut senders = Vec::new();
    for worker in 0..8 {
        let (acked, stop, base, conversation) = (
            acked.clone(),
            stop.clone(),
            base.clone(),
            conversation.clone(),
        );
        let token = if worker % 2 == 0 {
            alice.token.clone()
        } else {
            bob.token.clone()
        };
        senders.push(std::thread::spawn(move || {
            let http = Remote::bounded(&base);
            for n in 0.. {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let content = format!("w{worker}-n{n}");
                let body = json!({"conversation_id": conversation, "content": content, "client_msg_id": content});
                match http.try_call(Method::Post, "/api/auth/messages", Some(&token), Some(body)) {
                    Some(res) if res.status == 201 => {
                        acked.lock().unwrap().push((content, res.data_str("message_id")));
                    }
                    Some(res) => panic!("unexpected {res}"),
                    None => break, // the server is gone
                }
            }
        }));
    }
    // Kill once a good number of sends were acknowledged (bounded in time either way).
    wait_until(Duration::from_secs(20), || {
        acked.lock().unwrap().len() >= 300
    });
    let mut server = server;
    server.child.kill().expect("SIGKILL");
    server.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for sender in senders {
        sender.join().expect("sender thread");
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 300,
        "only {} sends were acknowledged",
        acked.len()
    );

    // Restart on the same file: it must come up and hold every acknowledged message once.
    let restarted = Server::start(dir.path());
    let db = dir.path().join("data/chat.db");
    assert_intact(&db);
    let contents: Vec<String> = acked.iter().map(|(content, _)| content.clone()).collect();
    assert_stored_once(&db, &contents);
    // Each acknowledged id holds its content.
    let conn = rusqlite::Connection::open(&db).unwrap();
    for (content, id) in &acked {
        let n: i64 = id.trim_start_matches("m_").parse().unwrap();
        let stored: String = conn
            .query_row("SELECT content FROM messages WHERE id = ?1", [n], |r| {
                r.get(0)
            })
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(&stored, content, "content of {id}");
    }
    // And it serves: a retry of an acknowledged send returns the original id.
    let (content, id) = &acked[0];
    let token = if content.starts_with("w0")
        || content.starts_with("w2")
        || content.starts_with("w4")
        || content.starts_with("w6")
    {
        &alice.token
    } else {
        &bob.token
    };
    let res = Remote::bounded(&restarted.base).post(
        "/api/auth/messages",
        token,
        json!({"conversation_id": conversation, "content": content, "client_msg_id": content}),
    );
    assert_eq!(res.status, 201, "{res}");
    assert_eq!(&res.data()["message_id"], &json!(id));
}

#[test]
fn sigterm_with_open_streams_and_writes_in_flight_exits_cleanly_and_keeps_every_ack() {
    let dir = tempfile::tempdir().unwrap();
    // One user's thousand streams: above the default cap of 20 per user.
    let settings = [("max_streams_per_user".to_string(), "1000".to_string())];
    let mut server = Server::start_with(dir.path(), 0, &settings);
    let base = server.base.clone();
    let (alice, bob, conversation) = Remote::at(&base).friends_with_a_chat("alice", "bob");
    let (alice, bob) = (alice.token, bob.token);

    // A thousand event streams that stay open through the shutdown.
    let streams: Vec<_> = (0..1000)
        .map(|_| {
            let mut s = std::net::TcpStream::connect(base.trim_start_matches("http://")).unwrap();
            use std::io::Write;
            write!(
                s,
                "GET /api/auth/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {bob}\r\n\r\n"
            )
            .unwrap();
            s
        })
        .collect();
    // Each stream is really open: its response headers arrived.
    for s in &streams {
        use std::io::Read;
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            (&*s)
                .read_exact(&mut byte)
                .expect("stream response headers");
            head.push(byte[0]);
        }
        assert!(
            head.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&head)
        );
    }
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let senders: Vec<_> = (0..4)
        .map(|w| {
            let (acked, base, token, conversation) = (
                acked.clone(),
                base.clone(),
                alice.clone(),
                conversation.clone(),
            );
            std::thread::spawn(move || {
                let http = Remote::bounded(&base);
                for n in 0.. {
                    let content = format!("t{w}-{n}");
                    let body = json!({"conversation_id": conversation, "content": content});
                    match http.try_call(
                        Method::Post,
                        "/api/auth/messages",
                        Some(&token),
                        Some(body),
                    ) {
                        Some(res) if res.status == 201 => acked.lock().unwrap().push(content),
                        _ => break,
                    }
                }
            })
        })
        .collect();
    wait_until(Duration::from_secs(20), || {
        acked.lock().unwrap().len() >= 100
    });
    server.terminate(Duration::from_secs(5));
    for s in senders {
        s.join().unwrap();
    }
    drop(streams);
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 100);
    // The WAL was folded in: the database file alone holds everything.
    let wal = dir.path().join("data/chat.db-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0);
    assert_stored_once(&dir.path().join("data/chat.db"), &acked);
}
