//! `LiveApp`: the real app served on a loopback port (for streams, which `rocket::local`
//! cannot follow); `Remote`, the HTTP client for it or for the real binary; and a small SSE
//! client that parses events on its own thread.

use std::io::{BufRead, BufReader};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use rocket::Shutdown;
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::helpers::figment;

/// A user of a `Remote`: (id, token).
pub type User = (String, String);

/// A client of a chatd listening at `base`: a `LiveApp`, or the real binary's
/// `crate::server::Server` (`Remote::at(&server.base)`).
pub struct Remote {
    pub base: String,
    /// One agent per client, so its requests reuse connections.
    agent: ureq::Agent,
}

pub struct LiveApp {
    remote: Remote,
    pub db_path: std::path::PathBuf,
    shutdown: Shutdown,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: TempDir,
}

/// A `LiveApp` is used through its `Remote` (`app.base`, `app.call`, `app.user`, …).
impl std::ops::Deref for LiveApp {
    type Target = Remote;

    fn deref(&self) -> &Remote {
        &self.remote
    }
}

impl LiveApp {
    pub fn spawn(overrides: &[(&str, Value)]) -> LiveApp {
        let dir = tempfile::tempdir().unwrap();
        let db_path = dir.path().join("chat.db");
        // A loopback port and a quick shutdown, unless `overrides` say otherwise.
        let mut settings = vec![
            ("port", json!(0)),
            ("address", json!("127.0.0.1")),
            ("shutdown.grace", json!(1)),
            ("shutdown.mercy", json!(1)),
        ];
        settings.extend(overrides.iter().cloned());
        let rocket = chatd::build_rocket(figment(&db_path, &settings)).expect("app builds");
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            rocket::execute(async move {
                let rocket = rocket
                    .attach(rocket::fairing::AdHoc::on_liftoff("port", move |r| {
                        Box::pin(async move {
                            let _ = tx.send((r.config().port, r.shutdown()));
                        })
                    }))
                    .launch()
                    .await;
                let _ = rocket;
            })
        });
        let (port, shutdown) = rx.recv_timeout(Duration::from_secs(20)).expect("server up");
        LiveApp {
            remote: Remote::at(&format!("http://127.0.0.1:{port}")),
            db_path,
            shutdown,
            thread: Some(thread),
            _dir: dir,
        }
    }

    pub fn agent() -> ureq::Agent {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into()
    }
}

impl Remote {
    pub fn at(base: &str) -> Remote {
        Remote {
            base: base.to_string(),
            agent: LiveApp::agent(),
        }
    }

    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let agent = &self.agent;
        let url = format!("{}{}", self.base, path);
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut res = match (method, body) {
            ("GET", _) => {
                let mut req = agent.get(&url);
                if let Some(a) = &auth {
                    req = req.header("Authorization", a);
                }
                req.call()
            }
            (m, body) => {
                let mut req = match m {
                    "POST" => agent.post(&url),
                    "PUT" => agent.put(&url),
                    "PATCH" => agent.patch(&url),
                    _ => agent.delete(&url).force_send_body(),
                };
                if let Some(a) = &auth {
                    req = req.header("Authorization", a);
                }
                req.send_json(body.unwrap_or(json!({})))
            }
        }
        .expect("request");
        let status = res.status().as_u16();
        (status, res.body_mut().read_json().unwrap_or(Value::Null))
    }

    /// A `POST` that must answer `status`; the answer's `data`.
    #[track_caller]
    fn post_expecting(&self, status: u16, path: &str, token: Option<&str>, body: Value) -> Value {
        let (got, res) = self.call("POST", path, token, Some(body));
        assert_eq!(got, status, "POST {path}: {res}");
        res["data"].clone()
    }

    /// `name` and "password123" posted to `path` (register or login), which must answer
    /// `status`; the answer's data.
    #[track_caller]
    fn credentials(&self, status: u16, path: &str, name: &str) -> Value {
        self.post_expecting(
            status,
            path,
            None,
            json!({"username": name, "password": "password123"}),
        )
    }

    /// Registers a user; returns (id, token).
    pub fn user(&self, name: &str) -> User {
        let data = self.credentials(201, "/api/register", name);
        (
            data["user_id"].as_str().unwrap().into(),
            data["token"].as_str().unwrap().into(),
        )
    }

    /// Logs in again (a second device); returns the token.
    pub fn login(&self, name: &str) -> String {
        self.credentials(200, "/api/login", name)["token"]
            .as_str()
            .unwrap()
            .into()
    }

    pub fn befriend(&self, a: &User, b: &User) {
        let data = self.post_expecting(
            201,
            "/api/auth/friends/requests",
            Some(&a.1),
            json!({"user_id": b.0}),
        );
        let request = data["request_id"].as_str().unwrap();
        self.post_expecting(
            200,
            &format!("/api/auth/friends/requests/{request}/accept"),
            Some(&b.1),
            json!({}),
        );
    }

    /// Registers `a` and `b`, makes them friends and opens their private chat; returns
    /// (a, b, conversation).
    pub fn friends_with_a_chat(&self, a: &str, b: &str) -> (User, User, String) {
        let a = self.user(a);
        let b = self.user(b);
        self.befriend(&a, &b);
        let conversation = self.private_chat(&a, &b);
        (a, b, conversation)
    }

    /// `a`'s private chat with `b` (who must be a friend); its id.
    pub fn private_chat(&self, a: &User, b: &User) -> String {
        let (status, res) = self.call(
            "POST",
            "/api/auth/conversations/private",
            Some(&a.1),
            Some(json!({"friend_id": b.0})),
        );
        assert!(status == 201 || status == 200, "{res}");
        res["data"]["conversation_id"].as_str().unwrap().into()
    }

    /// A group owned by `owner` with `members` (who must be the owner's friends); its id.
    pub fn group(&self, owner: &User, name: &str, members: &[&User]) -> String {
        let ids: Vec<&str> = members.iter().map(|m| m.0.as_str()).collect();
        let data = self.post_expecting(
            201,
            "/api/auth/conversations/group",
            Some(&owner.1),
            json!({"name": name, "member_ids": ids}),
        );
        data["conversation_id"].as_str().unwrap().into()
    }

    pub fn send(&self, token: &str, conversation: &str, content: &str) -> String {
        let data = self.post_expecting(
            201,
            "/api/auth/messages",
            Some(token),
            json!({"conversation_id": conversation, "content": content}),
        );
        data["message_id"].as_str().unwrap().into()
    }

    /// Opens an event stream with the header token.
    pub fn stream(&self, token: &str, last_event_id: Option<&str>) -> Sse {
        Sse::open(
            &format!("{}/api/auth/events", self.base),
            Some(token),
            last_event_id,
        )
    }
}

