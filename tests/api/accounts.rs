//! §2 accounts and §3 me, users and sessions.

use rocket::http::Method;
use serde_json::{json, Value};

use crate::helpers::*;

// ---------------------------------------------------------------------------------------
// Private helpers
// ---------------------------------------------------------------------------------------

/// Registers with `body`, which must succeed, and asserts each `(field, value)` both in the
/// answer and in `GET /api/auth/me` with the new token, which must be the new user's.
#[track_caller]
fn assert_registered_as(app: &TestApp, body: Value, fields: &[(&str, &str)]) {
    let res = register(app, body);
    res.expect(201, "注册成功");
    let me = app.me(&res.data_str("token"));
    for (field, value) in fields {
        assert_eq!(res.data()[field], *value, "{field} in the answer");
        assert_eq!(me[field], *value, "{field} in me");
    }
    assert_eq!(me["user_id"], res.data()["user_id"], "me is the new user");
}

fn register(app: &TestApp, body: Value) -> Resp {
    app.call(Method::Post, "/api/register", None, Some(body))
}

fn login(app: &TestApp, username: &str, password: &str) -> Resp {
    app.call(
        Method::Post,
        "/api/login",
        None,
        Some(json!({"username": username, "password": password})),
    )
}

const WRONG_CREDENTIALS: &str = "用户名或密码错误";
const TOO_MANY_ATTEMPTS: &str = "尝试次数过多，请稍后再试";

/// `times` logins of `username` with a wrong password, each an ordinary `401`.
#[track_caller]
fn fail_logins(app: &TestApp, username: &str, times: usize) {
    for attempt in 1..=times {
        login(app, username, "wrong-password")
            .status_for(401, format!("failed login {attempt} of {username}"))
            .expect_error(401, WRONG_CREDENTIALS);
    }
}

/// Asserts logging in as `username` with `password` is refused as throttled.
#[track_caller]
fn assert_throttled(app: &TestApp, username: &str, password: &str) {
    login(app, username, password).expect_error(429, TOO_MANY_ATTEMPTS);
}

fn search(app: &TestApp, who: &User, q: &str) -> Resp {
    app.get(&format!("/api/auth/users?q={q}"), &who.token)
}

