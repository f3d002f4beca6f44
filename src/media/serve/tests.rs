//! The responder through Rocket (`rocket::local`, and a real socket for the framing), and
//! its parsers on their own.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use proptest::prelude::*;
use rocket::http::{Header, Status};
use rocket::local::blocking::{Client, LocalResponse};
use rocket::{catchers, routes, State};
use tempfile::TempDir;

use super::*;

const ETAG: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const SIZE: usize = 1000;

/// The byte at `offset` of every test file: a pattern that never repeats within 251 bytes.
fn byte_at(offset: usize) -> u8 {
    (offset % 251) as u8
}

fn pattern(range: std::ops::Range<usize>) -> Vec<u8> {
    range.map(byte_at).collect()
}

fn write_pattern(path: &Path, size: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let block = pattern(0..251 * 256);
    let mut left = size;
    while left > 0 {
        let n = left.min(block.len());
        out.write_all(&block[..n]).unwrap();
        left -= n;
    }
    out.flush().unwrap();
}

/// The file every route serves (with `/named` overriding type and name), and up to which
/// size it is read into memory rather than streamed from disk.
struct Fixture(Download, u64);

#[rocket::get("/file")]
async fn file(fixture: &State<Fixture>) -> Result<Opened, Error> {
    fixture.0.clone().open_within(fixture.1)
}

#[rocket::get("/named?<mime>&<name>")]
async fn named(fixture: &State<Fixture>, mime: &str, name: &str) -> Result<Opened, Error> {
    Download {
        mime: mime.to_string(),
        disposition: disposition_for(mime, name),
        ..fixture.0.clone()
    }
    .open_within(fixture.1)
}

#[rocket::get("/missing")]
async fn missing(fixture: &State<Fixture>) -> Result<Opened, Error> {
    let mut download = fixture.0.clone();
    download.path.set_file_name("not-there");
    download.open_within(fixture.1)
}

#[rocket::get("/directory")]
async fn directory(fixture: &State<Fixture>) -> Result<Opened, Error> {
    let mut download = fixture.0.clone();
    download.path.pop();
    download.open_within(fixture.1)
}

fn rocket_for(
    path: &Path,
    config: rocket::Config,
    in_memory: u64,
) -> rocket::Rocket<rocket::Build> {
    rocket::custom(config)
        .manage(Fixture(
            Download {
                path: path.to_path_buf(),
                mime: "image/png".to_string(),
                etag: ETAG.to_string(),
                disposition: Disposition::Inline,
            },
            in_memory,
        ))
        .mount("/", routes![file, named, missing, directory])
        .register("/", catchers![crate::error::default_catcher])
}

/// A client serving a `size`-byte pattern file, read into memory when it is small
/// (`IN_MEMORY_MAX`, as chatd serves it).
fn app(size: usize) -> (Client, TempDir) {
    app_reading(size, IN_MEMORY_MAX)
}

/// Both ways of answering: from memory, and streamed from disk.
const BOTH: [u64; 2] = [IN_MEMORY_MAX, 0];

/// A client serving a `size`-byte pattern file, read into memory up to `in_memory` bytes.
fn app_reading(size: usize, in_memory: u64) -> (Client, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blob");
    write_pattern(&path, size);
    let config = rocket::Config {
        log_level: rocket::config::LogLevel::Off,
        ..rocket::Config::debug_default()
    };
    let client = Client::tracked(rocket_for(&path, config, in_memory)).unwrap();
    (client, dir)
}

fn get<'c>(client: &'c Client, uri: &'c str, headers: &[(&str, &str)]) -> LocalResponse<'c> {
    let mut request = client.get(uri);
    for (name, value) in headers {
        request = request.header(Header::new(name.to_string(), value.to_string()));
    }
    request.dispatch()
}

fn header<'a>(response: &'a LocalResponse<'_>, name: &str) -> Option<&'a str> {
    response.headers().get_one(name)
}

