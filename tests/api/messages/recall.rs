//! Recalling (`DELETE /api/auth/messages/recall`): what every viewer and the storage show.

use super::*;

#[test]
fn recall_returns_200_with_a_system_message_id() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "发错了");

    let res = app.recall(&lisi, &id);

    res.expect(200, "消息已撤回");
    let data = res.data().as_object().expect("data object");
    assert_eq!(
        data.len(),
        1,
        "data is exactly {{system_message_id}}: {data:?}"
    );
    let system = assert_message_id(&res.data()["system_message_id"]);
    assert!(id_number(&system) > id_number(&id));
}

#[test]
fn after_recall_the_sender_sees_the_placeholder_and_you_recalled_a_message() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);
    let sent = app.try_send(&lisi, &chat, "发错了");
    let id = sent.data_str("message_id");
    let system = recalled(&app, &lisi, &id);

    let shown = app.messages(&lisi, &chat);

    assert_eq!(ids(&shown), vec![id.clone(), system.clone()]);
    let original = &shown[0];
    assert_eq!(original["id"], json!(id));
    assert_eq!(original["sender_id"], json!(lisi.id));
    assert_eq!(original["sender_name"], json!("我"));
    assert_eq!(original["content"], json!(""));
    assert_eq!(original["status"], json!(1));
    assert_eq!(original["created_at"], sent.data()["created_at"]);
    let notice = &shown[1];
    assert_eq!(notice["id"], json!(system));
    assert_eq!(notice["sender_id"], json!(lisi.id));
    assert_eq!(notice["sender_name"], json!("我"));
    assert_eq!(notice["content"], json!("你撤回了一条消息"));
    assert_eq!(notice["status"], json!(2));
    assert_recent_time(&notice["created_at"]);
}

#[test]
fn after_recall_the_other_member_sees_the_placeholder_and_name_recalled_a_message() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let before = app.send(&zhangsan, &chat, "之前的消息");
    let id = app.send(&lisi, &chat, "发错了");
    let system = recalled(&app, &lisi, &id);

    let shown = app.messages(&zhangsan, &chat);

    assert_eq!(
        ids(&shown),
        vec![before.clone(), id.clone(), system.clone()]
    );
    assert_eq!(shown[0]["content"], json!("之前的消息"));
    assert_eq!(shown[0]["status"], json!(0));
    assert_eq!(shown[1]["sender_id"], json!(lisi.id));
    assert_eq!(shown[1]["sender_name"], json!("李四"));
    assert_eq!(shown[1]["content"], json!(""));
    assert_eq!(shown[1]["status"], json!(1));
    assert_eq!(shown[2]["sender_id"], json!(lisi.id));
    assert_eq!(shown[2]["sender_name"], json!("李四"));
    assert_eq!(shown[2]["content"], json!("李四撤回了一条消息"));
    assert_eq!(shown[2]["status"], json!(2));
}

#[test]
fn recall_in_a_group_is_rendered_for_every_member() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, wangwu, group) = trio(&app);
    let id = app.send(&zhangsan, &group, "发错群了");
    let system = recalled(&app, &zhangsan, &id);

    for (viewer, name, text) in [
        (&zhangsan, "我", "你撤回了一条消息"),
        (&lisi, "张三", "张三撤回了一条消息"),
        (&wangwu, "张三", "张三撤回了一条消息"),
    ] {
        let shown = app.messages(viewer, &group);
        let tail: Vec<String> = ids(&shown).into_iter().rev().take(2).collect();
        assert_eq!(
            tail,
            vec![system.clone(), id.clone()],
            "as seen by {}",
            viewer.username
        );
        let original = find(&shown, &id);
        assert_eq!(original["content"], json!(""));
        assert_eq!(original["status"], json!(1));
        assert_eq!(original["sender_name"], json!(name));
        let notice = find(&shown, &system);
        assert_eq!(
            notice["content"],
            json!(text),
            "as seen by {}",
            viewer.username
        );
        assert_eq!(notice["status"], json!(2));
        assert_eq!(notice["sender_id"], json!(zhangsan.id));
        assert_eq!(notice["sender_name"], json!(name));
    }
}

#[test]
fn the_recall_notice_uses_the_current_display_name() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "x");
    app.recall(&lisi, &id).expect(200, "消息已撤回");

    app.set_display_name(&lisi, "李老四").expect(200, "success");

    let shown = app.messages(&zhangsan, &chat);
    assert_eq!(shown[1]["content"], json!("李老四撤回了一条消息"));
    assert_eq!(shown[1]["sender_name"], json!("李老四"));
}

