//! Non-members on every conversation and message route.

use super::*;

#[test]
fn a_non_member_gets_404_on_every_route_of_a_private_chat() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let wangwu = friend_outside(&app, "wangwu", "王五", &[&lisi, &zhangsan]);
    let id = app.send(&lisi, &chat, "私聊内容");

    app.assert_shut_out(&wangwu, &chat, &id);

    assert!(app.entry(&wangwu, &chat).is_none());
    assert_eq!(messages_in(&app, &chat), 1);
    assert_eq!(
        find(&app.messages(&zhangsan, &chat), &id)["content"],
        json!("私聊内容")
    );
}

#[test]
fn a_non_member_gets_404_on_every_route_of_a_group() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, _wangwu, group) = trio(&app);
    let outsider = friend_outside(&app, "outsider", "outsider", &[&lisi]);
    let id = app.send(&lisi, &group, "群内容");
    let before = messages_in(&app, &group);

    app.assert_shut_out(&outsider, &group, &id);

    assert!(app.entry(&outsider, &group).is_none());
    assert_eq!(messages_in(&app, &group), before);
}

#[test]
fn a_former_member_gets_404_even_for_their_own_messages() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, wangwu, group) = trio(&app);
    let mine = app.send(&wangwu, &group, "我走了");
    app.remove(&wangwu, &group, &wangwu.id)
        .expect(200, "已退出群聊");

    app.assert_shut_out(&wangwu, &group, &mine);

    assert_eq!(stored_status(&app, &mine), 0);
    assert_eq!(
        find(&app.messages(&lisi, &group), &mine)["content"],
        json!("我走了")
    );
}

#[test]
fn a_retry_by_a_former_member_is_404() {
    // docs/api.md §6: the retry answer holds only while the sender is still a member.
    let app = TestApp::spawn();
    let (_lisi, _zhangsan, wangwu, group) = trio(&app);
    send_with_client_id(&app, &wangwu, &group, "hi", "retry-after-leaving")
        .expect(201, "消息已发送");
    app.remove(&wangwu, &group, &wangwu.id)
        .expect(200, "已退出群聊");

    send_with_client_id(&app, &wangwu, &group, "hi", "retry-after-leaving")
        .expect(404, "会话不存在");
}

#[test]
fn message_routes_require_a_token() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "x");
    let detail = format!("/api/auth/conversations/{chat}");

    app.expect_unauthorized(
        None,
        &[
            (
                Method::Post,
                "/api/auth/messages",
                Some(json!({"conversation_id": chat, "content": "hi"})),
            ),
            (
                Method::Delete,
                "/api/auth/messages/recall",
                Some(json!({ "id": id })),
            ),
            (
                Method::Delete,
                "/api/auth/messages/delete",
                Some(json!({ "id": id })),
            ),
            (Method::Get, &detail, None),
        ],
    );
    assert_eq!(stored_status(&app, &id), 0);
    assert_eq!(messages_in(&app, &chat), 1);
}
