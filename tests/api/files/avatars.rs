//! Avatars: a user's and a group's picture, where `avatar_url` shows, who may fetch it, what
//! may become one, and that a replaced avatar is erased while one in use is never swept.

use std::time::Duration;

use rocket::http::Method::{Delete, Get, Put};
use rocket::http::Status;
use serde_json::json;

use super::*;
use crate::helpers::{png, sorted_keys, PASSWORD};

fn set_mine(app: &TestApp, who: &User, file_id: &Value) -> crate::helpers::Resp {
    app.call(
        Put,
        "/api/auth/me/avatar",
        Some(&who.token),
        Some(json!({ "file_id": file_id })),
    )
}

fn set_group(app: &TestApp, who: &User, group: &str, file_id: &Value) -> crate::helpers::Resp {
    app.call(
        Put,
        &format!("/api/auth/conversations/{group}/avatar"),
        Some(&who.token),
        Some(json!({ "file_id": file_id })),
    )
}

/// The bytes at `url`, which must answer 200.
#[track_caller]
fn fetched(app: &TestApp, url: &Value) -> Vec<u8> {
    let res = app.client.get(url.as_str().unwrap().to_string()).dispatch();
    assert_eq!(res.status(), Status::Ok, "{url}");
    res.into_bytes().unwrap()
}

#[track_caller]
fn gone(app: &TestApp, url: &Value) {
    let res = app.client.get(url.as_str().unwrap().to_string()).dispatch();
    assert_eq!(res.status(), Status::NotFound, "{url}");
}

/// The dimensions of a served image.
fn size_of(bytes: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory(bytes).expect("a decodable image");
    (img.width(), img.height())
}

#[test]
fn a_users_avatar_shows_everywhere_they_do_and_any_logged_in_user_may_fetch_it() {
    let app = TestApp::spawn();
    let (a, b, chat) = pair(&app);
    let group = app.group(&b, "家", &[&a]);
    let stranger = app.user_named("wangwu", "王五");
    assert_eq!(app.me(&a.token)["avatar_url"], Value::Null, "none at first");

    let pic = uploaded(&app, &a, "me.png", &png(900, 600));
    let res = set_mine(&app, &a, &pic["file_id"]);
    res.expect(200, "头像已修改");
    let profile = res.data().clone();
    assert_eq!(
        sorted_keys(&profile),
        [
            "avatar_url",
            "created_at",
            "display_name",
            "user_id",
            "username"
        ]
    );
    assert_eq!(profile, app.me(&a.token));
    // The avatar is the thumbnail: at most 400×400, keeping the aspect ratio.
    assert!(profile["avatar_url"]
        .as_str()
        .unwrap()
        .contains("/thumbnail?"));
    assert_eq!(size_of(&fetched(&app, &profile["avatar_url"])), (400, 267));

    // Everyone who sees alice sees it, each with a URL of their own that works.
    let login = app.try_login("lisi", PASSWORD);
    let friends = app.list_at("/api/auth/friends", &b);
    let members = app.list_at(&format!("/api/auth/conversations/{group}/members"), &b);
    let member = members
        .iter()
        .find(|m| m["user_id"] == json!(a.id))
        .unwrap();
    let found = app.list_at("/api/auth/users?q=lisi", &stranger);
    let shown_to = [
        ("login", &login.data()["user"]["avatar_url"]),
        ("friends", &friends[0]["avatar_url"]),
        ("members", &member["avatar_url"]),
        (
            "the private chat's list item",
            &app.expect_entry(&b, &chat)["avatar_url"],
        ),
        ("search, to a stranger", &found[0]["avatar_url"]),
    ];
    for (place, url) in shown_to {
        assert!(url.is_string(), "{place}: {url}");
        assert_eq!(
            fetched(&app, url),
            fetched(&app, &profile["avatar_url"]),
            "{place}"
        );
    }
    assert_ne!(
        friends[0]["avatar_url"], profile["avatar_url"],
        "per viewer"
    );
    // Without an avatar: null, in the same places.
    assert_eq!(app.expect_entry(&a, &chat)["avatar_url"], Value::Null);
    assert_eq!(
        app.list_at("/api/auth/friends", &a)[0]["avatar_url"],
        Value::Null
    );
    // A request shows the sender's avatar to the recipient.
    let request = app.friend_request(&a, &stranger.id);
    request.expect(201, "好友请求已发送");
    let pending = app.get("/api/auth/friends/requests", &stranger.token);
    assert!(pending.data()["incoming"][0]["avatar_url"].is_string());
}

#[test]
fn only_ones_own_image_can_become_an_avatar() {
    let app = TestApp::spawn();
    let (a, b, _) = pair(&app);
    let theirs = uploaded(&app, &b, "b.png", &png(20, 20));
    let text = uploaded(&app, &a, "a.txt", b"not a picture");
    for bad in [
        json!(theirs["file_id"]),
        json!(text["file_id"]),
        json!("f_999"),
        json!("nonsense"),
        json!(12),
    ] {
        set_mine(&app, &a, &bad).expect_bad_request();
    }
    for body in [json!({}), json!([]), json!({"file_id": null})] {
        app.put("/api/auth/me/avatar", &a.token, body)
            .expect_bad_request();
    }
    app.expect_unauthorized(
        None,
        &[
            (Put, "/api/auth/me/avatar", Some(json!({"file_id": "f_1"}))),
            (Delete, "/api/auth/me/avatar", None),
        ],
    );
    assert_eq!(
        app.me(&a.token)["avatar_url"],
        Value::Null,
        "nothing changed"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE avatar_file_id IS NOT NULL"),
        0
    );
}

