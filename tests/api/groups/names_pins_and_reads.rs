//! Renaming, pins, mute, the announcement, read markers and unread counts.

use super::*;

#[test]
fn any_member_renames_and_the_name_shows_everywhere() {
    let app = TestApp::spawn();
    let (a, b, c, _, group) = family(&app);
    let res = app.rename_group(&b, &group, json!({"name": "  周末聚餐 "}));
    res.expect(200, "群名已修改");
    assert_eq!(app.expect_entry(&a, &group)["title"], "周末聚餐");
    assert_eq!(last_text(&app, &b, &group), "你修改群名为「周末聚餐」");
    assert_eq!(last_text(&app, &c, &group), "鲍勃修改群名为「周末聚餐」");
    for bad in [
        json!({"name": "   "}),
        json!({"name": "x".repeat(65)}),
        json!({"name": 3}),
    ] {
        app.rename_group(&b, &group, bad)
            .expect_prefix(400, "参数错误");
    }
    assert_eq!(app.expect_entry(&a, &group)["title"], "周末聚餐");
}

#[test]
fn a_user_rename_shows_in_old_system_messages() {
    let app = TestApp::spawn();
    let (a, b, _, _, group) = family(&app);
    app.set_display_name(&b, "小鲍").expect(200, "success");
    assert_eq!(texts(&app, &a, &group)[0], "你邀请小鲍、卡罗尔加入了群聊");
}

#[test]
fn pinned_conversations_come_first_and_pins_are_per_user() {
    let app = TestApp::spawn();
    let (a, b, _, _, group) = family(&app);
    let chat = app.private_chat(&a, &b);
    app.send(&a, &chat, "newest activity");
    assert_eq!(app.conversations(&a)[0]["conversation_id"], json!(chat));
    let res = app.pin(&a, &group, json!(true));
    res.expect(200, "success");
    assert_eq!(res.data()["is_pinned"], true);
    let list = app.conversations(&a);
    assert_eq!(list[0]["conversation_id"], json!(group));
    assert_eq!(list[0]["is_pinned"], true);
    assert_eq!(app.expect_entry(&b, &group)["is_pinned"], false);
    app.pin(&a, &group, json!(false)).expect(200, "success");
    assert_eq!(app.conversations(&a)[0]["conversation_id"], json!(chat));
    app.pin(&a, &group, json!("yes"))
        .expect_prefix(400, "参数错误");
}

#[test]
fn mute_is_per_user_and_keeps_counting() {
    let app = TestApp::spawn();
    let (a, b, _, _, group) = family(&app);
    let chat = app.private_chat(&a, &b);
    assert_eq!(app.expect_entry(&b, &group)["is_muted"], false);
    let mute = |who: &User, conversation: &str, value: Value| {
        app.put(
            &format!("/api/auth/conversations/{conversation}/mute"),
            &who.token,
            json!({ "is_muted": value }),
        )
    };
    let res = mute(&b, &group, json!(true));
    res.expect(200, "success");
    assert_eq!(res.data(), &json!({"is_muted": true}));
    assert_eq!(app.expect_entry(&b, &group)["is_muted"], true);
    assert_eq!(app.expect_entry(&a, &group)["is_muted"], false, "per user");
    assert_eq!(app.expect_entry(&b, &chat)["is_muted"], false);
    // Muted still counts unread messages.
    app.send_all(&a, &group, ["1", "2"]);
    assert_eq!(app.unread(&b, &group), 2);
    mute(&b, &chat, json!(true)).expect(200, "success");
    mute(&b, &group, json!(false)).expect(200, "success");
    assert_eq!(app.expect_entry(&b, &group)["is_muted"], false);
    assert_eq!(app.expect_entry(&b, &chat)["is_muted"], true);
    // Bad bodies, and conversations the caller is not in.
    mute(&b, &group, json!("yes")).expect_prefix(400, "参数错误");
    let carol_alone = app.user("dora");
    mute(&carol_alone, &group, json!(true)).expect(404, "会话不存在");
    mute(&b, "c_999", json!(true)).expect(404, "会话不存在");
    mute(&b, "nonsense", json!(true)).expect(404, "会话不存在");
}

