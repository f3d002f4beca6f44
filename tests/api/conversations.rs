//! The conversation list, the detail view, and creating private chats and groups
//! (API.md §5 and §7, docs/api.md §5).

use std::thread::sleep;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rocket::http::Method;
use serde_json::{json, Value};

use crate::helpers::{contract_time, id_number, ids, sorted_keys, Resp, TestApp, User};

// ---------------------------------------------------------------------------------------
// Private helpers
// ---------------------------------------------------------------------------------------

fn create_private(app: &TestApp, caller: &User, body: Value) -> Resp {
    app.post("/api/auth/conversations/private", &caller.token, body)
}

fn create_group(app: &TestApp, caller: &User, body: Value) -> Resp {
    app.post("/api/auth/conversations/group", &caller.token, body)
}

/// A detail page with a raw query string (`""` for none).
fn page(app: &TestApp, viewer: &User, conversation: &str, query: &str) -> Resp {
    let path = if query.is_empty() {
        format!("/api/auth/conversations/{conversation}")
    } else {
        format!("/api/auth/conversations/{conversation}?{query}")
    };
    app.get(&path, &viewer.token)
}

/// The message ids of a successful page.
fn page_ids(app: &TestApp, viewer: &User, conversation: &str, query: &str) -> Vec<String> {
    let res = page(app, viewer, conversation, query);
    res.expect(200, "success");
    ids(&res.list())
}

fn list_ids(app: &TestApp, viewer: &User) -> Vec<String> {
    app.conversations(viewer)
        .iter()
        .map(|c| c["conversation_id"].as_str().unwrap().to_string())
        .collect()
}

fn rename(app: &TestApp, user: &User, display_name: &str) {
    let res = app.set_display_name(user, display_name);
    res.expect(200, "success");
    assert_eq!(res.data()["display_name"], json!(display_name));
}

