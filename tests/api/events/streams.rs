//! The stream itself: heartbeats, slow readers, revocation, tickets and shutdown.

use super::*;

#[test]
fn an_idle_stream_gets_a_ping_comment() {
    let app = LiveApp::spawn(&[("event_heartbeat_secs", json!(1))]);
    let token = app.user("alice").token;
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
    let (stalled, _gate) = app.stream_paused(&b2);
    assert_eq!(stalled.status, 200);
    let healthy = app.stream(&b.token, None);
    let big = "字".repeat(4000);
    let started = Instant::now();
    for _ in 0..150 {
        app.send(&a, &conv, &big);
    }
    let mut received = 0;
    while received < 150 {
        healthy
            .next_of("message.created", WAIT)
            .expect("healthy reader keeps receiving");
        received += 1;
    }
    let last = app.send(&a, &conv, "last");
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
    let (slow, gate) = app.stream_paused(&b.token);
    // Far more than a stream's inbox holds, and large enough to fill the socket buffers.
    let big = "慢".repeat(4000);
    let sent: Vec<String> = (0..1300).map(|_| app.send(&a, &conv, &big)).collect();
    gate.send(()).unwrap();
    let got = created_ids(&slow, sent.len(), 0, Duration::from_secs(10));
    assert_eq!(got.len(), sent.len(), "nothing skipped");
    assert_eq!(got, sent);
}

#[test]
fn logout_and_password_change_end_the_stream() {
    let app = LiveApp::spawn(&[]);
    let token = app.user("alice").token;
    let sse = app.stream(&token, None);
    assert_eq!(app.post("/api/auth/logout", &token, json!({})).status, 200);
    assert!(
        sse.closes_within(WAIT),
        "the stream of a logged-out token ends"
    );

    let token = app.login("alice");
    let sse = app.stream(&token, None);
    let changed = app.change_password(&token, "password123", "password456");
    assert_eq!(changed.status, 200);
    assert!(
        sse.closes_within(WAIT),
        "the stream of a revoked token ends"
    );
}

#[test]
fn a_browser_ticket_opens_the_stream_once() {
    let app = LiveApp::spawn(&[]);
    let (a, b, conv) = pair(&app);
    let res = app.post("/api/auth/events/ticket", &b.token, json!({}));
    assert_eq!(res.status, 200);
    let ticket = res.data_str("ticket");
    assert_eq!(res.data()["expires_in"], 60);
    let sse = app.stream_with_ticket(&ticket);
    assert_eq!(sse.status, 200);
    let id = app.send(&a, &conv, "via ticket");
    assert_eq!(
        next_data(&sse, "message.created")["message"]["id"],
        json!(id)
    );
    let again = app.stream_with_ticket(&ticket);
    assert_eq!(again.status, 401, "a ticket works once");
    let bogus = app.stream_with_ticket("nope");
    assert_eq!(bogus.status, 401);
}

#[test]
fn shutdown_does_not_hang_on_open_streams() {
    let app = LiveApp::spawn(&[]);
    let token = app.user("alice").token;
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
