//! Unread counts and previews in the list.

use super::*;

#[test]
fn unread_counts_only_others_messages() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);

    app.send_all(&a, &chat, (0..3).map(|i| format!("来自张三{i}")));
    assert_eq!(app.unread(&b, &chat), 3);
    assert_eq!(app.unread(&a, &chat), 0, "own messages are not unread");

    // Sending moves the sender's own marker: b has caught up, a has one unread.
    app.send(&b, &chat, "收到");
    assert_eq!(app.unread(&b, &chat), 0);
    assert_eq!(app.unread(&a, &chat), 1);
}

#[test]
fn group_system_messages_are_never_unread() {
    let app = TestApp::spawn();
    let (a, b, c) = trio(&app);
    let group = app.group(&a, "组", &[&b, &c]);

    assert_eq!(app.unread(&b, &group), 0);
    app.send(&c, &group, "大家好");
    assert_eq!(app.unread(&b, &group), 1);
    assert_eq!(app.unread(&a, &group), 1);
    assert_eq!(app.unread(&c, &group), 0);
}

#[test]
fn reading_the_newest_page_clears_unread_but_an_older_page_does_not() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    let m = app.send_all(&a, &chat, ["1", "2", "3", "4"]);
    assert_eq!(app.unread(&b, &chat), 4);

    // An older page — even one reaching the newest message — leaves the marker alone.
    page_ids(&app, &b, &chat, &format!("before={}", m[3]));
    page_ids(&app, &b, &chat, "before=m_999999");
    assert_eq!(app.unread(&b, &chat), 4);

    // A page fetched with `after` moves it to the newest message on that page.
    page_ids(&app, &b, &chat, &format!("after={}&limit=1", m[0]));
    assert_eq!(app.unread(&b, &chat), 2);

    // The newest page, whatever its limit, moves it to the newest message.
    page_ids(&app, &b, &chat, "limit=1");
    assert_eq!(app.unread(&b, &chat), 0);

    // It never moves backwards.
    page_ids(&app, &b, &chat, &format!("after={}&limit=1", m[0]));
    assert_eq!(app.unread(&b, &chat), 0);
    app.send(&a, &chat, "5");
    assert_eq!(app.unread(&b, &chat), 1);
    app.messages(&b, &chat);
    assert_eq!(app.unread(&b, &chat), 0);
    // Reading does not change the other member's count.
    assert_eq!(app.unread(&a, &chat), 0);
}

#[test]
fn the_preview_is_the_newest_message_cut_to_100_characters() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    app.send(&a, &chat, "第一条");
    let long: String = (0..150)
        .map(|i| if i % 2 == 0 { '长' } else { 'x' })
        .collect();
    app.send(&b, &chat, &long);

    let expected: String = long.chars().take(100).collect();
    let seen_by_a = app.expect_entry(&a, &chat);
    assert_eq!(seen_by_a["last_message_preview"], json!(expected));
    assert_eq!(
        seen_by_a["last_message_preview"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        100
    );
    // The time is the newest message's.
    let newest = app.messages(&a, &chat).last().unwrap().clone();
    assert_eq!(
        newest["content"],
        json!(long),
        "the detail view keeps the whole text"
    );
    assert_eq!(seen_by_a["last_message_time"], newest["created_at"]);
    assert_eq!(
        app.expect_entry(&b, &chat)["last_message_preview"],
        json!(expected)
    );

    // Exactly 100 characters are shown whole; a newer message replaces the preview.
    let hundred = "字".repeat(100);
    app.send(&a, &chat, &hundred);
    assert_eq!(
        app.expect_entry(&b, &chat)["last_message_preview"],
        json!(hundred)
    );
    app.send(&a, &chat, "短");
    assert_eq!(
        app.expect_entry(&b, &chat)["last_message_preview"],
        json!("短")
    );
}

#[test]
fn the_preview_and_unread_count_skip_messages_the_viewer_deleted() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    app.send(&a, &chat, "旧消息");
    let newest = app.send(&a, &chat, "新消息");
    assert_eq!(app.unread(&b, &chat), 2);

    app.delete_for_me(&b, &newest).expect(200, "已删除");

    let seen_by_b = app.expect_entry(&b, &chat);
    assert_eq!(seen_by_b["last_message_preview"], json!("旧消息"));
    assert_eq!(seen_by_b["unread_count"], json!(1));
    // The sender still sees their message.
    assert_eq!(
        app.expect_entry(&a, &chat)["last_message_preview"],
        json!("新消息")
    );
}

#[test]
fn a_recalled_message_shows_in_the_preview_through_its_system_message() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    let message = app.send(&a, &chat, "说错了");
    assert_eq!(app.unread(&b, &chat), 1);

    app.recall(&a, &message).expect(200, "消息已撤回");

    let seen_by_b = app.expect_entry(&b, &chat);
    assert_eq!(
        seen_by_b["last_message_preview"],
        json!("张三撤回了一条消息")
    );
    assert_eq!(
        seen_by_b["unread_count"],
        json!(0),
        "recalled and system messages are not unread"
    );
    assert_eq!(
        app.expect_entry(&a, &chat)["last_message_preview"],
        json!("你撤回了一条消息")
    );
    let page = app.messages(&b, &chat);
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["id"], json!(message));
    assert_eq!(page[0]["status"], json!(1));
    assert_eq!(page[0]["content"], json!(""));
    assert_eq!(page[1]["status"], json!(2));
    assert_eq!(page[1]["sender_id"], json!(a.id));
    assert_eq!(page[1]["sender_name"], json!("张三"));
    assert_eq!(page[1]["content"], json!("张三撤回了一条消息"));
}
