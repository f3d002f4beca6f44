//! §2 accounts and §3 me, users and sessions.

use rocket::http::Method;
use serde_json::{json, Value};

use crate::helpers::*;

#[test]
fn register_returns_the_new_user_and_a_working_token() {
    let app = TestApp::spawn();
    let res = app.call(
        rocket::http::Method::Post,
        "/api/register",
        None,
        Some(json!({"username": "zhangsan", "password": "secret-pass", "display_name": " 张三 "})),
    );
    res.expect(201, "注册成功");
    let data = res.data();
    assert!(data["user_id"].as_str().unwrap().starts_with("u_"));
    assert_eq!(data["username"], "zhangsan");
    assert_eq!(data["display_name"], "张三");
    assert!(data["expires_at"].as_str().unwrap().ends_with('Z'));
    let me = app.get("/api/auth/me", data["token"].as_str().unwrap());
    me.expect(200, "success");
    assert_eq!(me.data()["user_id"], data["user_id"]);
    assert_eq!(me.data()["display_name"], "张三");
}

// ---------------------------------------------------------------------------------------
// Private helpers
// ---------------------------------------------------------------------------------------

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

/// An error envelope: status, `code`, exact message and no data.
#[track_caller]
fn expect_error(res: &Resp, status: u16, message: &str) {
    res.expect_error(status, message);
}

/// A `400` whose message is `参数错误` or `参数错误：<reason>`, with no data.
#[track_caller]
fn expect_bad_request(res: &Resp) {
    res.expect_bad_request();
}

/// Seconds since the epoch of an RFC 3339 time written as the contract says (UTC, `Z`,
/// whole seconds).
#[track_caller]
fn contract_time(value: &Value) -> i64 {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("time {value} is not a string"));
    assert_eq!(
        text.len(),
        20,
        "time {text:?} should look like 2026-01-15T09:40:00Z"
    );
    assert!(text.ends_with('Z'), "time {text:?} should end with Z");
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("time {text:?} is not RFC 3339: {e}"))
        .timestamp()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[track_caller]
fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("{value} is not an object"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
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
        keys(data),
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
    let res = register(
        &app,
        json!({"username": "WangWu", "password": "password123"}),
    );
    res.expect(201, "注册成功");
    assert_eq!(res.data()["username"], "WangWu");
    assert_eq!(res.data()["display_name"], "WangWu");

    let res = register(
        &app,
        json!({"username": "zhaoliu", "password": "password123", "display_name": null}),
    );
    res.expect(201, "注册成功");
    assert_eq!(res.data()["display_name"], "zhaoliu");

    let me = app.get("/api/auth/me", res.data()["token"].as_str().unwrap());
    me.expect(200, "success");
    assert_eq!(me.data()["display_name"], "zhaoliu");
}

#[test]
fn register_trims_the_display_name() {
    let app = TestApp::spawn();
    let res = register(
        &app,
        json!({"username": "trimmed", "password": "password123", "display_name": " \t 小 明 \n "}),
    );
    res.expect(201, "注册成功");
    assert_eq!(res.data()["display_name"], "小 明");
    let me = app.get("/api/auth/me", res.data()["token"].as_str().unwrap());
    assert_eq!(me.data()["display_name"], "小 明");
}

#[test]
fn register_keeps_the_username_case() {
    let app = TestApp::spawn();
    let res = register(
        &app,
        json!({"username": "MiXeD_Case", "password": "password123"}),
    );
    res.expect(201, "注册成功");
    assert_eq!(res.data()["username"], "MiXeD_Case");
    let me = app.get("/api/auth/me", res.data()["token"].as_str().unwrap());
    assert_eq!(me.data()["username"], "MiXeD_Case");
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
        let res = register(&app, body.clone());
        assert_eq!(res.status, 201, "{body} → {}", res.body);
        res.expect(201, "注册成功");
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
        let res = register(
            &app,
            json!({"username": username, "password": "password123"}),
        );
        assert_eq!(res.status, 400, "username {username:?} → {}", res.body);
        expect_bad_request(&res);
    }
}

#[test]
fn register_with_password_too_short_or_too_long_is_400() {
    let app = TestApp::spawn();
    let too_long = "x".repeat(129);
    for password in ["", "1234567", "密码密码密码密", too_long.as_str()] {
        let res = register(&app, json!({"username": "someone", "password": password}));
        assert_eq!(
            res.status,
            400,
            "password of {} chars → {}",
            password.chars().count(),
            res.body
        );
        expect_bad_request(&res);
    }
    // Nothing was created: the name is still free.
    register(
        &app,
        json!({"username": "someone", "password": "password123"}),
    )
    .expect(201, "注册成功");
}

