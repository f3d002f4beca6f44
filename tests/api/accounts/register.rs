//! Sign-up (`POST /api/register`).

use super::*;

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
        [
            "avatar_url",
            "display_name",
            "expires_at",
            "token",
            "user_id",
            "username"
        ]
    );
    let id = data["user_id"].as_str().unwrap();
    assert!(id.starts_with("u_") && id.len() > 2, "user id {id:?}");
    assert_eq!(data["username"], "li_si_2");
    assert_eq!(data["display_name"], "李四");
    assert_eq!(data["avatar_url"], Value::Null);
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
    app.try_login("cjk_pass", "密码密码密码密码")
        .expect(200, "登录成功");
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
    let res = app.try_login("zhangsan", "password123");
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
    app.try_login("newcomer", "password123")
        .expect_error(401, WRONG_CREDENTIALS);
    // The rest of the public API still answers.
    app.call(Method::Get, "/api/health", None, None)
        .expect(200, "success");
}