#[track_caller]
fn usernames(res: &Resp) -> Vec<String> {
    res.expect(200, "success");
    assert!(
        res.data().is_array(),
        "search data should be an array: {}",
        res.body
    );
    res.list()
        .iter()
        .map(|hit| hit["username"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------
// POST /api/register
// ---------------------------------------------------------------------------------------

#[test]
fn register_success_returns_every_field_of_the_contract() {
    let app = TestApp::spawn();
    let before = now();
    let res = register(
        &app,
        json!({"username": "li_si_2", "password": "password123", "display_name": "李四"}),
    );
    res.expect(201, "注册成功");
    let data = res.data();
    assert_eq!(
        sorted_keys(data),
        ["display_name", "expires_at", "token", "user_id", "username"]
    );
    let id = data["user_id"].as_str().unwrap();
    assert!(id.starts_with("u_") && id.len() > 2, "user id {id:?}");
    assert_eq!(data["username"], "li_si_2");
    assert_eq!(data["display_name"], "李四");
    assert!(!data["token"].as_str().unwrap().is_empty());
    // The default token lifetime is 604800 s (7 days).
    let expires = contract_time(&data["expires_at"]);
    assert!(
        (before + 604_800..=now() + 604_800).contains(&expires),
        "expires_at {} should be 7 days from now",
        data["expires_at"]
    );
}

#[test]
fn register_token_lifetime_follows_token_ttl_secs() {
    let app = TestApp::spawn_with(&[("token_ttl_secs", json!(3600))]);
    let before = now();
    let res = register(
        &app,
        json!({"username": "shortlived", "password": "password123"}),
    );
    res.expect(201, "注册成功");
    let expires = contract_time(&res.data()["expires_at"]);
    assert!(
        (before + 3600..=now() + 3600).contains(&expires),
        "{}",
        res.body
    );
}

#[test]
fn register_without_display_name_defaults_to_the_username() {
    let app = TestApp::spawn();
    assert_registered_as(
        &app,
        json!({"username": "WangWu", "password": "password123"}),
        &[("username", "WangWu"), ("display_name", "WangWu")],
    );
    assert_registered_as(
        &app,
        json!({"username": "zhaoliu", "password": "password123", "display_name": null}),
        &[("display_name", "zhaoliu")],
    );
}

#[test]
fn register_trims_the_display_name() {
    assert_registered_as(
        &TestApp::spawn(),
        json!({"username": "trimmed", "password": "password123", "display_name": " \t 小 明 \n "}),
        &[("display_name", "小 明")],
    );
}

#[test]
fn register_keeps_the_username_case() {
    assert_registered_as(
        &TestApp::spawn(),
        json!({"username": "MiXeD_Case", "password": "password123"}),
        &[("username", "MiXeD_Case")],
    );
}

#[test]
fn register_accepts_the_boundary_lengths() {
    let app = TestApp::spawn();
    let long_name = "a".repeat(32);
    let long_display = "张".repeat(32);
    let cases = [
        json!({"username": "abc", "password": "12345678"}),
        json!({"username": long_name, "password": "x".repeat(128)}),
        // Lengths are characters, not bytes: 8 CJK characters are 24 bytes.
        json!({"username": "cjk_pass", "password": "密码密码密码密码", "display_name": long_display}),
        json!({"username": "A_1", "password": "password123", "display_name": "x"}),
    ];
    for body in cases {
        register(&app, body.clone())
            .status_for(201, &body)
            .expect(201, "注册成功");
    }
    // The 8-character CJK password logs in.
    login(&app, "cjk_pass", "密码密码密码密码").expect(200, "登录成功");
}

#[test]
fn register_with_invalid_username_is_400() {
    let app = TestApp::spawn();
    let too_long = "a".repeat(33);
    for username in [
        "",
        "ab",
        too_long.as_str(),
        "a-b-c",
        "abc ",
        " abc",
        "a b c",
        "张三丰",
        "abc!",
        "a.bc",
        "ab\u{0}c",
    ] {
        register(
            &app,
            json!({"username": username, "password": "password123"}),
        )
        .status_for(400, format!("username {username:?}"))
        .expect_bad_request();
    }
}

#[test]
fn register_with_password_too_short_or_too_long_is_400() {
    let app = TestApp::spawn();
    let too_long = "x".repeat(129);
    for password in ["", "1234567", "密码密码密码密", too_long.as_str()] {
        register(&app, json!({"username": "someone", "password": password}))
            .status_for(
                400,
                format!("password of {} chars", password.chars().count()),
            )
            .expect_bad_request();
    }
    // Nothing was created: the name is still free.
    register(
        &app,
        json!({"username": "someone", "password": "password123"}),
    )
    .expect(201, "注册成功");
}

#[test]
fn register_with_blank_too_long_or_control_character_display_name_is_400() {
    let app = TestApp::spawn();
    let too_long = "张".repeat(33);
    let blank_or_too_long = ["", " ", "   \t\n ", too_long.as_str()];
    let control_characters = [
        "a\u{7}b",
        "a\nb",
        "a\u{0}b",
        "tab\there",
        "del\u{7f}",
        "c1\u{85}x",
        "\u{1b}[31mred",
    ];
    for name in blank_or_too_long.into_iter().chain(control_characters) {
        register(
            &app,
            json!({"username": "someone", "password": "password123", "display_name": name}),
        )
        .status_for(400, format!("display_name {name:?}"))
        .expect_bad_request();
    }
}

#[test]
fn register_with_missing_or_mistyped_fields_is_400() {
    let app = TestApp::spawn();
    let cases = [
        json!({}),
        json!({"password": "password123"}),
        json!({"username": "someone"}),
        json!({"username": 12345, "password": "password123"}),
        json!({"username": "someone", "password": 12345678}),
        json!({"username": "someone", "password": "password123", "display_name": 7}),
        json!({"username": null, "password": "password123"}),
    ];
    for body in cases {
        register(&app, body.clone())
            .status_for(400, &body)
            .expect_bad_request();
    }
}

#[test]
fn register_ignores_unknown_fields() {
    assert_registered_as(
        &TestApp::spawn(),
        json!({"username": "extra", "password": "password123", "role": "admin", "x": [1, 2]}),
        &[("username", "extra")],
    );
}

#[test]
fn register_duplicate_username_ignoring_case_is_409() {
    let app = TestApp::spawn();
    register(
        &app,
        json!({"username": "ZhangSan", "password": "password123"}),
    )
    .expect(201, "注册成功");
    for name in ["ZhangSan", "zhangsan", "ZHANGSAN", "zHANGsAN"] {
        register(&app, json!({"username": name, "password": "another-pass"}))
            .status_for(409, name)
            .expect_error(409, "用户名已存在");
    }
    // The original account is untouched.
    let res = login(&app, "zhangsan", "password123");
    res.expect(200, "登录成功");
    assert_eq!(res.data()["user"]["username"], "ZhangSan");
}

#[test]
fn register_when_registration_is_closed_is_403() {
    let app = TestApp::spawn_with(&[("allow_registration", json!(false))]);
    let res = register(
        &app,
        json!({"username": "newcomer", "password": "password123"}),
    );
    res.expect_error(403, "注册已关闭");
    // Checked before the fields are validated.
    register(&app, json!({"username": "x", "password": "short"})).expect_error(403, "注册已关闭");
    // Nothing was created.
    login(&app, "newcomer", "password123").expect_error(401, WRONG_CREDENTIALS);
    // The rest of the public API still answers.
    app.call(Method::Get, "/api/health", None, None)
        .expect(200, "success");
}

// ---------------------------------------------------------------------------------------
// POST /api/login
// ---------------------------------------------------------------------------------------

#[test]
fn login_success_returns_token_expiry_and_user() {
    let app = TestApp::spawn();
    let alice = app.user_named("alice", "爱丽丝");
    let before = now();
    let res = login(&app, "alice", PASSWORD);
    res.expect(200, "登录成功");
    let data = res.data();
    assert_eq!(sorted_keys(data), ["expires_at", "token", "user"]);
    assert_eq!(
        sorted_keys(&data["user"]),
        ["display_name", "user_id", "username"]
    );
    assert_eq!(data["user"]["user_id"], json!(alice.id));
    assert_eq!(data["user"]["username"], "alice");
    assert_eq!(data["user"]["display_name"], "爱丽丝");
    let expires = contract_time(&data["expires_at"]);
    assert!(
        (before + 604_800..=now() + 604_800).contains(&expires),
        "{}",
        res.body
    );

    let token = res.data_str("token");
    assert_ne!(token, alice.token, "each login issues a new token");
    assert_eq!(app.me(&token)["user_id"], json!(alice.id));
}

#[test]
fn login_matches_the_username_ignoring_case() {
    let app = TestApp::spawn();
    let user = app.user("CamelUser");
    for name in ["CamelUser", "cameluser", "CAMELUSER"] {
        let res = login(&app, name, PASSWORD);
        res.expect(200, "登录成功");
        assert_eq!(res.data()["user"]["user_id"], json!(user.id));
        assert_eq!(
            res.data()["user"]["username"],
            "CamelUser",
            "the stored case is returned"
        );
    }
}

#[test]
fn login_with_wrong_password_is_401() {
    let app = TestApp::spawn();
    app.user("alice");
    login(&app, "alice", "wrong-password").expect_error(401, WRONG_CREDENTIALS);
    // The password is case-sensitive.
    login(&app, "alice", &PASSWORD.to_uppercase()).expect_error(401, WRONG_CREDENTIALS);
    login(&app, "alice", "").expect_error(401, WRONG_CREDENTIALS);
}

#[test]
fn login_with_unknown_user_is_the_same_401() {
    let app = TestApp::spawn();
    app.user("alice");
    let unknown = login(&app, "nobody", PASSWORD);
    let wrong = login(&app, "alice", "wrong-password");
    unknown.expect_error(401, WRONG_CREDENTIALS);
    assert_eq!(
        unknown.body, wrong.body,
        "the same answer whether the user exists or not"
    );
    // Even an impossible username is just a failed login.
    login(&app, "a-b", PASSWORD).expect_error(401, WRONG_CREDENTIALS);
}

#[test]
fn login_with_missing_fields_is_400() {
    let app = TestApp::spawn();
    for body in [
        json!({}),
        json!({"username": "alice"}),
        json!({"password": PASSWORD}),
        json!({"username": 1, "password": PASSWORD}),
    ] {
        app.call(Method::Post, "/api/login", None, Some(body.clone()))
            .status_for(400, &body)
            .expect_bad_request();
    }
}

#[test]
fn login_after_ten_failures_is_429_even_with_the_right_password() {
    let app = TestApp::spawn();
    app.user("victim");
    app.user("bystander");
    fail_logins(&app, "victim", 10);
    assert_throttled(&app, "victim", "wrong-password");
    assert_throttled(&app, "victim", PASSWORD);
    // The name is locked whatever its case.
    assert_throttled(&app, "VICTIM", PASSWORD);
    // Another username is unaffected.
    login(&app, "bystander", PASSWORD).expect(200, "登录成功");
    fail_logins(&app, "bystander", 1);
}

#[test]
fn login_throttle_counts_failures_ignoring_username_case() {
    let app = TestApp::spawn();
    app.user("victim");
    let spellings = ["victim", "VICTIM", "Victim", "vIcTiM", "victiM"];
    for attempt in 0..10 {
        fail_logins(&app, spellings[attempt % spellings.len()], 1);
    }
    assert_throttled(&app, "victim", PASSWORD);
}

#[test]
fn login_throttle_applies_to_unknown_usernames_too() {
    let app = TestApp::spawn();
    for _ in 0..10 {
        login(&app, "ghost", "whatever-pass").expect_error(401, WRONG_CREDENTIALS);
    }
    assert_throttled(&app, "ghost", "whatever-pass");
}

#[test]
fn login_success_clears_the_failure_count() {
    let app = TestApp::spawn();
    app.user("forgetful");
    for _ in 0..2 {
        fail_logins(&app, "forgetful", 9);
        login(&app, "forgetful", PASSWORD).expect(200, "登录成功");
    }
}

#[test]
fn token_of_a_locked_user_keeps_working() {
    let app = TestApp::spawn();
    let victim = app.user("victim");
    fail_logins(&app, "victim", 10);
    assert_throttled(&app, "victim", PASSWORD);
    app.me(&victim.token);
}

// ---------------------------------------------------------------------------------------
// GET /api/health
// ---------------------------------------------------------------------------------------

#[test]
fn health_reports_ok_and_the_crate_version() {
    let app = TestApp::spawn();
    let res = app.call(Method::Get, "/api/health", None, None);
    res.expect(200, "success");
    assert_eq!(
        res.data(),
        &json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})
    );
}

// ---------------------------------------------------------------------------------------
// GET / PATCH /api/auth/me
// ---------------------------------------------------------------------------------------

#[test]
fn me_returns_the_callers_profile() {
    let app = TestApp::spawn();
    let before = now();
    let alice = app.user_named("Alice", "爱丽丝");
    app.user("bob");
    let data = &app.me(&alice.token);
    assert_eq!(
        sorted_keys(data),
        ["created_at", "display_name", "user_id", "username"]
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
    let res = login(&app, "alice", PASSWORD);
    assert_eq!(res.data()["user"]["display_name"], "Wonderland");
}

// ---------------------------------------------------------------------------------------
// PUT /api/auth/me/password
// ---------------------------------------------------------------------------------------

#[test]
fn change_password_returns_a_new_token_and_revokes_every_old_one() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let other_device = login(&app, "alice", PASSWORD).data_str("token");
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
    login(&app, "alice", PASSWORD).expect_error(401, WRONG_CREDENTIALS);
    let res = login(&app, "alice", "brand-new-pass");
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
    login(&app, "alice", PASSWORD).expect(200, "登录成功");
    login(&app, "alice", "brand-new-pass").expect_error(401, WRONG_CREDENTIALS);
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
    login(&app, "alice", PASSWORD).expect(200, "登录成功");
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
    login(&app, "alice", "third-pass").expect(200, "登录成功");
}

// ---------------------------------------------------------------------------------------
// POST /api/auth/logout
// ---------------------------------------------------------------------------------------

#[test]
fn logout_revokes_only_the_token_used() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let phone = login(&app, "alice", PASSWORD).data_str("token");

    let res = app.call(Method::Post, "/api/auth/logout", Some(&alice.token), None);
    res.expect(200, "已退出");
    assert!(
        res.data().is_null(),
        "logout data should be null: {}",
        res.body
    );

    app.expect_unauthorized(
        Some(&alice.token),
        &[
            (Method::Get, "/api/auth/me", None),
            (Method::Post, "/api/auth/logout", None),
            (
                Method::Patch,
                "/api/auth/me",
                Some(json!({"display_name": "x"})),
            ),
        ],
    );
    // Another session of the same user still works.
    assert_eq!(app.me(&phone)["user_id"], json!(alice.id));
    // And logging in again works.
    login(&app, "alice", PASSWORD).expect(200, "登录成功");
}

