//! §14 WeChat's conversation staples through the real app: quote-reply, @mentions, and the
//! rest as they land. Every refusal is checked to have written nothing.

use serde_json::{json, Value};

use crate::helpers::{Api, Resp, TestApp, User};

mod forward;
mod history;
mod mentions;
mod quotes;
mod remarks;

/// 张三 owns a group with 李四 and 王五; returns (zhang, li, wang, group).
fn family(app: &TestApp) -> (User, User, User, String) {
    let zhang = app.user_named("zhangsan", "张三");
    let li = app.user_named("lisi", "李四");
    let wang = app.user_named("wangwu", "王五");
    app.befriend_all(&zhang, &[&li, &wang]);
    let group = app.group(&zhang, "相亲相爱一家人", &[&li, &wang]);
    (zhang, li, wang, group)
}

/// `POST /api/auth/messages` with `extra` fields beside the conversation and text.
fn send_with(app: &TestApp, from: &User, conversation: &str, text: &str, extra: Value) -> Resp {
    let mut body = json!({"conversation_id": conversation, "content": text});
    for (key, value) in extra.as_object().expect("an object of extra fields") {
        body[key] = value.clone();
    }
    app.post("/api/auth/messages", &from.token, body)
}

/// The message `id` in `viewer`'s newest page.
#[track_caller]
fn seen(app: &TestApp, viewer: &User, conversation: &str, id: &str) -> Value {
    app.messages(viewer, conversation)
        .into_iter()
        .find(|m| m["id"] == json!(id))
        .unwrap_or_else(|| panic!("{id} not seen by {}", viewer.username))
}