/// The headers every file answer carries, whatever its status.
fn assert_protected(response: &LocalResponse<'_>) {
    assert_eq!(header(response, "Cache-Control"), Some("private"));
    assert_eq!(header(response, "X-Content-Type-Options"), Some("nosniff"));
    assert_eq!(
        header(response, "Content-Security-Policy"),
        Some("sandbox; default-src 'none'")
    );
    assert_eq!(header(response, "Accept-Ranges"), Some("bytes"));
}

/// … and those of the file itself (not on a `416`).
fn assert_described(response: &LocalResponse<'_>) {
    assert_protected(response);
    assert_eq!(header(response, "Content-Type"), Some("image/png"));
    assert_eq!(
        header(response, "ETag"),
        Some(format!("\"{ETAG}\"").as_str())
    );
    assert_eq!(header(response, "Content-Disposition"), Some("inline"));
}

fn assert_whole(response: LocalResponse<'_>, size: usize) {
    assert_eq!(response.status(), Status::Ok);
    assert_described(&response);
    assert_eq!(
        header(&response, "Content-Length"),
        Some(size.to_string().as_str())
    );
    assert_eq!(header(&response, "Content-Range"), None);
    assert_eq!(response.into_bytes().unwrap(), pattern(0..size));
}

fn assert_part(response: LocalResponse<'_>, first: usize, last: usize, size: usize) {
    assert_eq!(response.status(), Status::PartialContent);
    assert_described(&response);
    let len = last - first + 1;
    assert_eq!(
        header(&response, "Content-Length"),
        Some(len.to_string().as_str())
    );
    assert_eq!(
        header(&response, "Content-Range"),
        Some(format!("bytes {first}-{last}/{size}").as_str())
    );
    assert_eq!(response.into_bytes().unwrap(), pattern(first..last + 1));
}

fn assert_unsatisfiable(response: LocalResponse<'_>, size: usize) {
    assert_eq!(response.status(), Status::RangeNotSatisfiable);
    assert_protected(&response);
    assert_eq!(
        header(&response, "Content-Range"),
        Some(format!("bytes */{size}").as_str())
    );
    assert_eq!(header(&response, "Content-Type"), Some("application/json"));
    assert_eq!(header(&response, "ETag"), None);
    assert_eq!(
        response.into_string().unwrap(),
        r#"{"code":416,"message":"请求范围无效","data":null}"#
    );
}

#[test]
fn a_plain_get_is_the_whole_file_with_every_header() {
    for in_memory in BOTH {
        let (client, _dir) = app_reading(SIZE, in_memory);
        assert_whole(get(&client, "/file", &[]), SIZE);
    }
}

#[test]
fn safaris_probe_gets_exactly_two_bytes() {
    for in_memory in BOTH {
        let (client, _dir) = app_reading(SIZE, in_memory);
        assert_part(get(&client, "/file", &[("Range", "bytes=0-1")]), 0, 1, SIZE);
    }
}

#[test]
fn single_ranges_are_206_with_only_those_bytes() {
    for in_memory in BOTH {
        let (client, _dir) = app_reading(SIZE, in_memory);
        for (range, first, last) in [
            ("bytes=10-19", 10, 19),
            ("bytes=990-", 990, 999),
            ("bytes=-10", 990, 999),
            ("bytes=0-", 0, 999),
            ("bytes=999-999", 999, 999),
            ("bytes=500-500", 500, 500),
            // Past the end: clamped (RFC 9110 §14.1.2).
            ("bytes=995-5000", 995, 999),
            ("bytes=0-99999999999999999999999", 0, 999),
            ("bytes=-5000", 0, 999),
            // Case and optional spaces.
            ("Bytes=3-4", 3, 4),
            ("bytes= 3 - 4 ", 3, 4),
            ("bytes=3-4,", 3, 4),
        ] {
            let response = get(&client, "/file", &[("Range", range)]);
            assert_eq!(response.status(), Status::PartialContent, "{range}");
            assert_part(response, first, last, SIZE);
        }
    }
}

