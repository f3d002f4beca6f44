//! Upgrading a database the release before avatars and search left (migrations up to V7):
//! V8, V9 and V10 apply, the index covers every message already stored (with a progress line),
//! and a backup of the upgraded database restores with its index and takes avatars.

use serde_json::json;

use super::*;
use crate::server::chatd_command;

#[test]
fn upgrading_from_before_avatars_and_search_indexes_what_is_stored_and_backs_up() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/chat.db");
    let (a, b, chat) = {
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
        (a, b, chat)
    };
    // The database as the release before avatars and search left it (every later
    // migration undone too).
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(
            "DROP TRIGGER message_search_recall; DROP TRIGGER message_search_remove;
             DROP TABLE message_search;
             DROP TABLE message_grams; DROP TABLE message_search_state;
             DROP INDEX users_by_avatar; DROP INDEX conversations_by_avatar;
             ALTER TABLE users DROP COLUMN avatar_file_id;
             ALTER TABLE conversations DROP COLUMN avatar_file_id;
             ALTER TABLE members DROP COLUMN is_muted;
             ALTER TABLE conversations DROP COLUMN announcement;
             DROP TRIGGER mentions_go_with_their_message; DROP TABLE mentions;
             ALTER TABLE messages DROP COLUMN reply_to;
             ALTER TABLE messages DROP COLUMN mentions;
             ALTER TABLE members DROP COLUMN cleared_upto;
             ALTER TABLE members DROP COLUMN hidden;
             ALTER TABLE friendships DROP COLUMN remark;
             DROP TRIGGER notify_mark_follows_deletes;
             DROP TABLE notify_deliveries; DROP TABLE notify_state;
             DROP TABLE push_subscriptions; DROP TABLE notify_settings;
             DROP TRIGGER member_count_up; DROP TRIGGER member_count_down;
             DROP TRIGGER last_message_follows_inserts;
             DROP TRIGGER last_message_follows_deletes;
             ALTER TABLE conversations DROP COLUMN member_count;
             ALTER TABLE conversations DROP COLUMN last_message_id;
             DROP TRIGGER members_joined_event; DROP INDEX events_by_conversation;
             ALTER TABLE members DROP COLUMN joined_event;
             DELETE FROM refinery_schema_history WHERE version >= 8;",
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
    let applied = String::from_utf8_lossy(&out.stdout);
    assert!(
        [
            "V8__avatars",
            "V9__search",
            "V10__search_by_conversation",
            "V11__mute",
            "V12__announcement",
            "V13__replies_and_mentions",
            "V14__clear_history",
            "V15__remarks",
            "V16__notifications",
            "V17__list_facts",
            "V18__events_per_conversation",
        ]
        .iter()
        .all(|m| applied.contains(m)),
        "{applied}"
    );

    // A backup of the upgraded database, restored, is what gets searched.
    let run = |args: &[&str]| {
        let out = chatd_command()
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "chatd {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let said = run(&["backup", "--to", "safe"]);
    let backup = said
        .split_whitespace()
        .find(|w| w.ends_with(".db"))
        .expect("the backup's path")
        .to_string();
    std::fs::remove_file(&db).unwrap();
    run(&["restore", &backup]);

    let app = TestApp::spawn_on(&db);
    assert_eq!(
        found_in(&app, &b, &chat, "相册"),
        ["", "老照片在相册里"],
        "the file message (by its name) and the text; not the recalled one"
    );
    assert_eq!(found_in(&app, &b, &chat, "相册目录").len(), 1);
    assert!(found_in(&app, &b, &chat, "密码").is_empty());
    // The list's stored facts (V17) were filled in from what was there.
    let entry = app.expect_entry(&b, &chat);
    assert_eq!(entry["member_count"], 2);
    assert_eq!(entry["last_message_preview"], "[文件] 相册目录.txt");
    // The new columns work on the upgraded data.
    let pic = app.upload(&a.token, "a.png", &crate::helpers::png(20, 20));
    let body = json!({"file_id": pic.data()["file_id"]});
    app.put("/api/auth/me/avatar", &a.token, body)
        .expect(200, "头像已修改");
    assert!(app.expect_entry(&b, &chat)["avatar_url"].is_string());
}