#[test]
fn register_with_blank_or_too_long_display_name_is_400() {
    let app = TestApp::spawn();
    let too_long = "张".repeat(33);
    for name in ["", " ", "   \t\n ", too_long.as_str()] {
        let res = register(
            &app,
            json!({"username": "someone", "password": "password123", "display_name": name}),
        );
        assert_eq!(res.status, 400, "display_name {name:?} → {}", res.body);
        expect_bad_request(&res);
    }
}

#[test]
fn register_with_control_characters_in_display_name_is_400() {
    let app = TestApp::spawn();
    for name in [
        "a\u{7}b",
        "a\nb",
        "a\u{0}b",
        "tab\there",
        "del\u{7f}",
        "c1\u{85}x",
        "\u{1b}[31mred",
    ] {
        let res = register(
            &app,
            json!({"username": "someone", "password": "password123", "display_name": name}),
        );
        assert_eq!(res.status, 400, "display_name {name:?} → {}", res.body);
        expect_bad_request(&res);
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
        let res = register(&app, body.clone());
        assert_eq!(res.status, 400, "{body} → {}", res.body);
        expect_bad_request(&res);
    }
}

#[test]
fn register_ignores_unknown_fields() {
    let app = TestApp::spawn();
    let res = register(
        &app,
        json!({"username": "extra", "password": "password123", "role": "admin", "x": [1, 2]}),
    );
    res.expect(201, "注册成功");
    assert_eq!(res.data()["username"], "extra");
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
        let res = register(&app, json!({"username": name, "password": "another-pass"}));
        expect_error(&res, 409, "用户名已存在");
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
    expect_error(&res, 403, "注册已关闭");
    // Checked before the fields are validated.
    let res = register(&app, json!({"username": "x", "password": "short"}));
    expect_error(&res, 403, "注册已关闭");
    // Nothing was created.
    expect_error(
        &login(&app, "newcomer", "password123"),
        401,
        "用户名或密码错误",
    );
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
    assert_eq!(keys(data), ["expires_at", "token", "user"]);
    assert_eq!(keys(&data["user"]), ["display_name", "user_id", "username"]);
    assert_eq!(data["user"]["user_id"], json!(alice.id));
    assert_eq!(data["user"]["username"], "alice");
    assert_eq!(data["user"]["display_name"], "爱丽丝");
    let expires = contract_time(&data["expires_at"]);
    assert!(
        (before + 604_800..=now() + 604_800).contains(&expires),
        "{}",
        res.body
    );

    let token = data["token"].as_str().unwrap();
    assert_ne!(token, alice.token, "each login issues a new token");
    let me = app.get("/api/auth/me", token);
    me.expect(200, "success");
    assert_eq!(me.data()["user_id"], json!(alice.id));
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
    expect_error(
        &login(&app, "alice", "wrong-password"),
        401,
        "用户名或密码错误",
    );
    // The password is case-sensitive.
    expect_error(
        &login(&app, "alice", &PASSWORD.to_uppercase()),
        401,
        "用户名或密码错误",
    );
    expect_error(&login(&app, "alice", ""), 401, "用户名或密码错误");
}

#[test]
fn login_with_unknown_user_is_the_same_401() {
    let app = TestApp::spawn();
    app.user("alice");
    let unknown = login(&app, "nobody", PASSWORD);
    let wrong = login(&app, "alice", "wrong-password");
    expect_error(&unknown, 401, "用户名或密码错误");
    assert_eq!(
        unknown.body, wrong.body,
        "the same answer whether the user exists or not"
    );
    // Even an impossible username is just a failed login.
    expect_error(&login(&app, "a-b", PASSWORD), 401, "用户名或密码错误");
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
        let res = app.call(Method::Post, "/api/login", None, Some(body.clone()));
        assert_eq!(res.status, 400, "{body} → {}", res.body);
        expect_bad_request(&res);
    }
}

#[test]
fn login_after_ten_failures_is_429_even_with_the_right_password() {
    let app = TestApp::spawn();
    app.user("victim");
    app.user("bystander");
    for attempt in 1..=10 {
        let res = login(&app, "victim", "wrong-password");
        assert_eq!(res.status, 401, "attempt {attempt}: {}", res.body);
        expect_error(&res, 401, "用户名或密码错误");
    }
    expect_error(
        &login(&app, "victim", "wrong-password"),
        429,
        "尝试次数过多，请稍后再试",
    );
    expect_error(
        &login(&app, "victim", PASSWORD),
        429,
        "尝试次数过多，请稍后再试",
    );
    // The name is locked whatever its case.
    expect_error(
        &login(&app, "VICTIM", PASSWORD),
        429,
        "尝试次数过多，请稍后再试",
    );
    // Another username is unaffected.
    login(&app, "bystander", PASSWORD).expect(200, "登录成功");
    expect_error(
        &login(&app, "bystander", "wrong-password"),
        401,
        "用户名或密码错误",
    );
}

