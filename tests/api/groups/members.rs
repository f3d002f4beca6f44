//! Members: the list, invitations, removal, leaving and the owner's hand-over.

use super::*;

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
    let res = app.invite(&b, &group, json!([d.id]));
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
    app.invite(&b, &group, json!([d.id]))
        .expect(403, "对方不是你的好友");
    app.invite(&a, &group, json!(["u_999"]))
        .expect(404, "用户不存在");
    app.invite(&a, &group, json!(["nope"]))
        .expect(404, "用户不存在");
    app.invite(&a, &group, json!("u_1"))
        .expect_prefix(400, "参数错误");
    app.befriend(&a, &e);
    app.invite(&a, &group, json!([d.id, e.id]))
        .expect_prefix(400, "参数错误：");
    assert_eq!(
        member_ids(&app, &a, &group).len(),
        3,
        "nothing added by a refused invite"
    );
    app.invite(&a, &group, json!([d.id])).expect(200, "已邀请");
    app.invite(&a, &group, json!([e.id]))
        .expect_prefix(400, "参数错误：");
}

#[test]
fn inviting_existing_members_adds_nothing_and_says_nothing() {
    let app = TestApp::spawn();
    let (a, b, _, _, group) = family(&app);
    let before = app.messages(&a, &group).len();
    app.invite(&a, &group, json!([b.id])).expect(200, "已邀请");
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
    app.invite(&a, &chat, json!([c.id]))
        .expect_prefix(400, "参数错误");
    app.remove(&a, &chat, &b.id).expect_prefix(400, "参数错误");
    app.rename_group(&a, &chat, json!({"name": "x"}))
        .expect_prefix(400, "参数错误");
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
    app.invite(&a, &group, json!([d.id])).expect(200, "已邀请");
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