#[test]
fn logout_with_a_body_is_still_200() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let res = app.post("/api/auth/logout", &alice.token, json!({}));
    res.expect(200, "已退出");
    app.get("/api/auth/me", &alice.token)
        .expect_error(401, "未授权");
}

// ---------------------------------------------------------------------------------------
// GET /api/auth/users?q=
// ---------------------------------------------------------------------------------------

#[test]
fn search_finds_username_prefixes_and_display_name_substrings() {
    let app = TestApp::spawn();
    let me = app.user_named("searcher", "Searcher");
    app.user_named("zhangsan", "张三");
    app.user_named("zhangwei", "Wei");
    app.user_named("lisi", "Old Zhang Li");
    app.user_named("wangwu", "王五");

    // Prefix hits first, then the rest, each by username.
    let res = search(&app, &me, "zhang");
    assert_eq!(usernames(&res), ["zhangsan", "zhangwei", "lisi"]);
    for hit in res.list() {
        assert_eq!(
            sorted_keys(&hit),
            ["display_name", "is_friend", "user_id", "username"]
        );
        assert!(hit["user_id"].as_str().unwrap().starts_with("u_"));
        assert_eq!(hit["is_friend"], json!(false));
    }
    assert_eq!(res.list()[0]["display_name"], "张三");

    // A username is matched by its start only; a display name anywhere.
    assert_eq!(usernames(&search(&app, &me, "ang")), ["lisi"]);
    assert_eq!(usernames(&search(&app, &me, "%E4%B8%89")), ["zhangsan"]); // 三
    assert_eq!(usernames(&search(&app, &me, "%E7%8E%8B")), ["wangwu"]); // 王
    assert_eq!(usernames(&search(&app, &me, "g%20L")), ["lisi"]); // "g L"
    assert!(usernames(&search(&app, &me, "nobody")).is_empty());
}

