//! `POST /api/auth/files`: streamed to disk, kept once per content, refused whole.

use rocket::http::{ContentType, Header};
use serde_json::json;

use super::*;
use crate::helpers::{dispatch, multipart};

#[test]
fn an_upload_answers_its_shape_and_is_stored_once_per_content() {
    let app = TestApp::spawn();
    let (a, b, _) = pair(&app);
    let data = uploaded(&app, &a, "购物清单.txt", b"milk, eggs, rice");
    let id = data["file_id"].as_str().unwrap();
    assert!(id.starts_with("f_"), "{data}");
    assert_eq!(data["name"], "购物清单.txt");
    assert_eq!(data["size"], 16);
    assert_eq!(data["width"], Value::Null);
    assert_eq!(data["thumbnail_url"], Value::Null);
    let url = data["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("/api/files/{id}?")), "{url}");
    assert!(!url.contains(&a.token), "no token in a URL");

    // The same bytes again, from someone else: a new upload, the same stored content.
    let again = uploaded(&app, &b, "list.txt", b"milk, eggs, rice");
    assert_ne!(again["file_id"], data["file_id"]);
    let (kept, temporary) = media_files(&app);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(std::fs::read(&kept[0]).unwrap(), b"milk, eggs, rice");
    assert!(temporary.is_empty(), "{temporary:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM files"), 2);
}

#[test]
fn a_file_over_the_limit_is_413_and_leaves_nothing() {
    let app = TestApp::spawn_with(&[("max_upload_bytes", json!(1000))]);
    let (a, _, _) = pair(&app);
    let res = app.upload(&a.token, "big.bin", &vec![7u8; 1001]);
    res.expect(413, "文件过大");
    uploaded(&app, &a, "fits.bin", &vec![7u8; 1000]);
    let (kept, temporary) = media_files(&app);
    assert_eq!(kept.len(), 1, "only the one that fits: {kept:?}");
    assert!(temporary.is_empty(), "{temporary:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM files"), 1);
}

#[test]
fn bad_uploads_are_400_and_leave_nothing() {
    let app = TestApp::spawn();
    let (a, _, _) = pair(&app);
    let auth = Header::new("Authorization", format!("Bearer {}", a.token));
    let send = |content_type: ContentType, body: Vec<u8>| {
        dispatch(
            app.client
                .post("/api/auth/files")
                .header(auth.clone())
                .header(content_type)
                .body(body),
        )
    };
    // Not multipart at all.
    send(ContentType::JSON, b"{\"file\": 1}".to_vec()).expect_prefix(400, "参数错误");
    // Multipart without a `file` part.
    let (t, body) = multipart("photo", "x.jpg", b"bytes");
    send(t, body).expect_prefix(400, "参数错误");
    // An empty file.
    let (t, body) = multipart("file", "empty.txt", b"");
    send(t, body).expect_prefix(400, "参数错误");
    // Truncated: the closing boundary never comes.
    let (t, mut body) = multipart("file", "cut.bin", &[1u8; 5000]);
    body.truncate(body.len() - 30);
    send(t, body).expect_prefix(400, "参数错误");
    // A boundary that is not in the body.
    let (_, body) = multipart("file", "x.bin", b"abc");
    let other = ContentType::new("multipart", "form-data").with_params(("boundary", "nope"));
    send(other, body).expect_prefix(400, "参数错误");

    assert_nothing_stored(&app);
}

#[test]
fn an_upload_without_a_token_is_401() {
    let app = TestApp::spawn();
    let (t, body) = multipart("file", "x.txt", b"abc");
    let res = dispatch(app.client.post("/api/auth/files").header(t).body(body));
    res.expect(401, "未授权");
}

#[test]
fn a_name_is_kept_without_its_path() {
    let app = TestApp::spawn();
    let (a, _, _) = pair(&app);
    let data = uploaded(&app, &a, "../../etc/passwd", b"root:x:0:0");
    assert_eq!(data["name"], "passwd");
}
