//! The detail view (`GET /api/auth/conversations/{id}`): pages, cursors, fields.

use super::*;

#[test]
fn the_detail_view_lists_messages_oldest_first_with_every_field() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    let first = app.send(&a, &chat, "下午一起吃饭？");
    let second = app.send(&b, &chat, "可以，几点？");

    let seen_by_a = app.messages(&a, &chat);

    assert_eq!(seen_by_a.len(), 2);
    for m in &seen_by_a {
        assert_eq!(sorted_keys(m), MESSAGE_FIELDS);
        contract_time(&m["created_at"]);
    }
    let (t1, t2) = (
        seen_by_a[0]["created_at"].clone(),
        seen_by_a[1]["created_at"].clone(),
    );
    assert_eq!(
        seen_by_a,
        vec![
            json!({ "id": first, "sender_id": a.id, "sender_name": "我",
                    "content": "下午一起吃饭？", "status": 0, "created_at": t1, "type": "text", "attachment": null,
                    "reply_to": null, "mentions": [] }),
            json!({ "id": second, "sender_id": b.id, "sender_name": "李四",
                    "content": "可以，几点？", "status": 0, "created_at": t2, "type": "text", "attachment": null,
                    "reply_to": null, "mentions": [] }),
        ]
    );
    assert_eq!(
        app.messages(&b, &chat),
        vec![
            json!({ "id": first, "sender_id": a.id, "sender_name": "张三",
                    "content": "下午一起吃饭？", "status": 0, "created_at": t1, "type": "text", "attachment": null,
                    "reply_to": null, "mentions": [] }),
            json!({ "id": second, "sender_id": b.id, "sender_name": "我",
                    "content": "可以，几点？", "status": 0, "created_at": t2, "type": "text", "attachment": null,
                    "reply_to": null, "mentions": [] }),
        ]
    );
    assert!(id_number(&first) < id_number(&second));
}

#[test]
fn content_is_returned_exactly_as_sent() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    let text = "  前后空格\n第二行 <b>&amp;</b> \"引号\" 😀  ";
    app.send(&a, &chat, text);

    assert_eq!(app.messages(&b, &chat)[0]["content"], json!(text));
}

#[test]
fn the_detail_view_pages_with_limit_before_and_after() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    let m = app.send_all(&a, &chat, (1..=5).map(|i| format!("消息{i}")));

    // No parameters: everything (fewer than the default 50), oldest first.
    assert_eq!(page_ids(&app, &b, &chat, ""), m);
    // limit alone: the newest `limit`, still oldest first.
    assert_eq!(
        page_ids(&app, &b, &chat, "limit=2"),
        vec![m[3].clone(), m[4].clone()]
    );
    // before the oldest of those: the two before it.
    let older = format!("before={}&limit=2", m[3]);
    assert_eq!(
        page_ids(&app, &b, &chat, &older),
        vec![m[1].clone(), m[2].clone()]
    );
    let oldest = format!("limit=2&before={}", m[1]);
    assert_eq!(page_ids(&app, &b, &chat, &oldest), vec![m[0].clone()]);
    assert_eq!(
        page_ids(&app, &b, &chat, &format!("before={}", m[0])),
        Vec::<String>::new()
    );
    // after: the oldest `limit` after the id.
    let newer = format!("after={}&limit=2", m[0]);
    assert_eq!(
        page_ids(&app, &b, &chat, &newer),
        vec![m[1].clone(), m[2].clone()]
    );
    assert_eq!(
        page_ids(&app, &b, &chat, &format!("after={}", m[2])),
        vec![m[3].clone(), m[4].clone()]
    );
    assert_eq!(
        page_ids(&app, &b, &chat, &format!("after={}", m[4])),
        Vec::<String>::new()
    );
    // Ids are positions: one that does not exist still works.
    assert_eq!(
        page_ids(&app, &b, &chat, "before=m_999999&limit=1"),
        vec![m[4].clone()]
    );
    assert_eq!(
        page_ids(&app, &b, &chat, "after=m_999999"),
        Vec::<String>::new()
    );
    // The bounds of limit are allowed.
    assert_eq!(page_ids(&app, &b, &chat, "limit=1"), vec![m[4].clone()]);
    assert_eq!(page_ids(&app, &b, &chat, "limit=200"), m);
}

#[test]
fn the_detail_view_returns_the_newest_50_by_default() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    let sent = app.send_all(&a, &chat, (1..=53).map(|i| i.to_string()));

    let got = page_ids(&app, &b, &chat, "");

    assert_eq!(got, sent[3..].to_vec());
}

#[test]
fn bad_paging_parameters_are_400() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    let m1 = app.send(&a, &chat, "一");
    let m2 = app.send(&a, &chat, "二");

    let both = format!("before={m2}&after={m1}");
    for query in [
        "limit=0",
        "limit=201",
        "limit=abc",
        "limit=-1",
        "limit=",
        "limit=1.5",
        "before=xyz",
        "before=m_0",
        "before=c_1",
        "before=",
        "after=xyz",
        "after=m_01",
        both.as_str(),
    ] {
        page(&app, &b, &chat, query)
            .status_for(400, query)
            .expect_bad_request();
    }
    // None of them moved the read marker.
    assert_eq!(app.unread(&b, &chat), 2);
}

#[test]
fn an_unknown_malformed_or_foreign_conversation_is_404() {
    let app = TestApp::spawn();
    let (a, b) = friends(&app);
    let outsider = app.user("outsider");
    let chat = app.private_chat(&a, &b);
    app.send(&a, &chat, "私密");

    for bad in ["c_999", "c_0", "c_01", "abc", "u_1", "m_1"] {
        page(&app, &a, bad, "")
            .status_for(404, bad)
            .expect_error(404, "会话不存在");
    }
    page(&app, &outsider, &chat, "").expect(404, "会话不存在");
    page(&app, &outsider, &chat, "limit=1").expect(404, "会话不存在");
    assert!(app.conversations(&outsider).is_empty());
}

#[test]
fn conversation_routes_require_a_token() {
    let app = TestApp::spawn();
    let (_a, b, chat) = chatting(&app);
    let detail = format!("/api/auth/conversations/{chat}");

    app.expect_unauthorized(
        None,
        &[
            (Method::Get, "/api/auth/conversations", None),
            (Method::Get, &detail, None),
            (
                Method::Post,
                "/api/auth/conversations/private",
                Some(json!({ "friend_id": b.id })),
            ),
            (
                Method::Post,
                "/api/auth/conversations/group",
                Some(json!({ "name": "组", "member_ids": [b.id] })),
            ),
        ],
    );
    app.expect_unauthorized(
        Some("x.y.z"),
        &[(Method::Get, "/api/auth/conversations", None)],
    );
}