#[test]
fn search_ignores_case() {
    let app = TestApp::spawn();
    let me = app.user("searcher");
    app.user_named("ZhangSan", "Big Boss");
    for q in ["zhang", "ZHANG", "zHaNg"] {
        assert_eq!(usernames(&search(&app, &me, q)), ["ZhangSan"], "q={q}");
    }
    for q in ["boss", "BOSS", "g b"] {
        let q = q.replace(' ', "%20");
        assert_eq!(usernames(&search(&app, &me, &q)), ["ZhangSan"], "q={q}");
    }
}

#[test]
fn search_excludes_the_caller() {
    let app = TestApp::spawn();
    let me = app.user_named("alice", "Alice");
    app.user_named("alicia", "Alicia");
    assert_eq!(usernames(&search(&app, &me, "ali")), ["alicia"]);
    assert!(usernames(&search(&app, &me, "alice")).is_empty());
}

#[test]
fn search_flags_friends() {
    let app = TestApp::spawn();
    let me = app.user("member_me");
    let friend = app.user("member_friend");
    app.user("member_stranger");
    app.befriend(&me, &friend);
    let res = search(&app, &me, "member");
    assert_eq!(usernames(&res), ["member_friend", "member_stranger"]);
    let hits = res.list();
    assert_eq!(hits[0]["user_id"], json!(friend.id));
    assert_eq!(hits[0]["is_friend"], json!(true));
    assert_eq!(hits[1]["is_friend"], json!(false));
    // Friendship is mutual.
    let res = search(&app, &friend, "member_me");
    assert_eq!(res.list()[0]["is_friend"], json!(true));
}

