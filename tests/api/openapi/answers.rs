//! Real answers match the document. One scenario calls every JSON operation until each of
//! its documented successes has been seen, and every answer — errors too — must match the
//! schema of its operation and status (see `checker` and `validate`). A route added without
//! a sample here, or a field renamed in code or in the document, fails.

use std::collections::BTreeSet;

use rocket::http::Method::{Delete, Get, Patch, Post, Put};
use serde_json::{json, Value};

use super::checker::{operations, served, success_statuses, Checker};
use crate::helpers::{Api, TestApp, PASSWORD};
use crate::live::LiveApp;

/// Operations whose success is an event stream, not JSON.
fn is_stream(doc: &Value, path: &str, method: &str) -> bool {
    doc["paths"][path][method]["responses"]["200"]["content"]
        .get("text/event-stream")
        .is_some()
}

/// Registers `name`; (id, token).
fn register(c: &mut Checker, name: &str) -> (String, String) {
    let body = json!({"username": name, "password": PASSWORD, "display_name": name});
    let res = c.expect(201, Post, "/api/register", None, Some(body));
    (res.data_str("user_id"), res.data_str("token"))
}

/// `from` sends a friend request to `to`: the answer's status and request id.
fn request(c: &mut Checker, from: &str, to: &str) -> (u16, String) {
    let res = c.call(
        Post,
        "/api/auth/friends/requests",
        Some(from),
        Some(json!({"user_id": to, "message": "你好"})),
    );
    (res.status, res.data_str("request_id"))
}

