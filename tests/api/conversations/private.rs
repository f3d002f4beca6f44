//! Creating private chats (`POST /api/auth/conversations/private`).

use super::*;

#[test]
fn creating_a_private_chat_answers_201_with_a_c_prefixed_id() {
    let app = TestApp::spawn();
    let (a, b) = friends(&app);

    let res = app.open_private(&a, &b.id);

    res.expect(201, "会话已创建");
    let id = res.data_str("conversation_id");
    assert!(id.starts_with("c_") && id_number(&id) > 0, "{id}");
    assert_eq!(res.data(), &json!({ "conversation_id": id }));
    assert_eq!(member_rows(&app, &id).len(), 2);
}

#[test]
fn the_same_pair_gets_its_existing_private_chat_from_either_side() {
    let app = TestApp::spawn();
    let (a, b) = friends(&app);
    let first = app.open_private(&a, &b.id);
    first.expect(201, "会话已创建");
    let id = first.data_str("conversation_id");

    let again = app.open_private(&a, &b.id);
    again.expect(200, "会话已存在");
    assert_eq!(again.data(), &json!({ "conversation_id": id }));

    let reverse = app.open_private(&b, &a.id);
    reverse.expect(200, "会话已存在");
    assert_eq!(reverse.data(), &json!({ "conversation_id": id }));

    assert_eq!(count_rows(&app, "conversations"), 1);
    assert_eq!(list_ids(&app, &a), vec![id.clone()]);
    assert_eq!(list_ids(&app, &b), vec![id]);
}

#[test]
fn a_private_chat_without_friend_id_or_with_a_bad_body_is_400() {
    let app = TestApp::spawn();
    let (a, _b) = friends(&app);
    let path = "/api/auth/conversations/private";

    for body in [
        json!({}),
        json!({ "friend_id": null }),
        json!({ "friend_id": 2 }),
        json!([]),
    ] {
        create_private(&app, &a, body.clone())
            .status_for(400, &body)
            .expect_bad_request();
    }
    app.raw(
        Method::Post,
        path,
        Some(&a.token),
        Some("{\"friend_id\":".into()),
    )
    .expect_prefix(400, "参数错误");
    app.call(Method::Post, path, Some(&a.token), None)
        .expect_prefix(400, "参数错误");
    assert_eq!(count_rows(&app, "conversations"), 0);
}

#[test]
fn a_private_chat_with_yourself_is_400() {
    let app = TestApp::spawn();
    let (a, _b) = friends(&app);

    app.open_private(&a, &a.id).expect_prefix(400, "参数错误");
    assert!(app.conversations(&a).is_empty());
}

#[test]
fn a_private_chat_with_an_unknown_or_malformed_user_is_404() {
    let app = TestApp::spawn();
    let (a, _b) = friends(&app);

    for bad in ["u_999", "u_0", "u_01", "bob", "", "c_1"] {
        app.open_private(&a, bad).expect(404, "用户不存在");
    }
    assert_eq!(count_rows(&app, "conversations"), 0);
}

#[test]
fn a_private_chat_with_a_non_friend_is_403_and_creates_nothing() {
    let app = TestApp::spawn();
    let a = app.user("alice");
    let b = app.user("bob");
    app.post(
        "/api/auth/friends/requests",
        &a.token,
        json!({ "user_id": b.id }),
    )
    .expect(201, "好友请求已发送"); // pending is not enough

    let res = app.open_private(&a, &b.id);

    res.expect(403, "对方不是你的好友");
    assert_eq!(res.data(), &Value::Null);
    assert!(app.conversations(&a).is_empty());
    assert!(app.conversations(&b).is_empty());
    assert_eq!(count_rows(&app, "conversations"), 0);
}

#[test]
fn a_new_private_chat_is_listed_for_both_members_at_once() {
    let app = TestApp::spawn();
    let (a, b) = friends(&app);

    let chat = app.private_chat(&a, &b);

    let created = created_at_of(&app, &chat);
    contract_time(&json!(created));
    for (viewer, title) in [(&a, "李四"), (&b, "张三")] {
        assert_eq!(
            app.conversations(viewer),
            vec![json!({
                "conversation_id": chat,
                "title": title,
                "last_message_preview": "",
                "last_message_sender_name": null,
                "last_message_time": created,
                "unread_count": 0,
                "is_pinned": false,
                "is_muted": false,
                "mentioned": false,
                "type": "private",
                "member_count": 2,
                "avatar_url": null,
            })],
            "{}'s list",
            viewer.username
        );
    }
    // An empty conversation has an empty page.
    assert_eq!(app.messages(&b, &chat), Vec::<Value>::new());
}

#[test]
fn an_existing_private_chat_is_returned_even_after_the_friendship_ended() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    app.delete(&format!("/api/auth/friends/{}", b.id), &a.token, None)
        .expect(200, "已删除好友");

    let res = app.open_private(&b, &a.id);

    res.expect(200, "会话已存在");
    assert_eq!(res.data(), &json!({ "conversation_id": chat }));
}
