//! Creating groups (`POST /api/auth/conversations/group`).

use super::*;

#[test]
fn creating_a_group_answers_201_and_lists_it_for_every_member() {
    let app = TestApp::spawn();
    let (a, b, c) = trio(&app);

    let res = create_group(
        &app,
        &a,
        json!({ "name": "项目讨论组", "member_ids": [b.id, c.id] }),
    );

    res.expect(201, "群聊已创建");
    let group = res.data_str("conversation_id");
    assert!(group.starts_with("c_"), "{group}");
    assert_eq!(res.data(), &json!({ "conversation_id": group }));
    let system = app.messages(&a, &group);
    assert_eq!(system.len(), 1, "{system:?}");
    let time = system[0]["created_at"].clone();
    assert_eq!(time, json!(created_at_of(&app, &group)));
    for (viewer, preview) in [
        (&a, "你邀请李四、王五加入了群聊"),
        (&b, "张三邀请你、王五加入了群聊"),
        (&c, "张三邀请李四、你加入了群聊"),
    ] {
        assert_eq!(
            app.conversations(viewer),
            vec![json!({
                "conversation_id": group,
                "title": "项目讨论组",
                "last_message_preview": preview,
                "last_message_sender_name": null,
                "last_message_time": time,
                "unread_count": 0,
                "is_pinned": false,
                "is_muted": false,
                "mentioned": false,
                "type": "group",
                "member_count": 3,
                "avatar_url": null,
            })],
            "{}'s list",
            viewer.username
        );
    }
    let roles = member_rows(&app, &group);
    assert_eq!(
        roles,
        vec![
            (id_number(&a.id), "owner".to_string()),
            (id_number(&b.id), "member".to_string()),
            (id_number(&c.id), "member".to_string()),
        ]
    );
}

