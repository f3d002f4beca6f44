//! §11: the web client is embedded and served with its content types, validators and a
//! strict Content-Security-Policy; paths outside `/api/` belong to it.

use rocket::http::{ContentType, Header, Status};
use rocket::local::blocking::LocalResponse;

use crate::helpers::TestApp;

/// `GET path`, which must answer 200 with `content_type`.
#[track_caller]
fn get_ok<'c>(app: &'c TestApp, path: &str, content_type: ContentType) -> LocalResponse<'c> {
    let res = app.client.get(path.to_string()).dispatch();
    assert_eq!(res.status(), Status::Ok, "GET {path}");
    assert_eq!(res.content_type(), Some(content_type), "GET {path}");
    res
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

#[test]
fn the_app_is_served_at_the_root_with_a_strict_policy() {
    let app = TestApp::spawn();
    let res = get_ok(&app, "/", ContentType::HTML);
    let headers = res.headers();
    assert_eq!(headers.get_one("Content-Security-Policy"), Some(CSP));
    assert_eq!(headers.get_one("Cache-Control"), Some("no-cache"));
    assert_eq!(headers.get_one("X-Content-Type-Options"), Some("nosniff"));
    let etag = headers.get_one("ETag").expect("an ETag").to_string();
    let html = res.into_string().unwrap();
    assert!(
        html.contains("<script type=\"module\" src=\"/app.js\"></script>"),
        "{html}"
    );

    // Revalidation.
    let res = app
        .client
        .get("/")
        .header(Header::new("If-None-Match", etag))
        .dispatch();
    assert_eq!(res.status(), Status::NotModified);
}

#[test]
fn the_page_has_no_inline_code_and_no_third_party_origin() {
    let app = TestApp::spawn();
    let html = app.client.get("/").dispatch().into_string().unwrap();
    for bad in [
        "onclick=",
        "onload=",
        "onerror=",
        "style=\"",
        "<style",
        "javascript:",
        "http://",
        "https://",
    ] {
        assert!(!html.contains(bad), "index.html contains {bad}");
    }
    for script in html.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap();
        assert!(
            tag.contains("src=\"/"),
            "inline or foreign script: <script{tag}>"
        );
    }
}

#[test]
fn assets_have_their_content_types() {
    let app = TestApp::spawn();
    get_ok(&app, "/app.js", ContentType::JavaScript);
    get_ok(&app, "/style.css", ContentType::CSS);
}

#[test]
fn other_paths_open_the_app_but_unknown_api_paths_stay_404() {
    let app = TestApp::spawn();
    get_ok(&app, "/chat/c_1", ContentType::HTML);
    let api = app.client.get("/api/nope").dispatch();
    assert_eq!(api.status(), Status::NotFound);
    let body: serde_json::Value = serde_json::from_str(&api.into_string().unwrap()).unwrap();
    assert_eq!(body["message"], "接口不存在");
}