#[test]
fn the_owner_sets_and_clears_the_announcement_and_everyone_is_told() {
    let app = TestApp::spawn();
    let (a, b, c, d, group) = family(&app);
    let announce = |who: &User, conversation: &str, body: Value| {
        app.put(
            &format!("/api/auth/conversations/{conversation}/announcement"),
            &who.token,
            body,
        )
    };
    let text = "  周六晚上六点\n在奶奶家吃饭  ";
    let res = announce(&a, &group, json!({ "text": text }));
    res.expect(200, "群公告已更新");
    assert_eq!(
        res.data(),
        &json!({"announcement": "周六晚上六点\n在奶奶家吃饭"}),
        "trimmed, the line break kept"
    );
    assert_eq!(last_text(&app, &a, &group), "你更新了群公告");
    assert_eq!(last_text(&app, &b, &group), "爱丽丝更新了群公告");
    // 2,000 characters is the most.
    announce(&a, &group, json!({ "text": "公".repeat(2000) })).expect(200, "群公告已更新");
    let before = app.messages(&c, &group).len();
    for bad in [
        json!({ "text": "公".repeat(2001) }),
        json!({ "text": "a\u{0}b" }),
        json!({ "text": 5 }),
        json!({}),
    ] {
        announce(&a, &group, bad).expect_prefix(400, "参数错误");
    }
    // Not the owner, not a group, not a member: nothing written.
    announce(&b, &group, json!({"text": "我来"})).expect(403, "无权限");
    let chat = app.private_chat(&a, &b);
    announce(&a, &chat, json!({"text": "x"})).expect_prefix(400, "参数错误");
    announce(&d, &group, json!({"text": "x"})).expect(404, "会话不存在");
    assert_eq!(app.messages(&c, &group).len(), before);
    // Blank clears it.
    let res = announce(&a, &group, json!({"text": "   "}));
    res.expect(200, "群公告已更新");
    assert_eq!(res.data(), &json!({"announcement": null}));
    assert_eq!(last_text(&app, &c, &group), "爱丽丝清除了群公告");
}

