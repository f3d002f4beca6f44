//! §8 real-time events over a real loopback server: delivery of each event type to each
//! member and to the sender's other device, per-viewer rendering, resume with
//! `Last-Event-ID`, the replay/live seam, silence after removal, resync, heartbeats, a
//! stalled reader, revocation, tickets and shutdown.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::live::{Item, LiveApp, Remote, Sse, User};

const WAIT: Duration = Duration::from_secs(5);

/// alice and bob are friends with a private chat; returns (alice, bob, conversation).
fn pair(app: &LiveApp) -> (User, User, String) {
    app.friends_with_a_chat("alice", "bob")
}

/// alice, who is friends with bob and carol; returns (alice, bob, carol).
fn owner_and_two_friends(app: &LiveApp) -> (User, User, User) {
    let a = app.user("alice");
    let b = app.user("bob");
    let c = app.user("carol");
    app.befriend(&a, &b);
    app.befriend(&a, &c);
    (a, b, c)
}

/// The data of the next `kind` event on `sse` (others skipped), within `WAIT`.
#[track_caller]
fn next_data(sse: &Sse, kind: &str) -> Value {
    sse.next_of(kind, WAIT)
        .unwrap_or_else(|| panic!("no {kind} event"))
        .1
}

/// The message ids of `message.created` events until `count` have arrived or the stream is
/// quiet for `quiet`, asserting every event id (of any kind) is greater than the one before,
/// starting after `after`.
fn created_ids(sse: &Sse, count: usize, after: i64, quiet: Duration) -> Vec<String> {
    let mut got = Vec::new();
    let mut last_id = after;
    while got.len() < count {
        let Some((id, kind, data)) = sse.next_event(quiet) else {
            break;
        };
        let id: i64 = id.parse().unwrap();
        assert!(
            id > last_id,
            "event ids strictly increase: {id} after {last_id}"
        );
        last_id = id;
        if kind == "message.created" {
            got.push(data["message"]["id"].as_str().unwrap().to_string());
        }
    }
    got
}

#[test]
fn the_stream_needs_a_token_and_is_an_event_stream() {
    let app = LiveApp::spawn(&[]);
    let (status, body) = app.call("GET", "/api/auth/events", None, None);
    assert_eq!(status, 401);
    assert_eq!(body["message"], "未授权");
    let (_, token) = app.user("alice");
    let sse = app.stream(&token, None);
    assert_eq!(sse.status, 200);
    assert!(
        sse.content_type.starts_with("text/event-stream"),
        "{}",
        sse.content_type
    );
}

#[test]
fn a_message_reaches_every_member_and_every_device_rendered_for_each() {
    let app = LiveApp::spawn(&[]);
    let (a, b, conv) = pair(&app);
    let a_phone = app.login("alice");
    let streams = [
        app.stream(&a.1, None),
        app.stream(&a_phone, None),
        app.stream(&b.1, None),
    ];
    let id = app.send(&a.1, &conv, "你好 <b>");
    for (i, sse) in streams.iter().enumerate() {
        let (event_id, data) = sse
            .next_of("message.created", WAIT)
            .expect("message.created");
        assert!(event_id.parse::<i64>().unwrap() > 0);
        assert_eq!(data["conversation_id"], json!(conv));
        let m = &data["message"];
        assert_eq!(m["id"], json!(id));
        assert_eq!(m["content"], "你好 <b>");
        assert_eq!(m["status"], 0);
        assert_eq!(m["sender_id"], json!(a.0));
        let expected = if i < 2 { "我" } else { "alice" };
        assert_eq!(m["sender_name"], expected, "stream {i}");
        assert!(m["created_at"].as_str().unwrap().ends_with('Z'));
    }
}

