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

use rocket::http::{ContentType, Header};
use rocket::local::blocking::LocalRequest;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::live::{Item, LiveApp, Remote, Sse};
use crate::server::{wait_until, Server};

mod passwords;
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

/// A `Resp` with the header it leaves out.
#[derive(Debug)]
struct Answer {
    resp: Resp,
    retry_after: Option<String>,
}

impl std::ops::Deref for Answer {
    type Target = Resp;

    fn deref(&self) -> &Resp {
        &self.resp
    }
}

impl Answer {
    fn new(status: u16, body: Value, retry_after: Option<String>) -> Answer {
        Answer {
            resp: Resp { status, body },
            retry_after,
        }
    }

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

/// Sends a local request; its status, envelope and `Retry-After`.
fn dispatch(req: LocalRequest<'_>) -> Answer {
    let res = req.dispatch();
    let status = res.status().code;
    let retry_after = res.headers().get_one("Retry-After").map(str::to_string);
    let text = res.into_string().unwrap_or_default();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("answer with status {status} is not JSON: {text:?}"));
    Answer::new(status, body, retry_after)
}

/// A JSON `POST` to the local app, with `token` if any, from no known address.
fn post<'c>(app: &'c TestApp, path: &str, token: Option<&str>, body: Value) -> LocalRequest<'c> {
    let mut req = app
        .client
        .post(path.to_string())
        .header(ContentType::JSON)
        .body(body.to_string());
    if let Some(token) = token {
        req = req.header(Header::new("Authorization", format!("Bearer {token}")));
    }
    req
}

/// `req` as if it came over a connection from `ip`.
fn from<'c>(req: LocalRequest<'c>, ip: &str) -> LocalRequest<'c> {
    req.remote(format!("{ip}:40000").parse().expect("a socket address"))
}

/// A username never used before in this test binary.
fn fresh_name() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("newcomer_{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// What a client address may do only so often.
#[derive(Debug, Clone, Copy)]
enum PerAddress {
    Register,
    Login,
    Ticket,
}

const PER_ADDRESS: [PerAddress; 3] = [PerAddress::Register, PerAddress::Login, PerAddress::Ticket];

impl PerAddress {
    /// Its key in `rate_limits`.
    fn key(self) -> &'static str {
        match self {
            PerAddress::Register => "register",
            PerAddress::Login => "login",
            PerAddress::Ticket => "ticket",
        }
    }

    /// One attempt that succeeds when not limited (`user` is an existing account).
    fn request<'c>(self, app: &'c TestApp, user: &User) -> LocalRequest<'c> {
        match self {
            PerAddress::Register => post(
                app,
                "/api/register",
                None,
                json!({"username": fresh_name(), "password": PASSWORD}),
            ),
            PerAddress::Login => post(
                app,
                "/api/login",
                None,
                json!({"username": user.username, "password": PASSWORD}),
            ),
            PerAddress::Ticket => {
                post(app, "/api/auth/events/ticket", Some(&user.token), json!({}))
            }
        }
    }

    /// The status and message of a success.
    fn success(self) -> (u16, &'static str) {
        match self {
            PerAddress::Register => (201, "注册成功"),
            PerAddress::Login => (200, "登录成功"),
            PerAddress::Ticket => (200, "success"),
        }
    }

    /// One attempt from `ip`.
    fn attempt(self, app: &TestApp, user: &User, ip: &str) -> Answer {
        dispatch(from(self.request(app, user), ip))
    }

    /// Whether `answer` is this action's success.
    fn succeeded(self, answer: &Answer) -> bool {
        let (status, message) = self.success();
        answer.status == status && answer.body["message"] == json!(message)
    }
}

#[test]
fn per_address_limits_allow_n_then_answer_429_and_count_each_address_apart() {
    for action in PER_ADDRESS {
        let app = app_limiting(&[(action.key(), "3/hour")], &[]);
        // Registered from the local client's unknown address, which is not counted below.
        let alice = app.user("alice");
        let (status, message) = action.success();
        for ip in ["10.1.0.1", "10.1.0.2", "192.168.7.20"] {
            for n in 1..=3 {
                let answer = action.attempt(&app, &alice, ip);
                assert_eq!(
                    answer.status, status,
                    "{action:?} #{n} from {ip}: {}",
                    answer.body
                );
                answer.expect(status, message);
            }
            let refused = action.attempt(&app, &alice, ip);
            let secs = refused.expect_limited();
            // One of three per hour comes back every 20 minutes.
            assert!(secs <= 1200, "{action:?} from {ip}: Retry-After {secs}");
            // Still refused: a refusal does not buy a later place.
            action.attempt(&app, &alice, ip).expect_limited();
        }
    }
}

