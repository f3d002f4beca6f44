//! The conversation list, the detail view, and creating private chats and groups
//! (API.md §5 and §7, docs/api.md §5).

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rocket::http::Method;
use serde_json::{json, Value};

use crate::helpers::{contract_time, id_number, ids, sorted_keys, Api, Resp, TestApp, User};

mod detail;
mod group;
mod list;
mod list_facts;
mod page_cache;
mod private;
mod unread;

// ---------------------------------------------------------------------------------------
// Private helpers
// ---------------------------------------------------------------------------------------

fn create_private(app: &TestApp, caller: &User, body: Value) -> Resp {
    app.post("/api/auth/conversations/private", &caller.token, body)
}

fn create_group(app: &TestApp, caller: &User, body: Value) -> Resp {
    app.post("/api/auth/conversations/group", &caller.token, body)
}

/// A detail page with a raw query string (`""` for none).
fn page(app: &TestApp, viewer: &User, conversation: &str, query: &str) -> Resp {
    let path = if query.is_empty() {
        format!("/api/auth/conversations/{conversation}")
    } else {
        format!("/api/auth/conversations/{conversation}?{query}")
    };
    app.get(&path, &viewer.token)
}

/// The message ids of a successful page.
fn page_ids(app: &TestApp, viewer: &User, conversation: &str, query: &str) -> Vec<String> {
    let res = page(app, viewer, conversation, query);
    res.expect(200, "success");
    ids(&res.list())
}

fn list_ids(app: &TestApp, viewer: &User) -> Vec<String> {
    app.conversations(viewer)
        .iter()
        .map(|c| c["conversation_id"].as_str().unwrap().to_string())
        .collect()
}

fn rename(app: &TestApp, user: &User, display_name: &str) {
    let res = app.set_display_name(user, display_name);
    res.expect(200, "success");
    assert_eq!(res.data()["display_name"], json!(display_name));
}

/// A conversation's creation time as the API shows times, read from the database.
fn created_at_of(app: &TestApp, conversation: &str) -> String {
    let ms: i64 = app
        .sqlite()
        .query_row(
            "SELECT created_at FROM conversations WHERE id = ?1",
            [id_number(conversation)],
            |r| r.get(0),
        )
        .expect("conversation row");
    DateTime::<Utc>::from_timestamp(ms.div_euclid(1000), 0)
        .unwrap()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn member_rows(app: &TestApp, conversation: &str) -> Vec<(i64, String)> {
    let conn = app.sqlite();
    let mut stmt = conn
        .prepare("SELECT user_id, role FROM members WHERE conversation_id = ?1 ORDER BY user_id")
        .unwrap();
    let rows = stmt
        .query_map([id_number(conversation)], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

fn count_rows(app: &TestApp, table: &str) -> i64 {
    app.count(&format!("SELECT COUNT(*) FROM {table}"))
}

/// The fields of a message in the detail view, sorted.
const MESSAGE_FIELDS: [&str; 10] = [
    "attachment",
    "content",
    "created_at",
    "id",
    "mentions",
    "reply_to",
    "sender_id",
    "sender_name",
    "status",
    "type",
];

/// Three mutual friends with Chinese display names.
fn trio(app: &TestApp) -> (User, User, User) {
    let a = app.user_named("alice", "张三");
    let b = app.user_named("bob", "李四");
    let c = app.user_named("carol", "王五");
    app.befriend_all(&a, &[&b, &c]);
    app.befriend(&b, &c);
    (a, b, c)
}

fn friends(app: &TestApp) -> (User, User) {
    let a = app.user_named("alice", "张三");
    let b = app.user_named("bob", "李四");
    app.befriend(&a, &b);
    (a, b)
}

/// Two friends (张三 and 李四) and their private chat.
fn chatting(app: &TestApp) -> (User, User, String) {
    let (a, b) = friends(app);
    let chat = app.private_chat(&a, &b);
    (a, b, chat)
}