#[test]
fn the_senders_devices_get_its_client_msg_id_and_nobody_else_does() {
    let app = LiveApp::spawn(&[]);
    let (a, b, conv) = pair(&app);
    let a_phone = app.login("alice");
    let (mine, phone, theirs) = (
        app.stream(&a.1, None),
        app.stream(&a_phone, None),
        app.stream(&b.1, None),
    );
    let (status, res) = app.call(
        "POST",
        "/api/auth/messages",
        Some(&a.1),
        Some(json!({"conversation_id": conv, "content": "带 id", "client_msg_id": "pending-7"})),
    );
    assert_eq!(status, 201, "{res}");
    for sse in [&mine, &phone] {
        let (_, data) = sse.next_of("message.created", WAIT).expect("echo");
        assert_eq!(data["client_msg_id"], json!("pending-7"));
        assert_eq!(data["message"]["content"], json!("带 id"));
    }
    let (_, data) = theirs.next_of("message.created", WAIT).expect("delivery");
    assert!(data.get("client_msg_id").is_none(), "{data}");
    // Without a client_msg_id the sender's echo carries none either.
    app.send(&a.1, &conv, "无 id");
    let (_, data) = mine.next_of("message.created", WAIT).expect("echo");
    assert!(data.get("client_msg_id").is_none(), "{data}");
}

#[test]
fn conversation_and_friend_events_reach_both_sides() {
    let app = LiveApp::spawn(&[]);
    let a = app.user("alice");
    let b = app.user("bob");
    let sa = app.stream(&a.1, None);
    let sb = app.stream(&b.1, None);
    let (_, res) = app.call(
        "POST",
        "/api/auth/friends/requests",
        Some(&a.1),
        Some(json!({"user_id": b.0, "message": "hi"})),
    );
    let request = res["data"]["request_id"].as_str().unwrap().to_string();
    let incoming = next_data(&sb, "friend.request");
    assert_eq!(incoming["user_id"], json!(a.0));
    assert_eq!(incoming["request_id"], json!(request));
    assert_eq!(incoming["direction"], "incoming");
    assert_eq!(incoming["message"], "hi");
    let outgoing = next_data(&sa, "friend.request");
    assert_eq!(outgoing["user_id"], json!(b.0));
    assert_eq!(outgoing["direction"], "outgoing");

    app.call(
        "POST",
        &format!("/api/auth/friends/requests/{request}/accept"),
        Some(&b.1),
        None,
    );
    assert_eq!(next_data(&sa, "friend.added")["user_id"], json!(b.0));
    assert_eq!(next_data(&sb, "friend.added")["user_id"], json!(a.0));

    let conv = app.private_chat(&a, &b);
    let created = next_data(&sb, "conversation.created");
    assert_eq!(created["conversation_id"], json!(conv));
    assert_eq!(created["title"], "alice");
    assert_eq!(created["type"], "private");
    assert_eq!(created["member_count"], 2);
    assert_eq!(next_data(&sa, "conversation.created")["title"], "bob");

    app.call(
        "PUT",
        &format!("/api/auth/conversations/{conv}/pin"),
        Some(&a.1),
        Some(json!({"is_pinned": true})),
    );
    let pinned = next_data(&sa, "conversation.updated");
    assert_eq!(pinned, json!({"conversation_id": conv, "is_pinned": true}));

    app.send(&a.1, &conv, "one");
    next_data(&sb, "message.created");
    let (status, _) = app.call(
        "POST",
        &format!("/api/auth/conversations/{conv}/read"),
        Some(&b.1),
        None,
    );
    assert_eq!(status, 200);
    let read = next_data(&sb, "conversation.updated");
    assert_eq!(read, json!({"conversation_id": conv, "unread_count": 0}));

    app.call(
        "DELETE",
        &format!("/api/auth/friends/{}", b.0),
        Some(&a.1),
        None,
    );
    assert_eq!(next_data(&sb, "friend.removed")["user_id"], json!(a.0));
    assert_eq!(next_data(&sa, "friend.removed")["user_id"], json!(b.0));
}

