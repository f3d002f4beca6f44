//! Log-in (`POST /api/login`) and `GET /api/health`.

use super::*;

#[test]
fn login_success_returns_token_expiry_and_user() {
    let app = TestApp::spawn();
    let alice = app.user_named("alice", "爱丽丝");
    let before = now();
    let res = app.try_login("alice", PASSWORD);
    res.expect(200, "登录成功");
    let data = res.data();
    assert_eq!(sorted_keys(data), ["expires_at", "token", "user"]);
    assert_eq!(
        sorted_keys(&data["user"]),
        ["avatar_url", "display_name", "user_id", "username"]
    );
    assert_eq!(data["user"]["user_id"], json!(alice.id));
    assert_eq!(data["user"]["username"], "alice");
    assert_eq!(data["user"]["display_name"], "爱丽丝");
    assert_eq!(data["user"]["avatar_url"], Value::Null);
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
        let res = app.try_login(name, PASSWORD);
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
    app.try_login("alice", "wrong-password")
        .expect_error(401, WRONG_CREDENTIALS);
    // The password is case-sensitive.
    app.try_login("alice", &PASSWORD.to_uppercase())
        .expect_error(401, WRONG_CREDENTIALS);
    app.try_login("alice", "")
        .expect_error(401, WRONG_CREDENTIALS);
}

#[test]
fn login_with_unknown_user_is_the_same_401() {
    let app = TestApp::spawn();
    app.user("alice");
    let unknown = app.try_login("nobody", PASSWORD);
    let wrong = app.try_login("alice", "wrong-password");
    unknown.expect_error(401, WRONG_CREDENTIALS);
    assert_eq!(
        unknown.body, wrong.body,
        "the same answer whether the user exists or not"
    );
    // Even an impossible username is just a failed login.
    app.try_login("a-b", PASSWORD)
        .expect_error(401, WRONG_CREDENTIALS);
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
    app.try_login("bystander", PASSWORD).expect(200, "登录成功");
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
        app.try_login("ghost", "whatever-pass")
            .expect_error(401, WRONG_CREDENTIALS);
    }
    assert_throttled(&app, "ghost", "whatever-pass");
}

#[test]
fn login_success_clears_the_failure_count() {
    let app = TestApp::spawn();
    app.user("forgetful");
    for _ in 0..2 {
        fail_logins(&app, "forgetful", 9);
        app.try_login("forgetful", PASSWORD).expect(200, "登录成功");
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