/// A conversation's creation time as the API shows times, read from the database.
fn created_at_of(app: &TestApp, conversation: &str) -> String {
    let ms: i64 = app
        .sqlite()
        .query_row(
            "SELECT created_at FROM conversations WHERE id = ?1",
            [id_number(conversation)],
            |r| r.get(0),
        )
        .expect("conversation row");
    DateTime::<Utc>::from_timestamp(ms.div_euclid(1000), 0)
        .unwrap()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn member_rows(app: &TestApp, conversation: &str) -> Vec<(i64, String)> {
    let conn = app.sqlite();
    let mut stmt = conn
        .prepare("SELECT user_id, role FROM members WHERE conversation_id = ?1 ORDER BY user_id")
        .unwrap();
    let rows = stmt
        .query_map([id_number(conversation)], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

fn count_rows(app: &TestApp, table: &str) -> i64 {
    app.count(&format!("SELECT COUNT(*) FROM {table}"))
}

/// The fields of a message in the detail view, sorted.
const MESSAGE_FIELDS: [&str; 6] = [
    "content",
    "created_at",
    "id",
    "sender_id",
    "sender_name",
    "status",
];

/// Three mutual friends with Chinese display names.
fn trio(app: &TestApp) -> (User, User, User) {
    let a = app.user_named("alice", "张三");
    let b = app.user_named("bob", "李四");
    let c = app.user_named("carol", "王五");
    app.befriend_all(&a, &[&b, &c]);
    app.befriend(&b, &c);
    (a, b, c)
}

fn friends(app: &TestApp) -> (User, User) {
    let a = app.user_named("alice", "张三");
    let b = app.user_named("bob", "李四");
    app.befriend(&a, &b);
    (a, b)
}

/// Two friends (张三 and 李四) and their private chat.
fn chatting(app: &TestApp) -> (User, User, String) {
    let (a, b) = friends(app);
    let chat = app.private_chat(&a, &b);
    (a, b, chat)
}

// ---------------------------------------------------------------------------------------
// POST /api/auth/conversations/private
// ---------------------------------------------------------------------------------------

#[test]
fn creating_a_private_chat_answers_201_with_a_c_prefixed_id() {
    let app = TestApp::spawn();
    let (a, b) = friends(&app);

    let res = app.open_private(&a, &b.id);

    res.expect(201, "会话已创建");
    let id = res.data_str("conversation_id");
    assert!(id.starts_with("c_") && id_number(&id) > 0, "{id}");
    assert_eq!(res.data(), &json!({ "conversation_id": id }));
    assert_eq!(member_rows(&app, &id).len(), 2);
}

#[test]
fn the_same_pair_gets_its_existing_private_chat_from_either_side() {
    let app = TestApp::spawn();
    let (a, b) = friends(&app);
    let first = app.open_private(&a, &b.id);
    first.expect(201, "会话已创建");
    let id = first.data_str("conversation_id");

    let again = app.open_private(&a, &b.id);
    again.expect(200, "会话已存在");
    assert_eq!(again.data(), &json!({ "conversation_id": id }));

    let reverse = app.open_private(&b, &a.id);
    reverse.expect(200, "会话已存在");
    assert_eq!(reverse.data(), &json!({ "conversation_id": id }));

    assert_eq!(count_rows(&app, "conversations"), 1);
    assert_eq!(list_ids(&app, &a), vec![id.clone()]);
    assert_eq!(list_ids(&app, &b), vec![id]);
}

#[test]
fn a_private_chat_without_friend_id_or_with_a_bad_body_is_400() {
    let app = TestApp::spawn();
    let (a, _b) = friends(&app);
    let path = "/api/auth/conversations/private";

    for body in [
        json!({}),
        json!({ "friend_id": null }),
        json!({ "friend_id": 2 }),
        json!([]),
    ] {
        create_private(&app, &a, body.clone())
            .status_for(400, &body)
            .expect_bad_request();
    }
    app.raw(
        Method::Post,
        path,
        Some(&a.token),
        Some("{\"friend_id\":".into()),
    )
    .expect_prefix(400, "参数错误");
    app.call(Method::Post, path, Some(&a.token), None)
        .expect_prefix(400, "参数错误");
    assert_eq!(count_rows(&app, "conversations"), 0);
}

#[test]
fn a_private_chat_with_yourself_is_400() {
    let app = TestApp::spawn();
    let (a, _b) = friends(&app);

    app.open_private(&a, &a.id).expect_prefix(400, "参数错误");
    assert!(app.conversations(&a).is_empty());
}

#[test]
fn a_private_chat_with_an_unknown_or_malformed_user_is_404() {
    let app = TestApp::spawn();
    let (a, _b) = friends(&app);

    for bad in ["u_999", "u_0", "u_01", "bob", "", "c_1"] {
        app.open_private(&a, bad).expect(404, "用户不存在");
    }
    assert_eq!(count_rows(&app, "conversations"), 0);
}

#[test]
fn a_private_chat_with_a_non_friend_is_403_and_creates_nothing() {
    let app = TestApp::spawn();
    let a = app.user("alice");
    let b = app.user("bob");
    app.post(
        "/api/auth/friends/requests",
        &a.token,
        json!({ "user_id": b.id }),
    )
    .expect(201, "好友请求已发送"); // pending is not enough

    let res = app.open_private(&a, &b.id);

    res.expect(403, "对方不是你的好友");
    assert_eq!(res.data(), &Value::Null);
    assert!(app.conversations(&a).is_empty());
    assert!(app.conversations(&b).is_empty());
    assert_eq!(count_rows(&app, "conversations"), 0);
}

#[test]
fn a_new_private_chat_is_listed_for_both_members_at_once() {
    let app = TestApp::spawn();
    let (a, b) = friends(&app);

    let chat = app.private_chat(&a, &b);

    let created = created_at_of(&app, &chat);
    contract_time(&json!(created));
    for (viewer, title) in [(&a, "李四"), (&b, "张三")] {
        assert_eq!(
            app.conversations(viewer),
            vec![json!({
                "conversation_id": chat,
                "title": title,
                "last_message_preview": "",
                "last_message_time": created,
                "unread_count": 0,
                "is_pinned": false,
                "type": "private",
                "member_count": 2,
            })],
            "{}'s list",
            viewer.username
        );
    }
    // An empty conversation has an empty page.
    assert_eq!(app.messages(&b, &chat), Vec::<Value>::new());
}

#[test]
fn an_existing_private_chat_is_returned_even_after_the_friendship_ended() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    app.delete(&format!("/api/auth/friends/{}", b.id), &a.token, None)
        .expect(200, "已删除好友");

    let res = app.open_private(&b, &a.id);

    res.expect(200, "会话已存在");
    assert_eq!(res.data(), &json!({ "conversation_id": chat }));
}

// ---------------------------------------------------------------------------------------
// POST /api/auth/conversations/group
// ---------------------------------------------------------------------------------------

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
                "last_message_time": time,
                "unread_count": 0,
                "is_pinned": false,
                "type": "group",
                "member_count": 3,
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
                 "content": "你邀请李四、王五加入了群聊", "status": 2, "created_at": time })
    );
    assert_eq!(
        app.messages(&b, &group),
        vec![json!({ "id": id, "sender_id": a.id, "sender_name": "张三",
                     "content": "张三邀请你、王五加入了群聊", "status": 2, "created_at": time })]
    );
    assert_eq!(
        app.messages(&c, &group),
        vec![json!({ "id": id, "sender_id": a.id, "sender_name": "张三",
                     "content": "张三邀请李四、你加入了群聊", "status": 2, "created_at": time })]
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

// ---------------------------------------------------------------------------------------
// GET /api/auth/conversations/{id}
// ---------------------------------------------------------------------------------------

#[test]
fn the_detail_view_lists_messages_oldest_first_with_every_field() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    let first = app.send(&a, &chat, "下午一起吃饭？");
    let second = app.send(&b, &chat, "可以，几点？");

    let seen_by_a = app.messages(&a, &chat);

    assert_eq!(seen_by_a.len(), 2);
    for m in &seen_by_a {
        assert_eq!(sorted_keys(m), MESSAGE_FIELDS);
        contract_time(&m["created_at"]);
    }
    let (t1, t2) = (
        seen_by_a[0]["created_at"].clone(),
        seen_by_a[1]["created_at"].clone(),
    );
    assert_eq!(
        seen_by_a,
        vec![
            json!({ "id": first, "sender_id": a.id, "sender_name": "我",
                    "content": "下午一起吃饭？", "status": 0, "created_at": t1 }),
            json!({ "id": second, "sender_id": b.id, "sender_name": "李四",
                    "content": "可以，几点？", "status": 0, "created_at": t2 }),
        ]
    );
    assert_eq!(
        app.messages(&b, &chat),
        vec![
            json!({ "id": first, "sender_id": a.id, "sender_name": "张三",
                    "content": "下午一起吃饭？", "status": 0, "created_at": t1 }),
            json!({ "id": second, "sender_id": b.id, "sender_name": "我",
                    "content": "可以，几点？", "status": 0, "created_at": t2 }),
        ]
    );
    assert!(id_number(&first) < id_number(&second));
}

