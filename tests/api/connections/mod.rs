//! Connection bounds on the real binary (issue 12): idle, half-sent and slow request heads
//! and idle keep-alive connections are closed after `header_timeout_secs`; an oversized body
//! is refused at once and a stalled one (even of fewer bytes than Rocket's `_method` peek)
//! answered 408 after `body_timeout_secs`, the connection closed after either; under a 1,024
//! descriptor limit, 1,100 idle sockets do not lock anyone out; and a flood of 1,000 logins
//! and sign-ups at once keeps memory bounded and the health check fast.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rocket::http::Method;
use serde_json::{json, Value};

use crate::helpers::{Api, PASSWORD};
use crate::live::Remote;
use crate::server::{wait_until, Server};

mod fd_limit;
mod flood;

fn settings(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
    stream.set_nodelay(true).unwrap();
    stream
}

/// How the server ended a connection we wait on.
#[derive(Debug)]
enum End {
    /// Closed (EOF or reset) after this long.
    Closed(Duration),
    /// Still open when we stopped waiting.
    Open,
}

/// Reads from `reader` (whose socket is `stream`) until the server closes the connection
/// (EOF or reset) or `limit` passes; any bytes that arrive meanwhile are collected in `got`.
/// Time is counted from `since`.
fn wait_closed(
    stream: &TcpStream,
    reader: &mut impl Read,
    since: Instant,
    limit: Duration,
    got: &mut Vec<u8>,
) -> End {
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return End::Open;
        }
        stream
            .set_read_timeout(Some(left.min(Duration::from_millis(200))))
            .unwrap();
        match reader.read(&mut buf) {
            Ok(0) => return End::Closed(since.elapsed()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
                ) =>
            {
                return End::Closed(since.elapsed())
            }
            Err(e) => panic!("unexpected read error: {e}"),
        }
    }
}

/// One HTTP/1.1 response: status, head (lower-cased) and body (by Content-Length).
fn read_response(reader: &mut impl BufRead) -> (u16, String, Vec<u8>) {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).expect("response head");
        assert!(n > 0, "connection closed mid-head: {head:?}");
        if line == "\r\n" {
            break;
        }
        head.push_str(&line.to_ascii_lowercase());
    }
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |n| n.trim().parse().expect("Content-Length"));
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).expect("response body");
    (status, head, body)
}

/// The envelope of a response body.
fn envelope(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(body)))
}

/// `code` and `message` of an envelope.
fn code_and_message(envelope: &Value) -> (Value, Value) {
    (envelope["code"].clone(), envelope["message"].clone())
}

fn health_is_ok(base: &str) -> bool {
    Remote::bounded(base)
        .try_call(Method::Get, "/api/health", None, None)
        .is_some_and(|res| res.status == 200 && res.body["code"] == json!(200))
}

