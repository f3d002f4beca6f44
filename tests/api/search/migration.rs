//! The migration that builds the index reads every message already stored, and says so.

use serde_json::json;

use super::*;
use crate::server::chatd_command;

#[test]
fn upgrading_indexes_the_messages_already_stored_with_a_progress_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/chat.db");
    let (b, chat) = {
        let app = TestApp::spawn_on(&db);
        let (a, b, chat) = app.friends_with_a_chat("alice", "bob");
        app.send(&a, &chat, "老照片在相册里");
        let recalled = app.send(&a, &chat, "相册密码是1234");
        app.recall(&a, &recalled).expect(200, "消息已撤回");
        let up = app.upload(&a.token, "相册目录.txt", b"2019, 2020");
        let body =
            json!({"conversation_id": chat, "type": "file", "file_id": up.data()["file_id"]});
        app.post("/api/auth/messages", &a.token, body)
            .expect(201, "消息已发送");
        (b, chat)
    };
    // The database as the release before search left it.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(
            "DROP TRIGGER message_search_add; DROP TRIGGER message_search_recall;
             DROP TRIGGER message_search_remove; DROP TABLE message_search;
             DROP TABLE message_search_queue;
             DELETE FROM refinery_schema_history WHERE version = 9;",
        )
        .unwrap();

    let out = chatd_command()
        .arg("migrate")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    // Four messages stored: two normal, the recalled one, its system notice.
    assert!(
        said.contains("building the message search index over 4 messages"),
        "{said}"
    );
    assert!(said.contains("search index built in"), "{said}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("V9__search"));

    let app = TestApp::spawn_on(&db);
    assert_eq!(
        found_in(&app, &b, &chat, "相册"),
        ["", "老照片在相册里"],
        "the file message (by its name) and the text; not the recalled one"
    );
    assert_eq!(found_in(&app, &b, &chat, "相册目录").len(), 1);
    assert!(found_in(&app, &b, &chat, "密码").is_empty());
}
