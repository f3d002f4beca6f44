//! The OpenAPI document describes exactly the routes the app mounts, and real answers match
//! it (`answers`).

mod answers;
mod checker;
mod validate;

use std::collections::BTreeSet;

use rocket::http::Method;
use serde_json::Value;

use crate::helpers::{Api, TestApp};

/// `/api/auth/conversations/<id>?<limit>` → `/api/auth/conversations/{id}`
fn openapi_path(rocket_path: &str) -> String {
    let path = rocket_path.split('?').next().unwrap_or_default();
    path.split('/')
        .map(
            |segment| match segment.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
                Some(name) => format!("{{{}}}", name.trim_end_matches("..")),
                None => segment.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn the_document_describes_exactly_the_mounted_routes() {
    let app = TestApp::spawn();
    let res = app.client.get("/api/openapi.json").dispatch();
    assert_eq!(res.status().code, 200);
    assert_eq!(res.content_type(), Some(rocket::http::ContentType::JSON));
    let doc: Value = serde_json::from_str(&res.into_string().unwrap()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let mounted: BTreeSet<(String, String)> = app
        .client
        .rocket()
        .routes()
        .filter(|r| r.method != Method::Head && r.method != Method::Options)
        // The web client's routes (`/`, its files) are not part of the API.
        .filter(|r| r.uri.to_string().starts_with("/api/"))
        .map(|r| {
            (
                r.method.as_str().to_string(),
                openapi_path(&r.uri.to_string()),
            )
        })
        .collect();
    let undocumented: Vec<_> = mounted.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&mounted).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from openapi.json: {undocumented:?}"
    );
    assert!(
        phantom.is_empty(),
        "openapi.json describes routes that do not exist: {phantom:?}"
    );
}

#[test]
fn every_operation_has_an_id_and_responses() {
    let doc: Value = serde_json::from_str(&chatd::api::docs::openapi_json().unwrap()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["operationId"].is_string(),
                "{method} {path} has no operationId"
            );
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path}"
            );
            if path.starts_with("/api/auth/") {
                assert!(
                    op["responses"].get("401").is_some(),
                    "{method} {path} lists no 401"
                );
            }
        }
    }
}

#[test]
fn info_tells_clients_the_settings_they_adapt_to_without_a_token() {
    let app = TestApp::spawn();
    let res = app.call(Method::Get, "/api/info", None, None);
    res.expect(200, "success");
    let mut data = res.body["data"].clone();
    // The VAPID public key: an uncompressed P-256 point (65 bytes), base64url (87 chars),
    // the same on every start (kept beside the database).
    let key = data["vapid_public_key"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 87, "{key}");
    assert!(key.starts_with('B'), "0x04, uncompressed: {key}");
    let again = TestApp::spawn_on(&app.db_path);
    let info = again.call(Method::Get, "/api/info", None, None);
    assert_eq!(
        info.body["data"]["vapid_public_key"],
        serde_json::json!(key)
    );
    data.as_object_mut().unwrap().remove("vapid_public_key");
    assert_eq!(
        data,
        serde_json::json!({
            "name": "chatd",
            "version": env!("CARGO_PKG_VERSION"),
            "allow_registration": true,
            "require_friendship": true,
            "recall_window_secs": 120,
            "max_message_chars": 5000,
            "max_group_members": 500,
            "max_upload_bytes": 104_857_600,
            "event_kinds": [
                "message.created", "message.recalled", "conversation.created",
                "conversation.updated", "conversation.removed", "friend.request",
                "friend.added", "friend.removed", "friend.rejected", "user.updated",
                "friend.updated", "typing"
            ],
            "message_status": {"normal": 0, "recalled": 1, "system": 2},
        })
    );

    let app = TestApp::spawn_with(&[
        ("allow_registration", Value::Bool(false)),
        ("recall_window_secs", 30.into()),
        ("max_message_chars", 100.into()),
        ("max_upload_bytes", 1000.into()),
    ]);
    let data = app.call(Method::Get, "/api/info", None, None).body["data"].clone();
    assert_eq!(data["allow_registration"], false);
    assert_eq!(data["recall_window_secs"], 30);
    assert_eq!(data["max_message_chars"], 100);
    assert_eq!(data["max_upload_bytes"], 1000);
    // Nothing secret or internal rides along.
    for key in ["jwt_secret", "database_path", "backup_dir"] {
        assert!(data.get(key).is_none(), "{key} must not be exposed");
    }
}
