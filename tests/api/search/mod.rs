//! §13 search through the real app: substrings of any length in Chinese and mixed text, the
//! visibility rules, paging, `around`, bad input, and that a recalled text leaves no trace
//! in the database file.

mod matching;
mod migration;
mod privacy;

use rocket::http::Method::Get;
use serde_json::Value;

use crate::helpers::{Api, Resp, TestApp, User};

/// Waits until the writer has indexed every message (it does once idle for half a second).
/// Searches read the messages not indexed yet and the indexes alike: tests check both,
/// before and after this.
pub(crate) fn indexed(app: &TestApp) {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    for _ in 0..200 {
        if chatd::db::search::queued(&conn).unwrap() <= 0 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("messages still queued for the search index after 10 s");
}

/// `GET /api/auth/search?q=…` (the text URL-encoded).
pub(crate) fn search(app: &TestApp, who: &User, q: &str) -> Resp {
    app.call(
        Get,
        &format!("/api/auth/search?q={}", encode(q)),
        Some(&who.token),
        None,
    )
}

/// `GET /api/auth/conversations/{id}/search?q=…&…` (`rest`: more query, e.g. `&limit=2`).
fn search_in(app: &TestApp, who: &User, conversation: &str, q: &str, rest: &str) -> Resp {
    let path = format!(
        "/api/auth/conversations/{conversation}/search?q={}{rest}",
        encode(q)
    );
    app.call(Get, &path, Some(&who.token), None)
}

/// The contents of the matches `who` finds in `conversation`, newest first (one page of 100).
#[track_caller]
pub(crate) fn found_in(app: &TestApp, who: &User, conversation: &str, q: &str) -> Vec<String> {
    let res = search_in(app, who, conversation, q, "&limit=100");
    res.expect(200, "success");
    contents(res.data())
}

fn contents(messages: &Value) -> Vec<String> {
    messages
        .as_array()
        .unwrap_or_else(|| panic!("{messages} is not a list"))
        .iter()
        .map(|m| m["content"].as_str().unwrap().to_string())
        .collect()
}

/// Percent-encodes everything but unreserved ASCII (a query value).
fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
