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
    app.befriend_all(&a, &[&b, &c, &d]);
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

/// The newest system message of `conversation` as `viewer` reads it.
fn last_text(app: &TestApp, viewer: &User, conversation: &str) -> String {
    texts(app, viewer, conversation)
        .pop()
        .unwrap_or_else(|| panic!("no system message in {conversation}"))
}

fn members_path(group: &str) -> String {
    format!("/api/auth/conversations/{group}/members")
}

/// `who` invites `member_ids` (a JSON value, so tests can send wrong types).
fn invite(app: &TestApp, who: &User, group: &str, member_ids: Value) -> Resp {
    app.post(
        &members_path(group),
        &who.token,
        json!({ "member_ids": member_ids }),
    )
}

/// `who` marks the conversation read (`body` may name a `message_id`).
fn read(app: &TestApp, who: &User, conversation: &str, body: Value) -> Resp {
    app.post(
        &format!("/api/auth/conversations/{conversation}/read"),
        &who.token,
        body,
    )
}

fn pin(app: &TestApp, who: &User, conversation: &str, is_pinned: Value) -> Resp {
    app.put(
        &format!("/api/auth/conversations/{conversation}/pin"),
        &who.token,
        json!({ "is_pinned": is_pinned }),
    )
}

fn rename(app: &TestApp, who: &User, conversation: &str, body: Value) -> Resp {
    app.patch(
        &format!("/api/auth/conversations/{conversation}"),
        &who.token,
        body,
    )
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
    let res = invite(&app, &b, &group, json!([d.id]));
    res.expect(200, "已邀请");
    assert_eq!(member_ids(&app, &a, &group).len(), 4);
    assert_eq!(last_text(&app, &b, &group), "你邀请戴夫加入了群聊");
    assert_eq!(last_text(&app, &d, &group), "鲍勃邀请你加入了群聊");
    assert_eq!(last_text(&app, &c, &group), "鲍勃邀请戴夫加入了群聊");
    assert_eq!(last_text(&app, &a, &group), "鲍勃邀请戴夫加入了群聊");
    // The new member sees the group in their list at once.
    assert!(app.entry(&d, &group).is_some());
}

#[test]
fn inviting_needs_friendship_known_users_and_room() {
    let app = TestApp::spawn_with(&[("max_group_members", json!(4))]);
    let (a, b, _, d, group) = family(&app);
    let e = app.user("eve");
    // b is not d's friend.
    invite(&app, &b, &group, json!([d.id])).expect(403, "对方不是你的好友");
    invite(&app, &a, &group, json!(["u_999"])).expect(404, "用户不存在");
    invite(&app, &a, &group, json!(["nope"])).expect(404, "用户不存在");
    invite(&app, &a, &group, json!("u_1")).expect_prefix(400, "参数错误");
    app.befriend(&a, &e);
    invite(&app, &a, &group, json!([d.id, e.id])).expect_prefix(400, "参数错误：");
    assert_eq!(
        member_ids(&app, &a, &group).len(),
        3,
        "nothing added by a refused invite"
    );
    invite(&app, &a, &group, json!([d.id])).expect(200, "已邀请");
    invite(&app, &a, &group, json!([e.id])).expect_prefix(400, "参数错误：");
}

#[test]
fn inviting_existing_members_adds_nothing_and_says_nothing() {
    let app = TestApp::spawn();
    let (a, b, _, _, group) = family(&app);
    let before = app.messages(&a, &group).len();
    invite(&app, &a, &group, json!([b.id])).expect(200, "已邀请");
    assert_eq!(app.messages(&a, &group).len(), before);
    assert_eq!(member_ids(&app, &a, &group).len(), 3);
}

#[test]
fn private_chats_refuse_group_management() {
    let app = TestApp::spawn();
    let a = app.user("alice");
    let b = app.user("bob");
    let c = app.user("carol");
    app.befriend_all(&a, &[&b, &c]);
    let chat = app.private_chat(&a, &b);
    invite(&app, &a, &chat, json!([c.id])).expect_prefix(400, "参数错误");
    app.remove(&a, &chat, &b.id).expect_prefix(400, "参数错误");
    rename(&app, &a, &chat, json!({"name": "x"})).expect_prefix(400, "参数错误");
    // Members, pin and read work on private chats too.
    assert_eq!(member_ids(&app, &a, &chat).len(), 2);
}

#[test]
fn the_owner_removes_a_member_who_then_loses_the_conversation() {
    let app = TestApp::spawn();
    let (a, b, c, _, group) = family(&app);
    let kept = app.send(&b, &group, "b 的旧消息");
    app.remove(&a, &group, &b.id).expect(200, "已移出群聊");
    assert_eq!(last_text(&app, &a, &group), "你将鲍勃移出了群聊");
    assert_eq!(last_text(&app, &c, &group), "爱丽丝将鲍勃移出了群聊");
    // The remaining members still see b's old message.
    assert!(app
        .messages(&c, &group)
        .iter()
        .any(|m| m["id"] == json!(kept)));
    // b: gone from the list, 404 on every route.
    assert!(app.entry(&b, &group).is_none());
    app.assert_shut_out(&b, &group, &kept);
}