#[test]
fn every_operation_answers_as_documented() {
    let app = TestApp::spawn();
    let mut c = Checker::new(&app);
    for path in ["/api/health", "/api/info", "/api/openapi.json"] {
        c.expect(200, Get, path, None, None);
    }

    let (_, alice) = register(&mut c, "alice");
    let (bob_id, bob) = register(&mut c, "bob");
    let (carol_id, carol) = register(&mut c, "carol");
    let (dave_id, dave) = register(&mut c, "dave");
    let (erin_id, erin) = register(&mut c, "erin");
    let login = json!({"username": "alice", "password": PASSWORD});
    c.expect(200, Post, "/api/login", None, Some(login));
    let a = Some(alice.as_str());
    c.expect(200, Get, "/api/auth/me", a, None);
    let name = json!({"display_name": "爱丽丝"});
    c.expect(200, Patch, "/api/auth/me", a, Some(name));
    let found = c.expect(200, Get, "/api/auth/users?q=b", a, None);
    assert!(!found.list().is_empty());

    // Friends: accepted, mutual, rejected.
    for (id, token) in [(&bob_id, &bob), (&erin_id, &erin)] {
        let (status, request_id) = request(&mut c, &alice, id);
        assert_eq!(status, 201);
        let accept = format!("/api/auth/friends/requests/{request_id}/accept");
        c.expect(200, Post, &accept, Some(token), None);
    }
    assert_eq!(request(&mut c, &alice, &carol_id).0, 201);
    let alice_id = c
        .expect(200, Get, "/api/auth/me", a, None)
        .data_str("user_id");
    assert_eq!(request(&mut c, &carol, &alice_id).0, 200, "mutual request");
    let (_, to_dave) = request(&mut c, &alice, &dave_id);
    for token in [&alice, &dave] {
        c.expect(200, Get, "/api/auth/friends/requests", Some(token), None);
    }
    let reject = format!("/api/auth/friends/requests/{to_dave}/reject");
    c.expect(200, Post, &reject, Some(&dave), None);
    assert_eq!(
        c.expect(200, Get, "/api/auth/friends", a, None)
            .list()
            .len(),
        3
    );

    // Conversations: private (new, then existing), group.
    let private = json!({"friend_id": bob_id});
    let open = "/api/auth/conversations/private";
    let pc = c.expect(201, Post, open, a, Some(private.clone()));
    let pc = pc.data_str("conversation_id");
    c.expect(200, Post, open, a, Some(private));
    let group = json!({"name": "周末", "member_ids": [bob_id, carol_id]});
    let g = c.expect(201, Post, "/api/auth/conversations/group", a, Some(group));
    let g = g.data_str("conversation_id");

    // Messages: sent, recalled, deleted for one.
    let send = |conversation: &str, content: &str| json!({"conversation_id": conversation, "content": content, "client_msg_id": content});
    let m1 = c.expect(201, Post, "/api/auth/messages", a, Some(send(&pc, "在吗")));
    let m1 = m1.data_str("message_id");
    let m2 = c.expect(
        201,
        Post,
        "/api/auth/messages",
        Some(&bob),
        Some(send(&pc, "在")),
    );
    let m2 = m2.data_str("message_id");
    let m3 = c.expect(201, Post, "/api/auth/messages", a, Some(send(&g, "大家好")));
    let m3 = m3.data_str("message_id");
    let forward = Some(json!({"message_ids": [m1], "conversation_ids": [g]}));
    c.expect(201, Post, "/api/auth/messages/forward", a, forward);
    // An upload, sent as a file message (its attachment is in the pages below).
    let up = c.upload(&alice, "清单.txt", b"milk, eggs, rice");
    assert_eq!(up.status, 201, "{up}");
    let file = json!({"conversation_id": g, "type": "file", "file_id": up.data_str("file_id")});
    c.expect(201, Post, "/api/auth/messages", a, Some(file));
    // Avatars: the caller's and the group's, from an uploaded image (removed at the end).
    let pic = c.upload(&alice, "头像.png", &crate::helpers::png(64, 64));
    assert_eq!(pic.status, 201, "{pic}");
    let avatar = json!({"file_id": pic.data_str("file_id")});
    c.expect(200, Put, "/api/auth/me/avatar", a, Some(avatar.clone()));
    let group_avatar = format!("/api/auth/conversations/{g}/avatar");
    c.expect(200, Put, &group_avatar, a, Some(avatar));
    let recall = Some(json!({ "id": m1 }));
    c.expect(200, Delete, "/api/auth/messages/recall", a, recall);
    let delete = Some(json!({ "id": m2 }));
    c.expect(200, Delete, "/api/auth/messages/delete", a, delete);

    // Search: everywhere (the found group's list item included), in one conversation, and
    // a result opened in context. `大家` percent-encoded.
    let found = c.expect(200, Get, "/api/auth/search?q=%E5%A4%A7%E5%AE%B6", a, None);
    assert_eq!(found.data()["conversations"].as_array().unwrap().len(), 1);
    c.expect(200, Get, "/api/auth/search?q=bob", a, None);
    let in_group = format!("/api/auth/conversations/{g}/search?q=%E5%A4%A7&limit=5");
    assert_eq!(c.expect(200, Get, &in_group, a, None).list().len(), 1);
    let around = format!("/api/auth/conversations/{g}?around={m3}&limit=5");
    c.expect(200, Get, &around, a, None);

    // Reading: the list (with previews), pages with normal, recalled and system messages.
    assert_eq!(
        c.expect(200, Get, "/api/auth/conversations", a, None)
            .list()
            .len(),
        2
    );
    for conversation in [&pc, &g] {
        let page = format!("/api/auth/conversations/{conversation}?limit=10");
        assert!(!c.expect(200, Get, &page, a, None).list().is_empty());
    }
    let before = format!("/api/auth/conversations/{g}?before={m3}");
    c.expect(200, Get, &before, Some(&bob), None);

    // Managing the group.
    let at = |rest: &str| format!("/api/auth/conversations/{g}{rest}");
    c.expect(200, Put, &at("/pin"), a, Some(json!({"is_pinned": true})));
    c.expect(200, Put, &at("/mute"), a, Some(json!({"is_muted": true})));
    c.expect(
        200,
        Put,
        &at("/announcement"),
        a,
        Some(json!({"text": "周六聚餐"})),
    );
    c.expect(200, Get, &at("/info"), a, None);
    let read = Some(json!({ "message_id": m3 }));
    c.expect(200, Post, &at("/read"), Some(&bob), read);
    c.expect(200, Post, &at("/read"), Some(&carol), None);
    c.expect(200, Get, &at("/members"), a, None);
    let invite = Some(json!({ "member_ids": [erin_id] }));
    c.expect(200, Post, &at("/members"), a, invite);
    let removed = c.expect(200, Delete, &at(&format!("/members/{erin_id}")), a, None);
    let left = c.expect(
        200,
        Delete,
        &at(&format!("/members/{carol_id}")),
        Some(&carol),
        None,
    );
    assert_ne!(removed.body["message"], left.body["message"]);
    c.expect(200, Patch, &at(""), a, Some(json!({"name": "周末愉快"})));
    c.expect(200, Post, &at("/typing"), Some(&bob), None);
    c.expect(200, Delete, &at("/messages"), Some(&bob), None);
    c.expect(200, Delete, &at(""), Some(&bob), None);

    c.expect(200, Delete, "/api/auth/me/avatar", a, None);

    // Events ticket, the end of a friendship, the password, logging out.
    c.expect(200, Post, "/api/auth/events/ticket", a, None);
    let notify = Some(json!({"ntfy_url": "https://ntfy.sh/alice-7f3c", "show_content": true}));
    c.expect(200, Put, "/api/auth/me/notifications", a, notify);
    c.expect(200, Get, "/api/auth/me/notifications", a, None);
    let sub = json!({"endpoint": "https://push.example/s/1", "keys": {
        "p256dh": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
        "auth": "BTBZMqHH6r4Tts7J_aSIgg"}});
    c.expect(201, Post, "/api/auth/push/subscriptions", a, Some(sub));
    let endpoint = json!({"endpoint": "https://push.example/s/1"});
    c.expect(
        200,
        Delete,
        "/api/auth/push/subscriptions",
        a,
        Some(endpoint),
    );
    let remark = Some(json!({"remark": "卡罗尔"}));
    let at_carol = format!("/api/auth/friends/{carol_id}/remark");
    c.expect(200, Put, &at_carol, a, remark);
    c.expect(
        200,
        Delete,
        &format!("/api/auth/friends/{carol_id}"),
        a,
        None,
    );
    let password = json!({"old_password": PASSWORD, "new_password": "new-password-1"});
    let issued = c.expect(200, Put, "/api/auth/me/password", a, Some(password));
    let token = issued.data_str("token");
    c.expect(200, Post, "/api/auth/logout", Some(&token), None);

    // Coverage: every documented success of every JSON operation was seen.
    let doc = c.doc.clone();
    let missing: Vec<String> = operations(&doc)
        .into_iter()
        .filter(|op| !is_stream(&doc, &op.path, &op.method))
        // Downloads answer bytes, not JSON: tests/api/files checks them.
        .filter(|op| !op.path.starts_with("/api/files/"))
        .flat_map(|op| {
            success_statuses(&doc, &op)
                .into_iter()
                .filter(|status| !c.seen.contains(&(op.id.clone(), *status)))
                .map(|status| format!("{} {status}", op.id))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        missing.is_empty(),
        "documented successes never exercised (add a sample): {missing:?}"
    );
}

#[test]
fn errors_answer_as_documented() {
    let app = TestApp::spawn();
    let mut c = Checker::new(&app);
    let (_, alice) = register(&mut c, "alice");
    let a = Some(alice.as_str());

    // 401: no token, a bad token, bad credentials.
    c.expect(401, Get, "/api/auth/me", None, None);
    c.expect(
        401,
        Get,
        "/api/auth/conversations",
        Some("not-a-token"),
        None,
    );
    c.expect(401, Post, "/api/auth/events/ticket", None, None);
    let wrong = json!({"username": "alice", "password": "wrong-password"});
    c.expect(401, Post, "/api/login", None, Some(wrong));

    // 400: a missing field, a wrong type, an invalid value, a failed send.
    c.expect(400, Post, "/api/register", None, Some(json!({})));
    let typed = Some(json!({ "user_id": 5 }));
    c.expect(400, Post, "/api/auth/friends/requests", a, typed);
    c.expect(400, Get, "/api/auth/users?q=", a, None);
    let private = Some(json!({}));
    c.expect(400, Post, "/api/auth/conversations/private", a, private);

    // 404 for each kind of id, and 409, 403.
    c.expect(404, Get, "/api/auth/conversations/c_999", a, None);
    c.expect(
        404,
        Get,
        "/api/auth/conversations/nonsense/members",
        a,
        None,
    );
    c.expect(404, Post, "/api/auth/friends/requests/r_9/accept", a, None);
    c.expect(404, Delete, "/api/auth/friends/u_999", a, None);
    let unknown = Some(json!({ "id": "m_999" }));
    c.expect(404, Delete, "/api/auth/messages/recall", a, unknown);
    let message = json!({"conversation_id": "c_999", "content": "hi"});
    c.expect(404, Post, "/api/auth/messages", a, Some(message));
    let taken = json!({"username": "ALICE", "password": PASSWORD});
    c.expect(409, Post, "/api/register", None, Some(taken));
    let password = json!({"old_password": "not-it-at-all", "new_password": "new-password-1"});
    c.expect(403, Put, "/api/auth/me/password", a, Some(password));

    // 发送失败 with a reason, into a real conversation.
    let (bob_id, bob) = register(&mut c, "bob");
    let (_, request_id) = request(&mut c, &alice, &bob_id);
    let accept = format!("/api/auth/friends/requests/{request_id}/accept");
    c.expect(200, Post, &accept, Some(&bob), None);
    let pc = c.expect(201, Post, "/api/auth/conversations/private", a, {
        Some(json!({ "friend_id": bob_id }))
    });
    let empty = json!({"conversation_id": pc.data_str("conversation_id"), "content": " "});
    let failed = c.expect(400, Post, "/api/auth/messages", a, Some(empty));
    assert!(failed.body["message"]
        .as_str()
        .unwrap()
        .starts_with("发送失败"));
}

#[test]
fn the_event_streams_answer_with_the_documented_media_type() {
    let app = LiveApp::spawn(&[]);
    let token = app.user("alice").token;
    let res = app.call(Get, "/api/openapi.json", None, None);
    assert_eq!(res.status, 200);
    let doc = res.body;
    let streams: BTreeSet<String> = operations(&doc)
        .into_iter()
        .filter(|op| is_stream(&doc, &op.path, &op.method))
        .map(|op| op.path)
        .collect();
    let expected = BTreeSet::from(["/api/auth/events".to_string(), "/api/events".to_string()]);
    assert_eq!(streams, expected);

    let ticket = app.call(Post, "/api/auth/events/ticket", Some(&token), None);
    let opened = [
        app.stream(&token, None),
        app.stream_with_ticket(&ticket.data_str("ticket")),
    ];
    for sse in opened {
        assert_eq!(sse.status, 200);
        assert!(
            sse.content_type.starts_with("text/event-stream"),
            "{}",
            sse.content_type
        );
    }
    // The in-process document and the served one are the same.
    let local = served(&TestApp::spawn());
    assert_eq!(doc, local);
}
