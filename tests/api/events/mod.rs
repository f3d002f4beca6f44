//! §8 real-time events over a real loopback server: delivery of each event type to each
//! member and to the sender's other device, per-viewer rendering, resume with
//! `Last-Event-ID`, the replay/live seam, silence after removal, resync, heartbeats, a
//! stalled reader, revocation, tickets and shutdown.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rocket::http::Method;
use serde_json::{json, Value};

use crate::helpers::{Api, User};
use crate::live::{Item, LiveApp, Remote, Sse};

mod delivery;
mod per_conversation;
mod resume;
mod staples;
mod streams;

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
    app.befriend_all(&a, &[&b, &c]);
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
