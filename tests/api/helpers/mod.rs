//! `TestApp`: the real app on a temporary database, with typed helpers so each test reads as
//! arrange / act / assert.

use std::path::{Path, PathBuf};

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
        let mut req = self.client.req(method, path.to_string());
        if let Some(value) = authorization {
            req = req.header(Header::new("Authorization", value.to_string()));
        }
        if let Some(body) = body {
            req = req.header(ContentType::JSON).body(body);
        }
        let res = req.dispatch();
        let status = res.status().code;
        let text = res.into_string().unwrap_or_default();
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("response to {method} {path} is not JSON: {text:?}"));
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

    /// Asserts every request answers `401 未授权` (and no data) when sent with `token` (or
    /// none).
    #[track_caller]
    pub fn expect_unauthorized(
        &self,
        token: Option<&str>,
        requests: &[(Method, &str, Option<Value>)],
    ) {
        for (method, path, body) in requests {
            self.call(*method, path, token, body.clone())
                .status_for(401, format!("{method} {path} with token {token:?}"))
                .expect_error(401, "未授权");
        }
    }

    /// `GET /api/auth/me` with `token`, which must answer 200; its data.
    #[track_caller]
    pub fn me(&self, token: &str) -> Value {
        let res = self.get("/api/auth/me", token);
        res.expect(200, "success");
        res.data().clone()
    }

    /// `PATCH /api/auth/me` by `user`, setting the display name.
    pub fn set_display_name(&self, user: &User, display_name: &str) -> Resp {
        self.patch(
            "/api/auth/me",
            &user.token,
            json!({ "display_name": display_name }),
        )
    }

    /// `PUT /api/auth/me/password` with `token`.
    pub fn change_password(&self, token: &str, old: &str, new: &str) -> Resp {
        self.put(
            "/api/auth/me/password",
            token,
            json!({"old_password": old, "new_password": new}),
        )
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
            id: res.data_str("user_id"),
            username: username.to_string(),
            display_name: display_name.to_string(),
            token: res.data_str("token"),
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
        let request = res.data_str("request_id");
        self.post(
            &format!("/api/auth/friends/requests/{request}/accept"),
            &b.token,
            json!({}),
        )
        .expect(200, "已添加好友");
    }

    /// Makes `a` friends with each of `others`.
    pub fn befriend_all(&self, a: &User, others: &[&User]) {
        for other in others {
            self.befriend(a, other);
        }
    }

    /// `POST /api/auth/conversations/private` by `caller` with `friend_id`.
    pub fn open_private(&self, caller: &User, friend_id: &str) -> Resp {
        self.post(
            "/api/auth/conversations/private",
            &caller.token,
            json!({"friend_id": friend_id}),
        )
    }

    /// Two new friends and their private conversation id.
    pub fn private_chat(&self, a: &User, b: &User) -> String {
        let res = self.open_private(a, &b.id);
        assert!(res.status == 201 || res.status == 200, "{:?}", res.body);
        res.data_str("conversation_id")
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
        res.data_str("conversation_id")
    }

    /// `DELETE /api/auth/conversations/{conversation}/members/{member_id}` by `who`: removes
    /// a member from a group (themselves: leaves it), whatever the answer.
    pub fn remove(&self, who: &User, conversation: &str, member_id: &str) -> Resp {
        self.delete(
            &format!("/api/auth/conversations/{conversation}/members/{member_id}"),
            &who.token,
            None,
        )
    }

    /// `POST /api/auth/messages` with `content`, whatever the answer.
    pub fn try_send(&self, from: &User, conversation: &str, content: &str) -> Resp {
        self.post(
            "/api/auth/messages",
            &from.token,
            json!({"conversation_id": conversation, "content": content}),
        )
    }

    /// Sends a message and returns its id.
    pub fn send(&self, from: &User, conversation: &str, content: &str) -> String {
        let res = self.try_send(from, conversation, content);
        res.expect(201, "消息已发送");
        res.data_str("message_id")
    }

    /// Sends each of `contents` in order; their ids.
    pub fn send_all<S: AsRef<str>>(
        &self,
        from: &User,
        conversation: &str,
        contents: impl IntoIterator<Item = S>,
    ) -> Vec<String> {
        contents
            .into_iter()
            .map(|content| self.send(from, conversation, content.as_ref()))
            .collect()
    }

    /// `DELETE /api/auth/messages/recall` of message `id` by `who`.
    pub fn recall(&self, who: &User, id: &str) -> Resp {
        self.delete(
            "/api/auth/messages/recall",
            &who.token,
            Some(json!({ "id": id })),
        )
    }

    /// `DELETE /api/auth/messages/delete` (for `who` only) of message `id`.
    pub fn delete_for_me(&self, who: &User, id: &str) -> Resp {
        self.delete(
            "/api/auth/messages/delete",
            &who.token,
            Some(json!({ "id": id })),
        )
    }

    /// A `GET` that must answer 200 with a list; the list.
    #[track_caller]
    fn list_at(&self, path: &str, viewer: &User) -> Vec<Value> {
        let res = self.get(path, &viewer.token);
        res.expect(200, "success");
        res.list()
    }

    /// The newest page of a conversation as `viewer` sees it.
    pub fn messages(&self, viewer: &User, conversation: &str) -> Vec<Value> {
        self.list_at(&format!("/api/auth/conversations/{conversation}"), viewer)
    }

    /// `viewer`'s conversation list.
    pub fn conversations(&self, viewer: &User) -> Vec<Value> {
        self.list_at("/api/auth/conversations", viewer)
    }

    /// `viewer`'s list entry for one conversation.
    pub fn entry(&self, viewer: &User, conversation: &str) -> Option<Value> {
        self.conversations(viewer)
            .into_iter()
            .find(|c| c["conversation_id"] == json!(conversation))
    }

    /// `viewer`'s list entry for one conversation, which the list must hold.
    #[track_caller]
    pub fn expect_entry(&self, viewer: &User, conversation: &str) -> Value {
        self.entry(viewer, conversation)
            .unwrap_or_else(|| panic!("{conversation} missing from {}'s list", viewer.username))
    }

    /// `viewer`'s unread count of a conversation in their list (which must hold it).
    #[track_caller]
    pub fn unread(&self, viewer: &User, conversation: &str) -> i64 {
        let entry = self.expect_entry(viewer, conversation);
        entry["unread_count"]
            .as_i64()
            .unwrap_or_else(|| panic!("unread_count of {entry}"))
    }

    /// Asserts `who`, not a member, gets 404 on every route of `conversation` (reading,
    /// paging, members, pin, read marker, invite, leave, rename, sending with and without a
    /// client_msg_id) and on recalling or deleting `message` in it.
    #[track_caller]
    pub fn assert_shut_out(&self, who: &User, conversation: &str, message: &str) {
        let base = format!("/api/auth/conversations/{conversation}");
        let token = who.token.as_str();
        let calls = [
            ("detail", self.get(&base, token)),
            ("limit", self.get(&format!("{base}?limit=10"), token)),
            ("after", self.get(&format!("{base}?after={message}"), token)),
            ("members", self.get(&format!("{base}/members"), token)),
            (
                "pin",
                self.put(&format!("{base}/pin"), token, json!({"is_pinned": true})),
            ),
            ("read", self.post(&format!("{base}/read"), token, json!({}))),
            (
                "invite",
                self.post(
                    &format!("{base}/members"),
                    token,
                    json!({"member_ids": ["u_1"]}),
                ),
            ),
            (
                "leave",
                self.delete(&format!("{base}/members/{}", who.id), token, None),
            ),
            (
                "rename",
                self.patch(&base, token, json!({"name": "我的群"})),
            ),
            ("send", self.try_send(who, conversation, "hi")),
            (
                "send with client_msg_id",
                self.post(
                    "/api/auth/messages",
                    token,
                    json!({"conversation_id": conversation, "content": "hi",
                           "client_msg_id": "shut-out"}),
                ),
            ),
        ];
        for (route, res) in calls {
            res.status_for(404, route).expect(404, "会话不存在");
        }
        self.recall(who, message)
            .status_for(404, "recall")
            .expect(404, "消息不存在");
        self.delete_for_me(who, message)
            .status_for(404, "delete")
            .expect(404, "消息不存在");
    }

    /// A direct connection to the test database, for checks the API cannot show.
    pub fn sqlite(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.db_path).expect("open test db")
    }

    /// The single number a query such as `SELECT COUNT(*) FROM messages` answers.
    #[track_caller]
    pub fn count(&self, sql: &str) -> i64 {
        self.sqlite()
            .query_row(sql, [], |row| row.get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}
