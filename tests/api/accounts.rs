//! §2 accounts and §3 me, users and sessions.

use serde_json::json;

use crate::helpers::*;

#[test]
fn register_returns_the_new_user_and_a_working_token() {
    let app = TestApp::spawn();
    let res = app.call(
        rocket::http::Method::Post,
        "/api/register",
        None,
        Some(json!({"username": "zhangsan", "password": "secret-pass", "display_name": " 张三 "})),
    );
    res.expect(201, "注册成功");
    let data = res.data();
    assert!(data["user_id"].as_str().unwrap().starts_with("u_"));
    assert_eq!(data["username"], "zhangsan");
    assert_eq!(data["display_name"], "张三");
    assert!(data["expires_at"].as_str().unwrap().ends_with('Z'));
    let me = app.get("/api/auth/me", data["token"].as_str().unwrap());
    me.expect(200, "success");
    assert_eq!(me.data()["user_id"], data["user_id"]);
    assert_eq!(me.data()["display_name"], "张三");
}
