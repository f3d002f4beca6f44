//! Limits that keep one client from taking the server down: request rates per client address
//! (register, login, ticket) and per user (send, create_group, friend_request), answered
//! `429 请求过于频繁` with `Retry-After`; the trusted-proxy rule that decides the address; the
//! per-name login lock under concurrent guesses; the bounded password hashing queue; the cap
//! on open event streams per user; and streams ending when their token expires.
//!
//! The test helpers turn every rate limit off, so each test here turns on the ones it checks.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use rocket::http::{Header, Method};
use rocket::local::blocking::LocalRequest;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::live::{Item, LiveApp, Remote, Sse};
use crate::server::{wait_until, Server};

mod passwords;
mod per_address;
mod per_user;
mod streams;

/// The exact body of every `429` a rate limit, a full hashing queue or the stream cap gives.
fn limited_envelope() -> Value {
    json!({"code": 429, "message": "请求过于频繁", "data": null})
}

/// `rate_limits` with every limit off except `on` (e.g. `[("send", "3/hour")]`).
fn rates(on: &[(&str, &str)]) -> Value {
    let mut table = rate_limits_off();
    for (key, rate) in on {
        assert!(table.get(*key).is_some(), "unknown rate limit {key}");
        table[*key] = json!(rate);
    }
    table
}

/// The app with the limits `on` turned on, and `more` settings.
fn app_limiting(on: &[(&str, &str)], more: &[(&str, Value)]) -> TestApp {
    let mut settings = vec![("rate_limits", rates(on))];
    settings.extend(more.iter().cloned());
    TestApp::spawn_with(&settings)
}

impl Resp {
    /// Asserts `429` with exactly the rate-limit envelope and a `Retry-After` of whole seconds,
    /// at least one; the seconds.
    #[track_caller]
    fn expect_limited(&self) -> u64 {
        assert_eq!(self.status, 429, "status of {}", self.body);
        assert_eq!(self.body, limited_envelope());
        let header = self
            .retry_after
            .as_deref()
            .unwrap_or_else(|| panic!("a 429 without Retry-After: {}", self.body));
        let secs: u64 = header
            .parse()
            .unwrap_or_else(|_| panic!("Retry-After {header:?} is not whole seconds"));
        assert!(secs >= 1, "Retry-After {secs} should be at least 1");
        secs
    }
}

/// A JSON `POST` to the local app, with `token` if any, as if it came over a connection from
/// `ip`; not sent yet.
fn post_from<'c>(
    app: &'c TestApp,
    ip: &str,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> LocalRequest<'c> {
    let authorization = token.map(|token| format!("Bearer {token}"));
    app.request(
        Method::Post,
        path,
        authorization.as_deref(),
        Some(body.to_string()),
    )
    .remote(format!("{ip}:40000").parse().expect("a socket address"))
}