#[test]
fn search_returns_at_most_20_users() {
    let app = TestApp::spawn();
    let me = app.user("searcher");
    for i in 0..23 {
        app.user(&format!("bulk{i:02}"));
    }
    let found = usernames(&search(&app, &me, "bulk"));
    assert_eq!(found.len(), 20, "{found:?}");
    let expected: Vec<String> = (0..20).map(|i| format!("bulk{i:02}")).collect();
    assert_eq!(found, expected, "ordered by username");
}

#[test]
fn search_with_empty_or_missing_q_is_400() {
    let app = TestApp::spawn();
    let me = app.user("searcher");
    app.user("other");
    for path in [
        "/api/auth/users",
        "/api/auth/users?q=",
        "/api/auth/users?q=%20%20",
        "/api/auth/users?x=other",
    ] {
        app.get(path, &me.token)
            .status_for(400, path)
            .expect_bad_request();
    }
    // Over 64 characters.
    search(&app, &me, &"a".repeat(65)).expect_bad_request();
    // 64 is fine.
    assert!(usernames(&search(&app, &me, &"a".repeat(64))).is_empty());
}

#[test]
fn search_trims_q() {
    let app = TestApp::spawn();
    let me = app.user("searcher");
    app.user("target");
    assert_eq!(usernames(&search(&app, &me, "%20targ%20")), ["target"]);
}