#[test]
fn a_replaced_or_removed_avatar_is_erased_and_one_in_use_is_never_swept() {
    let app = TestApp::spawn_with(&[
        ("upload_orphan_secs", json!(60)),
        ("media_sweep_secs", json!(1)),
    ]);
    let (a, b, _) = pair(&app);
    let first = uploaded(&app, &a, "1.png", &png(30, 30));
    let old_url = set_mine(&app, &a, &first["file_id"]).data()["avatar_url"].clone();
    let second = uploaded(&app, &a, "2.png", &png(40, 40));
    let new_url = set_mine(&app, &a, &second["file_id"]).data()["avatar_url"].clone();
    gone(&app, &old_url);
    gone(&app, &first["url"]);
    assert_eq!(size_of(&fetched(&app, &new_url)), (40, 40));
    assert_eq!(
        media_files(&app).0.len(),
        2,
        "the second's original and thumbnail"
    );

    // An avatar is not an orphan, however old.
    app.advance(Duration::from_secs(120));
    let other = uploaded(&app, &b, "orphan.png", &png(10, 10));
    app.advance(Duration::from_secs(120));
    let swept = crate::server::wait_until(Duration::from_secs(10), || {
        app.count("SELECT COUNT(*) FROM files") == 1
    });
    assert!(swept, "only the orphan is swept");
    gone(&app, &other["url"]);
    fetched(&app, &new_url);

    let res = app.call(Delete, "/api/auth/me/avatar", Some(&a.token), None);
    res.expect(200, "头像已删除");
    assert_eq!(res.data()["avatar_url"], Value::Null);
    gone(&app, &new_url);
    assert!(media_files(&app).0.is_empty(), "nothing left on disk");
    // Removing it again is harmless.
    app.call(Delete, "/api/auth/me/avatar", Some(&a.token), None)
        .expect(200, "头像已删除");
}

#[test]
fn an_avatar_that_is_also_a_message_stays_while_the_message_does() {
    let app = TestApp::spawn();
    let (a, b, chat) = pair(&app);
    let pic = uploaded(&app, &a, "p.png", &png(50, 50));
    let body = json!({"conversation_id": chat, "type": "image", "file_id": pic["file_id"]});
    app.post("/api/auth/messages", &a.token, body)
        .expect(201, "消息已发送");
    set_mine(&app, &a, &pic["file_id"]).expect(200, "头像已修改");
    app.call(Delete, "/api/auth/me/avatar", Some(&a.token), None)
        .expect(200, "头像已删除");
    let shown = app.messages(&b, &chat);
    fetched(&app, &shown.last().unwrap()["attachment"]["url"]);
}

#[test]
fn any_member_sets_a_groups_avatar_with_a_system_message() {
    let app = TestApp::spawn();
    let (a, b, chat) = pair(&app);
    let c = app.user_named("wangwu", "王五");
    app.befriend(&a, &c);
    let group = app.group(&a, "家", &[&b]);
    let pic = uploaded(&app, &b, "family.png", &png(800, 800));

    let res = set_group(&app, &b, &group, &pic["file_id"]);
    res.expect(200, "群头像已修改");
    assert_eq!(sorted_keys(res.data()), ["avatar_url"]);
    for viewer in [&a, &b] {
        let item = app.expect_entry(viewer, &group);
        assert_eq!(size_of(&fetched(&app, &item["avatar_url"])), (400, 400));
    }
    let said: Vec<Value> = [&a, &b]
        .iter()
        .map(|v| app.messages(v, &group).last().unwrap()["content"].clone())
        .collect();
    assert_eq!(said, [json!("张三修改了群头像"), json!("你修改了群头像")]);
    assert_eq!(
        app.expect_entry(&a, &group)["last_message_preview"],
        "张三修改了群头像"
    );

    // A private chat has no avatar of its own; a non-member cannot tell the group exists.
    set_group(&app, &b, &chat, &pic["file_id"]).expect_bad_request();
    set_group(&app, &c, &group, &pic["file_id"]).expect(404, "会话不存在");
    set_group(&app, &b, "c_999", &pic["file_id"]).expect(404, "会话不存在");
    // Only one's own image.
    let theirs = uploaded(&app, &a, "a.png", &png(10, 10));
    set_group(&app, &b, &group, &theirs["file_id"]).expect_bad_request();

    // A new one replaces and erases the old.
    let old = app.expect_entry(&a, &group)["avatar_url"].clone();
    let newer = uploaded(&app, &a, "new.png", &png(10, 10));
    set_group(&app, &a, &group, &newer["file_id"]).expect(200, "群头像已修改");
    gone(&app, &old);
    assert_eq!(
        app.call(
            Get,
            &format!("/api/files/{}", pic["file_id"].as_str().unwrap()),
            Some(&b.token),
            None
        )
        .status,
        404
    );
}