#[test]
fn unsatisfiable_ranges_are_416_with_the_envelope() {
    for in_memory in BOTH {
        let (client, _dir) = app_reading(SIZE, in_memory);
        for range in [
            "bytes=999999999-",
            "bytes=1000-",
            "bytes=1000-1001",
            "bytes=5-3",
            "bytes=-0",
            "bytes=99999999999999999999999-",
        ] {
            let response = get(&client, "/file", &[("Range", range)]);
            assert_eq!(response.status(), Status::RangeNotSatisfiable, "{range}");
            assert_unsatisfiable(response, SIZE);
        }
    }
}

#[test]
fn several_ranges_or_a_malformed_one_get_the_whole_file() {
    for in_memory in BOTH {
        let (client, _dir) = app_reading(SIZE, in_memory);
        for range in [
            "bytes=0-1,5-6",
            "bytes=0-1, 999999999-",
            "bytes=abc",
            "bytes=",
            "bytes=-",
            "bytes=1-2-3",
            "bytes=+1-2",
            "bytes=0x10-",
            "bytes=1",
            "items=0-1",
            "0-1",
            "",
            "bytes 0-1",
            "bytes=--1",
            "bytes=１-２",
        ] {
            let response = get(&client, "/file", &[("Range", range)]);
            assert_eq!(response.status(), Status::Ok, "{range:?}");
            assert_whole(response, SIZE);
        }
        // Two `Range` headers are a list of two ranges.
        let response = get(
            &client,
            "/file",
            &[("Range", "bytes=0-1"), ("Range", "bytes=5-6")],
        );
        assert_whole(response, SIZE);
    }
}

#[test]
fn a_matching_if_none_match_is_304_without_a_body() {
    let (client, _dir) = app(SIZE);
    let quoted = &format!("\"{ETAG}\"");
    let weak = &format!("W/\"{ETAG}\"");
    let listed = &format!("\"other\", W/\"x\",{quoted}");
    for value in [quoted, weak, listed, "*", " * "] {
        let response = get(&client, "/file", &[("If-None-Match", value)]);
        assert_eq!(response.status(), Status::NotModified, "{value}");
        assert_described(&response);
        assert_eq!(header(&response, "Content-Length"), None);
        assert!(response.into_bytes().unwrap_or_default().is_empty());
    }
    // Split over two headers; and before `Range` (RFC 9110 §13.2.2).
    let response = get(
        &client,
        "/file",
        &[("If-None-Match", "\"old\""), ("If-None-Match", quoted)],
    );
    assert_eq!(response.status(), Status::NotModified);
    let response = get(
        &client,
        "/file",
        &[("If-None-Match", quoted), ("Range", "bytes=0-1")],
    );
    assert_eq!(response.status(), Status::NotModified);
    let response = get(
        &client,
        "/file",
        &[("If-None-Match", quoted), ("Range", "bytes=999999999-")],
    );
    assert_eq!(response.status(), Status::NotModified);
}

#[test]
fn a_different_or_malformed_if_none_match_gets_the_file() {
    let (client, _dir) = app(SIZE);
    let prefix = &format!("\"{}\"", &ETAG[..10]);
    for value in [
        "\"other\"",
        "W/\"other\", \"x\"",
        ETAG,
        prefix,
        "\"",
        "",
        "W/",
        "w/\"x\"",
    ] {
        assert_whole(get(&client, "/file", &[("If-None-Match", value)]), SIZE);
    }
    // A non-matching tag with a range: the range is served.
    let response = get(
        &client,
        "/file",
        &[("If-None-Match", "\"other\""), ("Range", "bytes=0-1")],
    );
    assert_part(response, 0, 1, SIZE);
}

#[test]
fn head_answers_the_same_headers_without_a_body() {
    let (client, _dir) = app(SIZE);
    let response = client
        .head("/file")
        .header(Header::new("Range", "bytes=0-1"))
        .dispatch();
    assert_eq!(response.status(), Status::PartialContent);
    assert_eq!(header(&response, "Content-Length"), Some("2"));
    assert_eq!(header(&response, "Content-Range"), Some("bytes 0-1/1000"));
    assert!(response.into_bytes().unwrap_or_default().is_empty());
    let response = client.head("/file").dispatch();
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(header(&response, "Content-Length"), Some("1000"));
    assert!(response.into_bytes().unwrap_or_default().is_empty());
}

