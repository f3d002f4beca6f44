//! §6 Messages: sending (`POST /api/auth/messages`), recalling
//! (`DELETE /api/auth/messages/recall`) and deleting for oneself
//! (`DELETE /api/auth/messages/delete`), seen through the detail view, the conversation list
//! and the database itself.

use std::thread::sleep;
use std::time::Duration;

use rocket::http::Method;
use serde_json::{json, Value};

use crate::helpers::{contract_time, id_number, ids, Api, Resp, TestApp, User};

const RECALL_REFUSED: &str = "不可撤回（超时或无权限）";

mod delete;
mod non_members;
mod recall;
mod recall_refused;
mod retries;
mod send;

// ---------------------------------------------------------------------------------------------
// Private helpers
// ---------------------------------------------------------------------------------------------

/// Two friends 李四 (`lisi`) and 张三 (`zhangsan`) and their private conversation.
fn pair(app: &TestApp) -> (User, User, String) {
    let lisi = app.user_named("lisi", "李四");
    let zhangsan = app.user_named("zhangsan", "张三");
    app.befriend(&lisi, &zhangsan);
    let chat = app.private_chat(&lisi, &zhangsan);
    (lisi, zhangsan, chat)
}

/// 李四 owns a group with 张三 and 王五; returns (lisi, zhangsan, wangwu, group).
fn trio(app: &TestApp) -> (User, User, User, String) {
    let lisi = app.user_named("lisi", "李四");
    let zhangsan = app.user_named("zhangsan", "张三");
    let wangwu = app.user_named("wangwu", "王五");
    app.befriend_all(&lisi, &[&zhangsan, &wangwu]);
    let group = app.group(&lisi, "项目讨论组", &[&zhangsan, &wangwu]);
    (lisi, zhangsan, wangwu, group)
}

/// A new user who befriends each of `friends` but is in none of their conversations.
fn friend_outside(app: &TestApp, username: &str, display_name: &str, friends: &[&User]) -> User {
    let user = app.user_named(username, display_name);
    app.befriend_all(&user, friends);
    user
}

fn send_body(app: &TestApp, from: &User, body: Value) -> Resp {
    app.post("/api/auth/messages", &from.token, body)
}

fn send_with_client_id(
    app: &TestApp,
    from: &User,
    chat: &str,
    content: &str,
    client: &str,
) -> Resp {
    send_body(
        app,
        from,
        json!({"conversation_id": chat, "content": content, "client_msg_id": client}),
    )
}

/// Asserts `viewer`'s list shows `text` as the conversation's preview, dated `time`.
#[track_caller]
fn assert_preview(app: &TestApp, viewer: &User, chat: &str, text: &str, time: &Value) {
    let entry = app.expect_entry(viewer, chat);
    assert_eq!(
        entry["last_message_preview"],
        json!(text),
        "{}",
        viewer.username
    );
    assert_eq!(&entry["last_message_time"], time, "{}", viewer.username);
}

/// Asserts both sends were accepted as two different messages; their ids.
#[track_caller]
fn two_messages(a: &Resp, b: &Resp) -> (String, String) {
    a.expect(201, "消息已发送");
    b.expect(201, "消息已发送");
    assert_ne!(a.data()["message_id"], b.data()["message_id"]);
    (a.data_str("message_id"), b.data_str("message_id"))
}

/// Recalls `id` as `who`, which must succeed; returns the system message's id.
#[track_caller]
fn recalled(app: &TestApp, who: &User, id: &str) -> String {
    let res = app.recall(who, id);
    res.expect(200, "消息已撤回");
    res.data_str("system_message_id")
}

fn find(messages: &[Value], id: &str) -> Value {
    messages
        .iter()
        .find(|m| m["id"] == json!(id))
        .unwrap_or_else(|| panic!("{id} not in {messages:?}"))
        .clone()
}

/// Asserts a message id looks like `m_<n>`, n a positive decimal without leading zeros.
#[track_caller]
fn assert_message_id(value: &Value) -> String {
    let id = value
        .as_str()
        .unwrap_or_else(|| panic!("message id {value} is not a string"));
    let digits = id
        .strip_prefix("m_")
        .unwrap_or_else(|| panic!("{id} lacks m_"));
    assert!(
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
        "{id}"
    );
    assert!(!digits.starts_with('0'), "{id}");
    id.to_string()
}

/// Asserts an RFC 3339 UTC time with whole seconds and a `Z`, close to now.
#[track_caller]
fn assert_recent_time(value: &Value) {
    let time = chrono::DateTime::from_timestamp(contract_time(value), 0).unwrap();
    let age = chrono::Utc::now().signed_duration_since(time).num_seconds();
    assert!((0..30).contains(&age), "{value} is {age} s old");
}

/// One column of a message's row, as stored.
fn stored<T: rusqlite::types::FromSql>(app: &TestApp, column: &str, id: &str) -> T {
    let sql = format!("SELECT {column} FROM messages WHERE id = {}", id_number(id));
    app.sqlite()
        .query_row(&sql, [], |row| row.get(0))
        .expect("message row")
}

fn stored_content(app: &TestApp, id: &str) -> String {
    stored(app, "content", id)
}

fn stored_status(app: &TestApp, id: &str) -> i64 {
    stored(app, "status", id)
}

fn messages_in(app: &TestApp, chat: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM messages WHERE conversation_id = {}",
        id_number(chat)
    ))
}

fn with_client_id(app: &TestApp, client: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM messages WHERE client_msg_id = '{client}'"
    ))
}

/// `limit` repetitions of `unit` are sent and shown whole; one more is refused and not stored.
#[track_caller]
fn assert_message_length_limit(app: &TestApp, unit: &str, limit: usize) {
    let (lisi, _zhangsan, chat) = pair(app);
    let longest = unit.repeat(limit);

    let id = app.send(&lisi, &chat, &longest);
    app.try_send(&lisi, &chat, &unit.repeat(limit + 1))
        .expect_prefix(400, "发送失败");

    assert_eq!(
        find(&app.messages(&lisi, &chat), &id)["content"],
        json!(longest)
    );
    assert_eq!(
        messages_in(app, &chat),
        1,
        "the refused message is not stored"
    );
}