#[test]
fn login_throttle_counts_failures_ignoring_username_case() {
    let app = TestApp::spawn();
    app.user("victim");
    let spellings = ["victim", "VICTIM", "Victim", "vIcTiM", "victiM"];
    for attempt in 0..10 {
        let res = login(&app, spellings[attempt % spellings.len()], "wrong-password");
        expect_error(&res, 401, "用户名或密码错误");
    }
    expect_error(
        &login(&app, "victim", PASSWORD),
        429,
        "尝试次数过多，请稍后再试",
    );
}

#[test]
fn login_throttle_applies_to_unknown_usernames_too() {
    let app = TestApp::spawn();
    for _ in 0..10 {
        expect_error(
            &login(&app, "ghost", "whatever-pass"),
            401,
            "用户名或密码错误",
        );
    }
    expect_error(
        &login(&app, "ghost", "whatever-pass"),
        429,
        "尝试次数过多，请稍后再试",
    );
}

#[test]
fn login_success_clears_the_failure_count() {
    let app = TestApp::spawn();
    app.user("forgetful");
    for _ in 0..9 {
        expect_error(
            &login(&app, "forgetful", "wrong-password"),
            401,
            "用户名或密码错误",
        );
    }
    login(&app, "forgetful", PASSWORD).expect(200, "登录成功");
    for _ in 0..9 {
        expect_error(
            &login(&app, "forgetful", "wrong-password"),
            401,
            "用户名或密码错误",
        );
    }
    login(&app, "forgetful", PASSWORD).expect(200, "登录成功");
}

#[test]
fn token_of_a_locked_user_keeps_working() {
    let app = TestApp::spawn();
    let victim = app.user("victim");
    for _ in 0..10 {
        login(&app, "victim", "wrong-password");
    }
    expect_error(
        &login(&app, "victim", PASSWORD),
        429,
        "尝试次数过多，请稍后再试",
    );
    app.get("/api/auth/me", &victim.token)
        .expect(200, "success");
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
    let res = app.get("/api/auth/me", &alice.token);
    res.expect(200, "success");
    let data = res.data();
    assert_eq!(
        keys(data),
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
    let created_at = app.get("/api/auth/me", &alice.token).data()["created_at"].clone();
    let res = app.patch(
        "/api/auth/me",
        &alice.token,
        json!({"display_name": "  新名字  "}),
    );
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
    let me = app.get("/api/auth/me", &alice.token);
    me.expect(200, "success");
    assert_eq!(me.data()["display_name"], "新名字");
    assert_eq!(
        me.data()["username"],
        "alice",
        "renaming keeps the username"
    );
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
        let res = app.patch("/api/auth/me", &alice.token, body.clone());
        assert_eq!(res.status, 400, "{body} → {}", res.body);
        expect_bad_request(&res);
    }
    assert_eq!(
        app.get("/api/auth/me", &alice.token).data()["display_name"],
        "Alice"
    );
}

#[test]
fn patch_me_accepts_32_characters() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let name = "名".repeat(32);
    let res = app.patch("/api/auth/me", &alice.token, json!({"display_name": name}));
    res.expect(200, "success");
    assert_eq!(res.data()["display_name"], json!(name));
}

#[test]
fn renamed_user_is_seen_by_others_in_search_and_login() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let bob = app.user("bob");
    app.patch(
        "/api/auth/me",
        &alice.token,
        json!({"display_name": "Wonderland"}),
    )
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
    let other_device = login(&app, "alice", PASSWORD).data()["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.get("/api/auth/me", &other_device)
        .expect(200, "success");

    let before = now();
    let res = app.put(
        "/api/auth/me/password",
        &alice.token,
        json!({"old_password": PASSWORD, "new_password": "brand-new-pass"}),
    );
    res.expect(200, "密码已修改");
    assert_eq!(keys(res.data()), ["expires_at", "token"]);
    let expires = contract_time(&res.data()["expires_at"]);
    assert!(
        (before + 604_800..=now() + 604_800).contains(&expires),
        "{}",
        res.body
    );
    let new_token = res.data()["token"].as_str().unwrap().to_string();

    // Every token issued before the change stops working, the one used included.
    expect_error(&app.get("/api/auth/me", &alice.token), 401, "未授权");
    expect_error(&app.get("/api/auth/me", &other_device), 401, "未授权");
    // The new one works.
    let me = app.get("/api/auth/me", &new_token);
    me.expect(200, "success");
    assert_eq!(me.data()["user_id"], json!(alice.id));

    // The new password logs in; the old one no longer does.
    expect_error(&login(&app, "alice", PASSWORD), 401, "用户名或密码错误");
    let res = login(&app, "alice", "brand-new-pass");
    res.expect(200, "登录成功");
    app.get("/api/auth/me", res.data()["token"].as_str().unwrap())
        .expect(200, "success");
}