#[test]
fn attachments_carry_a_safe_name_and_the_stored_type() {
    let (client, _dir) = app(SIZE);
    let response = get(
        &client,
        "/named?mime=text/html&name=%E6%8A%A5%E5%91%8A%20%22v2%22.html",
        &[],
    );
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(header(&response, "Content-Type"), Some("text/html"));
    assert_eq!(
        header(&response, "Content-Disposition"),
        Some("attachment; filename=\"__ _v2_.html\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%20%22v2%22.html")
    );
    assert_eq!(header(&response, "X-Content-Type-Options"), Some("nosniff"));
    let response = get(&client, "/named?mime=audio/webm&name=x.webm", &[]);
    assert_eq!(header(&response, "Content-Disposition"), Some("inline"));
    assert_eq!(header(&response, "Content-Type"), Some("audio/webm"));
}

#[test]
fn an_unsendable_stored_type_goes_out_as_octet_stream() {
    let (client, _dir) = app(SIZE);
    let response = get(&client, "/named?mime=&name=a", &[]);
    assert_eq!(
        header(&response, "Content-Type"),
        Some("application/octet-stream")
    );
    let response = get(&client, "/named?mime=text/plain%C3%A9&name=a", &[]);
    assert_eq!(
        header(&response, "Content-Type"),
        Some("application/octet-stream")
    );
}

#[test]
fn a_file_missing_on_disk_is_404_file_not_found() {
    let (client, _dir) = app(SIZE);
    let response = get(&client, "/missing", &[("Range", "bytes=0-1")]);
    assert_eq!(response.status(), Status::NotFound);
    assert_eq!(
        response.into_string().unwrap(),
        r#"{"code":404,"message":"文件不存在","data":null}"#
    );
    let response = get(&client, "/directory", &[]);
    assert_eq!(response.status(), Status::InternalServerError);
    assert_eq!(
        response.into_string().unwrap(),
        r#"{"code":500,"message":"服务器错误","data":null}"#
    );
}

#[test]
fn an_empty_file_is_served_and_its_ranges_are_unsatisfiable() {
    let (client, _dir) = app(0);
    assert_whole(get(&client, "/file", &[]), 0);
    assert_unsatisfiable(get(&client, "/file", &[("Range", "bytes=0-1")]), 0);
    assert_unsatisfiable(get(&client, "/file", &[("Range", "bytes=0-")]), 0);
    assert_whole(get(&client, "/file", &[("Range", "bytes=-5")]), 0);
}

#[test]
fn a_50_mib_file_streams_in_chunks() {
    const BIG: usize = 50 * 1024 * 1024;
    let (client, _dir) = app(BIG);
    let mut response = get(&client, "/file", &[]);
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        header(&response, "Content-Length"),
        Some(BIG.to_string().as_str())
    );
    // Read as a stream, never holding the body: every piece checked against the pattern.
    let expected = pattern(0..251 + 256 * 1024);
    let (mut total, mut buf) = (0usize, vec![0u8; 256 * 1024]);
    loop {
        let n = response.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        let at = total % 251;
        assert!(
            buf[..n] == expected[at..at + n],
            "bytes {total}..{}",
            total + n
        );
        total += n;
    }
    assert_eq!(total, BIG);
    // A range deep inside it.
    let response = get(&client, "/file", &[("Range", "bytes=40000000-40000009")]);
    assert_part(response, 40_000_000, 40_000_009, BIG);
}

// ---------------------------------------------------------------------------------------
// On a real socket: what `rocket::local` cannot show is how hyper frames the answers.

/// A Rocket serving the pattern file on a loopback port, stopped on drop.
struct Live {
    port: u16,
    shutdown: rocket::Shutdown,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: TempDir,
}