#[test]
fn idle_half_sent_slow_and_kept_alive_connections_are_closed_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), 0, &settings(&[("header_timeout_secs", "2")]));
    let limit = Duration::from_secs(6);

    // Nothing sent at all.
    let idle = {
        let stream = connect(&server);
        std::thread::spawn(move || {
            let since = Instant::now();
            let mut got = Vec::new();
            let end = wait_closed(&stream, &mut &stream, since, limit, &mut got);
            (end, got)
        })
    };
    // A request head that stops before its blank line.
    let half = {
        let mut stream = connect(&server);
        std::thread::spawn(move || {
            let since = Instant::now();
            stream
                .write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            let mut got = Vec::new();
            let end = wait_closed(&stream, &mut &stream, since, limit, &mut got);
            (end, got)
        })
    };
    // Slowloris: a head that grows by one byte every 500 ms and never ends.
    let slow = {
        let stream = connect(&server);
        let mut writer = stream.try_clone().unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let dripping = {
            let done = done.clone();
            std::thread::spawn(move || {
                let mut sent = 0;
                if writer
                    .write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                    .is_err()
                {
                    return sent;
                }
                while !done.load(Ordering::Relaxed) && sent < 20 {
                    std::thread::sleep(Duration::from_millis(500));
                    if writer.write_all(b"a").is_err() {
                        break;
                    }
                    sent += 1;
                }
                sent
            })
        };
        std::thread::spawn(move || {
            let since = Instant::now();
            let mut got = Vec::new();
            let end = wait_closed(&stream, &mut &stream, since, limit, &mut got);
            done.store(true, Ordering::Relaxed);
            let dripped = dripping.join().unwrap();
            (end, got, dripped)
        })
    };
    // One complete request and response, then nothing: an idle keep-alive connection.
    let kept = {
        let mut stream = connect(&server);
        std::thread::spawn(move || {
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            stream
                .write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (status, head, body) = read_response(&mut reader);
            let since = Instant::now();
            let mut got = Vec::new();
            let end = wait_closed(&stream, &mut reader, since, limit, &mut got);
            (status, head, body, end, got)
        })
    };

    // Meanwhile the server answers on new connections.
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1500) {
        assert!(
            health_is_ok(&server.base),
            "health while connections are held"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let in_window = |end: &End| matches!(end, End::Closed(t) if *t >= Duration::from_millis(1500) && *t <= Duration::from_secs(5));
    let (end, got) = idle.join().unwrap();
    eprintln!("idle connection: {end:?}");
    assert!(in_window(&end), "idle connection: {end:?}");
    assert!(got.is_empty(), "idle connection got {got:?}");

    let (end, got) = half.join().unwrap();
    eprintln!("half-sent head: {end:?}");
    assert!(in_window(&end), "half-sent head: {end:?}");
    assert!(got.is_empty(), "half-sent head got {got:?}");

    let (end, got, dripped) = slow.join().unwrap();
    eprintln!("slowloris ({dripped} bytes dripped): {end:?}");
    assert!(in_window(&end), "slowloris: {end:?}");
    assert!(
        dripped >= 2,
        "the slow head was still being sent ({dripped} bytes)"
    );
    assert!(got.is_empty(), "slowloris got {got:?}");

    let (status, head, body, end, got) = kept.join().unwrap();
    eprintln!("idle keep-alive: {end:?}");
    assert_eq!(status, 200, "{head}");
    assert_eq!(envelope(&body)["data"]["status"], json!("ok"));
    assert!(!head.contains("connection: close"), "kept alive: {head}");
    assert!(in_window(&end), "idle keep-alive: {end:?}");
    assert!(got.is_empty(), "idle keep-alive got {got:?}");

    // And still afterwards.
    assert!(health_is_ok(&server.base));
}

/// Sends `request` (method and path) with a `Content-Length` of `length` and then only
/// `sent`; the response, how long it took, and how the connection ended after it.
fn partial_body(
    port: u16,
    request: &str,
    length: u64,
    sent: &[u8],
) -> ((u16, String, Value), Duration, End) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let started = Instant::now();
    write!(
        stream,
        "{request} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    )
    .unwrap();
    stream.write_all(sent).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let (status, head, body) = read_response(&mut reader);
    let took = started.elapsed();
    let answered = Instant::now();
    let mut got = Vec::new();
    let end = wait_closed(
        &stream,
        &mut reader,
        answered,
        Duration::from_secs(5),
        &mut got,
    );
    assert!(got.is_empty(), "more after the response: {got:?}");
    ((status, head, envelope(&body)), took, end)
}

#[test]
fn oversized_and_stalled_bodies_are_answered_and_the_connection_closed() {
    let dir = tempfile::tempdir().unwrap();
    // A long header timeout, so a close right after the answer is not that timeout's doing.
    let server = Server::start_with(
        dir.path(),
        0,
        &settings(&[("header_timeout_secs", "20"), ("body_timeout_secs", "2")]),
    );
    let port = server.port();
    let partial = |request: &'static str, length: u64, sent: &'static [u8]| {
        std::thread::spawn(move || partial_body(port, request, length, sent))
    };
    // 100 MiB declared, 10 bytes sent: refused without reading.
    let too_large = partial("POST /api/register", 104_857_600, b"{\"username");
    // 100 bytes declared (within the limit), 10 or none sent: given up after
    // body_timeout_secs. (With fewer than 14 bytes, Rocket's `_method` peek used to wait
    // for the rest without limit, holding the connection forever on any route.)
    let stalled = partial("POST /api/register", 100, b"{\"username");
    let nothing = partial("POST /api/register", 100, b"");
    // A route that reads no body answers at once, though its body never comes.
    let unread = partial("GET /api/health", 1, b"");

    let prompt = |end: &End| matches!(end, End::Closed(t) if *t < Duration::from_secs(2));
    let ((status, head, body), took, end) = too_large.join().unwrap();
    eprintln!("413 after {took:?}, then {end:?}");
    assert_eq!(status, 413, "{head}");
    assert_eq!(code_and_message(&body), (json!(413), json!("请求体过大")));
    assert!(took < Duration::from_secs(1), "413 took {took:?}");
    assert!(prompt(&end), "after the 413: {end:?}");

    for (what, case) in [("10 of 100 bytes", stalled), ("0 of 100 bytes", nothing)] {
        let ((status, head, body), took, end) = case.join().unwrap();
        eprintln!("{what}: 408 after {took:?}, then {end:?}");
        assert_eq!(status, 408, "{what}: {head}");
        assert_eq!(
            code_and_message(&body),
            (json!(408), json!("请求超时")),
            "{what}"
        );
        assert!(
            took >= Duration::from_millis(1900) && took < Duration::from_secs(5),
            "{what}: 408 took {took:?}"
        );
        assert!(prompt(&end), "{what}: after the 408: {end:?}");
    }

    let ((status, head, body), took, end) = unread.join().unwrap();
    eprintln!("health with a body that never comes: {status} after {took:?}, then {end:?}");
    assert_eq!(status, 200, "{head}");
    assert_eq!(body["data"]["status"], json!("ok"));
    assert!(took < Duration::from_secs(1), "health took {took:?}");
    assert!(prompt(&end), "after the health answer: {end:?}");

    assert!(health_is_ok(&server.base));
}

/// How many file descriptors `pid` has open.
fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}