#[test]
fn content_is_returned_exactly_as_sent() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    let text = "  前后空格\n第二行 <b>&amp;</b> \"引号\" 😀  ";
    app.send(&a, &chat, text);

    assert_eq!(app.messages(&b, &chat)[0]["content"], json!(text));
}

#[test]
fn the_detail_view_pages_with_limit_before_and_after() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    let m = app.send_all(&a, &chat, (1..=5).map(|i| format!("消息{i}")));

    // No parameters: everything (fewer than the default 50), oldest first.
    assert_eq!(page_ids(&app, &b, &chat, ""), m);
    // limit alone: the newest `limit`, still oldest first.
    assert_eq!(
        page_ids(&app, &b, &chat, "limit=2"),
        vec![m[3].clone(), m[4].clone()]
    );
    // before the oldest of those: the two before it.
    let older = format!("before={}&limit=2", m[3]);
    assert_eq!(
        page_ids(&app, &b, &chat, &older),
        vec![m[1].clone(), m[2].clone()]
    );
    let oldest = format!("limit=2&before={}", m[1]);
    assert_eq!(page_ids(&app, &b, &chat, &oldest), vec![m[0].clone()]);
    assert_eq!(
        page_ids(&app, &b, &chat, &format!("before={}", m[0])),
        Vec::<String>::new()
    );
    // after: the oldest `limit` after the id.
    let newer = format!("after={}&limit=2", m[0]);
    assert_eq!(
        page_ids(&app, &b, &chat, &newer),
        vec![m[1].clone(), m[2].clone()]
    );
    assert_eq!(
        page_ids(&app, &b, &chat, &format!("after={}", m[2])),
        vec![m[3].clone(), m[4].clone()]
    );
    assert_eq!(
        page_ids(&app, &b, &chat, &format!("after={}", m[4])),
        Vec::<String>::new()
    );
    // Ids are positions: one that does not exist still works.
    assert_eq!(
        page_ids(&app, &b, &chat, "before=m_999999&limit=1"),
        vec![m[4].clone()]
    );
    assert_eq!(
        page_ids(&app, &b, &chat, "after=m_999999"),
        Vec::<String>::new()
    );
    // The bounds of limit are allowed.
    assert_eq!(page_ids(&app, &b, &chat, "limit=1"), vec![m[4].clone()]);
    assert_eq!(page_ids(&app, &b, &chat, "limit=200"), m);
}