#[test]
fn the_group_creation_system_message_is_rendered_for_each_viewer() {
    let app = TestApp::spawn();
    let (a, b, c) = trio(&app);
    let group = app.group(&a, "周末", &[&b, &c]);

    let seen_by_owner = app.messages(&a, &group);
    assert_eq!(seen_by_owner.len(), 1);
    let message = &seen_by_owner[0];
    assert_eq!(sorted_keys(message), MESSAGE_FIELDS);
    let id = message["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("m_") && id_number(&id) > 0, "{id}");
    contract_time(&message["created_at"]);
    let time = message["created_at"].clone();
    assert_eq!(
        message,
        &json!({ "id": id, "sender_id": a.id, "sender_name": "我",
                 "content": "你邀请李四、王五加入了群聊", "status": 2, "created_at": time, "type": "text", "attachment": null,
                    "reply_to": null, "mentions": [] })
    );
    assert_eq!(
        app.messages(&b, &group),
        vec![json!({ "id": id, "sender_id": a.id, "sender_name": "张三",
                     "content": "张三邀请你、王五加入了群聊", "status": 2, "created_at": time, "type": "text", "attachment": null,
                    "reply_to": null, "mentions": [] })]
    );
    assert_eq!(
        app.messages(&c, &group),
        vec![json!({ "id": id, "sender_id": a.id, "sender_name": "张三",
                     "content": "张三邀请李四、你加入了群聊", "status": 2, "created_at": time, "type": "text", "attachment": null,
                    "reply_to": null, "mentions": [] })]
    );
}

#[test]
fn the_creation_message_lists_invited_members_in_the_order_given() {
    let app = TestApp::spawn();
    let (a, b, c) = trio(&app);

    let group = app.group(&a, "顺序", &[&c, &b]);

    assert_eq!(
        app.messages(&a, &group)[0]["content"],
        json!("你邀请王五、李四加入了群聊")
    );
}

#[test]
fn group_member_ids_ignore_duplicates_and_the_callers_own_id() {
    let app = TestApp::spawn();
    let (a, b, c) = trio(&app);

    let res = create_group(
        &app,
        &a,
        json!({ "name": "去重", "member_ids": [b.id, a.id, b.id, c.id, c.id, a.id] }),
    );

    res.expect(201, "群聊已创建");
    let group = res.data_str("conversation_id");
    assert_eq!(app.expect_entry(&a, &group)["member_count"], json!(3));
    assert_eq!(member_rows(&app, &group).len(), 3);
    assert_eq!(
        app.messages(&a, &group)[0]["content"],
        json!("你邀请李四、王五加入了群聊")
    );
}

#[test]
fn a_group_needs_at_least_one_other_member() {
    let app = TestApp::spawn();
    let (a, _b) = friends(&app);

    for ids in [json!([]), json!([a.id]), json!([a.id, a.id])] {
        create_group(&app, &a, json!({ "name": "独自", "member_ids": ids }))
            .status_for(400, &ids)
            .expect_bad_request();
    }
    assert_eq!(count_rows(&app, "conversations"), 0);
}

#[test]
fn a_group_name_is_1_to_64_characters_after_trimming() {
    let app = TestApp::spawn();
    let (a, b) = friends(&app);

    for bad in [
        "".to_string(),
        "   ".to_string(),
        "\t\n".to_string(),
        "群".repeat(65),
    ] {
        let res = create_group(&app, &a, json!({ "name": bad, "member_ids": [b.id] }));
        res.expect_prefix(400, "参数错误");
    }
    // 65 characters of which one is surrounding white space is 64 after trimming.
    let longest = "群".repeat(64);
    let group = app.group(&a, &format!(" {longest}"), &[&b]);
    assert_eq!(app.expect_entry(&b, &group)["title"], json!(longest));

    let trimmed = app.group(&a, "  周末 爬山  ", &[&b]);
    assert_eq!(app.expect_entry(&a, &trimmed)["title"], json!("周末 爬山"));
    assert_eq!(app.expect_entry(&b, &trimmed)["title"], json!("周末 爬山"));
    assert_eq!(count_rows(&app, "conversations"), 2);
}

#[test]
fn a_group_with_an_unknown_or_malformed_member_is_404_and_creates_nothing() {
    let app = TestApp::spawn();
    let (a, b) = friends(&app);

    for bad in ["u_999", "u_0", "bob", "c_1"] {
        let res = create_group(&app, &a, json!({ "name": "组", "member_ids": [b.id, bad] }));
        res.expect(404, "用户不存在");
    }
    assert_eq!(count_rows(&app, "conversations"), 0);
    assert!(app.conversations(&b).is_empty());
}

#[test]
fn a_group_with_a_non_friend_member_is_403_and_creates_nothing() {
    let app = TestApp::spawn();
    let (a, b) = friends(&app);
    let stranger = app.user("stranger");

    let res = create_group(
        &app,
        &a,
        json!({ "name": "组", "member_ids": [b.id, stranger.id] }),
    );

    res.expect(403, "对方不是你的好友");
    assert_eq!(count_rows(&app, "conversations"), 0);
    assert_eq!(count_rows(&app, "messages"), 0);
    assert!(app.conversations(&b).is_empty());
    assert!(app.conversations(&stranger).is_empty());
}

#[test]
fn a_group_larger_than_max_group_members_is_400() {
    let app = TestApp::spawn_with(&[("max_group_members", json!(3))]);
    let a = app.user("alice");
    let others: Vec<User> = ["bob", "carol", "dave"]
        .iter()
        .map(|n| app.user(n))
        .collect();
    for other in &others {
        app.befriend(&a, other);
    }
    let all: Vec<&str> = others.iter().map(|u| u.id.as_str()).collect();

    let res = create_group(&app, &a, json!({ "name": "太多", "member_ids": all }));
    res.expect_prefix(400, "参数错误");
    res.expect(400, "参数错误：群成员不能超过3人");
    assert_eq!(count_rows(&app, "conversations"), 0);

    // Exactly the limit (caller + 2), duplicates and the caller not counted twice.
    let ids = json!([others[0].id, others[1].id, others[0].id, a.id, others[1].id]);
    let res = create_group(&app, &a, json!({ "name": "刚好", "member_ids": ids }));
    res.expect(201, "群聊已创建");
    assert_eq!(
        app.expect_entry(&a, &res.data_str("conversation_id"))["member_count"],
        json!(3)
    );
}

#[test]
fn a_group_body_with_missing_fields_or_wrong_types_is_400() {
    let app = TestApp::spawn();
    let (a, b) = friends(&app);

    for body in [
        json!({ "member_ids": [b.id] }),
        json!({ "name": "组" }),
        json!({ "name": 5, "member_ids": [b.id] }),
        json!({ "name": null, "member_ids": [b.id] }),
        json!({ "name": "组", "member_ids": b.id }),
        json!({ "name": "组", "member_ids": [id_number(&b.id)] }),
        json!({ "name": "组", "member_ids": null }),
        json!({ "name": ["组"], "member_ids": [b.id] }),
        json!("组"),
    ] {
        create_group(&app, &a, body.clone())
            .status_for(400, &body)
            .expect_bad_request();
    }
    app.raw(
        Method::Post,
        "/api/auth/conversations/group",
        Some(&a.token),
        Some("{\"name\": \"组\", \"member_ids\": [".into()),
    )
    .expect_prefix(400, "参数错误");
    assert_eq!(count_rows(&app, "conversations"), 0);
}