impl Drop for LiveApp {
    fn drop(&mut self) {
        self.shutdown.clone().notify();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One received SSE item.
#[derive(Debug, Clone)]
pub enum Item {
    Event {
        id: String,
        event: String,
        data: Value,
    },
    Comment(String),
    Closed,
}

pub struct Sse {
    pub status: u16,
    pub content_type: String,
    items: Receiver<Item>,
}

impl Sse {
    pub fn open(url: &str, token: Option<&str>, last_event_id: Option<&str>) -> Sse {
        Sse::open_gated(url, token, last_event_id, None)
    }

    /// A stream whose client does not read until `gate` receives (a stalled client).
    pub fn open_paused(url: &str, token: &str) -> (Sse, mpsc::Sender<()>) {
        let (tx, rx) = mpsc::channel();
        (Sse::open_gated(url, Some(token), None, Some(rx)), tx)
    }

    fn open_gated(
        url: &str,
        token: Option<&str>,
        last_event_id: Option<&str>,
        gate: Option<Receiver<()>>,
    ) -> Sse {
        let agent = LiveApp::agent();
        let mut req = agent.get(url);
        if let Some(token) = token {
            req = req.header("Authorization", &format!("Bearer {token}"));
        }
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id);
        }
        let res = req.call().expect("open stream");
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let (tx, items) = mpsc::channel();
        let reader = res.into_body().into_reader();
        std::thread::spawn(move || {
            if let Some(gate) = gate {
                let _ = gate.recv();
            }
            let (mut id, mut event, mut data) = (String::new(), String::new(), String::new());
            for line in BufReader::new(reader).lines() {
                let Ok(line) = line else { break };
                if line.is_empty() {
                    if !event.is_empty() || !data.is_empty() {
                        let parsed =
                            serde_json::from_str(&data).unwrap_or(Value::String(data.clone()));
                        let item = Item::Event {
                            id: id.clone(),
                            event: event.clone(),
                            data: parsed,
                        };
                        if tx.send(item).is_err() {
                            return;
                        }
                    }
                    id.clear();
                    event.clear();
                    data.clear();
                } else if let Some(rest) = line.strip_prefix(':') {
                    let _ = tx.send(Item::Comment(rest.trim().to_string()));
                } else if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    if !data.is_empty() {
                        data.push('\n');
                    }
                    data.push_str(v.strip_prefix(' ').unwrap_or(v));
                }
            }
            let _ = tx.send(Item::Closed);
        });
        Sse {
            status,
            content_type,
            items,
        }
    }

    /// The next event (comments skipped), or `None` after `timeout`.
    pub fn next_event(&self, timeout: Duration) -> Option<(String, String, Value)> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(std::time::Instant::now())?;
            match self.items.recv_timeout(left).ok()? {
                Item::Event { id, event, data } => return Some((id, event, data)),
                Item::Comment(_) => continue,
                Item::Closed => return None,
            }
        }
    }

    /// The next event of this kind, skipping others.
    pub fn next_of(&self, kind: &str, timeout: Duration) -> Option<(String, Value)> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(std::time::Instant::now())?;
            let (id, event, data) = self.next_event(left)?;
            if event == kind {
                return Some((id, data));
            }
        }
    }

    /// Every item that arrives within `window`.
    pub fn drain(&self, window: Duration) -> Vec<Item> {
        let deadline = std::time::Instant::now() + window;
        let mut out = Vec::new();
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.items.recv_timeout(left) {
                Ok(Item::Closed) => {
                    out.push(Item::Closed);
                    break;
                }
                Ok(item) => out.push(item),
                Err(_) => break,
            }
        }
        out
    }

    /// Waits until the stream ends; `true` if it did within `timeout`.
    pub fn closes_within(&self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.items.recv_timeout(left) {
                Ok(Item::Closed) => return true,
                Ok(_) => continue,
                Err(_) => return false,
            }
        }
        false
    }
}