impl Live {
    fn start(size: usize, in_memory: u64) -> Live {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob");
        write_pattern(&path, size);
        let config = rocket::Config {
            port: 0,
            address: std::net::Ipv4Addr::LOCALHOST.into(),
            log_level: rocket::config::LogLevel::Off,
            workers: 2,
            shutdown: rocket::config::Shutdown {
                ctrlc: false,
                grace: 1,
                mercy: 1,
                ..Default::default()
            },
            ..rocket::Config::debug_default()
        };
        let rocket = rocket_for(&path, config, in_memory);
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let _ = rocket::execute(
                rocket
                    .attach(rocket::fairing::AdHoc::on_liftoff("port", move |r| {
                        Box::pin(async move {
                            let _ = tx.send((r.config().port, r.shutdown()));
                        })
                    }))
                    .launch(),
            );
        });
        let (port, shutdown) = rx.recv_timeout(Duration::from_secs(20)).expect("server up");
        Live {
            port,
            shutdown,
            thread: Some(thread),
            _dir: dir,
        }
    }

    /// One request on its own connection: the status line and lowercased headers, and the
    /// body exactly as it came (the server closes the connection after it).
    fn call(&self, method: &str, headers: &str) -> (String, Vec<(String, String)>, Vec<u8>) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        write!(
            stream,
            "{method} /file HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{headers}\r\n"
        )
        .unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a head");
        let head = String::from_utf8(raw[..split].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap().to_string();
        let headers = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap();
                (name.to_ascii_lowercase(), value.trim().to_string())
            })
            .collect();
        (status, headers, raw[split + 4..].to_vec())
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.shutdown.clone().notify();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn wire_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let mut found = headers
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str());
    let first = found.next();
    assert_eq!(found.next(), None, "one {name} header");
    first
}

#[test]
fn on_the_wire_every_answer_is_framed_by_its_content_length() {
    for in_memory in BOTH {
        let live = Live::start(SIZE, in_memory);

        let (status, headers, body) = live.call("GET", "Range: bytes=0-1\r\n");
        assert_eq!(status, "HTTP/1.1 206 Partial Content");
        assert_eq!(wire_header(&headers, "content-length"), Some("2"));
        assert_eq!(wire_header(&headers, "transfer-encoding"), None);
        assert_eq!(
            wire_header(&headers, "content-range"),
            Some("bytes 0-1/1000")
        );
        assert_eq!(body, pattern(0..2));

        let (status, headers, body) = live.call("GET", "Range: bytes=-300\r\n");
        assert_eq!(status, "HTTP/1.1 206 Partial Content");
        assert_eq!(wire_header(&headers, "content-length"), Some("300"));
        assert_eq!(body, pattern(700..1000));

        let (status, headers, body) = live.call("GET", "");
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert_eq!(wire_header(&headers, "content-length"), Some("1000"));
        assert_eq!(wire_header(&headers, "transfer-encoding"), None);
        assert_eq!(
            wire_header(&headers, "etag"),
            Some(format!("\"{ETAG}\"").as_str())
        );
        assert_eq!(body, pattern(0..SIZE));

        let (status, headers, body) = live.call("GET", &format!("If-None-Match: \"{ETAG}\"\r\n"));
        assert_eq!(status, "HTTP/1.1 304 Not Modified");
        assert_eq!(wire_header(&headers, "content-length"), None);
        assert_eq!(
            wire_header(&headers, "etag"),
            Some(format!("\"{ETAG}\"").as_str())
        );
        assert!(body.is_empty());

        let (status, headers, body) = live.call("GET", "Range: bytes=999999999-\r\n");
        assert_eq!(status, "HTTP/1.1 416 Range Not Satisfiable");
        assert_eq!(wire_header(&headers, "content-range"), Some("bytes */1000"));
        let envelope = r#"{"code":416,"message":"请求范围无效","data":null}"#;
        assert_eq!(
            wire_header(&headers, "content-length"),
            Some(envelope.len().to_string().as_str())
        );
        assert_eq!(body, envelope.as_bytes());

        let (status, headers, body) = live.call("HEAD", "Range: bytes=0-1\r\n");
        assert_eq!(status, "HTTP/1.1 206 Partial Content");
        assert_eq!(wire_header(&headers, "content-length"), Some("2"));
        assert!(body.is_empty());
    }
}

