//! Image, file and voice messages: what may be sent, and how they show everywhere.

use rocket::http::Method::Post;
use serde_json::json;

use super::*;

fn send(app: &TestApp, who: &User, body: Value) -> crate::helpers::Resp {
    app.call(Post, "/api/auth/messages", Some(&who.token), Some(body))
}

#[test]
fn a_file_message_shows_its_attachment_and_preview_to_each_viewer() {
    let app = TestApp::spawn();
    let (a, b, chat) = pair(&app);
    let file = uploaded(&app, &a, "报名表.pdf", b"%PDF-1.4 not really");
    let res = send(
        &app,
        &a,
        json!({"conversation_id": chat, "type": "file", "file_id": file["file_id"]}),
    );
    res.expect(201, "消息已发送");

    let seen_by_b = app.messages(&b, &chat);
    let m = seen_by_b.last().unwrap();
    assert_eq!(m["type"], "file");
    assert_eq!(m["content"], "");
    let att = &m["attachment"];
    assert_eq!(att["file_id"], file["file_id"]);
    assert_eq!(att["name"], "报名表.pdf");
    assert_eq!(att["size"], file["size"]);
    assert_eq!(att["duration_ms"], Value::Null);
    // Each viewer gets a URL of their own.
    let mine = app.messages(&a, &chat).last().unwrap()["attachment"]["url"].clone();
    assert_ne!(att["url"], mine);
    assert_eq!(
        app.expect_entry(&b, &chat)["last_message_preview"],
        "[文件] 报名表.pdf"
    );

    // Text messages say so, with no attachment.
    app.send(&b, &chat, "收到");
    let text = app.messages(&a, &chat).last().unwrap().clone();
    assert_eq!(text["type"], "text");
    assert_eq!(text["attachment"], Value::Null);
}

#[test]
fn only_ones_own_upload_of_the_right_kind_can_be_sent() {
    let app = TestApp::spawn();
    let (a, b, chat) = pair(&app);
    let theirs = uploaded(&app, &b, "b.txt", b"bob's");
    let mine = uploaded(&app, &a, "a.txt", b"alice's");
    let try_send = |body: Value| send(&app, &a, body);
    let refused = [
        json!({"conversation_id": chat, "type": "file", "file_id": theirs["file_id"]}),
        json!({"conversation_id": chat, "type": "file", "file_id": "f_999"}),
        json!({"conversation_id": chat, "type": "file", "file_id": "nonsense"}),
        json!({"conversation_id": chat, "type": "file"}),
        json!({"conversation_id": chat, "type": "image", "file_id": mine["file_id"]}),
        json!({"conversation_id": chat, "type": "voice", "file_id": mine["file_id"], "duration_ms": 1200}),
    ];
    for body in refused {
        try_send(body.clone()).expect_prefix(400, "发送失败");
    }
    for duration in [json!(0), json!(60_001), json!(3_600_000), Value::Null] {
        let body = json!({"conversation_id": chat, "type": "voice", "file_id": mine["file_id"], "duration_ms": duration});
        try_send(body).expect_prefix(400, "发送失败");
    }
    try_send(json!({"conversation_id": chat, "type": "sticker", "file_id": mine["file_id"]}))
        .expect_prefix(400, "参数错误");
    try_send(json!({"conversation_id": chat, "type": "text"})).expect_prefix(400, "参数错误");
    assert!(app.messages(&b, &chat).is_empty(), "nothing was sent");
}

#[test]
fn a_recalled_file_message_has_no_attachment_any_more() {
    let app = TestApp::spawn();
    let (a, b, chat) = pair(&app);
    let file = uploaded(&app, &a, "x.txt", b"soon gone");
    let res = send(
        &app,
        &a,
        json!({"conversation_id": chat, "type": "file", "file_id": file["file_id"]}),
    );
    let id = res.data_str("message_id");
    app.recall(&a, &id).expect(200, "消息已撤回");
    let shown = app.messages(&b, &chat);
    let recalled = shown.iter().find(|m| m["id"] == json!(id));
    assert!(
        recalled.is_none_or(|m| m["attachment"].is_null()),
        "{shown:?}"
    );
}

/// A fixture under `tests/fixtures/` (see its README for where each comes from).
fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn voice_notes_as_browsers_record_them_are_sent_shown_and_seekable() {
    let app = TestApp::spawn();
    let (a, b, chat) = pair(&app);
    for (name, mime) in [
        ("voice-opus.webm", "video/webm"),
        ("voice-aac.mp4", "video/mp4"),
        ("voice-aac.m4a", "audio/mp4"),
    ] {
        let bytes = fixture(name);
        let file = uploaded(&app, &a, name, &bytes);
        assert_eq!(file["mime"], mime, "{name}: the type comes from the bytes");
        assert_eq!(file["thumbnail_url"], Value::Null, "{name}");
        let body = json!({"conversation_id": chat, "type": "voice",
                          "file_id": file["file_id"], "duration_ms": 1500});
        send(&app, &a, body).expect(201, "消息已发送");

        let shown = app.messages(&b, &chat);
        let m = shown.last().unwrap();
        assert_eq!(m["type"], "voice", "{name}");
        assert_eq!(m["attachment"]["duration_ms"], 1500, "{name}");
        assert_eq!(m["attachment"]["mime"], mime, "{name}");
        assert_eq!(
            app.expect_entry(&b, &chat)["last_message_preview"],
            "[语音] 2\""
        );
        // Plays in the page (inline) and seeks (Safari's probe first).
        let url = m["attachment"]["url"].as_str().unwrap().to_string();
        let whole = app.client.get(url.clone()).dispatch();
        assert_eq!(
            whole.headers().get_one("Content-Disposition"),
            Some("inline")
        );
        assert_eq!(
            whole.content_type().map(|t| t.to_string()),
            Some(mime.to_string())
        );
        assert_eq!(whole.into_bytes().unwrap(), bytes, "{name}");
        let probe = app
            .client
            .get(url)
            .header(rocket::http::Header::new("Range", "bytes=0-1"))
            .dispatch();
        assert_eq!(probe.status(), rocket::http::Status::PartialContent);
        assert_eq!(probe.into_bytes().unwrap(), bytes[..2], "{name}");
    }
}
