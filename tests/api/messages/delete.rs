//! Deleting for oneself (`DELETE /api/auth/messages/delete`).

use super::*;

#[test]
fn delete_returns_200_with_null_data() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "x");

    let res = app.delete_for_me(&zhangsan, &id);

    res.expect(200, "已删除");
    assert_eq!(
        res.body.get("data"),
        Some(&Value::Null),
        "data is present and null"
    );
}

#[test]
fn a_deleted_message_disappears_from_the_callers_detail_only() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let first = app.send(&lisi, &chat, "第一条");
    let second = app.send(&lisi, &chat, "第二条");
    let third = app.send(&zhangsan, &chat, "第三条");
    let before_for_lisi = app.messages(&lisi, &chat);

    app.delete_for_me(&zhangsan, &second).expect(200, "已删除");

    assert_eq!(ids(&app.messages(&zhangsan, &chat)), vec![first, third]);
    assert_eq!(
        app.messages(&lisi, &chat),
        before_for_lisi,
        "the other member sees no change"
    );
    assert_eq!(stored_content(&app, &second), "第二条");
    assert_eq!(stored_status(&app, &second), 0);
}

#[test]
fn deleting_the_newest_message_falls_back_to_the_previous_one_in_the_preview() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let first = app.try_send(&lisi, &chat, "上一条");
    sleep(Duration::from_millis(1100)); // distinct whole-second times
    let second = app.try_send(&lisi, &chat, "最新一条");
    let second_id = second.data_str("message_id");

    app.delete_for_me(&zhangsan, &second_id)
        .expect(200, "已删除");

    assert_preview(
        &app,
        &zhangsan,
        &chat,
        "上一条",
        &first.data()["created_at"],
    );
    assert_preview(&app, &lisi, &chat, "最新一条", &second.data()["created_at"]);
}

#[test]
fn a_deleted_message_is_excluded_from_the_unread_count() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    app.send(&lisi, &chat, "一");
    let second = app.send(&lisi, &chat, "二");
    app.send(&lisi, &chat, "三");
    assert_eq!(app.unread(&zhangsan, &chat), 3);

    app.delete_for_me(&zhangsan, &second).expect(200, "已删除");

    assert_eq!(app.unread(&zhangsan, &chat), 2);
}

#[test]
fn the_sender_may_delete_their_own_message_for_themselves() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "我自己的");

    app.delete_for_me(&lisi, &id).expect(200, "已删除");

    assert!(app.messages(&lisi, &chat).is_empty());
    let theirs = app.messages(&zhangsan, &chat);
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["content"], json!("我自己的"));
    assert_eq!(theirs[0]["status"], json!(0));
    assert_eq!(
        app.expect_entry(&zhangsan, &chat)["last_message_preview"],
        json!("我自己的")
    );
}

#[test]
fn in_a_group_deleting_hides_the_message_for_the_caller_only() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, wangwu, group) = trio(&app);
    let id = app.send(&lisi, &group, "群消息");

    app.delete_for_me(&wangwu, &id).expect(200, "已删除");

    assert!(app
        .messages(&wangwu, &group)
        .iter()
        .all(|m| m["id"] != json!(id)));
    for viewer in [&lisi, &zhangsan] {
        assert_eq!(
            find(&app.messages(viewer, &group), &id)["content"],
            json!("群消息")
        );
    }
}

#[test]
fn deleting_again_is_still_200() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "x");

    app.delete_for_me(&zhangsan, &id).expect(200, "已删除");
    let again = app.delete_for_me(&zhangsan, &id);

    again.expect(200, "已删除");
    assert_eq!(again.body["data"], Value::Null);
    assert!(app.messages(&zhangsan, &chat).is_empty());
}

#[test]
fn system_and_recalled_messages_can_be_deleted_for_oneself() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "x");
    let system = recalled(&app, &lisi, &id);

    app.delete_for_me(&zhangsan, &system).expect(200, "已删除");
    app.delete_for_me(&zhangsan, &id).expect(200, "已删除");

    assert!(app.messages(&zhangsan, &chat).is_empty());
    assert_eq!(ids(&app.messages(&lisi, &chat)), vec![id, system]);
}

#[test]
fn deleting_an_unknown_message_is_404() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);
    app.send(&lisi, &chat, "x");

    app.delete_for_me(&lisi, "m_999999")
        .expect_error(404, "消息不存在");
    assert_eq!(app.count("SELECT COUNT(*) FROM deleted_messages"), 0);
}

#[test]
fn deleting_by_a_non_member_is_404_and_changes_nothing() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let outsider = app.user("outsider");
    let id = app.send(&lisi, &chat, "x");

    app.delete_for_me(&outsider, &id).expect(404, "消息不存在");

    assert_eq!(app.count("SELECT COUNT(*) FROM deleted_messages"), 0);
    assert_eq!(app.messages(&zhangsan, &chat).len(), 1);
}
