//! §5 "Managing a conversation" and §7: pin, read markers, members, invite, remove, leave,
//! owner hand-over, rename, and their system messages rendered per viewer.

use serde_json::{json, Value};

use crate::helpers::*;

mod members;
mod names_pins_and_reads;

/// Owner `a` with friends `b`, `c`, `d` (all friends of `a`), and a group of a, b, c.
fn family(app: &TestApp) -> (User, User, User, User, String) {
    let a = app.user_named("alice", "爱丽丝");
    let b = app.user_named("bob", "鲍勃");
    let c = app.user_named("carol", "卡罗尔");
    let d = app.user_named("dave", "戴夫");
    app.befriend_all(&a, &[&b, &c, &d]);
    let group = app.group(&a, "家庭群", &[&b, &c]);
    (a, b, c, d, group)
}

fn texts(app: &TestApp, viewer: &User, conversation: &str) -> Vec<String> {
    app.messages(viewer, conversation)
        .iter()
        .filter(|m| m["status"] == json!(2))
        .map(|m| m["content"].as_str().unwrap().to_string())
        .collect()
}

/// The newest system message of `conversation` as `viewer` reads it.
fn last_text(app: &TestApp, viewer: &User, conversation: &str) -> String {
    texts(app, viewer, conversation)
        .pop()
        .unwrap_or_else(|| panic!("no system message in {conversation}"))
}

fn members_path(group: &str) -> String {
    format!("/api/auth/conversations/{group}/members")
}

fn member_ids(app: &TestApp, viewer: &User, group: &str) -> Vec<(String, String)> {
    let res = app.get(&members_path(group), &viewer.token);
    res.expect(200, "success");
    res.list()
        .iter()
        .map(|m| {
            (
                m["user_id"].as_str().unwrap().into(),
                m["role"].as_str().unwrap().into(),
            )
        })
        .collect()
}
