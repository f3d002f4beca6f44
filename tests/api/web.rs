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
    let app_js = versioned_url(&html, "app.js");
    assert!(
        html.contains(&format!(
            "<script type=\"module\" src=\"{app_js}\"></script>"
        )),
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

/// The `/v/<version>/<file>` URL the page uses for `file`.
#[track_caller]
fn versioned_url(html: &str, file: &str) -> String {
    let end = html
        .find(&format!("/{file}\""))
        .unwrap_or_else(|| panic!("{file} not in the page: {html}"));
    let start = html[..end].rfind("\"/v/").expect("a versioned URL") + 1;
    let url = &html[start..end + file.len() + 1];
    assert!(
        url.starts_with("/v/") && url.matches('/').count() == 3,
        "{url}"
    );
    url.to_string()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

#[test]
fn versioned_files_are_cached_for_a_year_and_gzipped_when_accepted() {
    let app = TestApp::spawn();
    let html = app.client.get("/").dispatch().into_string().unwrap();
    for (file, content_type) in [
        ("app.js", ContentType::JavaScript),
        ("style.css", ContentType::CSS),
    ] {
        let url = versioned_url(&html, file);
        let plain = get_ok(&app, &url, content_type.clone());
        assert_eq!(
            plain.headers().get_one("Cache-Control"),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(plain.headers().get_one("Content-Encoding"), None);
        assert_eq!(plain.headers().get_one("Vary"), Some("Accept-Encoding"));
        let plain_tag = plain.headers().get_one("ETag").unwrap().to_string();
        let plain_body = plain.into_bytes().unwrap();
        assert_eq!(
            plain_body,
            app.client
                .get(format!("/{file}"))
                .dispatch()
                .into_bytes()
                .unwrap(),
            "the same file as the unversioned URL"
        );

        let packed = app
            .client
            .get(url.clone())
            .header(Header::new("Accept-Encoding", "gzip, deflate, br"))
            .dispatch();
        assert_eq!(packed.status(), Status::Ok);
        assert_eq!(packed.content_type(), Some(content_type));
        assert_eq!(packed.headers().get_one("Content-Encoding"), Some("gzip"));
        let packed_tag = packed.headers().get_one("ETag").unwrap().to_string();
        assert_ne!(packed_tag, plain_tag, "one ETag per representation");
        let packed_body = packed.into_bytes().unwrap();
        assert!(
            packed_body.len() * 2 < plain_body.len(),
            "{file} compresses"
        );
        assert_eq!(gunzip(&packed_body), plain_body);

        let again = app
            .client
            .get(url)
            .header(Header::new("Accept-Encoding", "gzip"))
            .header(Header::new("If-None-Match", packed_tag))
            .dispatch();
        assert_eq!(again.status(), Status::NotModified);
    }
}

#[test]
fn an_older_version_gets_todays_file_revalidated_and_unknown_files_are_404() {
    let app = TestApp::spawn();
    let old = get_ok(&app, "/v/000000000000/app.js", ContentType::JavaScript);
    assert_eq!(old.headers().get_one("Cache-Control"), Some("no-cache"));
    let html = app.client.get("/").dispatch().into_string().unwrap();
    let url = versioned_url(&html, "app.js");
    let missing = app.client.get(url.replace("app.js", "nope.js")).dispatch();
    assert_eq!(missing.status(), Status::NotFound);
}

#[test]
fn the_page_is_gzipped_when_accepted_and_still_revalidated() {
    let app = TestApp::spawn();
    let plain = app.client.get("/").dispatch().into_string().unwrap();
    let res = app
        .client
        .get("/")
        .header(Header::new("Accept-Encoding", "gzip"))
        .dispatch();
    assert_eq!(res.headers().get_one("Content-Encoding"), Some("gzip"));
    assert_eq!(res.headers().get_one("Cache-Control"), Some("no-cache"));
    let tag = res.headers().get_one("ETag").unwrap().to_string();
    assert_eq!(gunzip(&res.into_bytes().unwrap()), plain.into_bytes());
    let again = app
        .client
        .get("/chat/c_1")
        .header(Header::new("Accept-Encoding", "gzip"))
        .header(Header::new("If-None-Match", tag))
        .dispatch();
    assert_eq!(again.status(), Status::NotModified);
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
