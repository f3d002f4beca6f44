//! `Sse`: a small event-stream client that parses events on its own thread.

use std::io::{BufRead, BufReader};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use serde_json::Value;

use crate::server::agent;

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
        Sse::open_gated(agent(None), url, token, last_event_id, None)
    }

    /// A stream opened by `client` (e.g. one that trusts a test's own CA).
    pub fn open_with(client: &ureq::Agent, url: &str, token: &str) -> Sse {
        Sse::open_gated(client.clone(), url, Some(token), None, None)
    }

    /// A stream whose client does not read until `gate` receives (a stalled client).
    pub fn open_paused(url: &str, token: &str) -> (Sse, mpsc::Sender<()>) {
        let (tx, rx) = mpsc::channel();
        (
            Sse::open_gated(agent(None), url, Some(token), None, Some(rx)),
            tx,
        )
    }

    fn open_gated(
        agent: ureq::Agent,
        url: &str,
        token: Option<&str>,
        last_event_id: Option<&str>,
        gate: Option<Receiver<()>>,
    ) -> Sse {
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