#[test]
fn search_treats_percent_underscore_and_backslash_literally() {
    let app = TestApp::spawn();
    let me = app.user("searcher");
    app.user_named("a_bc", "First");
    app.user_named("axbc", "Second");
    app.user_named("abcd", "Third");

    assert_eq!(usernames(&search(&app, &me, "a_")), ["a_bc"]);
    assert_eq!(usernames(&search(&app, &me, "a%5F")), ["a_bc"]);
    assert!(
        usernames(&search(&app, &me, "_")).is_empty(),
        "no username starts with _"
    );
    assert!(
        usernames(&search(&app, &me, "%25")).is_empty(),
        "% matches nothing"
    );
    assert!(
        usernames(&search(&app, &me, "a%25")).is_empty(),
        "a% matches nothing"
    );
    assert!(usernames(&search(&app, &me, "%5C")).is_empty());

    app.user_named("percent", "100% sure");
    app.user_named("backslash", "back\\slash");
    assert_eq!(usernames(&search(&app, &me, "%25")), ["percent"]);
    assert_eq!(usernames(&search(&app, &me, "0%25")), ["percent"]);
    assert_eq!(usernames(&search(&app, &me, "%5C")), ["backslash"]);
    assert_eq!(usernames(&search(&app, &me, "k%5Cs")), ["backslash"]);
}

#[test]
fn search_without_token_is_401() {
    let app = TestApp::spawn();
    app.user("someone");
    app.call(Method::Get, "/api/auth/users?q=some", None, None)
        .expect_error(401, "未授权");
}
