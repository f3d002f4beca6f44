//! The cap on open event streams per user, and streams ending when their token expires.

use super::*;

/// An event stream over a plain socket, so the test decides when the client goes away.
struct RawStream {
    /// Its status and `Retry-After`, and the envelope of an answer other than 200 (a stream's
    /// body is left unread: `null`).
    answer: Resp,
    content_type: String,
    socket: BufReader<TcpStream>,
}

/// `GET path` (an event stream) on the server at `base`, with `token` if any.
fn open_raw(base: &str, path: &str, token: Option<&str>) -> RawStream {
    request_raw(base, "GET", path, token)
}

/// `method path` for an event stream on the server at `base`, with `token` if any.
fn request_raw(base: &str, method: &str, path: &str, token: Option<&str>) -> RawStream {
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let mut socket = TcpStream::connect(host).expect("connect");
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let auth = token.map_or_else(String::new, |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        socket,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n{auth}\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(socket);
    let mut line = String::new();
    reader.read_line(&mut line).expect("status line");
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("status line {line:?}"));
    let (mut retry_after, mut length, mut content_type) = (None, None, String::new());
    loop {
        line.clear();
        reader.read_line(&mut line).expect("header line");
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').expect("a header");
        match name.trim().to_ascii_lowercase().as_str() {
            "retry-after" => retry_after = Some(value.trim().to_string()),
            "content-length" => length = value.trim().parse::<usize>().ok(),
            "content-type" => content_type = value.trim().to_string(),
            _ => {}
        }
    }
    let body = if status == 200 {
        Value::Null
    } else {
        let length = length.unwrap_or_else(|| panic!("a {status} without Content-Length"));
        let mut buf = vec![0; length];
        reader.read_exact(&mut buf).expect("body");
        serde_json::from_slice(&buf).expect("a JSON envelope")
    };
    RawStream {
        answer: Resp {
            status,
            body,
            retry_after,
        },
        content_type,
        socket: reader,
    }
}

impl RawStream {
    /// Asserts the stream opened.
    #[track_caller]
    fn expect_open(self) -> RawStream {
        assert_eq!(self.answer.status, 200, "stream refused: {}", self.answer);
        self
    }

    /// Asserts the stream was refused for the cap; `Retry-After`, in seconds.
    #[track_caller]
    fn expect_limited(&self) -> u64 {
        self.answer.expect_limited()
    }
}

#[test]
fn open_streams_per_user_are_capped_until_one_closes() {
    let app = LiveApp::spawn(&[
        ("max_streams_per_user", json!(2)),
        ("event_heartbeat_secs", json!(1)),
    ]);
    let alice = app.user("alice").token;
    let bob = app.user("bob").token;
    let stream = |token: &str| open_raw(&app.base, "/api/auth/events", Some(token));

    let first = stream(&alice).expect_open();
    let _second = stream(&alice).expect_open();
    stream(&alice).expect_limited();
    // A ticket stream is one of the user's streams too.
    let res = app.post("/api/auth/events/ticket", &alice, json!({}));
    assert_eq!(res.status, 200, "{res}");
    let ticket = res.data_str("ticket");
    open_raw(&app.base, &format!("/api/events?ticket={ticket}"), None).expect_limited();
    // Another user is not affected.
    let _bob = stream(&bob).expect_open();

    // The server notices the closed connection on its next heartbeat; then a place is free.
    drop(first);
    let mut reopened = None;
    let mut last = None;
    let freed = wait_until(Duration::from_secs(10), || {
        let attempt = stream(&alice);
        if attempt.answer.status == 200 {
            reopened = Some(attempt);
            true
        } else {
            attempt.expect_limited();
            last = Some(attempt.answer.body);
            false
        }
    });
    assert!(freed, "no place freed 10 s after a stream closed: {last:?}");
    // Two open again: the next one is refused.
    stream(&alice).expect_limited();
    drop(reopened);
}

/// The items of `sse` up to its end, within `limit`; panics unless it ended and sent a
/// heartbeat before.
#[track_caller]
fn alive_then_ended(sse: &Sse, limit: Duration, what: &str) {
    let items = sse.drain(limit);
    assert!(
        matches!(items.last(), Some(Item::Closed)),
        "{what} did not end within {limit:?}: {items:?}"
    );
    assert!(
        items
            .iter()
            .any(|item| matches!(item, Item::Comment(c) if c == "ping")),
        "{what} sent no heartbeat before it ended: {items:?}"
    );
}

#[test]
fn streams_end_when_their_token_expires() {
    const TTL: u64 = 3;
    let app = LiveApp::spawn(&[
        ("token_ttl_secs", json!(TTL)),
        ("event_heartbeat_secs", json!(1)),
    ]);
    let token = app.user("alice").token;
    let res = app.post("/api/auth/events/ticket", &token, json!({}));
    assert_eq!(res.status, 200, "{res}");
    let ticket = res.data_str("ticket");

    let opened = Instant::now();
    let header = app.stream(&token, None);
    assert_eq!(header.status, 200);
    let by_ticket = app.stream_with_ticket(&ticket);
    assert_eq!(by_ticket.status, 200);

    let limit = Duration::from_secs(TTL + 5);
    alive_then_ended(&header, limit, "the header stream");
    alive_then_ended(
        &by_ticket,
        limit
            .saturating_sub(opened.elapsed())
            .max(Duration::from_secs(1)),
        "the ticket stream",
    );
    // Closed for the expiry, not earlier for anything else.
    assert!(
        opened.elapsed() >= Duration::from_secs(TTL - 2),
        "the streams ended after {:?}, before the token expired",
        opened.elapsed()
    );
    // The token itself stops working (within its last whole second).
    let expired = wait_until(Duration::from_secs(3), || {
        app.get("/api/auth/me", &token).status == 401
    });
    assert!(expired, "the token still works after its streams ended");
}

/// A `HEAD` for a stream: its headers, no body (the connection's next answer follows at
/// once), and no place held among the user's streams.
#[test]
fn a_head_request_for_a_stream_answers_headers_only_and_holds_no_place() {
    let app = LiveApp::spawn(&[("max_streams_per_user", json!(1))]);
    let alice = app.user("alice").token;
    let mut head = request_raw(&app.base, "HEAD", "/api/auth/events", Some(&alice)).expect_open();
    assert_eq!(head.content_type, "text/event-stream");
    // The same connection answers the next request: nothing of a body came before it.
    let host = app.base.trim_start_matches("http://").trim_end_matches('/');
    write!(
        head.socket.get_mut(),
        "GET /api/health HTTP/1.1\r\nHost: {host}\r\n\r\n"
    )
    .unwrap();
    let mut line = String::new();
    head.socket
        .read_line(&mut line)
        .expect("the next status line");
    assert!(line.starts_with("HTTP/1.1 200"), "{line:?}");
    // The one place allowed is free.
    let _open = open_raw(&app.base, "/api/auth/events", Some(&alice)).expect_open();
}
