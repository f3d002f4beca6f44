//! `LiveApp`: the real app served on a loopback port (for streams, which `rocket::local`
//! cannot follow); `Remote`, the HTTP client for it or for the real binary, which speaks the
//! tests' vocabulary (`crate::helpers::Api`); and `Sse`, a small client for event streams.

use std::sync::mpsc;
use std::time::Duration;

use rocket::http::Method;
use rocket::Shutdown;
use serde_json::{json, Value};
use tempfile::TempDir;
use ureq::RequestBuilder;

use crate::helpers::{figment, Resp};
use crate::server::agent;

mod sse;

pub use sse::{Item, Sse};

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
}

impl Drop for LiveApp {
    fn drop(&mut self) {
        self.shutdown.clone().notify();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Remote {
    /// A client whose requests wait as long as the server takes.
    pub fn at(base: &str) -> Remote {
        Remote::with_agent(base, agent(None))
    }

    /// A client whose requests each give up after 10 s (for a server that may be killed, or
    /// is flooded).
    pub fn bounded(base: &str) -> Remote {
        Remote::with_agent(base, agent(Some(Duration::from_secs(10))))
    }

    /// A client that sends through `agent` (one trusting a test certificate, say).
    pub fn with_agent(base: &str, agent: ureq::Agent) -> Remote {
        Remote {
            base: base.to_string(),
            agent,
        }
    }

    /// Any request, as `Api::call`; `None` when no JSON answer came (the connection failed,
    /// timed out or was cut).
    pub fn try_call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Option<Resp> {
        fn authorized<B>(req: RequestBuilder<B>, token: Option<&str>) -> RequestBuilder<B> {
            match token {
                Some(token) => req.header("Authorization", &format!("Bearer {token}")),
                None => req,
            }
        }
        let url = format!("{}{path}", self.base);
        let sent = match (method, body) {
            (Method::Get, None) => authorized(self.agent.get(&url), token).call(),
            (Method::Delete, None) => authorized(self.agent.delete(&url), token).call(),
            (method, body) => {
                let req = match method {
                    Method::Post => self.agent.post(&url),
                    Method::Put => self.agent.put(&url),
                    Method::Patch => self.agent.patch(&url),
                    Method::Delete => self.agent.delete(&url).force_send_body(),
                    other => panic!("{other} {path} with a body is not supported"),
                };
                let req = authorized(req, token);
                match body {
                    Some(body) => req.send_json(body),
                    None => req.send_empty(),
                }
            }
        };
        let mut res = sent.ok()?;
        let status = res.status().as_u16();
        let retry_after = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = res.body_mut().read_json().ok()?;
        Some(Resp {
            status,
            body,
            retry_after,
        })
    }

    /// `POST /api/auth/files` of `bytes` named `name`, as a browser's form sends it.
    #[track_caller]
    pub fn upload(&self, token: &str, name: &str, bytes: &[u8]) -> Resp {
        let (content_type, body) = crate::helpers::multipart("file", name, bytes);
        let mut res = self
            .agent
            .post(format!("{}/api/auth/files", self.base))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", &content_type.to_string())
            .send(&body[..])
            .expect("an answer to the upload");
        Resp {
            status: res.status().as_u16(),
            body: res.body_mut().read_json().expect("a JSON answer"),
            retry_after: None,
        }
    }

    /// The status and bytes a `GET` of `path` (a file's signed URL, say) answers.
    #[track_caller]
    pub fn download(&self, path: &str) -> (u16, Vec<u8>) {
        let mut res = self
            .agent
            .get(format!("{}{path}", self.base))
            .call()
            .expect("an answer to the download");
        let bytes = res.body_mut().read_to_vec().expect("the whole body");
        (res.status().as_u16(), bytes)
    }

    /// Opens an event stream with the header token.
    pub fn stream(&self, token: &str, last_event_id: Option<&str>) -> Sse {
        Sse::open(&self.events_url(), Some(token), last_event_id)
    }

    /// Opens an event stream with the header token, through this client's own agent.
    pub fn stream_here(&self, token: &str) -> Sse {
        Sse::open_with(&self.agent, &self.events_url(), token)
    }

    /// Opens an event stream whose client reads nothing until the returned gate receives (a
    /// stalled client).
    pub fn stream_paused(&self, token: &str) -> (Sse, mpsc::Sender<()>) {
        Sse::open_paused(&self.events_url(), token)
    }

    /// Opens the browser's event stream with a one-time `ticket`.
    pub fn stream_with_ticket(&self, ticket: &str) -> Sse {
        let url = format!("{}/api/events?ticket={ticket}", self.base);
        Sse::open(&url, None, None)
    }

    fn events_url(&self) -> String {
        format!("{}/api/auth/events", self.base)
    }
}

impl crate::helpers::Api for Remote {
    /// A request over HTTP; its answer must come, and be JSON.
    #[track_caller]
    fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        self.try_call(method, path, token, body)
            .unwrap_or_else(|| panic!("{method} {path}: no JSON answer"))
    }
}