#[test]
fn only_the_owner_removes_others() {
    let app = TestApp::spawn();
    let (a, b, c, _, group) = family(&app);
    app.remove(&b, &group, &c.id).expect(403, "无权限");
    app.remove(&b, &group, &a.id).expect(403, "无权限");
    assert_eq!(member_ids(&app, &a, &group).len(), 3);
    // Removing someone who is not a member.
    let stranger = app.user("zed");
    app.remove(&a, &group, &stranger.id)
        .expect(404, "用户不存在");
}

#[test]
fn a_member_leaves_and_can_no_longer_see_the_group() {
    let app = TestApp::spawn();
    let (a, b, c, _, group) = family(&app);
    let message = app.send(&c, &group, "再见");
    app.remove(&c, &group, &c.id).expect(200, "已退出群聊");
    assert_eq!(last_text(&app, &a, &group), "卡罗尔退出了群聊");
    assert_eq!(last_text(&app, &b, &group), "卡罗尔退出了群聊");
    assert_eq!(app.expect_entry(&a, &group)["member_count"], 2);
    app.assert_shut_out(&c, &group, &message);
}

#[test]
fn when_the_owner_leaves_the_longest_standing_member_becomes_owner() {
    let app = TestApp::spawn();
    let (a, b, c, d, group) = family(&app);
    invite(&app, &a, &group, json!([d.id])).expect(200, "已邀请");
    app.remove(&a, &group, &a.id).expect(200, "已退出群聊");
    let roles = member_ids(&app, &b, &group);
    assert_eq!(roles[0], (b.id.clone(), "owner".to_string()));
    assert_eq!(roles.len(), 3);
    let seen_by_b = texts(&app, &b, &group);
    assert_eq!(
        seen_by_b[seen_by_b.len() - 2..],
        ["爱丽丝退出了群聊", "你已成为新群主"]
    );
    assert_eq!(last_text(&app, &c, &group), "鲍勃已成为新群主");
    // The new owner may remove members now.
    app.remove(&b, &group, &d.id).expect(200, "已移出群聊");
}

#[test]
fn a_group_whose_last_member_leaves_disappears() {
    let app = TestApp::spawn();
    let (a, b, c, _, group) = family(&app);
    for who in [&a, &b, &c] {
        app.remove(who, &group, &who.id).expect(200, "已退出群聊");
        assert!(app.entry(who, &group).is_none());
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM conversations"), 0);
}

#[test]
fn any_member_renames_and_the_name_shows_everywhere() {
    let app = TestApp::spawn();
    let (a, b, c, _, group) = family(&app);
    let res = rename(&app, &b, &group, json!({"name": "  周末聚餐 "}));
    res.expect(200, "群名已修改");
    assert_eq!(app.expect_entry(&a, &group)["title"], "周末聚餐");
    assert_eq!(last_text(&app, &b, &group), "你修改群名为「周末聚餐」");
    assert_eq!(last_text(&app, &c, &group), "鲍勃修改群名为「周末聚餐」");
    for bad in [
        json!({"name": "   "}),
        json!({"name": "x".repeat(65)}),
        json!({"name": 3}),
    ] {
        rename(&app, &b, &group, bad).expect_prefix(400, "参数错误");
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
    let res = pin(&app, &a, &group, json!(true));
    res.expect(200, "success");
    assert_eq!(res.data()["is_pinned"], true);
    let list = app.conversations(&a);
    assert_eq!(list[0]["conversation_id"], json!(group));
    assert_eq!(list[0]["is_pinned"], true);
    assert_eq!(app.expect_entry(&b, &group)["is_pinned"], false);
    pin(&app, &a, &group, json!(false)).expect(200, "success");
    assert_eq!(app.conversations(&a)[0]["conversation_id"], json!(chat));
    pin(&app, &a, &group, json!("yes")).expect_prefix(400, "参数错误");
}

#[test]
fn read_without_a_message_id_clears_the_unread_count() {
    let app = TestApp::spawn();
    let (a, b, _, _, group) = family(&app);
    app.send_all(&a, &group, ["1", "2", "3"]);
    assert_eq!(app.unread(&b, &group), 3);
    let res = read(&app, &b, &group, json!({}));
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
        let res = read(&app, &b, &group, json!({"message_id": id}));
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
        read(&app, &b, &group, json!({"message_id": id}))
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
    invite(&app, &a, &group, json!([d.id])).expect(200, "已邀请");
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
    read(&app, &b, &group, json!({"message_id": ids[3]})).expect(200, "success");
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