#[test]
fn a_conversations_info_gathers_its_settings_per_viewer() {
    let app = TestApp::spawn();
    let (a, b, _, d, group) = family(&app);
    let info = |who: &User, conversation: &str| {
        app.get(
            &format!("/api/auth/conversations/{conversation}/info"),
            &who.token,
        )
    };
    let path = format!("/api/auth/conversations/{group}/announcement");
    app.put(&path, &a.token, json!({"text": "周六聚餐"}))
        .expect(200, "群公告已更新");
    app.put(
        &format!("/api/auth/conversations/{group}/mute"),
        &b.token,
        json!({"is_muted": true}),
    )
    .expect(200, "success");
    let res = info(&b, &group);
    res.expect(200, "success");
    let data = res.data().clone();
    assert!(data["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        data,
        json!({
            "conversation_id": group,
            "type": "group",
            "title": "家庭群",
            "avatar_url": null,
            "announcement": "周六聚餐",
            "owner_id": a.id,
            "member_count": 3,
            "is_pinned": false,
            "is_muted": true,
            "created_at": data["created_at"],
        })
    );
    assert_eq!(info(&a, &group).data()["is_muted"], false, "per viewer");
    // A private chat: the other's name, no owner, no announcement.
    let chat = app.private_chat(&a, &b);
    let data = info(&a, &chat).data().clone();
    assert_eq!(data["type"], "private");
    assert_eq!(data["title"], "鲍勃");
    assert_eq!(data["owner_id"], Value::Null);
    assert_eq!(data["announcement"], Value::Null);
    assert_eq!(data["member_count"], 2);
    // Not a member, unknown, malformed: as if it did not exist.
    info(&d, &group).expect(404, "会话不存在");
    info(&a, "c_999").expect(404, "会话不存在");
    info(&a, "x").expect(404, "会话不存在");
}

#[test]
fn read_without_a_message_id_clears_the_unread_count() {
    let app = TestApp::spawn();
    let (a, b, _, _, group) = family(&app);
    app.send_all(&a, &group, ["1", "2", "3"]);
    assert_eq!(app.unread(&b, &group), 3);
    let res = app.mark_read(&b, &group, json!({}));
    res.expect(200, "success");
    assert_eq!(res.data()["unread_count"], 0);
    assert_eq!(app.unread(&b, &group), 0);
    // An empty body works too.
    app.send(&a, &group, "4");
    let res = app.raw(
        rocket::http::Method::Post,
        &format!("/api/auth/conversations/{group}/read"),
        Some(&b.token),
        None,
    );
    res.expect(200, "success");
    assert_eq!(res.data()["unread_count"], 0);
}

#[test]
fn read_up_to_a_message_counts_what_follows_and_never_moves_back() {
    let app = TestApp::spawn();
    let (a, b, _, _, group) = family(&app);
    let ids = app.send_all(&a, &group, ["1", "2", "3", "4"]);
    let read_up_to = |id: &str| {
        let res = app.mark_read(&b, &group, json!({"message_id": id}));
        res.expect(200, "success");
        res.data()["unread_count"].clone()
    };
    assert_eq!(read_up_to(&ids[1]), 2);
    assert_eq!(read_up_to(&ids[0]), 2, "the marker does not move back");
    assert_eq!(app.unread(&b, &group), 2);
    assert_eq!(read_up_to(&ids[3]), 0);
    // Unknown, malformed, or another conversation's message.
    let chat = app.private_chat(&a, &b);
    let elsewhere = app.send(&a, &chat, "hi");
    for id in ["m_99999", "x", elsewhere.as_str()] {
        app.mark_read(&b, &group, json!({"message_id": id}))
            .status_for(404, id)
            .expect(404, "消息不存在");
    }
}

#[test]
fn the_list_query_plan_uses_indexes_only() {
    let app = TestApp::spawn();
    family(&app);
    let conn = app.sqlite();
    let plan = chatd::db::conversations::explain_list(&conn).unwrap();
    for line in &plan {
        let scans_table =
            line.contains("SCAN ") && !line.contains("USING") && !line.contains("json_each");
        assert!(
            !scans_table,
            "full scan in the list query: {line}\n{plan:#?}"
        );
    }
}

#[test]
fn an_invited_member_starts_with_the_history_read() {
    let app = TestApp::spawn();
    let (a, b, _, d, group) = family(&app);
    app.send_all(&b, &group, ["old 1", "old 2"]);
    app.invite(&a, &group, json!([d.id])).expect(200, "已邀请");
    assert_eq!(app.unread(&d, &group), 0);
    // The history is there to read.
    assert!(app
        .messages(&d, &group)
        .iter()
        .any(|m| m["content"] == "old 1"));
    app.send(&b, &group, "new");
    assert_eq!(app.unread(&d, &group), 1);
}

#[test]
fn stored_unread_counters_always_match_a_recount() {
    let app = TestApp::spawn();
    let (a, b, c, _, group) = family(&app);
    let ids: Vec<String> = (0..6)
        .map(|i| app.send(if i % 2 == 0 { &a } else { &b }, &group, &format!("m{i}")))
        .collect();
    for _ in 0..2 {
        app.delete_for_me(&c, &ids[0]).expect(200, "已删除");
    }
    app.recall(&a, &ids[2]).expect(200, "消息已撤回");
    app.mark_read(&b, &group, json!({"message_id": ids[3]}))
        .expect(200, "success");
    app.recall(&b, &ids[5]).expect(200, "消息已撤回");
    let conn = app.sqlite();
    let mut stmt = conn
        .prepare(
            "SELECT m.user_id, m.unread_count, (
               SELECT COUNT(*) FROM messages x
               WHERE x.conversation_id = m.conversation_id AND x.id > m.last_read_id
                 AND x.status = 0 AND x.sender_id != m.user_id
                 AND NOT EXISTS (SELECT 1 FROM deleted_messages d
                                 WHERE d.user_id = m.user_id AND d.message_id = x.id))
             FROM members m",
        )
        .unwrap();
    let rows: Vec<(i64, i64, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 3);
    for (user, stored, recount) in rows {
        assert_eq!(stored, recount, "user {user}");
    }
    // And what the list shows: c deleted m0 and m2 was recalled: m1, m3, m4 from others.
    assert_eq!(app.unread(&c, &group), 3);
}