#[test]
fn group_changes_are_events_with_system_messages_rendered_per_viewer() {
    let app = LiveApp::spawn(&[]);
    let (a, b, c) = owner_and_two_friends(&app);
    let sb = app.stream(&b.1, None);
    let sc = app.stream(&c.1, None);
    let conv = app.group(&a, "家", &[&b]);
    let created = next_data(&sb, "conversation.created");
    assert_eq!(created["title"], "家");
    assert_eq!(created["last_message_preview"], "alice邀请你加入了群聊");

    app.call(
        "POST",
        &format!("/api/auth/conversations/{conv}/members"),
        Some(&a.1),
        Some(json!({"member_ids": [c.0]})),
    );
    assert_eq!(
        next_data(&sc, "conversation.created")["conversation_id"],
        json!(conv)
    );
    let system = next_data(&sb, "message.created");
    assert_eq!(system["message"]["content"], "alice邀请carol加入了群聊");
    assert_eq!(system["message"]["status"], 2);
    assert_eq!(next_data(&sb, "conversation.updated")["member_count"], 3);
    let system = next_data(&sc, "message.created");
    assert_eq!(system["message"]["content"], "alice邀请你加入了群聊");

    app.call(
        "PATCH",
        &format!("/api/auth/conversations/{conv}"),
        Some(&b.1),
        Some(json!({"name": "新家"})),
    );
    assert_eq!(next_data(&sc, "conversation.updated")["name"], "新家");
    assert_eq!(
        next_data(&sc, "message.created")["message"]["content"],
        "bob修改群名为「新家」"
    );

    let id = app.send(&b.1, &conv, "秘密");
    next_data(&sc, "message.created");
    let (status, res) = app.call(
        "DELETE",
        "/api/auth/messages/recall",
        Some(&b.1),
        Some(json!({"id": id})),
    );
    assert_eq!(status, 200, "{res}");
    let recalled = next_data(&sc, "message.recalled");
    assert_eq!(recalled["message_id"], json!(id));
    assert_eq!(recalled["system_message"]["content"], "bob撤回了一条消息");
    assert_eq!(
        recalled["system_message"]["id"],
        res["data"]["system_message_id"]
    );
    let recalled = next_data(&sb, "message.recalled");
    assert_eq!(recalled["system_message"]["content"], "你撤回了一条消息");
}

#[test]
fn a_removed_member_hears_nothing_more_live_or_in_replay() {
    let app = LiveApp::spawn(&[]);
    let (a, b, c) = owner_and_two_friends(&app);
    let conv = app.group(&a, "g", &[&b, &c]);
    let sb = app.stream(&b.1, None);
    app.send(&a.1, &conv, "before");
    next_data(&sb, "message.created");
    app.call(
        "DELETE",
        &format!("/api/auth/conversations/{conv}/members/{}", b.0),
        Some(&a.1),
        None,
    );
    let removed = next_data(&sb, "conversation.removed");
    assert_eq!(removed, json!({"conversation_id": conv}));
    app.send(&a.1, &conv, "after");
    app.send(&c.1, &conv, "after too");
    assert!(
        sb.next_event(Duration::from_millis(700)).is_none(),
        "nothing after removal"
    );
    // Replay from before the removal: nothing of that conversation but the removal itself.
    let replay = app.stream(&b.1, Some("0"));
    let events: Vec<(String, String, Value)> =
        std::iter::from_fn(|| replay.next_event(Duration::from_millis(700))).collect();
    let of_group: Vec<&String> = events
        .iter()
        .filter(|(_, _, data)| data["conversation_id"] == json!(conv))
        .map(|(_, kind, _)| kind)
        .collect();
    assert_eq!(of_group, ["conversation.removed"], "{events:?}");
}

#[test]
fn resume_replays_exactly_what_was_missed_in_order_then_continues_live() {
    let app = LiveApp::spawn(&[]);
    let (a, b, conv) = pair(&app);
    let sb = app.stream(&b.1, None);
    app.send(&a.1, &conv, "seen");
    let (last_seen, _) = sb.next_of("message.created", WAIT).unwrap();
    drop(sb);
    let missed: Vec<String> = (0..5)
        .map(|i| app.send(&a.1, &conv, &format!("missed {i}")))
        .collect();
    let sb = app.stream(&b.1, Some(&last_seen));
    let got = created_ids(&sb, missed.len(), last_seen.parse().unwrap(), WAIT);
    assert_eq!(got, missed, "every missed message replayed, in order");
    let live = app.send(&a.1, &conv, "live");
    assert_eq!(
        next_data(&sb, "message.created")["message"]["id"],
        json!(live)
    );
}