#[test]
fn per_address_limits_refill_after_their_window() {
    for action in PER_ADDRESS {
        let app = app_limiting(&[(action.key(), "2/second")], &[]);
        let alice = app.user("alice");
        let ip = "10.2.0.1";
        // The burst of two always passes; the refill (one every half second) may let one more
        // through on a slow machine before the limit shows.
        let mut accepted = 0;
        let refused = loop {
            let answer = action.attempt(&app, &alice, ip);
            if answer.status == 429 {
                break answer;
            }
            assert!(
                action.succeeded(&answer),
                "{action:?}: {} {}",
                answer.status,
                answer.body
            );
            accepted += 1;
            assert!(accepted <= 20, "{action:?} was never limited at 2/second");
        };
        assert!(
            accepted >= 2,
            "{action:?}: only {accepted} before the limit"
        );
        assert_eq!(
            refused.expect_limited(),
            1,
            "{action:?}: under a second to wait"
        );
        // Accepted again once the window has moved on.
        let started = Instant::now();
        let mut last = None;
        let back = wait_until(Duration::from_secs(5), || {
            let answer = action.attempt(&app, &alice, ip);
            let ok = action.succeeded(&answer);
            if !ok {
                answer.expect_limited();
            }
            last = Some(answer);
            ok
        });
        assert!(back, "{action:?} still refused after 5 s: {last:?}");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{action:?} took {:?} to refill at 2/second",
            started.elapsed()
        );
    }
}

/// The ids of `conversation`'s newest messages as `viewer` sees them.
fn message_ids(app: &TestApp, viewer: &User, conversation: &str) -> Vec<String> {
    ids(&app.messages(viewer, conversation))
}

#[test]
fn sending_is_limited_per_user_and_a_refused_message_is_not_stored() {
    let app = app_limiting(&[("send", "3/hour")], &[]);
    let alice = app.user("alice");
    let bob = app.user("bob");
    app.befriend(&alice, &bob);
    let chat = app.private_chat(&alice, &bob);
    app.send_all(&alice, &chat, ["one", "two", "three"]);
    let before = message_ids(&app, &bob, &chat);

    let refused = dispatch(post(
        &app,
        "/api/auth/messages",
        Some(&alice.token),
        json!({"conversation_id": chat, "content": "one too many", "client_msg_id": "extra-1"}),
    ));
    let secs = refused.expect_limited();
    assert!(secs <= 1200, "Retry-After {secs}");
    assert_eq!(message_ids(&app, &bob, &chat), before, "nothing was stored");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE content = 'one too many'"),
        0
    );

    // bob has his own budget, in the same conversation, and alice's stays spent.
    app.send_all(&bob, &chat, ["four", "five", "six"]);
    let refused = dispatch(post(
        &app,
        "/api/auth/messages",
        Some(&bob.token),
        json!({"conversation_id": chat, "content": "bob's fourth"}),
    ));
    refused.expect_limited();
    let refused = app.try_send(&alice, &chat, "still too many");
    refused.expect_error(429, "请求过于频繁");
    assert_eq!(message_ids(&app, &alice, &chat).len(), before.len() + 3);
}

#[test]
fn creating_groups_is_limited_per_user() {
    let app = app_limiting(&[("create_group", "3/hour")], &[]);
    let alice = app.user("alice");
    let bob = app.user("bob");
    app.befriend(&alice, &bob);
    for n in 1..=3 {
        app.group(&alice, &format!("群{n}"), &[&bob]);
    }
    let before = app.conversations(&alice).len();
    let refused = dispatch(post(
        &app,
        "/api/auth/conversations/group",
        Some(&alice.token),
        json!({"name": "群4", "member_ids": [bob.id]}),
    ));
    let secs = refused.expect_limited();
    assert!(secs <= 1200, "Retry-After {secs}");
    assert_eq!(app.conversations(&alice).len(), before, "no fourth group");
    assert_eq!(
        app.conversations(&bob).len(),
        before,
        "bob is in no fourth group"
    );

    // bob has his own budget.
    for n in 1..=3 {
        app.group(&bob, &format!("bob 的群{n}"), &[&alice]);
    }
    dispatch(post(
        &app,
        "/api/auth/conversations/group",
        Some(&bob.token),
        json!({"name": "bob 的群4", "member_ids": [alice.id]}),
    ))
    .expect_limited();
}

