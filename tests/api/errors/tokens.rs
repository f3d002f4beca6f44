//! Tokens: missing, malformed, expired, tampered and revoked.

use super::*;

#[test]
fn every_auth_route_without_token_is_401() {
    let app = TestApp::spawn();
    app.user("alice");
    assert_every_auth_route_is_401(&app, None);
}

#[test]
fn every_auth_route_with_a_malformed_authorization_header_is_401() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let headers = [
        "Token x".to_string(),
        format!("Token {}", alice.token),
        "Bearer".to_string(),
        "Bearer ".to_string(),
        "Bearer    ".to_string(),
        "Bearer x".to_string(),
        "Bearer a.b.c".to_string(),
        "Basic YWxpY2U6cGFzc3dvcmQxMjM=".to_string(),
        alice.token.clone(),
        format!("Bearer {}x", alice.token),
        format!("Bearer {}.", alice.token),
        format!("Bearer {} {}", alice.token, alice.token),
        String::new(),
    ];
    for header in &headers {
        assert_every_auth_route_is_401(&app, Some(header));
    }
    // Control: the well-formed header works.
    app.raw_with_authorization(
        Method::Get,
        "/api/auth/me",
        Some(&format!("Bearer {}", alice.token)),
        None,
    )
    .expect(200, "success");
}

#[test]
fn every_auth_route_with_a_tampered_token_is_401() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let bob = app.user("bob");

    // A changed signature.
    let flipped = flip_signature_char(&alice.token);
    assert_ne!(flipped, alice.token);
    assert_every_auth_route_is_401(&app, Some(&format!("Bearer {flipped}")));

    // A changed payload (bob's claims) under alice's signature.
    let (alice_head, alice_sig) = alice.token.rsplit_once('.').unwrap();
    let (bob_head, _) = bob.token.rsplit_once('.').unwrap();
    let (header, _) = alice_head.split_once('.').unwrap();
    let (_, bob_payload) = bob_head.split_once('.').unwrap();
    let spliced = format!("{header}.{bob_payload}.{alice_sig}");
    assert_every_auth_route_is_401(&app, Some(&format!("Bearer {spliced}")));

    // A hand-written payload (another user, far future) under alice's signature.
    let forged = base64url(
        json!({"sub": bob.id, "gen": 0, "jti": "x", "iat": now(), "exp": now() + 999_999})
            .to_string()
            .as_bytes(),
    );
    let forged = format!("{header}.{forged}.{alice_sig}");
    assert_every_auth_route_is_401(&app, Some(&format!("Bearer {forged}")));

    // A token with no signature.
    assert_every_auth_route_is_401(&app, Some(&format!("Bearer {alice_head}.")));
    assert_every_auth_route_is_401(&app, Some(&format!("Bearer {alice_head}")));

    // The untouched tokens still work.
    app.me(&alice.token);
    app.me(&bob.token);
}

#[test]
fn crafted_token_signed_with_the_right_secret_works() {
    // Control for the crafted-token tests below: the claims are the ones chatd issues.
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let token = jwt(JWT_SECRET, &claims_for(&alice.id));
    assert_eq!(app.me(&token)["user_id"], json!(alice.id));
}

#[test]
fn every_auth_route_with_a_token_signed_by_another_secret_is_401() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let token = jwt(
        "another-secret-another-secret-another!",
        &claims_for(&alice.id),
    );
    assert_every_auth_route_is_401(&app, Some(&format!("Bearer {token}")));
    // Even a one-character difference in the secret.
    let almost = format!("{}?", &JWT_SECRET[..JWT_SECRET.len() - 1]);
    assert_ne!(almost, JWT_SECRET);
    let token = jwt(&almost, &claims_for(&alice.id));
    assert_every_auth_route_is_401(&app, Some(&format!("Bearer {token}")));
}

#[test]
fn every_auth_route_with_an_expired_token_is_401() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    for exp in [now() - 1, now() - 3600, 1] {
        let claims = json!({"sub": alice.id, "gen": 0, "jti": "x", "iat": exp - 60, "exp": exp});
        let token = jwt(JWT_SECRET, &claims);
        assert_every_auth_route_is_401(&app, Some(&format!("Bearer {token}")));
    }
}

#[test]
fn token_expires_after_token_ttl_secs() {
    let app = TestApp::spawn_with(&[("token_ttl_secs", json!(1))]);
    let alice = app.user("alice");
    app.me(&alice.token);
    app.advance(std::time::Duration::from_millis(2100));
    assert_every_auth_route_is_401(&app, Some(&format!("Bearer {}", alice.token)));
}

#[test]
fn every_auth_route_with_a_token_for_an_unknown_user_is_401() {
    let app = TestApp::spawn();
    app.user("alice");
    for sub in [
        "u_999",
        "u_0",
        "u_abc",
        "abc",
        "c_1",
        "",
        "u_99999999999999999999",
    ] {
        let token = jwt(JWT_SECRET, &claims_for(sub));
        assert_every_auth_route_is_401(&app, Some(&format!("Bearer {token}")));
    }
}

#[test]
fn token_with_missing_or_wrong_claims_is_401() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let exp = now() + 3600;
    for claims in [
        json!({"sub": alice.id, "gen": 0, "jti": "x", "iat": now()}),
        json!({"gen": 0, "jti": "x", "iat": now(), "exp": exp}),
        json!({"sub": alice.id, "gen": 1, "jti": "x", "iat": now(), "exp": exp}),
        json!({"sub": alice.id, "gen": -1, "jti": "x", "iat": now(), "exp": exp}),
        json!({"sub": 1, "gen": 0, "jti": "x", "iat": now(), "exp": exp}),
        json!({"sub": alice.id, "gen": 0, "jti": "x", "iat": now(), "exp": "tomorrow"}),
    ] {
        app.get("/api/auth/me", &jwt(JWT_SECRET, &claims))
            .status_for(401, format!("claims {claims}"))
            .expect_error(401, "未授权");
    }
}

#[test]
fn alg_none_token_is_401() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let payload = base64url(claims_for(&alice.id).to_string().as_bytes());
    for header in [
        json!({"alg": "none", "typ": "JWT"}),
        json!({"alg": "None", "typ": "JWT"}),
        json!({"alg": "NONE"}),
    ] {
        let header = base64url(header.to_string().as_bytes());
        for token in [
            format!("{header}.{payload}."),
            format!("{header}.{payload}"),
        ] {
            assert_every_auth_route_is_401(&app, Some(&format!("Bearer {token}")));
        }
    }
    // alg HS512 with the right secret is not what chatd issues either.
    let token = encode(
        &JwtHeader::new(Algorithm::HS512),
        &claims_for(&alice.id),
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap();
    app.get("/api/auth/me", &token).expect_error(401, "未授权");
}

#[test]
fn revoked_token_is_401_on_every_auth_route() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    app.call(Method::Post, "/api/auth/logout", Some(&alice.token), None)
        .expect(200, "已退出");
    assert_every_auth_route_is_401(&app, Some(&format!("Bearer {}", alice.token)));
}

#[test]
fn public_routes_ignore_a_bad_token() {
    let app = TestApp::spawn();
    app.user("alice");
    let res = app.call(Method::Get, "/api/health", Some("garbage"), None);
    res.expect(200, "success");
    let res = app.call(
        Method::Post,
        "/api/login",
        Some("garbage"),
        Some(json!({"username": "alice", "password": PASSWORD})),
    );
    res.expect(200, "登录成功");
}