#[test]
fn the_detail_view_returns_the_newest_50_by_default() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    let sent = app.send_all(&a, &chat, (1..=53).map(|i| i.to_string()));

    let got = page_ids(&app, &b, &chat, "");

    assert_eq!(got, sent[3..].to_vec());
}

#[test]
fn bad_paging_parameters_are_400() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    let m1 = app.send(&a, &chat, "一");
    let m2 = app.send(&a, &chat, "二");

    let both = format!("before={m2}&after={m1}");
    for query in [
        "limit=0",
        "limit=201",
        "limit=abc",
        "limit=-1",
        "limit=",
        "limit=1.5",
        "before=xyz",
        "before=m_0",
        "before=c_1",
        "before=",
        "after=xyz",
        "after=m_01",
        both.as_str(),
    ] {
        page(&app, &b, &chat, query)
            .status_for(400, query)
            .expect_bad_request();
    }
    // None of them moved the read marker.
    assert_eq!(app.unread(&b, &chat), 2);
}

#[test]
fn an_unknown_malformed_or_foreign_conversation_is_404() {
    let app = TestApp::spawn();
    let (a, b) = friends(&app);
    let outsider = app.user("outsider");
    let chat = app.private_chat(&a, &b);
    app.send(&a, &chat, "私密");

    for bad in ["c_999", "c_0", "c_01", "abc", "u_1", "m_1"] {
        page(&app, &a, bad, "")
            .status_for(404, bad)
            .expect_error(404, "会话不存在");
    }
    page(&app, &outsider, &chat, "").expect(404, "会话不存在");
    page(&app, &outsider, &chat, "limit=1").expect(404, "会话不存在");
    assert!(app.conversations(&outsider).is_empty());
}

#[test]
fn conversation_routes_require_a_token() {
    let app = TestApp::spawn();
    let (_a, b, chat) = chatting(&app);
    let detail = format!("/api/auth/conversations/{chat}");

    app.expect_unauthorized(
        None,
        &[
            (Method::Get, "/api/auth/conversations", None),
            (Method::Get, &detail, None),
            (
                Method::Post,
                "/api/auth/conversations/private",
                Some(json!({ "friend_id": b.id })),
            ),
            (
                Method::Post,
                "/api/auth/conversations/group",
                Some(json!({ "name": "组", "member_ids": [b.id] })),
            ),
        ],
    );
    app.expect_unauthorized(
        Some("x.y.z"),
        &[(Method::Get, "/api/auth/conversations", None)],
    );
}

// ---------------------------------------------------------------------------------------
// Unread counts and previews
// ---------------------------------------------------------------------------------------

#[test]
fn unread_counts_only_others_messages() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);

    app.send_all(&a, &chat, (0..3).map(|i| format!("来自张三{i}")));
    assert_eq!(app.unread(&b, &chat), 3);
    assert_eq!(app.unread(&a, &chat), 0, "own messages are not unread");

    // Sending moves the sender's own marker: b has caught up, a has one unread.
    app.send(&b, &chat, "收到");
    assert_eq!(app.unread(&b, &chat), 0);
    assert_eq!(app.unread(&a, &chat), 1);
}

#[test]
fn group_system_messages_are_never_unread() {
    let app = TestApp::spawn();
    let (a, b, c) = trio(&app);
    let group = app.group(&a, "组", &[&b, &c]);

    assert_eq!(app.unread(&b, &group), 0);
    app.send(&c, &group, "大家好");
    assert_eq!(app.unread(&b, &group), 1);
    assert_eq!(app.unread(&a, &group), 1);
    assert_eq!(app.unread(&c, &group), 0);
}