#[test]
fn friend_requests_are_limited_per_user() {
    let app = app_limiting(&[("friend_request", "3/hour")], &[]);
    let alice = app.user("alice");
    let others: Vec<User> = ["bob", "carol", "dave", "erin"]
        .iter()
        .map(|name| app.user(name))
        .collect();
    let request = |from: &User, to: &User| {
        dispatch(post(
            &app,
            "/api/auth/friends/requests",
            Some(&from.token),
            json!({"user_id": to.id}),
        ))
    };
    for to in &others[..3] {
        request(&alice, to).expect(201, "好友请求已发送");
    }
    let erin = &others[3];
    let secs = request(&alice, erin).expect_limited();
    assert!(secs <= 1200, "Retry-After {secs}");
    let pending = app.get("/api/auth/friends/requests", &erin.token);
    pending.expect(200, "success");
    assert_eq!(pending.data()["incoming"], json!([]), "erin got no request");

    // bob has his own budget.
    request(&others[0], erin).expect(201, "好友请求已发送");
    let pending = app.get("/api/auth/friends/requests", &erin.token);
    let incoming = pending.data()["incoming"].as_array().cloned().unwrap();
    assert_eq!(incoming.len(), 1, "{incoming:?}");
    assert_eq!(incoming[0]["user_id"], json!(others[0].id));
}

#[test]
fn only_a_trusted_proxy_names_the_client_address() {
    let app = app_limiting(
        &[("ticket", "2/hour")],
        &[("trusted_proxies", json!(["127.0.0.1"]))],
    );
    let alice = app.user("alice");
    let ticket = |peer: &str, forwarded: Option<&str>| {
        let mut req = from(
            post(
                &app,
                "/api/auth/events/ticket",
                Some(&alice.token),
                json!({}),
            ),
            peer,
        );
        if let Some(value) = forwarded {
            req = req.header(Header::new("X-Forwarded-For", value.to_string()));
        }
        dispatch(req)
    };
    let allowed = |answer: Answer, case: &str| {
        assert_eq!(answer.status, 200, "{case}: {}", answer.body);
        answer.expect(200, "success");
    };

    // Through the trusted proxy, each forwarded client has its own budget of two.
    for client in ["9.9.9.1", "9.9.9.2"] {
        for n in 1..=2 {
            allowed(
                ticket("127.0.0.1", Some(client)),
                &format!("{client} #{n} via the proxy"),
            );
        }
        ticket("127.0.0.1", Some(client)).expect_limited();
    }
    // A client that forges a left-most entry is still counted as what the proxy saw.
    ticket("127.0.0.1", Some("6.6.6.6, 9.9.9.1")).expect_limited();
    ticket("127.0.0.1", Some("6.6.6.6,9.9.9.2")).expect_limited();
    // …and the forged address itself was not charged.
    allowed(
        ticket("127.0.0.1", Some("6.6.6.6")),
        "6.6.6.6 via the proxy",
    );
    // The proxy's own requests (no header) count as the proxy, apart from its clients.
    allowed(ticket("127.0.0.1", None), "the proxy itself");

    // From an untrusted peer the header is ignored: every value shares the peer's budget.
    allowed(
        ticket("10.0.0.7", Some("7.7.7.1")),
        "10.0.0.7 claiming 7.7.7.1",
    );
    allowed(
        ticket("10.0.0.7", Some("7.7.7.2")),
        "10.0.0.7 claiming 7.7.7.2",
    );
    ticket("10.0.0.7", Some("7.7.7.3")).expect_limited();
    ticket("10.0.0.7", None).expect_limited();
    // Nor can it spend someone else's budget: 7.7.7.1 via the proxy is untouched.
    for n in 1..=2 {
        allowed(
            ticket("127.0.0.1", Some("7.7.7.1")),
            &format!("7.7.7.1 #{n} via the proxy"),
        );
    }
}
