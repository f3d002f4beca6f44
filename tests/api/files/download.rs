//! Downloads: signed per-viewer URLs or the header route, the access rule on every request,
//! headers that never let an upload run, ranges and revalidation.

use std::time::Duration;

use rocket::http::{Header, Status};
use rocket::local::blocking::LocalResponse;
use serde_json::json;

use super::*;

fn get<'c>(app: &'c TestApp, url: &str, headers: &[(&'static str, String)]) -> LocalResponse<'c> {
    let mut req = app.client.get(url.to_string());
    for (name, value) in headers {
        req = req.header(Header::new(*name, value.clone()));
    }
    req.dispatch()
}

/// `who` sends `file` into `chat` as a file message; the URL `viewer` then sees.
fn shared(app: &TestApp, who: &User, chat: &str, file: &Value, viewer: &User) -> String {
    let body = json!({"conversation_id": chat, "type": "file", "file_id": file["file_id"]});
    app.call(
        rocket::http::Method::Post,
        "/api/auth/messages",
        Some(&who.token),
        Some(body),
    )
    .expect(201, "消息已发送");
    let shown = app.messages(viewer, chat);
    shown.last().unwrap()["attachment"]["url"]
        .as_str()
        .unwrap()
        .to_string()
}

#[track_caller]
fn not_found(res: LocalResponse<'_>) {
    assert_eq!(res.status(), Status::NotFound);
    let body: Value = serde_json::from_str(&res.into_string().unwrap()).unwrap();
    assert_eq!(body["message"], "文件不存在");
}

#[test]
fn a_signed_url_serves_the_bytes_with_headers_that_never_run_them() {
    let app = TestApp::spawn();
    let (a, b, chat) = pair(&app);
    let page = b"<html><script>alert(1)</script></html>";
    let file = uploaded(&app, &a, "photo.jpg", page);
    let url = shared(&app, &a, &chat, &file, &b);
    let res = get(&app, &url, &[]);
    assert_eq!(res.status(), Status::Ok);
    let h = res.headers();
    assert_eq!(h.get_one("X-Content-Type-Options"), Some("nosniff"));
    assert_eq!(
        h.get_one("Content-Security-Policy"),
        Some("sandbox; default-src 'none'")
    );
    assert_eq!(h.get_one("Cache-Control"), Some("private"));
    let disposition = h.get_one("Content-Disposition").unwrap().to_string();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''photo.jpg"),
        "{disposition}"
    );
    let etag = h.get_one("ETag").unwrap().to_string();
    assert_eq!(res.into_bytes().unwrap(), page);

    let again = get(&app, &url, &[("If-None-Match", etag)]);
    assert_eq!(again.status(), Status::NotModified);
}

#[test]
fn ranges_as_safari_and_players_ask_for_them() {
    let app = TestApp::spawn();
    let (a, _, _) = pair(&app);
    let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let file = uploaded(&app, &a, "voice.bin", &bytes);
    let url = file["url"].as_str().unwrap();
    let probe = get(&app, url, &[("Range", "bytes=0-1".into())]);
    assert_eq!(probe.status(), Status::PartialContent);
    assert_eq!(
        probe.headers().get_one("Content-Range"),
        Some("bytes 0-1/10000")
    );
    assert_eq!(probe.into_bytes().unwrap(), &bytes[..2]);
    let tail = get(&app, url, &[("Range", "bytes=9990-".into())]);
    assert_eq!(tail.into_bytes().unwrap(), &bytes[9990..]);
    let past = get(&app, url, &[("Range", "bytes=999999999-".into())]);
    assert_eq!(past.status(), Status::RangeNotSatisfiable);
    assert_eq!(
        past.headers().get_one("Content-Range"),
        Some("bytes */10000")
    );
    let several = get(&app, url, &[("Range", "bytes=0-1,5-6".into())]);
    assert_eq!(several.status(), Status::Ok);
    assert_eq!(several.into_bytes().unwrap(), bytes);
}

#[test]
fn who_may_fetch_is_checked_on_every_request() {
    let app = TestApp::spawn();
    let (a, b, _) = pair(&app);
    let c = app.user_named("wangwu", "王五");
    app.befriend(&a, &c);
    let group = app.group(&a, "家", &[&b, &c]);
    let file = uploaded(&app, &a, "note.txt", b"family only");
    let b_url = shared(&app, &a, &group, &file, &b);
    let c_url = app.messages(&c, &group).last().unwrap()["attachment"]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(get(&app, &b_url, &[]).status(), Status::Ok);

    // A stranger, by header: not found; a forged or shortened signature: not found.
    let d = app.user_named("zhaoliu", "赵六");
    let id = file["file_id"].as_str().unwrap();
    let bearer = |u: &User| ("Authorization", format!("Bearer {}", u.token));
    not_found(get(&app, &format!("/api/files/{id}"), &[bearer(&d)]));
    not_found(get(&app, &format!("/api/files/{id}"), &[]));
    assert_eq!(
        get(&app, &format!("/api/files/{id}"), &[bearer(&b)]).status(),
        Status::Ok
    );
    let forged = b_url.replace(&b.id, &d.id);
    not_found(get(&app, &forged, &[]));
    not_found(get(&app, &b_url[..b_url.len() - 2], &[]));
    not_found(get(
        &app,
        &format!("/api/files/f_999?{}", b_url.split('?').nth(1).unwrap()),
        &[],
    ));

    // Deleted for oneself: gone for that viewer only. Left the group: gone.
    let message = app.messages(&b, &group).last().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.delete_for_me(&b, &message).expect(200, "已删除");
    not_found(get(&app, &b_url, &[]));
    assert_eq!(get(&app, &c_url, &[]).status(), Status::Ok);
    app.remove(&c, &group, &c.id).expect(200, "已退出群聊");
    not_found(get(&app, &c_url, &[]));
    // The uploader always may.
    assert_eq!(
        get(&app, file["url"].as_str().unwrap(), &[]).status(),
        Status::Ok
    );
}

#[test]
fn a_url_expires() {
    let app = TestApp::spawn_with(&[("file_url_ttl_secs", json!(60))]);
    let (a, _, _) = pair(&app);
    let file = uploaded(&app, &a, "x.txt", b"for a minute");
    let url = file["url"].as_str().unwrap().to_string();
    assert_eq!(get(&app, &url, &[]).status(), Status::Ok);
    app.advance(Duration::from_secs(61));
    not_found(get(&app, &url, &[]));
    // A fresh answer carries a fresh URL.
    let fresh = uploaded(&app, &a, "x.txt", b"for a minute");
    assert_eq!(
        get(&app, fresh["url"].as_str().unwrap(), &[]).status(),
        Status::Ok
    );
}

#[test]
fn recalling_erases_the_file_from_disk_and_every_url_stops() {
    let app = TestApp::spawn();
    let (a, b, chat) = pair(&app);
    let file = uploaded(&app, &a, "secret.txt", b"RECALL-ME-7f2c");
    let b_url = shared(&app, &a, &chat, &file, &b);
    let message = app.messages(&b, &chat).last().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(media_files(&app).0.len(), 1);

    app.recall(&a, &message).expect(200, "消息已撤回");
    not_found(get(&app, &b_url, &[]));
    not_found(get(&app, file["url"].as_str().unwrap(), &[]));
    assert_nothing_stored(&app);
}

#[test]
fn recalling_keeps_a_content_another_upload_still_uses() {
    let app = TestApp::spawn();
    let (a, b, chat) = pair(&app);
    let mine = uploaded(&app, &a, "a.txt", b"same bytes");
    let theirs = uploaded(&app, &b, "b.txt", b"same bytes");
    shared(&app, &a, &chat, &mine, &b);
    let message = app.messages(&b, &chat).last().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.recall(&a, &message).expect(200, "消息已撤回");
    let res = get(&app, theirs["url"].as_str().unwrap(), &[]);
    assert_eq!(res.into_bytes().unwrap(), b"same bytes");
}

#[test]
fn uploads_nothing_refers_to_are_swept() {
    let app = TestApp::spawn_with(&[
        ("upload_orphan_secs", json!(60)),
        ("media_sweep_secs", json!(1)),
    ]);
    let (a, b, chat) = pair(&app);
    let used = uploaded(&app, &a, "used.txt", b"sent");
    let orphan = uploaded(&app, &a, "orphan.txt", b"never sent");
    shared(&app, &a, &chat, &used, &b);
    app.advance(Duration::from_secs(61));
    let swept = crate::server::wait_until(Duration::from_secs(10), || {
        app.count("SELECT COUNT(*) FROM files") == 1
    });
    assert!(swept, "the orphan is swept within a few seconds");
    not_found(get(&app, orphan["url"].as_str().unwrap(), &[]));
    assert_eq!(media_files(&app).0.len(), 1, "its content is gone too");
    assert_eq!(
        get(&app, used["url"].as_str().unwrap(), &[]).status(),
        Status::Ok
    );
}
