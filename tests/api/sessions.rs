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
    let res = app.change_password(&bob.token, PASSWORD, "new-password-1");
    res.expect(200, "密码已修改");
    let bob_new = res.data_str("token");
    let db_path = app.db_path.clone();
    let _keep = app.dir; // the database folder outlives the first app

    let restarted = TestApp::spawn_on(&db_path);
    for old in [&alice.token, &bob.token] {
        restarted.get("/api/auth/me", old).expect(401, "未授权");
    }
    restarted.me(&bob_new);
}

#[test]
fn scheduled_backups_are_written_checked_and_pruned() {
    let backups = tempfile::tempdir().unwrap();
    let app = crate::live::LiveApp::spawn(&[
        ("backup_dir", json!(backups.path())),
        ("backup_interval_secs", json!(1)),
        ("backup_keep", json!(2)),
    ]);
    let count = || {
        std::fs::read_dir(backups.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with("chat-"))
            .count()
    };
    // Between writing a backup and pruning, one extra file exists for a moment: wait for a
    // settled count rather than sampling once.
    let settles_at =
        |n: usize| crate::server::wait_until(std::time::Duration::from_secs(10), || count() == n);
    assert!(settles_at(2), "two backups within a few seconds");
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert!(
        count() <= 3,
        "never more than backup_keep plus the one being written"
    );
    assert!(
        settles_at(2),
        "older backups beyond backup_keep are deleted"
    );
    drop(app);
}