#[test]
fn change_password_with_wrong_old_password_is_403() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let res = app.put(
        "/api/auth/me/password",
        &alice.token,
        json!({"old_password": "not-my-password", "new_password": "brand-new-pass"}),
    );
    expect_error(&res, 403, "原密码错误");
    // Nothing changed: the token and the old password still work.
    app.get("/api/auth/me", &alice.token).expect(200, "success");
    login(&app, "alice", PASSWORD).expect(200, "登录成功");
    expect_error(
        &login(&app, "alice", "brand-new-pass"),
        401,
        "用户名或密码错误",
    );
}

#[test]
fn change_password_to_an_invalid_password_is_400() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let too_long = "x".repeat(129);
    for new in ["", "short", "1234567", too_long.as_str()] {
        let res = app.put(
            "/api/auth/me/password",
            &alice.token,
            json!({"old_password": PASSWORD, "new_password": new}),
        );
        assert_eq!(
            res.status,
            400,
            "new password of {} chars → {}",
            new.len(),
            res.body
        );
        expect_bad_request(&res);
    }
    // The new password is checked before the old one.
    let res = app.put(
        "/api/auth/me/password",
        &alice.token,
        json!({"old_password": "wrong-old-pass", "new_password": "short"}),
    );
    expect_bad_request(&res);
    // Missing fields.
    for body in [
        json!({}),
        json!({"old_password": PASSWORD}),
        json!({"new_password": "brand-new-pass"}),
    ] {
        let res = app.put("/api/auth/me/password", &alice.token, body.clone());
        assert_eq!(res.status, 400, "{body} → {}", res.body);
        expect_bad_request(&res);
    }
    // Nothing changed.
    app.get("/api/auth/me", &alice.token).expect(200, "success");
    login(&app, "alice", PASSWORD).expect(200, "登录成功");
}

#[test]
fn change_password_twice_in_a_row_works_with_the_returned_tokens() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let first = app.put(
        "/api/auth/me/password",
        &alice.token,
        json!({"old_password": PASSWORD, "new_password": "second-pass"}),
    );
    first.expect(200, "密码已修改");
    let token = first.data()["token"].as_str().unwrap().to_string();
    let second = app.put(
        "/api/auth/me/password",
        &token,
        json!({"old_password": "second-pass", "new_password": "third-pass"}),
    );
    second.expect(200, "密码已修改");
    expect_error(&app.get("/api/auth/me", &token), 401, "未授权");
    app.get("/api/auth/me", second.data()["token"].as_str().unwrap())
        .expect(200, "success");
    login(&app, "alice", "third-pass").expect(200, "登录成功");
}

// ---------------------------------------------------------------------------------------
// POST /api/auth/logout
// ---------------------------------------------------------------------------------------

#[test]
fn logout_revokes_only_the_token_used() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let phone = login(&app, "alice", PASSWORD).data()["token"]
        .as_str()
        .unwrap()
        .to_string();

    let res = app.call(Method::Post, "/api/auth/logout", Some(&alice.token), None);
    res.expect(200, "已退出");
    assert!(
        res.data().is_null(),
        "logout data should be null: {}",
        res.body
    );

    expect_error(&app.get("/api/auth/me", &alice.token), 401, "未授权");
    expect_error(
        &app.call(Method::Post, "/api/auth/logout", Some(&alice.token), None),
        401,
        "未授权",
    );
    expect_error(
        &app.patch("/api/auth/me", &alice.token, json!({"display_name": "x"})),
        401,
        "未授权",
    );
    // Another session of the same user still works.
    let me = app.get("/api/auth/me", &phone);
    me.expect(200, "success");
    assert_eq!(me.data()["user_id"], json!(alice.id));
    // And logging in again works.
    login(&app, "alice", PASSWORD).expect(200, "登录成功");
}

#[test]
fn logout_with_a_body_is_still_200() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let res = app.post("/api/auth/logout", &alice.token, json!({}));
    res.expect(200, "已退出");
    expect_error(&app.get("/api/auth/me", &alice.token), 401, "未授权");
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
            keys(&hit),
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
        let res = app.get(path, &me.token);
        assert_eq!(res.status, 400, "{path} → {}", res.body);
        expect_bad_request(&res);
    }
    // Over 64 characters.
    let res = search(&app, &me, &"a".repeat(65));
    expect_bad_request(&res);
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
    let res = app.call(Method::Get, "/api/auth/users?q=some", None, None);
    expect_error(&res, 401, "未授权");
}