#[test]
fn events_written_during_replay_are_neither_lost_nor_doubled() {
    let app = LiveApp::spawn(&[]);
    let (a, b, conv) = pair(&app);
    // A backlog to replay, then sends that keep going while the stream reconnects.
    let mut sent: Vec<String> = (0..200)
        .map(|i| app.send(&a.1, &conv, &format!("backlog {i}")))
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let live_sent = Arc::new(Mutex::new(Vec::new()));
    let sender = {
        let (stop, live_sent, base, token, conv) = (
            stop.clone(),
            live_sent.clone(),
            app.base.clone(),
            a.1.clone(),
            conv.clone(),
        );
        std::thread::spawn(move || {
            let remote = Remote::at(&base);
            for i in 0..300 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let id = remote.send(&token, &conv, &format!("live {i}"));
                live_sent.lock().unwrap().push(id);
            }
        })
    };
    std::thread::sleep(Duration::from_millis(50));
    let sb = app.stream(&b.1, Some("0"));
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    sender.join().unwrap();
    sent.extend(live_sent.lock().unwrap().iter().cloned());
    let got = created_ids(&sb, sent.len(), 0, WAIT);
    assert_eq!(got.len(), sent.len(), "every message exactly once");
    assert_eq!(got, sent);
    assert!(
        sb.next_of("message.created", Duration::from_millis(300))
            .is_none(),
        "no duplicates after"
    );
}

#[test]
fn replay_never_shows_a_recalled_text() {
    let app = LiveApp::spawn(&[]);
    let (a, b, conv) = pair(&app);
    let id = app.send(&a.1, &conv, "oops secret");
    let (status, _) = app.call(
        "DELETE",
        "/api/auth/messages/recall",
        Some(&a.1),
        Some(json!({"id": id})),
    );
    assert_eq!(status, 200);
    let sb = app.stream(&b.1, Some("0"));
    let created = next_data(&sb, "message.created");
    assert_eq!(created["message"]["id"], json!(id));
    assert_eq!(created["message"]["content"], "");
    assert_eq!(created["message"]["status"], 1);
    let recalled = next_data(&sb, "message.recalled");
    assert_eq!(recalled["system_message"]["content"], "alice撤回了一条消息");
}

#[test]
fn an_expired_or_unusable_last_event_id_gets_one_resync() {
    let app = LiveApp::spawn(&[]);
    let (a, b, conv) = pair(&app);
    for i in 0..3 {
        app.send(&a.1, &conv, &format!("{i}"));
    }
    // Prune everything, as the retention task would after event_retention_secs.
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let pruned = chatd::db::events::prune(&conn, i64::MAX).unwrap();
    assert!(pruned > 0);
    drop(conn);
    for stale in ["1", "not-a-number"] {
        let sb = app.stream(&b.1, Some(stale));
        let (_, kind, _) = sb.next_event(WAIT).expect("resync");
        assert_eq!(kind, "resync");
        assert!(
            sb.next_event(Duration::from_millis(300)).is_none(),
            "only one resync"
        );
        let live = app.send(&a.1, &conv, "after resync");
        assert_eq!(
            next_data(&sb, "message.created")["message"]["id"],
            json!(live)
        );
    }
}

#[test]
fn an_idle_stream_gets_a_ping_comment() {
    let app = LiveApp::spawn(&[("event_heartbeat_secs", json!(1))]);
    let (_, token) = app.user("alice");
    let sse = app.stream(&token, None);
    let items = sse.drain(Duration::from_millis(2500));
    assert!(
        items
            .iter()
            .any(|i| matches!(i, Item::Comment(c) if c == "ping")),
        "{items:?}"
    );
}