#[test]
fn recall_erases_the_text_from_storage() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);
    let marker = "SECRET-MARKER-9b1e7c-密码是123456";
    let id = app.send(&lisi, &chat, marker);
    assert_eq!(stored_content(&app, &id), marker);

    app.recall(&lisi, &id).expect(200, "消息已撤回");

    assert_eq!(stored_content(&app, &id), "");
    assert_eq!(stored_status(&app, &id), 1);
    let conn = app.sqlite();
    let leftovers: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM messages WHERE instr(content, ?1) > 0 \
             OR instr(coalesce(action_name, ''), ?1) > 0 \
             OR instr(coalesce(action_targets, ''), ?1) > 0",
            [marker],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(leftovers, 0, "the recalled text is still in some row");
}

#[test]
fn recall_leaves_the_text_in_no_file_of_the_database_folder() {
    // API.md §5/§6: the recalled text is gone "from storage too". The database file, its
    // write-ahead log and shared-memory file are all storage: once the 200 is sent, no byte
    // of the text may remain in any of them.
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);
    let marker = "DISK-MARKER-4d2a-只有撤回前存在";
    let id = app.send(&lisi, &chat, marker);

    app.recall(&lisi, &id).expect(200, "消息已撤回");

    for entry in std::fs::read_dir(app.dir.path()).expect("database folder") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            continue; // media/, which holds uploads only
        }
        let bytes = std::fs::read(&path).expect("read database file");
        let found = bytes.windows(marker.len()).any(|w| w == marker.as_bytes());
        assert!(
            !found,
            "the recalled text is still on disk in {}",
            path.display()
        );
    }
}

#[test]
fn recall_by_someone_other_than_the_sender_is_403() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "我的消息");

    app.recall(&zhangsan, &id).expect_error(403, RECALL_REFUSED);
    assert_eq!(stored_content(&app, &id), "我的消息");
    assert_eq!(stored_status(&app, &id), 0);
    assert_eq!(messages_in(&app, &chat), 1);
}

#[test]
fn even_the_group_owner_cannot_recall_a_members_message() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, _wangwu, group) = trio(&app);
    let id = app.send(&zhangsan, &group, "成员的消息");

    app.recall(&lisi, &id).expect(403, RECALL_REFUSED);

    assert_eq!(
        find(&app.messages(&zhangsan, &group), &id)["status"],
        json!(0)
    );
}

#[test]
fn recalling_a_system_message_is_403() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "x");
    let system = recalled(&app, &lisi, &id);
    let before = messages_in(&app, &chat);

    app.recall(&lisi, &system).expect(403, RECALL_REFUSED);

    assert_eq!(messages_in(&app, &chat), before);
    assert_eq!(stored_status(&app, &system), 2);
}

#[test]
fn recalling_the_group_creation_message_is_403_even_for_its_actor() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, _wangwu, group) = trio(&app);
    let created = app.messages(&lisi, &group);
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["status"], json!(2));
    let id = created[0]["id"].as_str().unwrap();

    app.recall(&lisi, id).expect(403, RECALL_REFUSED);
}

#[test]
fn recalling_an_already_recalled_message_is_403() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "x");
    app.recall(&lisi, &id).expect(200, "消息已撤回");

    app.recall(&lisi, &id).expect(403, RECALL_REFUSED);

    assert_eq!(messages_in(&app, &chat), 2, "no second system message");
}

#[test]
fn recall_after_the_window_is_403() {
    let app = TestApp::spawn_with(&[("recall_window_secs", json!(1))]);
    let (lisi, zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "太晚了");
    app.advance(Duration::from_millis(1200));

    app.recall(&lisi, &id).expect(403, RECALL_REFUSED);

    let shown = app.messages(&zhangsan, &chat);
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0]["content"], json!("太晚了"));
    assert_eq!(shown[0]["status"], json!(0));
    assert_eq!(stored_content(&app, &id), "太晚了");
}

#[test]
fn recall_within_a_short_window_succeeds() {
    let app = TestApp::spawn_with(&[("recall_window_secs", json!(5))]);
    let (lisi, _zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "马上撤回");

    app.recall(&lisi, &id).expect(200, "消息已撤回");
}

#[test]
fn a_recall_window_of_zero_disables_recall() {
    let app = TestApp::spawn_with(&[("recall_window_secs", json!(0))]);
    let (lisi, _zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "不能撤回");

    app.recall(&lisi, &id).expect(403, RECALL_REFUSED);

    assert_eq!(stored_status(&app, &id), 0);
}

#[test]
fn recall_within_the_default_window_succeeds_after_a_moment() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "default window is 120 s");
    app.advance(Duration::from_secs(119));

    app.recall(&lisi, &id).expect(200, "消息已撤回");
}
