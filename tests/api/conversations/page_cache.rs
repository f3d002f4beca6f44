//! The page cache (src/domain/pages.rs): the newest page of a conversation, as one viewer
//! sees it, is served rendered while nothing has been committed since it was made. Every
//! write that changes what it holds must make it stale before its 2xx: a send, a recall, a
//! delete-for-me, a read marker, a rename, membership, a display name, a remark, clearing.
//! Each step first checks the page really came from the cache, then writes, then reads.

use rocket::http::Method;
use serde_json::{json, Value};

use crate::helpers::{Api, TestApp, User};

fn hits(app: &TestApp) -> u64 {
    let cache = app
        .client
        .rocket()
        .state::<chatd::domain::pages::PageCache>();
    cache.expect("the page cache is managed state").hits()
}

/// `viewer`'s newest page, once it is served from the cache (the first reads may move the
/// read marker, a write, and then make the entry).
#[track_caller]
fn cached(app: &TestApp, viewer: &User, chat: &str) -> Vec<Value> {
    app.messages(viewer, chat);
    let made = app.messages(viewer, chat);
    let before = hits(app);
    let served = app.messages(viewer, chat);
    assert_eq!(
        hits(app),
        before + 1,
        "an unchanged page comes from the cache"
    );
    assert_eq!(served, made);
    served
}

/// The next read of `viewer`'s page, asserting it was made afresh, not served from the
/// cache.
#[track_caller]
fn fresh(app: &TestApp, viewer: &User, chat: &str) -> Vec<Value> {
    let before = hits(app);
    let page = app.messages(viewer, chat);
    assert_eq!(hits(app), before, "the write made the cached page stale");
    page
}

fn contents(page: &[Value]) -> Vec<&str> {
    page.iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect()
}

fn sender_of<'a>(page: &'a [Value], content: &str) -> &'a str {
    let m = page
        .iter()
        .find(|m| m["content"] == json!(content))
        .unwrap();
    m["sender_name"].as_str().unwrap()
}

#[test]
fn every_write_that_changes_a_cached_page_makes_it_stale_before_it_answers() {
    let app = TestApp::spawn();
    let mama = app.user_named("mama", "妈妈");
    let baba = app.user_named("baba", "爸爸");
    let didi = app.user_named("didi", "弟弟");
    app.befriend(&mama, &baba);
    app.befriend(&mama, &didi);
    let group = app.group(&mama, "一家人", &[&baba]);
    app.send(&mama, &group, "晚饭吃什么？");

    // A send by someone else.
    assert!(contents(&cached(&app, &baba, &group)).contains(&"晚饭吃什么？"));
    let fish = app.send(&mama, &group, "红烧鱼");
    assert!(contents(&fresh(&app, &baba, &group)).contains(&"红烧鱼"));

    // A recall.
    cached(&app, &baba, &group);
    app.recall(&mama, &fish).expect_ok();
    let page = fresh(&app, &baba, &group);
    let recalled = page.iter().find(|m| m["id"] == json!(fish)).unwrap();
    assert_eq!(
        (recalled["status"].clone(), recalled["content"].clone()),
        (json!(1), json!(""))
    );

    // Delete-for-me (the viewer's own write).
    let rice = app.send(&mama, &group, "米饭");
    cached(&app, &baba, &group);
    app.delete_for_me(&baba, &rice).expect_ok();
    assert!(!fresh(&app, &baba, &group)
        .iter()
        .any(|m| m["id"] == json!(rice)));

    // The read marker: the page looks the same, but the entry must not outlive the write.
    app.send(&mama, &group, "汤");
    let page = cached(&app, &baba, &group);
    app.post(
        &format!("/api/auth/conversations/{group}/read"),
        &baba.token,
        json!({}),
    )
    .expect_ok();
    assert_eq!(fresh(&app, &baba, &group), page);

    // A rename: its system message.
    cached(&app, &baba, &group);
    app.rename_group(&mama, &group, json!({"name": "相亲相爱一家人"}))
        .expect_ok();
    assert!(contents(&fresh(&app, &baba, &group))
        .iter()
        .any(|c| c.contains("相亲相爱一家人")));

    // Membership: an invitation shows; a removed member's cached page is not served.
    cached(&app, &baba, &group);
    let invite = json!({"member_ids": [didi.id]});
    app.post(
        &format!("/api/auth/conversations/{group}/members"),
        &mama.token,
        invite,
    )
    .expect_ok();
    assert!(contents(&fresh(&app, &baba, &group))
        .iter()
        .any(|c| c.contains("弟弟")));
    cached(&app, &didi, &group);
    let remove = format!("/api/auth/conversations/{group}/members/{}", didi.id);
    app.delete(&remove, &mama.token, None).expect_ok();
    let gone = app.call(
        Method::Get,
        &format!("/api/auth/conversations/{group}"),
        Some(&didi.token),
        None,
    );
    gone.expect_error(404, "会话不存在");

    // A display name: the sender's name in the page.
    assert_eq!(sender_of(&cached(&app, &baba, &group), "汤"), "妈妈");
    app.patch("/api/auth/me", &mama.token, json!({"display_name": "老妈"}))
        .expect_ok();
    assert_eq!(sender_of(&fresh(&app, &baba, &group), "汤"), "老妈");

    // A remark: the viewer's name for the sender.
    cached(&app, &baba, &group);
    app.put(
        &format!("/api/auth/friends/{}/remark", mama.id),
        &baba.token,
        json!({"remark": "孩子他妈"}),
    )
    .expect_ok();
    assert_eq!(sender_of(&fresh(&app, &baba, &group), "汤"), "孩子他妈");

    // Clearing the history for oneself.
    assert!(!cached(&app, &baba, &group).is_empty());
    app.delete(
        &format!("/api/auth/conversations/{group}/messages"),
        &baba.token,
        None,
    )
    .expect_ok();
    assert!(fresh(&app, &baba, &group).is_empty());
}

#[test]
fn pages_of_other_sizes_and_older_pages_are_never_mixed_up() {
    let app = TestApp::spawn();
    let (a, b, chat) = app.friends_with_a_chat("alice", "bob");
    for i in 0..5 {
        app.send(&a, &chat, &format!("m{i}"));
    }
    cached(&app, &b, &chat);
    let two = app.call(
        Method::Get,
        &format!("/api/auth/conversations/{chat}?limit=2"),
        Some(&b.token),
        None,
    );
    assert_eq!(contents(&two.list()), ["m3", "m4"]);
    // Another viewer's page of the same conversation is their own.
    assert_eq!(contents(&cached(&app, &a, &chat)).len(), 5);
    assert_eq!(contents(&cached(&app, &b, &chat)).len(), 5);
}
