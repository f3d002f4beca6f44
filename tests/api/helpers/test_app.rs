//! `TestApp`: the real app in process (`rocket::local`) on its own SQLite file in a temporary
//! folder.

use std::path::{Path, PathBuf};

use rocket::http::{ContentType, Header, Method};
use rocket::local::blocking::{Client, LocalRequest};
use serde_json::Value;
use tempfile::TempDir;

use super::{count_in, figment, Api, Resp};

pub struct TestApp {
    pub client: Client,
    pub db_path: PathBuf,
    pub dir: TempDir,
}

impl TestApp {
    pub fn spawn() -> TestApp {
        TestApp::spawn_with(&[])
    }

    /// The app with some configuration keys overridden (e.g. `("recall_window_secs", 1)`).
    pub fn spawn_with(overrides: &[(&str, Value)]) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("chat.db");
        TestApp::build(dir, db_path, overrides)
    }

    /// The app on an existing database file (e.g. one made by `chatd seed`).
    pub fn spawn_on(db_path: &Path) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        TestApp::build(dir, db_path.to_path_buf(), &[])
    }

    fn build(dir: TempDir, db_path: PathBuf, overrides: &[(&str, Value)]) -> TestApp {
        let rocket = chatd::build_rocket(figment(&db_path, overrides)).expect("app builds");
        let client = Client::tracked(rocket).expect("valid rocket");
        TestApp {
            client,
            db_path,
            dir,
        }
    }

    /// Moves the server's clock forward (instead of sleeping across a second or a window).
    pub fn advance(&self, by: std::time::Duration) {
        let clock = self.client.rocket().state::<chatd::time::Clock>();
        clock.expect("the clock is managed state").advance(by);
    }

    /// Any request; `body` is sent as raw text (so tests can send malformed JSON).
    pub fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> Resp {
        let authorization = token.map(|token| format!("Bearer {token}"));
        self.raw_with_authorization(method, path, authorization.as_deref(), body)
    }

    /// Any request with an exact `Authorization` header value (or none) and a raw body.
    pub fn raw_with_authorization(
        &self,
        method: Method,
        path: &str,
        authorization: Option<&str>,
        body: Option<String>,
    ) -> Resp {
        dispatch(self.request(method, path, authorization, body))
    }

    /// A request not sent yet, for a test to set more on (its peer address, a header): an
    /// exact `Authorization` header value (or none) and a raw JSON body (or none).
    pub fn request(
        &self,
        method: Method,
        path: &str,
        authorization: Option<&str>,
        body: Option<String>,
    ) -> LocalRequest<'_> {
        let mut req = self.client.req(method, path.to_string());
        if let Some(value) = authorization {
            req = req.header(Header::new("Authorization", value.to_string()));
        }
        if let Some(body) = body {
            req = req.header(ContentType::JSON).body(body);
        }
        req
    }

    /// `POST /api/auth/files` with one multipart part `file` named `name`.
    pub fn upload(&self, token: &str, name: &str, bytes: &[u8]) -> Resp {
        let (content_type, body) = multipart("file", name, bytes);
        let req = self
            .client
            .post("/api/auth/files")
            .header(Header::new("Authorization", format!("Bearer {token}")))
            .header(content_type)
            .body(body);
        dispatch(req)
    }

    /// A direct connection to the test database, for checks the API cannot show.
    pub fn sqlite(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.db_path).expect("open test db")
    }

    /// The single number a query such as `SELECT COUNT(*) FROM messages` answers.
    #[track_caller]
    pub fn count(&self, sql: &str) -> i64 {
        count_in(&self.db_path, sql)
    }
}

impl Api for TestApp {
    /// A JSON request dispatched in process; its answer must be JSON.
    fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        self.raw(method, path, token, body.map(|b| b.to_string()))
    }
}

/// A `multipart/form-data` body with one part `field` holding a file named `name`.
pub fn multipart(field: &str, name: &str, bytes: &[u8]) -> (ContentType, Vec<u8>) {
    let boundary = "chatd-test-boundary-7d3f";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let content_type =
        ContentType::new("multipart", "form-data").with_params(("boundary", boundary));
    (content_type, body)
}

/// Sends `req`; its answer, which must be JSON.
pub fn dispatch(req: LocalRequest<'_>) -> Resp {
    let (method, path) = (req.inner().method(), req.inner().uri().to_string());
    let res = req.dispatch();
    let status = res.status().code;
    let retry_after = res.headers().get_one("Retry-After").map(str::to_string);
    let text = res.into_string().unwrap_or_default();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("response to {method} {path} is not JSON: {text:?}"));
    Resp {
        status,
        body,
        retry_after,
    }
}