#[test]
fn reading_the_newest_page_clears_unread_but_an_older_page_does_not() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    let m = app.send_all(&a, &chat, ["1", "2", "3", "4"]);
    assert_eq!(app.unread(&b, &chat), 4);

    // An older page — even one reaching the newest message — leaves the marker alone.
    page_ids(&app, &b, &chat, &format!("before={}", m[3]));
    page_ids(&app, &b, &chat, "before=m_999999");
    assert_eq!(app.unread(&b, &chat), 4);

    // A page fetched with `after` moves it to the newest message on that page.
    page_ids(&app, &b, &chat, &format!("after={}&limit=1", m[0]));
    assert_eq!(app.unread(&b, &chat), 2);

    // The newest page, whatever its limit, moves it to the newest message.
    page_ids(&app, &b, &chat, "limit=1");
    assert_eq!(app.unread(&b, &chat), 0);

    // It never moves backwards.
    page_ids(&app, &b, &chat, &format!("after={}&limit=1", m[0]));
    assert_eq!(app.unread(&b, &chat), 0);
    app.send(&a, &chat, "5");
    assert_eq!(app.unread(&b, &chat), 1);
    app.messages(&b, &chat);
    assert_eq!(app.unread(&b, &chat), 0);
    // Reading does not change the other member's count.
    assert_eq!(app.unread(&a, &chat), 0);
}

#[test]
fn the_preview_is_the_newest_message_cut_to_100_characters() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    app.send(&a, &chat, "第一条");
    let long: String = (0..150)
        .map(|i| if i % 2 == 0 { '长' } else { 'x' })
        .collect();
    app.send(&b, &chat, &long);

    let expected: String = long.chars().take(100).collect();
    let seen_by_a = app.expect_entry(&a, &chat);
    assert_eq!(seen_by_a["last_message_preview"], json!(expected));
    assert_eq!(
        seen_by_a["last_message_preview"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        100
    );
    // The time is the newest message's.
    let newest = app.messages(&a, &chat).last().unwrap().clone();
    assert_eq!(
        newest["content"],
        json!(long),
        "the detail view keeps the whole text"
    );
    assert_eq!(seen_by_a["last_message_time"], newest["created_at"]);
    assert_eq!(
        app.expect_entry(&b, &chat)["last_message_preview"],
        json!(expected)
    );

    // Exactly 100 characters are shown whole; a newer message replaces the preview.
    let hundred = "字".repeat(100);
    app.send(&a, &chat, &hundred);
    assert_eq!(
        app.expect_entry(&b, &chat)["last_message_preview"],
        json!(hundred)
    );
    app.send(&a, &chat, "短");
    assert_eq!(
        app.expect_entry(&b, &chat)["last_message_preview"],
        json!("短")
    );
}

#[test]
fn the_preview_and_unread_count_skip_messages_the_viewer_deleted() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    app.send(&a, &chat, "旧消息");
    let newest = app.send(&a, &chat, "新消息");
    assert_eq!(app.unread(&b, &chat), 2);

    app.delete_for_me(&b, &newest).expect(200, "已删除");

    let seen_by_b = app.expect_entry(&b, &chat);
    assert_eq!(seen_by_b["last_message_preview"], json!("旧消息"));
    assert_eq!(seen_by_b["unread_count"], json!(1));
    // The sender still sees their message.
    assert_eq!(
        app.expect_entry(&a, &chat)["last_message_preview"],
        json!("新消息")
    );
}

#[test]
fn a_recalled_message_shows_in_the_preview_through_its_system_message() {
    let app = TestApp::spawn();
    let (a, b, chat) = chatting(&app);
    let message = app.send(&a, &chat, "说错了");
    assert_eq!(app.unread(&b, &chat), 1);

    app.recall(&a, &message).expect(200, "消息已撤回");

    let seen_by_b = app.expect_entry(&b, &chat);
    assert_eq!(
        seen_by_b["last_message_preview"],
        json!("张三撤回了一条消息")
    );
    assert_eq!(
        seen_by_b["unread_count"],
        json!(0),
        "recalled and system messages are not unread"
    );
    assert_eq!(
        app.expect_entry(&a, &chat)["last_message_preview"],
        json!("你撤回了一条消息")
    );
    let page = app.messages(&b, &chat);
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["id"], json!(message));
    assert_eq!(page[0]["status"], json!(1));
    assert_eq!(page[0]["content"], json!(""));
    assert_eq!(page[1]["status"], json!(2));
    assert_eq!(page[1]["sender_id"], json!(a.id));
    assert_eq!(page[1]["sender_name"], json!("张三"));
    assert_eq!(page[1]["content"], json!("张三撤回了一条消息"));
}

// ---------------------------------------------------------------------------------------
// List order and names
// ---------------------------------------------------------------------------------------

