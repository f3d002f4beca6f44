//! Malformed ids, and the envelope itself.

use super::*;

#[test]
fn malformed_conversation_id_is_404_conversation_not_found() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    for id in [
        "abc",
        "c_",
        "c_0",
        "c_01",
        "c_-1",
        "c_1x",
        "u_1",
        "C_1",
        "c_99999999999999999999",
        "c_999",
    ] {
        app.get(&format!("/api/auth/conversations/{id}"), &alice.token)
            .status_for(404, format!("conversation {id}"))
            .expect_error(404, "会话不存在");
    }
}

#[test]
fn malformed_user_id_in_delete_friend_is_404() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    for id in [
        "zzz",
        "u_",
        "u_0",
        "u_01",
        "c_1",
        "u_999",
        "u_99999999999999999999",
    ] {
        app.delete(&format!("/api/auth/friends/{id}"), &alice.token, None)
            .status_for(404, format!("friend {id}"))
            .expect_error(404, "用户不存在");
    }
}

#[test]
fn malformed_request_id_in_accept_or_reject_is_404() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    for id in ["r_abc", "abc", "r_", "r_0", "r_01", "u_1", "r_999"] {
        for action in ["accept", "reject"] {
            let path = format!("/api/auth/friends/requests/{id}/{action}");
            app.call(Method::Post, &path, Some(&alice.token), None)
                .status_for(404, &path)
                .expect_error(404, "请求不存在");
        }
    }
}

#[test]
fn malformed_ids_in_bodies_are_404_for_that_resource() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    for id in ["abc", "c_0", "u_1", "c_999"] {
        app.try_send(&alice, id, "hi")
            .status_for(404, format!("send into {id}"))
            .expect_error(404, "会话不存在");
    }
    for id in ["zzz", "m_0", "c_1", "m_999"] {
        app.recall(&alice, id)
            .status_for(404, format!("recall {id}"))
            .expect_error(404, "消息不存在");
        app.delete_for_me(&alice, id)
            .status_for(404, format!("delete {id}"))
            .expect_error(404, "消息不存在");
    }
    for id in ["zzz", "u_0", "c_1", "u_999"] {
        app.post(
            "/api/auth/friends/requests",
            &alice.token,
            json!({"user_id": id}),
        )
        .status_for(404, format!("friend request to {id}"))
        .expect_error(404, "用户不存在");
        app.open_private(&alice, id)
            .status_for(404, format!("private chat with {id}"))
            .expect_error(404, "用户不存在");
    }
}

#[test]
fn success_envelopes_have_code_message_and_data() {
    let app = TestApp::spawn();
    let res = app.call(Method::Get, "/api/health", None, None);
    assert_eq!(res.status, 200);
    assert_eq!(res.body["code"], json!(200));
    assert_eq!(res.body["message"], json!("success"));
    assert!(res.body["data"].is_object());
}

#[test]
fn error_envelopes_carry_no_data() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let cases = [
        app.call(Method::Get, "/api/nope", None, None),
        app.call(Method::Get, "/api/auth/me", None, None),
        app.raw(Method::Post, "/api/login", None, Some("{".into())),
        app.call(
            Method::Post,
            "/api/login",
            None,
            Some(json!({"username": "alice", "password": "wrong-pass"})),
        ),
        app.call(
            Method::Post,
            "/api/register",
            None,
            Some(json!({"username": "alice", "password": PASSWORD})),
        ),
        app.raw(
            Method::Post,
            "/api/login",
            None,
            Some("x".repeat(BODY_LIMIT + 10)),
        ),
        app.get("/api/auth/conversations/abc", &alice.token),
    ];
    for res in cases {
        assert!(res.status >= 400, "{}", res.body);
        assert_eq!(res.body["code"], json!(res.status), "{}", res.body);
        assert!(res.body["message"].is_string(), "{}", res.body);
        assert!(
            res.body.get("data").is_none_or(Value::is_null),
            "error data of {}",
            res.body
        );
    }
}