#[test]
fn a_stalled_reader_does_not_delay_a_healthy_one() {
    let app = LiveApp::spawn(&[]);
    let (a, b, conv) = pair(&app);
    // b's second device opens a stream and never reads it.
    let b2 = app.login("bob");
    // Its gate is never opened: the client reads nothing past the response headers.
    let (stalled, _gate) = Sse::open_paused(&format!("{}/api/auth/events", app.base), &b2);
    assert_eq!(stalled.status, 200);
    let healthy = app.stream(&b.1, None);
    let big = "字".repeat(4000);
    let started = Instant::now();
    for _ in 0..150 {
        app.send(&a.1, &conv, &big);
    }
    let mut received = 0;
    while received < 150 {
        healthy
            .next_of("message.created", WAIT)
            .expect("healthy reader keeps receiving");
        received += 1;
    }
    let last = app.send(&a.1, &conv, "last");
    assert_eq!(
        next_data(&healthy, "message.created")["message"]["id"],
        json!(last)
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    drop(stalled);
}

#[test]
fn a_client_that_fell_far_behind_is_caught_up_from_storage_in_order() {
    let app = LiveApp::spawn(&[]);
    let (a, b, conv) = pair(&app);
    let (slow, gate) = Sse::open_paused(&format!("{}/api/auth/events", app.base), &b.1);
    // Far more than a stream's inbox holds, and large enough to fill the socket buffers.
    let big = "慢".repeat(4000);
    let sent: Vec<String> = (0..1300).map(|_| app.send(&a.1, &conv, &big)).collect();
    gate.send(()).unwrap();
    let got = created_ids(&slow, sent.len(), 0, Duration::from_secs(10));
    assert_eq!(got.len(), sent.len(), "nothing skipped");
    assert_eq!(got, sent);
}

#[test]
fn logout_and_password_change_end_the_stream() {
    let app = LiveApp::spawn(&[]);
    let (_, token) = app.user("alice");
    let sse = app.stream(&token, None);
    let (status, _) = app.call("POST", "/api/auth/logout", Some(&token), None);
    assert_eq!(status, 200);
    assert!(
        sse.closes_within(WAIT),
        "the stream of a logged-out token ends"
    );

    let token = app.login("alice");
    let sse = app.stream(&token, None);
    let (status, _) = app.call(
        "PUT",
        "/api/auth/me/password",
        Some(&token),
        Some(json!({"old_password": "password123", "new_password": "password456"})),
    );
    assert_eq!(status, 200);
    assert!(
        sse.closes_within(WAIT),
        "the stream of a revoked token ends"
    );
}

#[test]
fn a_browser_ticket_opens_the_stream_once() {
    let app = LiveApp::spawn(&[]);
    let (a, b, conv) = pair(&app);
    let (status, res) = app.call("POST", "/api/auth/events/ticket", Some(&b.1), None);
    assert_eq!(status, 200);
    let ticket = res["data"]["ticket"].as_str().unwrap().to_string();
    assert_eq!(res["data"]["expires_in"], 60);
    let url = format!("{}/api/events?ticket={ticket}", app.base);
    let sse = Sse::open(&url, None, None);
    assert_eq!(sse.status, 200);
    let id = app.send(&a.1, &conv, "via ticket");
    assert_eq!(
        next_data(&sse, "message.created")["message"]["id"],
        json!(id)
    );
    let again = Sse::open(&url, None, None);
    assert_eq!(again.status, 401, "a ticket works once");
    let bogus = Sse::open(&format!("{}/api/events?ticket=nope", app.base), None, None);
    assert_eq!(bogus.status, 401);
}

#[test]
fn shutdown_does_not_hang_on_open_streams() {
    let app = LiveApp::spawn(&[]);
    let (_, token) = app.user("alice");
    let streams: Vec<Sse> = (0..20).map(|_| app.stream(&token, None)).collect();
    let started = Instant::now();
    drop(app);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "shutdown took {:?}",
        started.elapsed()
    );
    for sse in &streams {
        assert!(sse.closes_within(Duration::from_secs(2)));
    }
}