// ---------------------------------------------------------------------------------------
// The parsers on their own.

#[test]
fn range_plans() {
    use Plan::*;
    let part = |start, end| Part { start, end };
    for (range, size, expected) in [
        ("bytes=0-1", 10, part(0, 1)),
        ("bytes=2-", 10, part(2, 9)),
        ("bytes=-3", 10, part(7, 9)),
        ("bytes=-20", 10, part(0, 9)),
        ("bytes=5-100", 10, part(5, 9)),
        ("bytes=9-9", 10, part(9, 9)),
        ("bytes=0-0", 1, part(0, 0)),
        ("bytes=10-", 10, Unsatisfiable),
        ("bytes=10-10", 10, Unsatisfiable),
        ("bytes=5-3", 10, Unsatisfiable),
        ("bytes=-0", 10, Unsatisfiable),
        ("bytes=0-", 0, Unsatisfiable),
        ("bytes=-5", 0, Whole),
        ("bytes=0-1,5-6", 10, Whole),
        ("bytes=,,0-1,,", 10, part(0, 1)),
        ("bytes=abc", 10, Whole),
        ("bytes=", 10, Whole),
        ("bytes=,", 10, Whole),
        ("bytes=-", 10, Whole),
        ("bytes=1-2-3", 10, Whole),
        ("bytes=-1-2", 10, Whole),
        ("bytes==0-1", 10, Whole),
        ("bytes", 10, Whole),
        ("=0-1", 10, Whole),
        ("items=0-1", 10, Whole),
        (
            "bytes=18446744073709551614-18446744073709551615",
            u64::MAX,
            part(u64::MAX - 1, u64::MAX - 1),
        ),
        ("bytes=0-", u64::MAX, part(0, u64::MAX - 1)),
    ] {
        assert_eq!(plan(range, size), expected, "{range:?} of {size}");
    }
}

#[test]
fn if_none_match_compares_weakly() {
    for (header, matches) in [
        ("\"abc\"", true),
        ("W/\"abc\"", true),
        ("*", true),
        ("\"x\", \"abc\"", true),
        ("\"x\",W/\"abc\"", true),
        (" ,\t\"abc\" ,", true),
        ("\"x\"", false),
        ("abc", false),
        ("\"ab\"", false),
        ("\"abcd\"", false),
        ("\"abc", false),
        ("", false),
        ("W/", false),
        ("w/\"abc\"", false),
        ("\"x\" garbage \"abc\"", false),
        ("\"a,b\", \"abc\"", true),
    ] {
        assert_eq!(none_match(header, "abc"), matches, "{header:?}");
    }
}

#[test]
fn recognised_media_is_inline_everything_else_an_attachment() {
    for mime in [
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "IMAGE/PNG",
        "audio/webm",
        "audio/mp4",
        "audio/mpeg",
        "audio/webm; codecs=opus",
        "video/mp4",
    ] {
        assert_eq!(disposition_for(mime, "x"), Disposition::Inline, "{mime}");
    }
    for mime in [
        "image/svg+xml",
        "image/bmp",
        "image/",
        "text/html",
        "application/xhtml+xml",
        "application/pdf",
        "application/octet-stream",
        "text/plain",
        "audio/",
        "video/",
        "audio/x y",
        "",
        "imagejpeg",
    ] {
        assert_eq!(
            disposition_for(mime, "报告.pdf"),
            Disposition::Attachment {
                name: "报告.pdf".to_string()
            },
            "{mime}"
        );
    }
}

fn attachment(name: &str) -> String {
    content_disposition(&Disposition::Attachment {
        name: name.to_string(),
    })
}

/// The two names of an `attachment` header: the quoted fallback, and `filename*` decoded.
fn names_of(header: &str) -> (String, String) {
    let rest = header
        .strip_prefix("attachment; filename=\"")
        .expect(header);
    let (fallback, rest) = rest.split_once("\"; filename*=UTF-8''").expect(header);
    let mut bytes = Vec::new();
    let mut raw = rest.bytes();
    while let Some(b) = raw.next() {
        if b == b'%' {
            let hex: String = [raw.next().unwrap(), raw.next().unwrap()]
                .iter()
                .map(|b| char::from(*b))
                .collect();
            bytes.push(u8::from_str_radix(&hex, 16).unwrap());
        } else {
            assert!(
                b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b),
                "{:?} is not an attr-char",
                char::from(b)
            );
            bytes.push(b);
        }
    }
    (fallback.to_string(), String::from_utf8(bytes).unwrap())
}