/// Puts every conversation and message into one millisecond (so ties do not depend on the
/// clock), and returns it.
fn same_moment_for_everything(app: &TestApp) -> i64 {
    let conn = app.sqlite();
    let ms: i64 = conn
        .query_row(
            "SELECT MAX(t) FROM (SELECT MAX(created_at) AS t FROM conversations
                                 UNION ALL SELECT MAX(created_at) FROM messages)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute("UPDATE conversations SET created_at = ?1", [ms])
        .unwrap();
    conn.execute("UPDATE messages SET created_at = ?1", [ms])
        .unwrap();
    ms
}

#[test]
fn the_list_is_ordered_by_newest_second_then_newest_message_id_then_conversation_id() {
    let app = TestApp::spawn();
    let (a, b, c) = trio(&app);
    let d = app.user_named("dave", "赵六");
    app.befriend(&a, &d);
    let first = app.private_chat(&a, &b);
    let second = app.private_chat(&c, &a);
    let group = app.group(&b, "同一秒", &[&a]);

    // All in one second: the group has a message, so it comes first; the two empty chats go
    // by conversation id.
    same_moment_for_everything(&app);
    assert_eq!(
        list_ids(&app, &a),
        vec![group.clone(), first.clone(), second.clone()]
    );

    // Still the same second: a newer message id wins.
    app.send(&b, &first, "同一秒的新消息");
    same_moment_for_everything(&app);
    assert_eq!(
        list_ids(&app, &a),
        vec![first.clone(), group.clone(), second.clone()]
    );

    // A later second beats any message id, even for a conversation without messages.
    sleep(Duration::from_millis(1100));
    let later = app.private_chat(&d, &a);
    assert_eq!(
        list_ids(&app, &a),
        vec![later.clone(), first.clone(), group.clone(), second.clone()]
    );

    // A message in the oldest conversation moves it to the top.
    sleep(Duration::from_millis(1100));
    app.send(&c, &second, "我又来了");
    assert_eq!(
        list_ids(&app, &a),
        vec![second.clone(), later, first.clone(), group.clone()]
    );
    assert_eq!(list_ids(&app, &b), vec![first, group]);
    assert_eq!(list_ids(&app, &c), vec![second]);
}

#[test]
fn a_user_with_no_conversations_gets_an_empty_list() {
    let app = TestApp::spawn();
    let a = app.user("alice");

    let res = app.get("/api/auth/conversations", &a.token);

    res.expect(200, "success");
    assert_eq!(res.data(), &json!([]));
}

#[test]
fn a_display_name_change_shows_in_titles_sender_names_and_system_messages() {
    let app = TestApp::spawn();
    let (a, b, c) = trio(&app);
    let chat = app.private_chat(&a, &b);
    app.send(&b, &chat, "你好");
    let group = app.group(&a, "老友", &[&b, &c]);

    rename(&app, &b, "李四四");

    assert_eq!(app.expect_entry(&a, &chat)["title"], json!("李四四"));
    assert_eq!(app.expect_entry(&b, &chat)["title"], json!("张三"));
    assert_eq!(app.messages(&a, &chat)[0]["sender_name"], json!("李四四"));
    assert_eq!(app.messages(&b, &chat)[0]["sender_name"], json!("我"));
    assert_eq!(
        app.messages(&a, &group)[0]["content"],
        json!("你邀请李四四、王五加入了群聊")
    );
    assert_eq!(
        app.messages(&c, &group)[0]["content"],
        json!("张三邀请李四四、你加入了群聊")
    );
    assert_eq!(
        app.expect_entry(&c, &group)["last_message_preview"],
        json!("张三邀请李四四、你加入了群聊")
    );

    // The actor's name is current too, as is the system message's sender_name.
    rename(&app, &a, "张三丰");
    let seen_by_b = app.messages(&b, &group);
    assert_eq!(
        seen_by_b[0]["content"],
        json!("张三丰邀请你、王五加入了群聊")
    );
    assert_eq!(seen_by_b[0]["sender_name"], json!("张三丰"));
    assert_eq!(app.expect_entry(&b, &chat)["title"], json!("张三丰"));
    assert_eq!(
        app.expect_entry(&b, &group)["last_message_preview"],
        json!("张三丰邀请你、王五加入了群聊")
    );
    // The group's own name is unaffected.
    assert_eq!(app.expect_entry(&b, &group)["title"], json!("老友"));
}
