//! Revocation is kept in memory for speed; it must survive a restart of the server.

use serde_json::json;

use crate::helpers::*;

#[test]
fn logged_out_and_outdated_tokens_stay_dead_after_a_restart() {
    let app = TestApp::spawn();
    let alice = app.user("alice");
    let bob = app.user("bob");
    app.post("/api/auth/logout", &alice.token, json!({}))
        .expect(200, "已退出");
    let res = app.put(
        "/api/auth/me/password",
        &bob.token,
        json!({"old_password": PASSWORD, "new_password": "new-password-1"}),
    );
    res.expect(200, "密码已修改");
    let bob_new = res.data()["token"].as_str().unwrap().to_string();
    let db_path = app.db_path.clone();
    let _keep = app.dir; // the database folder outlives the first app

    let restarted = TestApp::spawn_on(&db_path);
    restarted
        .get("/api/auth/me", &alice.token)
        .expect(401, "未授权");
    restarted
        .get("/api/auth/me", &bob.token)
        .expect(401, "未授权");
    restarted
        .get("/api/auth/me", &bob_new)
        .expect(200, "success");
}
