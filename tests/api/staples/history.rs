//! Clear history for me and remove a chat from the list: one marker per member, consistent
//! with pages, unread counts, previews, mentions, search and replay; the same time at any
//! volume.

use std::time::{Duration, Instant};

use super::*;
use crate::search::{found_in, indexed, search};

fn clear(app: &TestApp, who: &User, conversation: &str) -> Resp {
    app.delete(
        &format!("/api/auth/conversations/{conversation}/messages"),
        &who.token,
        None,
    )
}

fn remove(app: &TestApp, who: &User, conversation: &str) -> Resp {
    app.delete(
        &format!("/api/auth/conversations/{conversation}"),
        &who.token,
        None,
    )
}

#[test]
fn clearing_hides_everything_up_to_now_for_the_caller_only() {
    let app = TestApp::spawn();
    let (zhang, li, wang, group) = family(&app);
    let old = app.send_all(&li, &group, ["旧消息一", "旧消息二 @张三"]);
    send_with(
        &app,
        &li,
        &group,
        "@张三 看这里",
        json!({"mentions": [zhang.id]}),
    );
    assert_eq!(app.unread(&zhang, &group), 3);
    indexed(&app);

    clear(&app, &zhang, &group).expect(200, "已清空");

    assert_eq!(app.messages(&zhang, &group), Vec::<Value>::new());
    let entry = app.expect_entry(&zhang, &group);
    assert_eq!(entry["unread_count"], 0);
    assert_eq!(entry["mentioned"], false);
    assert_eq!(entry["last_message_preview"], "");
    assert!(found_in(&app, &zhang, &group, "旧消息").is_empty());
    assert_eq!(
        search(&app, &zhang, "旧消息").data()["conversations"],
        json!([])
    );
    assert_eq!(
        search(&app, &li, "旧消息").data()["conversations"][0]["match_count"],
        2
    );
    // A cleared message deleted again: as for one already deleted, 200 and nothing changes.
    app.delete_for_me(&zhang, &old[0]).expect(200, "已删除");
    assert_eq!(app.unread(&zhang, &group), 0);
    // The others keep everything.
    assert_eq!(app.messages(&wang, &group).len(), 4);
    assert_eq!(found_in(&app, &li, &group, "旧消息").len(), 2);

    // What comes next is seen as usual, and pages around the marker hold only it.
    let new = app.send(&li, &group, "新消息");
    assert_eq!(app.unread(&zhang, &group), 1);
    let page = app.messages(&zhang, &group);
    assert_eq!(crate::helpers::ids(&page), vec![new.clone()]);
    let before = app.list_at(
        &format!("/api/auth/conversations/{group}?before={new}"),
        &zhang,
    );
    assert!(before.is_empty());
    let after = app.list_at(
        &format!("/api/auth/conversations/{group}?after={}", old[0]),
        &zhang,
    );
    assert_eq!(crate::helpers::ids(&after), vec![new]);
    // A quote of a cleared message shows nothing of it to the one who cleared.
    let reply =
        send_with(&app, &li, &group, "回复", json!({"reply_to": old[0]})).data_str("message_id");
    assert_eq!(seen(&app, &zhang, &group, &reply)["reply_to"]["status"], 1);
    assert_eq!(seen(&app, &wang, &group, &reply)["reply_to"]["status"], 0);
}

#[test]
fn removing_a_chat_clears_it_and_its_next_message_brings_it_back() {
    let app = TestApp::spawn();
    let (zhang, li, _wang, group) = family(&app);
    let private = app.private_chat(&zhang, &li);
    app.send(&li, &private, "在吗");
    app.pin(&zhang, &private, json!(true))
        .expect(200, "success");

    remove(&app, &zhang, &private).expect(200, "已删除");
    assert!(app.entry(&zhang, &private).is_none());
    assert!(app.entry(&zhang, &group).is_some());
    assert!(
        app.entry(&li, &private).is_some(),
        "the other side keeps it"
    );
    // Still a member: the chat opens, empty, and a send from the caller works.
    assert!(app.messages(&zhang, &private).is_empty());
    // Removing again is fine.
    remove(&app, &zhang, &private).expect(200, "已删除");

    let back = app.send(&li, &private, "回来了");
    let entry = app.expect_entry(&zhang, &private);
    assert_eq!(entry["last_message_preview"], "回来了");
    assert_eq!(entry["unread_count"], 1);
    assert_eq!(entry["is_pinned"], false, "removing unpins");
    assert_eq!(
        crate::helpers::ids(&app.messages(&zhang, &private)),
        vec![back]
    );

    // A chat removed and then only cleared stays in the list.
    clear(&app, &zhang, &private).expect(200, "已清空");
    assert!(app.entry(&zhang, &private).is_some());
}

#[test]
fn clearing_or_removing_what_one_is_not_in_is_404() {
    let app = TestApp::spawn();
    let (_zhang, li, _wang, group) = family(&app);
    let outsider = app.user_named("outsider", "外人");
    let stored = app.count("SELECT COUNT(*) FROM members WHERE cleared_upto > 0 OR hidden");
    for (who, conversation) in [(&outsider, group.as_str()), (&li, "c_999999"), (&li, "c_x")] {
        clear(&app, who, conversation).expect_error(404, "会话不存在");
        remove(&app, who, conversation).expect_error(404, "会话不存在");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM members WHERE cleared_upto > 0 OR hidden"),
        stored
    );
}

/// Clearing 10 messages and clearing 100,000 take one statement each; the times are printed,
/// not asserted (the machine is shared).
#[test]
fn clearing_takes_the_same_time_for_ten_messages_and_for_100_000() {
    let app = TestApp::spawn();
    let (zhang, li, wang, group) = family(&app);
    let small = app.private_chat(&zhang, &wang);
    app.send_all(&wang, &small, (0..10).map(|i| format!("小{i}")));
    app.send(&li, &group, "开始");
    // 100,000 more in the group, written straight into the database file.
    app.sqlite()
        .execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
             INSERT INTO messages (conversation_id, sender_id, content, status, created_at)
             SELECT c.id, u.id, '消息 ' || n.i, 0, 1700000000000 + n.i
             FROM n, conversations c, users u WHERE c.name = '相亲相爱一家人' AND u.username = 'lisi'",
            [],
        )
        .unwrap();
    let in_group = app.count("SELECT COUNT(*) FROM messages WHERE status = 0");
    assert!(in_group > 100_000);
    // (The writer indexes them for search first: time the clears after that.)
    indexed(&app);

    let timed = |conversation: &str| {
        let started = Instant::now();
        clear(&app, &zhang, conversation).expect(200, "已清空");
        started.elapsed()
    };
    let ten: Duration = timed(&small);
    let many: Duration = timed(&group);
    println!("clear history: 10 messages {ten:?}, 100,001 messages {many:?}");

    assert!(app.messages(&zhang, &group).is_empty());
    assert!(app.messages(&zhang, &small).is_empty());
    assert_eq!(app.expect_entry(&zhang, &group)["unread_count"], 0);
    assert_eq!(
        app.messages(&li, &group).len(),
        50,
        "a full page for the others"
    );
    // No row per message was written.
    assert_eq!(app.count("SELECT COUNT(*) FROM deleted_messages"), 0);
}
