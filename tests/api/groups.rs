//! §5 "Managing a conversation" and §7: pin, read markers, members, invite, remove, leave,
//! owner hand-over, rename, and their system messages rendered per viewer.

use serde_json::{json, Value};

use crate::helpers::*;

/// Owner `a` with friends `b`, `c`, `d` (all friends of `a`), and a group of a, b, c.
fn family(app: &TestApp) -> (User, User, User, User, String) {
    let a = app.user_named("alice", "爱丽丝");
    let b = app.user_named("bob", "鲍勃");
    let c = app.user_named("carol", "卡罗尔");
    let d = app.user_named("dave", "戴夫");
    for other in [&b, &c, &d] {
        app.befriend(&a, other);
    }
    let group = app.group(&a, "家庭群", &[&b, &c]);
    (a, b, c, d, group)
}

fn texts(app: &TestApp, viewer: &User, conversation: &str) -> Vec<String> {
    app.messages(viewer, conversation)
        .iter()
        .filter(|m| m["status"] == json!(2))
        .map(|m| m["content"].as_str().unwrap().to_string())
        .collect()
}

fn members_path(group: &str) -> String {
    format!("/api/auth/conversations/{group}/members")
}

fn member_ids(app: &TestApp, viewer: &User, group: &str) -> Vec<(String, String)> {
    let res = app.get(&members_path(group), &viewer.token);
    res.expect(200, "success");
    res.list()
        .iter()
        .map(|m| {
            (
                m["user_id"].as_str().unwrap().into(),
                m["role"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[test]
fn members_lists_roles_owner_first_with_profile_fields() {
    let app = TestApp::spawn();
    let (a, b, c, _, group) = family(&app);
    let res = app.get(&members_path(&group), &b.token);
    res.expect(200, "success");
    let list = res.list();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0]["user_id"], json!(a.id));
    assert_eq!(list[0]["role"], "owner");
    assert_eq!(list[0]["username"], "alice");
    assert_eq!(list[0]["display_name"], "爱丽丝");
    assert!(list[0]["joined_at"].as_str().unwrap().ends_with('Z'));
    let rest: Vec<&Value> = list[1..].iter().collect();
    assert!(rest.iter().all(|m| m["role"] == "member"));
    let ids: Vec<&str> = rest
        .iter()
        .map(|m| m["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [b.id.as_str(), c.id.as_str()]);
}

#[test]
fn any_member_may_invite_and_everyone_reads_the_invitation_their_way() {
    let app = TestApp::spawn();
    let (a, b, c, d, group) = family(&app);
    app.befriend(&b, &d);
    let res = app.post(
        &members_path(&group),
        &b.token,
        json!({"member_ids": [d.id]}),
    );
    res.expect(200, "已邀请");
    assert_eq!(member_ids(&app, &a, &group).len(), 4);
    assert_eq!(
        texts(&app, &b, &group).last().unwrap(),
        "你邀请戴夫加入了群聊"
    );
    assert_eq!(
        texts(&app, &d, &group).last().unwrap(),
        "鲍勃邀请你加入了群聊"
    );
    assert_eq!(
        texts(&app, &c, &group).last().unwrap(),
        "鲍勃邀请戴夫加入了群聊"
    );
    assert_eq!(
        texts(&app, &a, &group).last().unwrap(),
        "鲍勃邀请戴夫加入了群聊"
    );
    // The new member sees the group in their list at once.
    assert!(app.entry(&d, &group).is_some());
}

#[test]
fn inviting_needs_friendship_known_users_and_room() {
    let app = TestApp::spawn_with(&[("max_group_members", json!(4))]);
    let (a, b, _, d, group) = family(&app);
    let e = app.user("eve");
    // b is not d's friend.
    app.post(
        &members_path(&group),
        &b.token,
        json!({"member_ids": [d.id]}),
    )
    .expect(403, "对方不是你的好友");
    app.post(
        &members_path(&group),
        &a.token,
        json!({"member_ids": ["u_999"]}),
    )
    .expect(404, "用户不存在");
    app.post(
        &members_path(&group),
        &a.token,
        json!({"member_ids": ["nope"]}),
    )
    .expect(404, "用户不存在");
    app.post(
        &members_path(&group),
        &a.token,
        json!({"member_ids": "u_1"}),
    )
    .expect_prefix(400, "参数错误");
    app.befriend(&a, &e);
    app.post(
        &members_path(&group),
        &a.token,
        json!({"member_ids": [d.id, e.id]}),
    )
    .expect_prefix(400, "参数错误：");
    assert_eq!(
        member_ids(&app, &a, &group).len(),
        3,
        "nothing added by a refused invite"
    );
    app.post(
        &members_path(&group),
        &a.token,
        json!({"member_ids": [d.id]}),
    )
    .expect(200, "已邀请");
    app.post(
        &members_path(&group),
        &a.token,
        json!({"member_ids": [e.id]}),
    )
    .expect_prefix(400, "参数错误：");
}

#[test]
fn inviting_existing_members_adds_nothing_and_says_nothing() {
    let app = TestApp::spawn();
    let (a, b, _, _, group) = family(&app);
    let before = app.messages(&a, &group).len();
    app.post(
        &members_path(&group),
        &a.token,
        json!({"member_ids": [b.id]}),
    )
    .expect(200, "已邀请");
    assert_eq!(app.messages(&a, &group).len(), before);
    assert_eq!(member_ids(&app, &a, &group).len(), 3);
}

#[test]
fn private_chats_refuse_group_management() {
    let app = TestApp::spawn();
    let a = app.user("alice");
    let b = app.user("bob");
    let c = app.user("carol");
    app.befriend(&a, &b);
    app.befriend(&a, &c);
    let chat = app.private_chat(&a, &b);
    app.post(
        &members_path(&chat),
        &a.token,
        json!({"member_ids": [c.id]}),
    )
    .expect_prefix(400, "参数错误");
    app.delete(&format!("{}/{}", members_path(&chat), b.id), &a.token, None)
        .expect_prefix(400, "参数错误");
    app.patch(
        &format!("/api/auth/conversations/{chat}"),
        &a.token,
        json!({"name": "x"}),
    )
    .expect_prefix(400, "参数错误");
    // Members, pin and read work on private chats too.
    assert_eq!(member_ids(&app, &a, &chat).len(), 2);
}

#[test]
fn the_owner_removes_a_member_who_then_loses_the_conversation() {
    let app = TestApp::spawn();
    let (a, b, c, _, group) = family(&app);
    let kept = app.send(&b, &group, "b 的旧消息");
    app.delete(
        &format!("{}/{}", members_path(&group), b.id),
        &a.token,
        None,
    )
    .expect(200, "已移出群聊");
    assert_eq!(
        texts(&app, &a, &group).last().unwrap(),
        "你将鲍勃移出了群聊"
    );
    assert_eq!(
        texts(&app, &c, &group).last().unwrap(),
        "爱丽丝将鲍勃移出了群聊"
    );
    // The remaining members still see b's old message.
    assert!(app
        .messages(&c, &group)
        .iter()
        .any(|m| m["id"] == json!(kept)));
    // b: gone from the list, 404 on every route.
    assert!(app.entry(&b, &group).is_none());
    assert_former_member_gets_404_everywhere(&app, &b, &group, &kept);
}

fn assert_former_member_gets_404_everywhere(app: &TestApp, who: &User, group: &str, message: &str) {
    let base = format!("/api/auth/conversations/{group}");
    app.get(&base, &who.token).expect(404, "会话不存在");
    app.get(&format!("{base}/members"), &who.token)
        .expect(404, "会话不存在");
    app.put(
        &format!("{base}/pin"),
        &who.token,
        json!({"is_pinned": true}),
    )
    .expect(404, "会话不存在");
    app.post(&format!("{base}/read"), &who.token, json!({}))
        .expect(404, "会话不存在");
    app.post(
        &format!("{base}/members"),
        &who.token,
        json!({"member_ids": ["u_1"]}),
    )
    .expect(404, "会话不存在");
    app.delete(&format!("{base}/members/{}", who.id), &who.token, None)
        .expect(404, "会话不存在");
    app.patch(&base, &who.token, json!({"name": "我的群"}))
        .expect(404, "会话不存在");
    app.post(
        "/api/auth/messages",
        &who.token,
        json!({"conversation_id": group, "content": "hi"}),
    )
    .expect(404, "会话不存在");
    app.delete(
        "/api/auth/messages/recall",
        &who.token,
        Some(json!({"id": message})),
    )
    .expect(404, "消息不存在");
    app.delete(
        "/api/auth/messages/delete",
        &who.token,
        Some(json!({"id": message})),
    )
    .expect(404, "消息不存在");
}

#[test]
fn only_the_owner_removes_others() {
    let app = TestApp::spawn();
    let (a, b, c, _, group) = family(&app);
    app.delete(
        &format!("{}/{}", members_path(&group), c.id),
        &b.token,
        None,
    )
    .expect(403, "无权限");
    app.delete(
        &format!("{}/{}", members_path(&group), a.id),
        &b.token,
        None,
    )
    .expect(403, "无权限");
    assert_eq!(member_ids(&app, &a, &group).len(), 3);
    // Removing someone who is not a member.
    let stranger = app.user("zed");
    app.delete(
        &format!("{}/{}", members_path(&group), stranger.id),
        &a.token,
        None,
    )
    .expect(404, "用户不存在");
}

#[test]
fn a_member_leaves_and_can_no_longer_see_the_group() {
    let app = TestApp::spawn();
    let (a, b, c, _, group) = family(&app);
    let message = app.send(&c, &group, "再见");
    app.delete(
        &format!("{}/{}", members_path(&group), c.id),
        &c.token,
        None,
    )
    .expect(200, "已退出群聊");
    assert_eq!(texts(&app, &a, &group).last().unwrap(), "卡罗尔退出了群聊");
    assert_eq!(texts(&app, &b, &group).last().unwrap(), "卡罗尔退出了群聊");
    assert_eq!(app.entry(&a, &group).unwrap()["member_count"], 2);
    assert_former_member_gets_404_everywhere(&app, &c, &group, &message);
}

#[test]
fn when_the_owner_leaves_the_longest_standing_member_becomes_owner() {
    let app = TestApp::spawn();
    let (a, b, c, d, group) = family(&app);
    app.post(
        &members_path(&group),
        &a.token,
        json!({"member_ids": [d.id]}),
    )
    .expect(200, "已邀请");
    app.delete(
        &format!("{}/{}", members_path(&group), a.id),
        &a.token,
        None,
    )
    .expect(200, "已退出群聊");
    let roles = member_ids(&app, &b, &group);
    assert_eq!(roles[0], (b.id.clone(), "owner".to_string()));
    assert_eq!(roles.len(), 3);
    let seen_by_b = texts(&app, &b, &group);
    assert_eq!(
        seen_by_b[seen_by_b.len() - 2..],
        ["爱丽丝退出了群聊", "你已成为新群主"]
    );
    assert_eq!(texts(&app, &c, &group).last().unwrap(), "鲍勃已成为新群主");
    // The new owner may remove members now.
    app.delete(
        &format!("{}/{}", members_path(&group), d.id),
        &b.token,
        None,
    )
    .expect(200, "已移出群聊");
    let _ = c;
}

#[test]
fn a_group_whose_last_member_leaves_disappears() {
    let app = TestApp::spawn();
    let (a, b, c, _, group) = family(&app);
    for who in [&a, &b, &c] {
        app.delete(
            &format!("{}/{}", members_path(&group), who.id),
            &who.token,
            None,
        )
        .expect(200, "已退出群聊");
        assert!(app.entry(who, &group).is_none());
    }
    let n: i64 = app
        .sqlite()
        .query_row("SELECT COUNT(*) FROM conversations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn any_member_renames_and_the_name_shows_everywhere() {
    let app = TestApp::spawn();
    let (a, b, c, _, group) = family(&app);
    let res = app.patch(
        &format!("/api/auth/conversations/{group}"),
        &b.token,
        json!({"name": "  周末聚餐 "}),
    );
    res.expect(200, "群名已修改");
    assert_eq!(app.entry(&a, &group).unwrap()["title"], "周末聚餐");
    assert_eq!(
        texts(&app, &b, &group).last().unwrap(),
        "你修改群名为「周末聚餐」"
    );
    assert_eq!(
        texts(&app, &c, &group).last().unwrap(),
        "鲍勃修改群名为「周末聚餐」"
    );
    for bad in [
        json!({"name": "   "}),
        json!({"name": "x".repeat(65)}),
        json!({"name": 3}),
    ] {
        app.patch(&format!("/api/auth/conversations/{group}"), &b.token, bad)
            .expect_prefix(400, "参数错误");
    }
    assert_eq!(app.entry(&a, &group).unwrap()["title"], "周末聚餐");
}

#[test]
fn a_user_rename_shows_in_old_system_messages() {
    let app = TestApp::spawn();
    let (a, b, _, _, group) = family(&app);
    app.patch("/api/auth/me", &b.token, json!({"display_name": "小鲍"}))
        .expect(200, "success");
    assert_eq!(texts(&app, &a, &group)[0], "你邀请小鲍、卡罗尔加入了群聊");
}

#[test]
fn pinned_conversations_come_first_and_pins_are_per_user() {
    let app = TestApp::spawn();
    let (a, b, _, _, group) = family(&app);
    let chat = app.private_chat(&a, &b);
    app.send(&a, &chat, "newest activity");
    assert_eq!(app.conversations(&a)[0]["conversation_id"], json!(chat));
    let res = app.put(
        &format!("/api/auth/conversations/{group}/pin"),
        &a.token,
        json!({"is_pinned": true}),
    );
    res.expect(200, "success");
    assert_eq!(res.data()["is_pinned"], true);
    let list = app.conversations(&a);
    assert_eq!(list[0]["conversation_id"], json!(group));
    assert_eq!(list[0]["is_pinned"], true);
    assert_eq!(app.entry(&b, &group).unwrap()["is_pinned"], false);
    app.put(
        &format!("/api/auth/conversations/{group}/pin"),
        &a.token,
        json!({"is_pinned": false}),
    )
    .expect(200, "success");
    assert_eq!(app.conversations(&a)[0]["conversation_id"], json!(chat));
    app.put(
        &format!("/api/auth/conversations/{group}/pin"),
        &a.token,
        json!({"is_pinned": "yes"}),
    )
    .expect_prefix(400, "参数错误");
}

#[test]
fn read_without_a_message_id_clears_the_unread_count() {
    let app = TestApp::spawn();
    let (a, b, _, _, group) = family(&app);
    for text in ["1", "2", "3"] {
        app.send(&a, &group, text);
    }
    assert_eq!(app.entry(&b, &group).unwrap()["unread_count"], 3);
    let res = app.post(
        &format!("/api/auth/conversations/{group}/read"),
        &b.token,
        json!({}),
    );
    res.expect(200, "success");
    assert_eq!(res.data()["unread_count"], 0);
    assert_eq!(app.entry(&b, &group).unwrap()["unread_count"], 0);
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
    let ids: Vec<String> = ["1", "2", "3", "4"]
        .iter()
        .map(|t| app.send(&a, &group, t))
        .collect();
    let read = |id: &str| {
        let res = app.post(
            &format!("/api/auth/conversations/{group}/read"),
            &b.token,
            json!({"message_id": id}),
        );
        res.expect(200, "success");
        res.data()["unread_count"].clone()
    };
    assert_eq!(read(&ids[1]), 2);
    assert_eq!(read(&ids[0]), 2, "the marker does not move back");
    assert_eq!(app.entry(&b, &group).unwrap()["unread_count"], 2);
    assert_eq!(read(&ids[3]), 0);
    // Unknown, malformed, or another conversation's message.
    let path = format!("/api/auth/conversations/{group}/read");
    app.post(&path, &b.token, json!({"message_id": "m_99999"}))
        .expect(404, "消息不存在");
    app.post(&path, &b.token, json!({"message_id": "x"}))
        .expect(404, "消息不存在");
    let chat = app.private_chat(&a, &b);
    let elsewhere = app.send(&a, &chat, "hi");
    app.post(&path, &b.token, json!({"message_id": elsewhere}))
        .expect(404, "消息不存在");
}

#[test]
fn the_list_query_plan_uses_indexes_only() {
    let app = TestApp::spawn();
    let (a, _, _, _, _) = family(&app);
    let _ = a;
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
    for text in ["old 1", "old 2"] {
        app.send(&b, &group, text);
    }
    app.post(
        &members_path(&group),
        &a.token,
        json!({"member_ids": [d.id]}),
    )
    .expect(200, "已邀请");
    assert_eq!(app.entry(&d, &group).unwrap()["unread_count"], 0);
    // The history is there to read.
    assert!(app
        .messages(&d, &group)
        .iter()
        .any(|m| m["content"] == "old 1"));
    app.send(&b, &group, "new");
    assert_eq!(app.entry(&d, &group).unwrap()["unread_count"], 1);
}

#[test]
fn stored_unread_counters_always_match_a_recount() {
    let app = TestApp::spawn();
    let (a, b, c, _, group) = family(&app);
    let ids: Vec<String> = (0..6)
        .map(|i| app.send(if i % 2 == 0 { &a } else { &b }, &group, &format!("m{i}")))
        .collect();
    app.delete(
        "/api/auth/messages/delete",
        &c.token,
        Some(json!({"id": ids[0]})),
    )
    .expect(200, "已删除");
    app.delete(
        "/api/auth/messages/delete",
        &c.token,
        Some(json!({"id": ids[0]})),
    )
    .expect(200, "已删除");
    app.delete(
        "/api/auth/messages/recall",
        &a.token,
        Some(json!({"id": ids[2]})),
    )
    .expect(200, "消息已撤回");
    app.post(
        &format!("/api/auth/conversations/{group}/read"),
        &b.token,
        json!({"message_id": ids[3]}),
    )
    .expect(200, "success");
    app.delete(
        "/api/auth/messages/recall",
        &b.token,
        Some(json!({"id": ids[5]})),
    )
    .expect(200, "消息已撤回");
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
    assert_eq!(app.entry(&c, &group).unwrap()["unread_count"], 3);
}
