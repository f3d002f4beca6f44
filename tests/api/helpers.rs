//! `TestApp`: the real app on a temporary database, with typed helpers so each test reads as
//! arrange / act / assert.

#![allow(dead_code)]

use std::path::PathBuf;

use rocket::http::{ContentType, Header, Method};
use rocket::local::blocking::Client;
use serde_json::{json, Value};
use tempfile::TempDir;

pub struct TestApp {
    pub client: Client,
    pub db_path: PathBuf,
    pub dir: TempDir,
}

/// A response: HTTP status and the parsed envelope.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
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
        assert!(
            self.body.get("data").is_none_or(Value::is_null),
            "error data of {}",
            self.body
        );
        self
    }

    pub fn data(&self) -> &Value {
        &self.body["data"]
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
    pub fn spawn_on(db_path: &std::path::Path) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        TestApp::build(dir, db_path.to_path_buf(), &[])
    }

    fn build(dir: TempDir, db_path: PathBuf, overrides: &[(&str, Value)]) -> TestApp {
        let mut figment = rocket::Config::figment()
            .merge(("database_path", db_path.clone()))
            .merge(("jwt_secret", "test-secret-test-secret-test-secret!"));
        for (key, value) in overrides {
            figment = figment.merge((*key, value.clone()));
        }
        let rocket = chatd::build_rocket(figment).expect("app builds");
        let client = Client::tracked(rocket).expect("valid rocket");
        TestApp {
            client,
            db_path,
            dir,
        }
    }

    /// Any request; `body` is sent as raw text (so tests can send malformed JSON).
    pub fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> Resp {
        let mut req = self.client.req(method, path.to_string());
        if let Some(token) = token {
            req = req.header(Header::new("Authorization", format!("Bearer {token}")));
        }
        if let Some(body) = body {
            req = req.header(ContentType::JSON).body(body);
        }
        let res = req.dispatch();
        let status = res.status().code;
        let text = res.into_string().unwrap_or_default();
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("response to {path} is not JSON: {text:?}"));
        Resp { status, body }
    }

    pub fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        self.raw(method, path, token, body.map(|b| b.to_string()))
    }

    pub fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::Get, path, Some(token), None)
    }

    pub fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::Post, path, Some(token), Some(body))
    }

    pub fn put(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::Put, path, Some(token), Some(body))
    }

    pub fn patch(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::Patch, path, Some(token), Some(body))
    }

    pub fn delete(&self, path: &str, token: &str, body: Option<Value>) -> Resp {
        self.call(Method::Delete, path, Some(token), body)
    }

    /// Registers `username` (display name = username) with `PASSWORD`.
    pub fn user(&self, username: &str) -> User {
        self.user_named(username, username)
    }

    pub fn user_named(&self, username: &str, display_name: &str) -> User {
        let res = self.call(
            Method::Post,
            "/api/register",
            None,
            Some(json!({"username": username, "password": PASSWORD, "display_name": display_name})),
        );
        res.expect(201, "注册成功");
        User {
            id: res.data()["user_id"].as_str().unwrap().to_string(),
            username: username.to_string(),
            display_name: display_name.to_string(),
            token: res.data()["token"].as_str().unwrap().to_string(),
        }
    }

    /// Makes two users friends (request + accept).
    pub fn befriend(&self, a: &User, b: &User) {
        let res = self.post(
            "/api/auth/friends/requests",
            &a.token,
            json!({"user_id": b.id}),
        );
        res.expect(201, "好友请求已发送");
        let request = res.data()["request_id"].as_str().unwrap().to_string();
        self.post(
            &format!("/api/auth/friends/requests/{request}/accept"),
            &b.token,
            json!({}),
        )
        .expect(200, "已添加好友");
    }

    /// Two new friends and their private conversation id.
    pub fn private_chat(&self, a: &User, b: &User) -> String {
        let res = self.post(
            "/api/auth/conversations/private",
            &a.token,
            json!({"friend_id": b.id}),
        );
        assert!(res.status == 201 || res.status == 200, "{:?}", res.body);
        res.data()["conversation_id"].as_str().unwrap().to_string()
    }

    /// A group owned by `owner` with `members` (who must be the owner's friends).
    pub fn group(&self, owner: &User, name: &str, members: &[&User]) -> String {
        let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
        let res = self.post(
            "/api/auth/conversations/group",
            &owner.token,
            json!({"name": name, "member_ids": ids}),
        );
        res.expect(201, "群聊已创建");
        res.data()["conversation_id"].as_str().unwrap().to_string()
    }

    /// Sends a message and returns its id.
    pub fn send(&self, from: &User, conversation: &str, content: &str) -> String {
        let res = self.post(
            "/api/auth/messages",
            &from.token,
            json!({"conversation_id": conversation, "content": content}),
        );
        res.expect(201, "消息已发送");
        res.data()["message_id"].as_str().unwrap().to_string()
    }

    /// The newest page of a conversation as `viewer` sees it.
    pub fn messages(&self, viewer: &User, conversation: &str) -> Vec<Value> {
        let res = self.get(
            &format!("/api/auth/conversations/{conversation}"),
            &viewer.token,
        );
        res.expect(200, "success");
        res.list()
    }

    /// `viewer`'s conversation list.
    pub fn conversations(&self, viewer: &User) -> Vec<Value> {
        let res = self.get("/api/auth/conversations", &viewer.token);
        res.expect(200, "success");
        res.list()
    }

    /// `viewer`'s list entry for one conversation.
    pub fn entry(&self, viewer: &User, conversation: &str) -> Option<Value> {
        self.conversations(viewer)
            .into_iter()
            .find(|c| c["conversation_id"] == json!(conversation))
    }

    /// A direct connection to the test database, for checks the API cannot show.
    pub fn sqlite(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.db_path).expect("open test db")
    }
}