#[test]
fn content_disposition_headers() {
    assert_eq!(content_disposition(&Disposition::Inline), "inline");
    assert_eq!(
        attachment("report.pdf"),
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    );
    assert_eq!(
        attachment("家庭照片 2024.zip"),
        "attachment; filename=\"____ 2024.zip\"; \
         filename*=UTF-8''%E5%AE%B6%E5%BA%AD%E7%85%A7%E7%89%87%202024.zip"
    );
    assert_eq!(
        names_of(&attachment("家庭照片 2024.zip")).1,
        "家庭照片 2024.zip"
    );
    assert_eq!(
        attachment("a\"b\\c/d\r\ne%41.txt"),
        "attachment; filename=\"a_b_c_d__e_41.txt\"; filename*=UTF-8''a%22b_c_d__e%2541.txt"
    );
    assert_eq!(
        attachment("  \r\n "),
        "attachment; filename=\"download\"; filename*=UTF-8''download"
    );
    assert_eq!(names_of(&attachment("")).1, "download");
    // A right-to-left override would show `evil\u{202E}gpj.exe` as `evilexe.jpg`.
    assert_eq!(
        names_of(&attachment("evil\u{202E}gpj.exe")).1,
        "evil_gpj.exe"
    );
    assert_eq!(names_of(&attachment("😀 emoji.txt")).1, "😀 emoji.txt");
}

#[test]
fn long_names_are_cut_keeping_their_extension() {
    let (fallback, name) = names_of(&attachment(&format!("{}.docx", "长".repeat(500))));
    assert_eq!(name.chars().count(), 200);
    assert!(name.ends_with("长.docx"), "{name}");
    assert_eq!(fallback.len(), 200);
    let (_, name) = names_of(&attachment(&"x".repeat(300)));
    assert_eq!(name, "x".repeat(200));
}

proptest! {
    #[test]
    fn any_range_value_gives_a_plan_within_the_file(range in ".{0,40}", size in any::<u64>()) {
        if let Plan::Part { start, end } = plan(&range, size) {
            prop_assert!(start <= end && end < size);
        }
    }

    #[test]
    fn ranges_of_digits_never_panic(
        first in proptest::option::of(any::<u64>()),
        last in proptest::option::of(any::<u64>()),
        size in 0u64..2000,
    ) {
        let text = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
        let range = format!("bytes={}-{}", text(first), text(last));
        match plan(&range, size) {
            Plan::Part { start, end } => prop_assert!(start <= end && end < size),
            Plan::Whole => prop_assert!(first.is_none() && (last.is_none() || size == 0)),
            Plan::Unsatisfiable => {}
        }
    }

    #[test]
    fn any_if_none_match_never_panics(header in ".{0,60}", etag in "[0-9a-f]{0,8}") {
        let _ = none_match(&header, &etag);
    }

    #[test]
    fn any_name_makes_a_safe_header_that_round_trips(name in any::<String>()) {
        let header = attachment(&name);
        prop_assert!(header.bytes().all(|b| b.is_ascii_graphic() || b == b' '), "{header:?}");
        let (fallback, decoded) = names_of(&header);
        prop_assert!(!fallback.contains(['"', '\\', '%', '/']));
        prop_assert_eq!(decoded, clean_name(&name));
    }

    #[test]
    fn names_without_separators_or_controls_round_trip(name in "[\\p{Han}a-zA-Z0-9 ._()'-]{1,40}") {
        let trimmed = name.trim();
        prop_assume!(!trimmed.is_empty());
        let (_, decoded) = names_of(&attachment(&name));
        prop_assert_eq!(decoded, trimmed);
    }
}
