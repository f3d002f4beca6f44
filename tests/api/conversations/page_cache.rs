//! The page cache (src/domain/pages.rs): the newest page of a conversation, and the
//! conversation list, as one viewer sees them, are served rendered while nothing has been
//! committed since they were made. Every write that changes what they hold must make them
//! stale before its 2xx: a send, a recall, a delete-for-me, a read marker, a rename,
//! membership, a display name, a remark, clearing, and for the list also pin, mute and
//! removing a chat. Each step first checks the entry really came from the cache, then
//! writes, then reads.

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
    served_again(app, || app.messages(viewer, chat))
}

/// `read` twice: the second answer must come from the cache, and be the first.
#[track_caller]
fn served_again(app: &TestApp, read: impl Fn() -> Vec<Value>) -> Vec<Value> {
    let made = read();
    let before = hits(app);
    let served = read();
    assert_eq!(
        hits(app),
        before + 1,
        "an unchanged entry comes from the cache"
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

/// 妈妈, 爸爸 and 弟弟 (friends of 妈妈), and 妈妈's group with 爸爸.
fn family() -> (TestApp, [User; 3], String) {
    let app = TestApp::spawn();
    let mama = app.user_named("mama", "妈妈");
    let baba = app.user_named("baba", "爸爸");
    let didi = app.user_named("didi", "弟弟");
    app.befriend(&mama, &baba);
    app.befriend(&mama, &didi);
    let group = app.group(&mama, "一家人", &[&baba]);
    (app, [mama, baba, didi], group)
}

#[test]
fn every_write_that_changes_a_cached_page_makes_it_stale_before_it_answers() {
    let (app, [mama, baba, didi], group) = family();
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

/// `viewer`'s list, once it is served from the cache.
#[track_caller]
fn cached_list(app: &TestApp, viewer: &User) -> Vec<Value> {
    served_again(app, || app.conversations(viewer))
}

/// The next read of `viewer`'s list, asserting it was made afresh; `viewer`'s entry for
/// `chat`, if the list holds it.
#[track_caller]
fn fresh_entry(app: &TestApp, viewer: &User, chat: &str) -> Option<Value> {
    let before = hits(app);
    let list = app.conversations(viewer);
    assert_eq!(hits(app), before, "the write made the cached list stale");
    list.into_iter()
        .find(|c| c["conversation_id"] == json!(chat))
}

#[track_caller]
fn field(entry: Option<Value>, name: &str) -> Value {
    entry.expect("the chat is in the list")[name].clone()
}

#[test]
fn every_write_that_changes_a_cached_list_makes_it_stale_before_it_answers() {
    let (app, [mama, baba, didi], group) = family();
    let private = app.private_chat(&baba, &mama);
    app.send(&mama, &private, "在吗");

    // A send: the preview and the unread count.
    cached_list(&app, &baba);
    let fish = app.send(&mama, &group, "红烧鱼");
    let entry = fresh_entry(&app, &baba, &group);
    assert_eq!(field(entry.clone(), "last_message_preview"), "红烧鱼");
    assert_eq!(field(entry, "unread_count"), 1);

    // A recall.
    cached_list(&app, &baba);
    app.recall(&mama, &fish).expect_ok();
    let preview = field(fresh_entry(&app, &baba, &group), "last_message_preview");
    assert_eq!(preview, "妈妈撤回了一条消息");

    // Delete-for-me of the newest.
    let rice = app.send(&mama, &group, "米饭");
    cached_list(&app, &baba);
    app.delete_for_me(&baba, &rice).expect_ok();
    let preview = field(fresh_entry(&app, &baba, &group), "last_message_preview");
    assert_ne!(preview, "米饭");

    // The read marker.
    app.send(&mama, &group, "汤");
    cached_list(&app, &baba);
    app.mark_read(&baba, &group, json!({})).expect_ok();
    assert_eq!(field(fresh_entry(&app, &baba, &group), "unread_count"), 0);

    // A rename.
    cached_list(&app, &baba);
    app.rename_group(&mama, &group, json!({"name": "相亲相爱一家人"}))
        .expect_ok();
    assert_eq!(
        field(fresh_entry(&app, &baba, &group), "title"),
        "相亲相爱一家人"
    );

    // Membership: the count; a removed member's list loses the group.
    cached_list(&app, &baba);
    app.invite(&mama, &group, json!([didi.id])).expect_ok();
    assert_eq!(field(fresh_entry(&app, &baba, &group), "member_count"), 3);
    cached_list(&app, &didi);
    app.remove(&mama, &group, &didi.id).expect_ok();
    assert_eq!(fresh_entry(&app, &didi, &group), None);

    // A display name: the private chat's title.
    cached_list(&app, &baba);
    app.patch("/api/auth/me", &mama.token, json!({"display_name": "老妈"}))
        .expect_ok();
    assert_eq!(field(fresh_entry(&app, &baba, &private), "title"), "老妈");

    // A remark.
    cached_list(&app, &baba);
    let path = format!("/api/auth/friends/{}/remark", mama.id);
    app.put(&path, &baba.token, json!({"remark": "孩子他妈"}))
        .expect_ok();
    assert_eq!(
        field(fresh_entry(&app, &baba, &private), "title"),
        "孩子他妈"
    );

    // Pin and mute, the viewer's own switches.
    cached_list(&app, &baba);
    app.pin(&baba, &group, json!(true)).expect_ok();
    assert_eq!(field(fresh_entry(&app, &baba, &group), "is_pinned"), true);
    cached_list(&app, &baba);
    let mute = format!("/api/auth/conversations/{group}/mute");
    app.put(&mute, &baba.token, json!({"is_muted": true}))
        .expect_ok();
    assert_eq!(field(fresh_entry(&app, &baba, &group), "is_muted"), true);

    // Clearing the history, and removing the chat from the list.
    cached_list(&app, &baba);
    let clear = format!("/api/auth/conversations/{group}/messages");
    app.delete(&clear, &baba.token, None).expect_ok();
    assert_eq!(
        field(fresh_entry(&app, &baba, &group), "last_message_preview"),
        ""
    );
    cached_list(&app, &baba);
    let remove = format!("/api/auth/conversations/{private}");
    app.delete(&remove, &baba.token, None).expect_ok();
    assert_eq!(fresh_entry(&app, &baba, &private), None);

    // Lists are per viewer.
    let theirs = cached_list(&app, &mama);
    assert!(theirs
        .iter()
        .any(|c| c["conversation_id"] == json!(private)));
}
