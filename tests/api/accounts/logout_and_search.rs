//! Logout (`POST /api/auth/logout`) and user search (`GET /api/auth/users?q=`).

use super::*;

#[test]
fn logout_revokes_only_the_token_used() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let phone = app.try_login("alice", PASSWORD).data_str("token");

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
    app.try_login("alice", PASSWORD).expect(200, "登录成功");
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
            [
                "avatar_url",
                "display_name",
                "is_friend",
                "user_id",
                "username"
            ]
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
