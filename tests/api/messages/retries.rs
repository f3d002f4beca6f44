//! `client_msg_id` retries, and what a send does to unread counts and the list.

use super::*;

#[test]
fn same_client_msg_id_twice_returns_the_original_and_stores_one_message() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);

    let first = send_with_client_id(&app, &lisi, &chat, "只发一次", "7f3c-retry");
    first.expect(201, "消息已发送");
    // Cross a whole-second boundary so a recomputed created_at would differ.
    app.advance(Duration::from_millis(1100));
    let retry = send_with_client_id(&app, &lisi, &chat, "只发一次", "7f3c-retry");

    retry.expect(201, "消息已发送");
    assert_eq!(retry.data()["message_id"], first.data()["message_id"]);
    assert_eq!(retry.data()["created_at"], first.data()["created_at"]);
    assert_eq!(retry.data(), first.data());

    let shown = app.messages(&zhangsan, &chat);
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(shown[0]["id"], first.data()["message_id"]);
    assert_eq!(shown[0]["content"], json!("只发一次"));
    assert_eq!(messages_in(&app, &chat), 1);
    assert_eq!(with_client_id(&app, "7f3c-retry"), 1);
}

#[test]
fn a_retry_with_different_content_still_returns_the_original_unchanged() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);

    let first = send_with_client_id(&app, &lisi, &chat, "原文", "abc");
    let retry = send_with_client_id(&app, &lisi, &chat, "改过的", "abc");

    retry.expect(201, "消息已发送");
    assert_eq!(retry.data(), first.data());
    let shown = app.messages(&lisi, &chat);
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0]["content"], json!("原文"));
}

#[test]
fn a_retry_does_not_raise_the_recipients_unread_count() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);

    for _ in 0..3 {
        send_with_client_id(&app, &lisi, &chat, "hi", "once").expect(201, "消息已发送");
    }

    assert_eq!(app.unread(&zhangsan, &chat), 1);
}

#[test]
fn different_client_msg_ids_store_two_messages() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);

    let a = send_with_client_id(&app, &lisi, &chat, "同样的内容", "id-a");
    let b = send_with_client_id(&app, &lisi, &chat, "同样的内容", "id-b");

    let (a, b) = two_messages(&a, &b);
    assert_eq!(ids(&app.messages(&lisi, &chat)), vec![a, b]);
    assert_eq!(messages_in(&app, &chat), 2);
}

#[test]
fn same_client_msg_id_from_two_senders_stores_two_messages() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);

    let a = send_with_client_id(&app, &lisi, &chat, "我的", "shared-id");
    let b = send_with_client_id(&app, &zhangsan, &chat, "你的", "shared-id");

    two_messages(&a, &b);
    let shown = app.messages(&lisi, &chat);
    assert_eq!(shown.len(), 2);
    assert_eq!(shown[0]["content"], json!("我的"));
    assert_eq!(shown[0]["sender_id"], json!(lisi.id));
    assert_eq!(shown[1]["content"], json!("你的"));
    assert_eq!(shown[1]["sender_id"], json!(zhangsan.id));
    assert_eq!(with_client_id(&app, "shared-id"), 2);
}

#[test]
fn client_msg_id_is_scoped_to_its_conversation() {
    // docs/api.md §6: a retry answers only with a message of the conversation it names; the
    // same id in another conversation is a new message there.
    let app = TestApp::spawn();
    let (lisi, zhangsan, _wangwu, group) = trio(&app);
    let chat = app.private_chat(&lisi, &zhangsan);

    let first = send_with_client_id(&app, &lisi, &chat, "私聊", "reused-id");
    let elsewhere = send_with_client_id(&app, &lisi, &group, "群聊", "reused-id");
    let retry = send_with_client_id(&app, &lisi, &chat, "私聊", "reused-id");

    two_messages(&first, &elsewhere);
    assert_eq!(retry.data(), first.data());
    assert_eq!(with_client_id(&app, "reused-id"), 2);
    let in_group = app.messages(&lisi, &group);
    assert_eq!(in_group.last().unwrap()["content"], json!("群聊"));
    let in_chat = app.messages(&lisi, &chat);
    assert_eq!(in_chat.len(), 1);
    assert_eq!(in_chat[0]["content"], json!("私聊"));
}

#[test]
fn a_client_msg_id_retry_after_leaving_never_answers_from_another_conversation() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, _wangwu, group) = trio(&app);
    let chat = app.private_chat(&lisi, &zhangsan);
    send_with_client_id(&app, &zhangsan, &group, "群里", "left-id").expect(201, "消息已发送");
    app.remove(&zhangsan, &group, &zhangsan.id)
        .expect(200, "已退出群聊");

    // Reused in the private chat: stored there, not answered with the group's message.
    let sent = send_with_client_id(&app, &zhangsan, &chat, "私聊里", "left-id");
    sent.expect(201, "消息已发送");
    let in_chat = app.messages(&zhangsan, &chat);
    assert_eq!(in_chat.last().unwrap()["id"], sent.data()["message_id"]);
    assert_eq!(in_chat.last().unwrap()["content"], json!("私聊里"));
    // A retry into the group it left is refused, not answered.
    send_with_client_id(&app, &zhangsan, &group, "群里", "left-id").expect_error(404, "会话不存在");
}

#[test]
fn client_msg_id_must_be_1_to_64_characters() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);

    for refused in ["x".repeat(65), "字".repeat(65), String::new()] {
        send_with_client_id(&app, &lisi, &chat, "a", &refused)
            .status_for(400, format!("client_msg_id {refused:?}"))
            .expect_prefix(400, "发送失败");
    }
    assert_eq!(messages_in(&app, &chat), 0);

    for accepted in ["x".repeat(64), "字".repeat(64)] {
        send_with_client_id(&app, &lisi, &chat, "b", &accepted)
            .status_for(201, format!("client_msg_id {accepted:?}"))
            .expect(201, "消息已发送");
    }
    assert_eq!(messages_in(&app, &chat), 2);
}

#[test]
fn the_senders_unread_stays_zero_and_the_recipients_increments() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);

    app.send(&lisi, &chat, "一");
    assert_eq!(app.unread(&lisi, &chat), 0);
    assert_eq!(app.unread(&zhangsan, &chat), 1);

    app.send(&lisi, &chat, "二");
    assert_eq!(app.unread(&lisi, &chat), 0);
    assert_eq!(app.unread(&zhangsan, &chat), 2);
}

#[test]
fn sending_moves_the_senders_read_marker_past_earlier_unread_messages() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    app.send(&zhangsan, &chat, "在吗");
    app.send(&zhangsan, &chat, "在吗？？");
    assert_eq!(app.unread(&lisi, &chat), 2);

    app.send(&lisi, &chat, "在");

    assert_eq!(app.unread(&lisi, &chat), 0);
    assert_eq!(app.unread(&zhangsan, &chat), 1);
}

#[test]
fn the_list_preview_and_time_follow_the_newest_message() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    app.send(&lisi, &chat, "旧的");
    let res = app.try_send(&zhangsan, &chat, "新的");

    for viewer in [&lisi, &zhangsan] {
        assert_preview(&app, viewer, &chat, "新的", &res.data()["created_at"]);
    }
}
