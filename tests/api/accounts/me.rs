//! The caller's profile (`GET`/`PATCH /api/auth/me`) and password changes.

use super::*;

#[test]
fn me_returns_the_callers_profile() {
    let app = TestApp::spawn();
    let before = now();
    let alice = app.user_named("Alice", "爱丽丝");
    app.user("bob");
    let data = &app.me(&alice.token);
    assert_eq!(
        sorted_keys(data),
        [
            "avatar_url",
            "created_at",
            "display_name",
            "user_id",
            "username"
        ]
    );
    assert_eq!(data["user_id"], json!(alice.id));
    assert_eq!(data["username"], "Alice");
    assert_eq!(data["display_name"], "爱丽丝");
    let created = contract_time(&data["created_at"]);
    assert!(
        (before - 1..=now()).contains(&created),
        "created_at {}",
        data["created_at"]
    );
}

#[test]
fn patch_me_returns_the_updated_profile() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let created_at = app.me(&alice.token)["created_at"].clone();
    let res = app.set_display_name(&alice, "  新名字  ");
    res.expect(200, "success");
    assert_eq!(
        res.data(),
        &json!({
            "user_id": alice.id,
            "username": "alice",
            "display_name": "新名字",
            "created_at": created_at,
            "avatar_url": null,
        })
    );
    let me = app.me(&alice.token);
    assert_eq!(me["display_name"], "新名字");
    assert_eq!(me["username"], "alice", "renaming keeps the username");
}

#[test]
fn patch_me_with_invalid_display_name_is_400_and_changes_nothing() {
    let app = TestApp::spawn();
    let alice = app.user_named("alice", "Alice");
    let too_long = "张".repeat(33);
    let cases = [
        json!({"display_name": ""}),
        json!({"display_name": "   "}),
        json!({"display_name": too_long}),
        json!({"display_name": "bad\u{7}name"}),
        json!({"display_name": "two\nlines"}),
        json!({"display_name": 42}),
        json!({"display_name": null}),
        json!({}),
    ];
    for body in cases {
        app.patch("/api/auth/me", &alice.token, body.clone())
            .status_for(400, &body)
            .expect_bad_request();
    }
    assert_eq!(app.me(&alice.token)["display_name"], "Alice");
}

#[test]
fn patch_me_accepts_32_characters() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let name = "名".repeat(32);
    let res = app.set_display_name(&alice, &name);
    res.expect(200, "success");
    assert_eq!(res.data()["display_name"], json!(name));
}

#[test]
fn renamed_user_is_seen_by_others_in_search_and_login() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let bob = app.user("bob");
    app.set_display_name(&alice, "Wonderland")
        .expect(200, "success");
    let res = search(&app, &bob, "wonder");
    assert_eq!(usernames(&res), ["alice"]);
    assert_eq!(res.list()[0]["display_name"], "Wonderland");
    let res = app.try_login("alice", PASSWORD);
    assert_eq!(res.data()["user"]["display_name"], "Wonderland");
}

#[test]
fn change_password_returns_a_new_token_and_revokes_every_old_one() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let other_device = app.try_login("alice", PASSWORD).data_str("token");
    app.me(&other_device);

    let before = now();
    let res = app.change_password(&alice.token, PASSWORD, "brand-new-pass");
    res.expect(200, "密码已修改");
    assert_eq!(sorted_keys(res.data()), ["expires_at", "token"]);
    let expires = contract_time(&res.data()["expires_at"]);
    assert!(
        (before + 604_800..=now() + 604_800).contains(&expires),
        "{}",
        res.body
    );
    let new_token = res.data_str("token");

    // Every token issued before the change stops working, the one used included.
    app.get("/api/auth/me", &alice.token)
        .expect_error(401, "未授权");
    app.get("/api/auth/me", &other_device)
        .expect_error(401, "未授权");
    // The new one works.
    assert_eq!(app.me(&new_token)["user_id"], json!(alice.id));

    // The new password logs in; the old one no longer does.
    app.try_login("alice", PASSWORD)
        .expect_error(401, WRONG_CREDENTIALS);
    let res = app.try_login("alice", "brand-new-pass");
    res.expect(200, "登录成功");
    app.me(&res.data_str("token"));
}

#[test]
fn change_password_with_wrong_old_password_is_403() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    app.change_password(&alice.token, "not-my-password", "brand-new-pass")
        .expect_error(403, "原密码错误");
    // Nothing changed: the token and the old password still work.
    app.me(&alice.token);
    app.try_login("alice", PASSWORD).expect(200, "登录成功");
    app.try_login("alice", "brand-new-pass")
        .expect_error(401, WRONG_CREDENTIALS);
}

#[test]
fn change_password_to_an_invalid_password_is_400() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let too_long = "x".repeat(129);
    for new in ["", "short", "1234567", too_long.as_str()] {
        app.change_password(&alice.token, PASSWORD, new)
            .status_for(400, format!("new password of {} chars", new.len()))
            .expect_bad_request();
    }
    // The new password is checked before the old one.
    app.change_password(&alice.token, "wrong-old-pass", "short")
        .expect_bad_request();
    // Missing fields.
    for body in [
        json!({}),
        json!({"old_password": PASSWORD}),
        json!({"new_password": "brand-new-pass"}),
    ] {
        app.put("/api/auth/me/password", &alice.token, body.clone())
            .status_for(400, &body)
            .expect_bad_request();
    }
    // Nothing changed.
    app.me(&alice.token);
    app.try_login("alice", PASSWORD).expect(200, "登录成功");
}

#[test]
fn change_password_twice_in_a_row_works_with_the_returned_tokens() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let first = app.change_password(&alice.token, PASSWORD, "second-pass");
    first.expect(200, "密码已修改");
    let token = first.data_str("token");
    let second = app.change_password(&token, "second-pass", "third-pass");
    second.expect(200, "密码已修改");
    app.get("/api/auth/me", &token).expect_error(401, "未授权");
    app.me(&second.data_str("token"));
    app.try_login("alice", "third-pass").expect(200, "登录成功");
}
