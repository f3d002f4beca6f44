//! §6 Messages: sending (`POST /api/auth/messages`), recalling
//! (`DELETE /api/auth/messages/recall`) and deleting for oneself
//! (`DELETE /api/auth/messages/delete`), seen through the detail view, the conversation list
//! and the database itself.

use std::thread::sleep;
use std::time::Duration;

use rocket::http::Method;
use serde_json::{json, Value};

use crate::helpers::{contract_time, id_number, ids, Resp, TestApp, User};

const RECALL_REFUSED: &str = "不可撤回（超时或无权限）";

// ---------------------------------------------------------------------------------------------
// Private helpers
// ---------------------------------------------------------------------------------------------

/// Two friends 李四 (`lisi`) and 张三 (`zhangsan`) and their private conversation.
fn pair(app: &TestApp) -> (User, User, String) {
    let lisi = app.user_named("lisi", "李四");
    let zhangsan = app.user_named("zhangsan", "张三");
    app.befriend(&lisi, &zhangsan);
    let chat = app.private_chat(&lisi, &zhangsan);
    (lisi, zhangsan, chat)
}

/// 李四 owns a group with 张三 and 王五; returns (lisi, zhangsan, wangwu, group).
fn trio(app: &TestApp) -> (User, User, User, String) {
    let lisi = app.user_named("lisi", "李四");
    let zhangsan = app.user_named("zhangsan", "张三");
    let wangwu = app.user_named("wangwu", "王五");
    app.befriend_all(&lisi, &[&zhangsan, &wangwu]);
    let group = app.group(&lisi, "项目讨论组", &[&zhangsan, &wangwu]);
    (lisi, zhangsan, wangwu, group)
}

/// A new user who befriends each of `friends` but is in none of their conversations.
fn friend_outside(app: &TestApp, username: &str, display_name: &str, friends: &[&User]) -> User {
    let user = app.user_named(username, display_name);
    app.befriend_all(&user, friends);
    user
}

fn send_body(app: &TestApp, from: &User, body: Value) -> Resp {
    app.post("/api/auth/messages", &from.token, body)
}

fn send_with_client_id(
    app: &TestApp,
    from: &User,
    chat: &str,
    content: &str,
    client: &str,
) -> Resp {
    send_body(
        app,
        from,
        json!({"conversation_id": chat, "content": content, "client_msg_id": client}),
    )
}

/// Asserts `viewer`'s list shows `text` as the conversation's preview, dated `time`.
#[track_caller]
fn assert_preview(app: &TestApp, viewer: &User, chat: &str, text: &str, time: &Value) {
    let entry = app.expect_entry(viewer, chat);
    assert_eq!(
        entry["last_message_preview"],
        json!(text),
        "{}",
        viewer.username
    );
    assert_eq!(&entry["last_message_time"], time, "{}", viewer.username);
}

/// Asserts both sends were accepted as two different messages; their ids.
#[track_caller]
fn two_messages(a: &Resp, b: &Resp) -> (String, String) {
    a.expect(201, "消息已发送");
    b.expect(201, "消息已发送");
    assert_ne!(a.data()["message_id"], b.data()["message_id"]);
    (a.data_str("message_id"), b.data_str("message_id"))
}

/// Recalls `id` as `who`, which must succeed; returns the system message's id.
#[track_caller]
fn recalled(app: &TestApp, who: &User, id: &str) -> String {
    let res = app.recall(who, id);
    res.expect(200, "消息已撤回");
    res.data_str("system_message_id")
}

fn find(messages: &[Value], id: &str) -> Value {
    messages
        .iter()
        .find(|m| m["id"] == json!(id))
        .unwrap_or_else(|| panic!("{id} not in {messages:?}"))
        .clone()
}

/// Asserts a message id looks like `m_<n>`, n a positive decimal without leading zeros.
#[track_caller]
fn assert_message_id(value: &Value) -> String {
    let id = value
        .as_str()
        .unwrap_or_else(|| panic!("message id {value} is not a string"));
    let digits = id
        .strip_prefix("m_")
        .unwrap_or_else(|| panic!("{id} lacks m_"));
    assert!(
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
        "{id}"
    );
    assert!(!digits.starts_with('0'), "{id}");
    id.to_string()
}

/// Asserts an RFC 3339 UTC time with whole seconds and a `Z`, close to now.
#[track_caller]
fn assert_recent_time(value: &Value) {
    let time = chrono::DateTime::from_timestamp(contract_time(value), 0).unwrap();
    let age = chrono::Utc::now().signed_duration_since(time).num_seconds();
    assert!((0..30).contains(&age), "{value} is {age} s old");
}

/// One column of a message's row, as stored.
fn stored<T: rusqlite::types::FromSql>(app: &TestApp, column: &str, id: &str) -> T {
    let sql = format!("SELECT {column} FROM messages WHERE id = {}", id_number(id));
    app.sqlite()
        .query_row(&sql, [], |row| row.get(0))
        .expect("message row")
}

fn stored_content(app: &TestApp, id: &str) -> String {
    stored(app, "content", id)
}

fn stored_status(app: &TestApp, id: &str) -> i64 {
    stored(app, "status", id)
}

fn messages_in(app: &TestApp, chat: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM messages WHERE conversation_id = {}",
        id_number(chat)
    ))
}

fn with_client_id(app: &TestApp, client: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM messages WHERE client_msg_id = '{client}'"
    ))
}

/// `limit` repetitions of `unit` are sent and shown whole; one more is refused and not stored.
#[track_caller]
fn assert_message_length_limit(app: &TestApp, unit: &str, limit: usize) {
    let (lisi, _zhangsan, chat) = pair(app);
    let longest = unit.repeat(limit);

    let id = app.send(&lisi, &chat, &longest);
    app.try_send(&lisi, &chat, &unit.repeat(limit + 1))
        .expect_prefix(400, "发送失败");

    assert_eq!(
        find(&app.messages(&lisi, &chat), &id)["content"],
        json!(longest)
    );
    assert_eq!(
        messages_in(app, &chat),
        1,
        "the refused message is not stored"
    );
}

// ---------------------------------------------------------------------------------------------
// POST /api/auth/messages
// ---------------------------------------------------------------------------------------------

#[test]
fn send_returns_201_with_message_id_and_rfc3339_created_at() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);

    let res = app.try_send(&lisi, &chat, "大家下午见！");

    res.expect(201, "消息已发送");
    let data = res.data().as_object().expect("data object");
    assert_eq!(
        data.len(),
        2,
        "data is exactly {{message_id, created_at}}: {data:?}"
    );
    let id = assert_message_id(&res.data()["message_id"]);
    assert_recent_time(&res.data()["created_at"]);

    let shown = app.messages(&lisi, &chat);
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0]["id"], json!(id));
    assert_eq!(shown[0]["sender_id"], json!(lisi.id));
    assert_eq!(shown[0]["sender_name"], json!("我"));
    assert_eq!(shown[0]["content"], json!("大家下午见！"));
    assert_eq!(shown[0]["status"], json!(0));
    assert_eq!(shown[0]["created_at"], res.data()["created_at"]);
}

#[test]
fn sent_message_appears_for_the_recipient_with_the_senders_display_name() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "下午一起吃饭？");

    let shown = app.messages(&zhangsan, &chat);

    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0]["id"], json!(id));
    assert_eq!(shown[0]["sender_id"], json!(lisi.id));
    assert_eq!(shown[0]["sender_name"], json!("李四"));
    assert_eq!(shown[0]["content"], json!("下午一起吃饭？"));
    assert_eq!(shown[0]["status"], json!(0));
}

#[test]
fn successive_messages_get_increasing_ids_and_are_listed_oldest_first() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let first = app.send(&lisi, &chat, "一");
    let second = app.send(&zhangsan, &chat, "二");
    let third = app.send(&lisi, &chat, "三");

    assert!(id_number(&first) < id_number(&second) && id_number(&second) < id_number(&third));
    assert_eq!(
        ids(&app.messages(&zhangsan, &chat)),
        vec![first, second, third]
    );
}

#[test]
fn content_is_stored_exactly_as_sent() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let samples = [
        "  leading and trailing spaces  ",
        "line one\nline two\n",
        "\ttabbed\r\n",
        "emoji 😀👍🏽👨‍👩‍👧 and 中文",
        "<img src=x onerror=alert(1)>",
        "<script>alert('x')</script> & \"quotes\" \\ backslash",
        "'; DROP TABLE messages; --",
        "%_ like wildcards",
    ];

    let sent = app.send_all(&lisi, &chat, samples);

    for viewer in [&lisi, &zhangsan] {
        let shown = app.messages(viewer, &chat);
        for (id, sample) in sent.iter().zip(samples) {
            assert_eq!(
                find(&shown, id)["content"],
                json!(sample),
                "as seen by {}",
                viewer.username
            );
        }
    }
    for (id, sample) in sent.iter().zip(samples) {
        assert_eq!(stored_content(&app, id), sample);
    }
}

#[test]
fn empty_or_whitespace_only_content_is_refused_with_send_failed() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);

    for blank in ["", " ", "   ", "\n", " \t\r\n ", "\u{3000}"] {
        let res = app.try_send(&lisi, &chat, blank);
        res.expect_prefix(400, "发送失败");
        assert_eq!(res.body["data"], Value::Null, "{blank:?}");
    }
    assert_eq!(messages_in(&app, &chat), 0);
}

#[test]
fn content_of_exactly_max_message_chars_characters_is_accepted_and_one_more_refused() {
    let app = TestApp::spawn_with(&[("max_message_chars", json!(10))]);
    // Ten 字 are 30 bytes in UTF-8: the limit counts characters.
    assert_message_length_limit(&app, "字", 10);
}

#[test]
fn max_message_chars_counts_characters_not_utf16_units() {
    let app = TestApp::spawn_with(&[("max_message_chars", json!(10))]);
    // Ten astral-plane characters: 10 chars, 20 UTF-16 units, 40 bytes.
    assert_message_length_limit(&app, "😀", 10);
}

#[test]
fn default_max_message_chars_is_5000() {
    assert_message_length_limit(&TestApp::spawn(), "a", 5000);
}

#[test]
fn missing_fields_and_wrong_types_are_bad_parameters() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);
    let bodies = [
        json!({}),
        json!({"content": "hi"}),
        json!({"conversation_id": chat}),
        json!({"conversation_id": chat, "content": null}),
        json!({"conversation_id": null, "content": "hi"}),
        json!({"conversation_id": chat, "content": 123}),
        json!({"conversation_id": chat, "content": ["hi"]}),
        json!({"conversation_id": id_number(&chat), "content": "hi"}),
        json!({"conversation_id": chat, "content": "hi", "client_msg_id": 5}),
        json!({"conversation_id": chat, "content": "hi", "client_msg_id": ["a"]}),
        json!([chat, "hi"]),
        json!("hi"),
    ];

    for body in bodies {
        send_body(&app, &lisi, body.clone())
            .status_for(400, &body)
            .expect_bad_request();
    }
    assert_eq!(messages_in(&app, &chat), 0);
}

#[test]
fn unparsable_json_body_is_a_bad_parameter() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);

    for raw in [
        format!("{{\"conversation_id\": \"{chat}\", \"content\": "),
        String::new(),
        "nope".into(),
    ] {
        app.raw(
            Method::Post,
            "/api/auth/messages",
            Some(&lisi.token),
            Some(raw),
        )
        .expect_prefix(400, "参数错误");
    }
}

#[test]
fn unknown_fields_in_the_body_are_ignored() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);

    let res = send_body(
        &app,
        &lisi,
        json!({"conversation_id": chat, "content": "hi", "extra": {"a": 1}, "status": 2}),
    );

    res.expect(201, "消息已发送");
    let shown = app.messages(&lisi, &chat);
    assert_eq!(shown[0]["status"], json!(0));
}

#[test]
fn explicit_null_client_msg_id_is_the_same_as_none() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);

    let body = json!({"conversation_id": chat, "content": "hi", "client_msg_id": null});
    let a = send_body(&app, &lisi, body.clone());
    let b = send_body(&app, &lisi, body);

    two_messages(&a, &b);
    assert_eq!(messages_in(&app, &chat), 2);
}

#[test]
fn sending_to_an_unknown_conversation_is_404() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, _chat) = pair(&app);

    app.try_send(&lisi, "c_999999", "hi")
        .expect_error(404, "会话不存在");
}

#[test]
fn sending_to_a_malformed_conversation_id_is_404() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);
    let n = id_number(&chat);
    let malformed = [
        String::new(),
        "abc".into(),
        "c_".into(),
        "c_0".into(),
        format!("c_0{n}"),
        format!("c_-{n}"),
        format!("c_{n}x"),
        format!("C_{n}"),
        format!("m_{n}"),
        format!("u_{n}"),
        format!("{n}"),
        " c_1".into(),
        "c_99999999999999999999999".into(),
    ];

    for id in malformed {
        app.try_send(&lisi, &id, "hi")
            .status_for(404, format!("{id:?}"))
            .expect(404, "会话不存在");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM messages"), 0);
}

#[test]
fn a_non_member_cannot_send_into_a_private_chat() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let wangwu = friend_outside(&app, "wangwu", "王五", &[&lisi, &zhangsan]);

    app.try_send(&wangwu, &chat, "偷听")
        .expect(404, "会话不存在");

    assert_eq!(messages_in(&app, &chat), 0);
    assert!(app.messages(&lisi, &chat).is_empty());
}

#[test]
fn a_non_member_cannot_send_into_a_group() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, _wangwu, group) = trio(&app);
    let outsider = friend_outside(&app, "outsider", "outsider", &[&lisi]);
    let before = messages_in(&app, &group);

    app.try_send(&outsider, &group, "hi")
        .expect(404, "会话不存在");

    assert_eq!(messages_in(&app, &group), before);
}

#[test]
fn sending_into_a_private_chat_after_the_friendship_ended_is_403() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    app.send(&lisi, &chat, "再见");
    app.delete(
        &format!("/api/auth/friends/{}", zhangsan.id),
        &lisi.token,
        None,
    )
    .expect(200, "已删除好友");

    for who in [&lisi, &zhangsan] {
        app.try_send(who, &chat, "还在吗")
            .expect(403, "对方不是你的好友");
    }
    assert_eq!(messages_in(&app, &chat), 1);
}

#[test]
fn group_members_can_send_and_every_member_sees_it() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, wangwu, group) = trio(&app);

    let id = app.send(&zhangsan, &group, "大家好");

    for (viewer, name) in [(&lisi, "张三"), (&zhangsan, "我"), (&wangwu, "张三")] {
        let message = find(&app.messages(viewer, &group), &id);
        assert_eq!(message["sender_id"], json!(zhangsan.id));
        assert_eq!(message["sender_name"], json!(name));
        assert_eq!(message["content"], json!("大家好"));
        assert_eq!(message["status"], json!(0));
    }
}

#[test]
fn same_client_msg_id_twice_returns_the_original_and_stores_one_message() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);

    let first = send_with_client_id(&app, &lisi, &chat, "只发一次", "7f3c-retry");
    first.expect(201, "消息已发送");
    // Cross a whole-second boundary so a recomputed created_at would differ.
    sleep(Duration::from_millis(1100));
    let retry = send_with_client_id(&app, &lisi, &chat, "只发一次", "7f3c-retry");

    retry.expect(201, "消息已发送");
    assert_eq!(retry.data()["message_id"], first.data()["message_id"]);
    assert_eq!(retry.data()["created_at"], first.data()["created_at"]);
    assert_eq!(retry.data(), first.data());

    let shown = app.messages(&zhangsan, &chat);
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(shown[0]["id"], first.data()["message_id"]);
    assert_eq!(shown[0]["content"], json!("只发一次"));
    assert_eq!(messages_in(&app, &chat), 1);
    assert_eq!(with_client_id(&app, "7f3c-retry"), 1);
}

#[test]
fn a_retry_with_different_content_still_returns_the_original_unchanged() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);

    let first = send_with_client_id(&app, &lisi, &chat, "原文", "abc");
    let retry = send_with_client_id(&app, &lisi, &chat, "改过的", "abc");

    retry.expect(201, "消息已发送");
    assert_eq!(retry.data(), first.data());
    let shown = app.messages(&lisi, &chat);
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0]["content"], json!("原文"));
}

#[test]
fn a_retry_does_not_raise_the_recipients_unread_count() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);

    for _ in 0..3 {
        send_with_client_id(&app, &lisi, &chat, "hi", "once").expect(201, "消息已发送");
    }

    assert_eq!(app.unread(&zhangsan, &chat), 1);
}

#[test]
fn different_client_msg_ids_store_two_messages() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);

    let a = send_with_client_id(&app, &lisi, &chat, "同样的内容", "id-a");
    let b = send_with_client_id(&app, &lisi, &chat, "同样的内容", "id-b");

    let (a, b) = two_messages(&a, &b);
    assert_eq!(ids(&app.messages(&lisi, &chat)), vec![a, b]);
    assert_eq!(messages_in(&app, &chat), 2);
}

#[test]
fn same_client_msg_id_from_two_senders_stores_two_messages() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);

    let a = send_with_client_id(&app, &lisi, &chat, "我的", "shared-id");
    let b = send_with_client_id(&app, &zhangsan, &chat, "你的", "shared-id");

    two_messages(&a, &b);
    let shown = app.messages(&lisi, &chat);
    assert_eq!(shown.len(), 2);
    assert_eq!(shown[0]["content"], json!("我的"));
    assert_eq!(shown[0]["sender_id"], json!(lisi.id));
    assert_eq!(shown[1]["content"], json!("你的"));
    assert_eq!(shown[1]["sender_id"], json!(zhangsan.id));
    assert_eq!(with_client_id(&app, "shared-id"), 2);
}

#[test]
fn client_msg_id_is_scoped_to_its_conversation() {
    // docs/api.md §6: a retry answers only with a message of the conversation it names; the
    // same id in another conversation is a new message there.
    let app = TestApp::spawn();
    let (lisi, zhangsan, _wangwu, group) = trio(&app);
    let chat = app.private_chat(&lisi, &zhangsan);

    let first = send_with_client_id(&app, &lisi, &chat, "私聊", "reused-id");
    let elsewhere = send_with_client_id(&app, &lisi, &group, "群聊", "reused-id");
    let retry = send_with_client_id(&app, &lisi, &chat, "私聊", "reused-id");

    two_messages(&first, &elsewhere);
    assert_eq!(retry.data(), first.data());
    assert_eq!(with_client_id(&app, "reused-id"), 2);
    let in_group = app.messages(&lisi, &group);
    assert_eq!(in_group.last().unwrap()["content"], json!("群聊"));
    let in_chat = app.messages(&lisi, &chat);
    assert_eq!(in_chat.len(), 1);
    assert_eq!(in_chat[0]["content"], json!("私聊"));
}

#[test]
fn a_client_msg_id_retry_after_leaving_never_answers_from_another_conversation() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, _wangwu, group) = trio(&app);
    let chat = app.private_chat(&lisi, &zhangsan);
    send_with_client_id(&app, &zhangsan, &group, "群里", "left-id").expect(201, "消息已发送");
    app.remove(&zhangsan, &group, &zhangsan.id)
        .expect(200, "已退出群聊");

    // Reused in the private chat: stored there, not answered with the group's message.
    let sent = send_with_client_id(&app, &zhangsan, &chat, "私聊里", "left-id");
    sent.expect(201, "消息已发送");
    let in_chat = app.messages(&zhangsan, &chat);
    assert_eq!(in_chat.last().unwrap()["id"], sent.data()["message_id"]);
    assert_eq!(in_chat.last().unwrap()["content"], json!("私聊里"));
    // A retry into the group it left is refused, not answered.
    send_with_client_id(&app, &zhangsan, &group, "群里", "left-id").expect_error(404, "会话不存在");
}

#[test]
fn client_msg_id_must_be_1_to_64_characters() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);

    for refused in ["x".repeat(65), "字".repeat(65), String::new()] {
        send_with_client_id(&app, &lisi, &chat, "a", &refused)
            .status_for(400, format!("client_msg_id {refused:?}"))
            .expect_prefix(400, "发送失败");
    }
    assert_eq!(messages_in(&app, &chat), 0);

    for accepted in ["x".repeat(64), "字".repeat(64)] {
        send_with_client_id(&app, &lisi, &chat, "b", &accepted)
            .status_for(201, format!("client_msg_id {accepted:?}"))
            .expect(201, "消息已发送");
    }
    assert_eq!(messages_in(&app, &chat), 2);
}

#[test]
fn the_senders_unread_stays_zero_and_the_recipients_increments() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);

    app.send(&lisi, &chat, "一");
    assert_eq!(app.unread(&lisi, &chat), 0);
    assert_eq!(app.unread(&zhangsan, &chat), 1);

    app.send(&lisi, &chat, "二");
    assert_eq!(app.unread(&lisi, &chat), 0);
    assert_eq!(app.unread(&zhangsan, &chat), 2);
}

#[test]
fn sending_moves_the_senders_read_marker_past_earlier_unread_messages() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    app.send(&zhangsan, &chat, "在吗");
    app.send(&zhangsan, &chat, "在吗？？");
    assert_eq!(app.unread(&lisi, &chat), 2);

    app.send(&lisi, &chat, "在");

    assert_eq!(app.unread(&lisi, &chat), 0);
    assert_eq!(app.unread(&zhangsan, &chat), 1);
}

#[test]
fn the_list_preview_and_time_follow_the_newest_message() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    app.send(&lisi, &chat, "旧的");
    let res = app.try_send(&zhangsan, &chat, "新的");

    for viewer in [&lisi, &zhangsan] {
        assert_preview(&app, viewer, &chat, "新的", &res.data()["created_at"]);
    }
}

// ---------------------------------------------------------------------------------------------
// DELETE /api/auth/messages/recall
// ---------------------------------------------------------------------------------------------

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
    sleep(Duration::from_millis(1200));

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
    sleep(Duration::from_millis(1200));

    app.recall(&lisi, &id).expect(200, "消息已撤回");
}

#[test]
fn recalling_an_unknown_message_is_404() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);
    app.send(&lisi, &chat, "x");

    app.recall(&lisi, "m_999999")
        .expect_error(404, "消息不存在");
}

#[test]
fn a_malformed_message_id_is_404_to_recall_and_to_delete() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "x");
    let n = id_number(&id);

    for bad in [
        String::new(),
        "abc".into(),
        "m_".into(),
        "m_0".into(),
        format!("m_0{n}"),
        format!("m_-{n}"),
        format!("M_{n}"),
        format!("c_{n}"),
        format!("{n}"),
        format!("m_{n} "),
        "m_99999999999999999999999".into(),
    ] {
        app.recall(&lisi, &bad)
            .status_for(404, format!("recall {bad:?}"))
            .expect(404, "消息不存在");
        app.delete_for_me(&lisi, &bad)
            .status_for(404, format!("delete {bad:?}"))
            .expect(404, "消息不存在");
    }
    assert_eq!(stored_status(&app, &id), 0, "nothing was recalled");
    assert_eq!(app.messages(&lisi, &chat).len(), 1, "nothing was deleted");
}

#[test]
fn a_missing_or_mistyped_id_is_a_bad_parameter_to_recall_and_to_delete() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "x");

    for path in ["/api/auth/messages/recall", "/api/auth/messages/delete"] {
        for body in [
            json!({}),
            json!({"id": null}),
            json!({"id": id_number(&id)}),
            json!({"id": [id]}),
            json!({"id": true}),
        ] {
            app.delete(path, &lisi.token, Some(body.clone()))
                .status_for(400, format!("{path} {body}"))
                .expect_prefix(400, "参数错误");
        }
        app.delete(path, &lisi.token, None)
            .status_for(400, format!("{path} without a body"))
            .expect_prefix(400, "参数错误");
    }
    assert_eq!(stored_status(&app, &id), 0);
    assert_eq!(app.messages(&lisi, &chat).len(), 1);
}

#[test]
fn recall_by_a_non_member_is_404_not_403() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let wangwu = friend_outside(&app, "wangwu", "王五", &[&lisi, &zhangsan]);
    let id = app.send(&lisi, &chat, "私密");

    app.recall(&wangwu, &id).expect(404, "消息不存在");

    assert_eq!(stored_status(&app, &id), 0);
}

#[test]
fn recalling_a_message_the_caller_deleted_is_404() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "先删后撤");
    app.delete_for_me(&lisi, &id).expect(200, "已删除");

    app.recall(&lisi, &id).expect(404, "消息不存在");

    assert_eq!(stored_status(&app, &id), 0);
    assert_eq!(
        find(&app.messages(&zhangsan, &chat), &id)["content"],
        json!("先删后撤")
    );
}

#[test]
fn the_list_preview_after_recall_is_the_system_text_per_viewer() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "撤回前的预览");
    app.recall(&lisi, &id).expect(200, "消息已撤回");
    let system_time = app.messages(&lisi, &chat)[1]["created_at"].clone();

    assert_preview(&app, &lisi, &chat, "你撤回了一条消息", &system_time);
    assert_preview(&app, &zhangsan, &chat, "李四撤回了一条消息", &system_time);
}

#[test]
fn the_group_list_preview_after_recall_is_the_system_text_per_viewer() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, wangwu, group) = trio(&app);
    let id = app.send(&wangwu, &group, "x");
    app.recall(&wangwu, &id).expect(200, "消息已撤回");

    assert_eq!(
        app.expect_entry(&wangwu, &group)["last_message_preview"],
        json!("你撤回了一条消息")
    );
    for viewer in [&lisi, &zhangsan] {
        assert_eq!(
            app.expect_entry(viewer, &group)["last_message_preview"],
            json!("王五撤回了一条消息")
        );
    }
}

#[test]
fn a_recalled_message_no_longer_counts_as_unread() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    app.send(&lisi, &chat, "留着");
    let id = app.send(&lisi, &chat, "撤回");
    assert_eq!(app.unread(&zhangsan, &chat), 2);

    app.recall(&lisi, &id).expect(200, "消息已撤回");

    assert_eq!(app.unread(&zhangsan, &chat), 1);
    assert_eq!(app.unread(&lisi, &chat), 0);
}

#[test]
fn recalling_the_only_unread_message_leaves_no_unread() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "撤回");

    app.recall(&lisi, &id).expect(200, "消息已撤回");

    assert_eq!(app.unread(&zhangsan, &chat), 0);
}

#[test]
fn recall_keeps_the_recallers_unread_at_zero_and_later_messages_still_count() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, _wangwu, group) = trio(&app);
    let id = app.send(&lisi, &group, "x");
    app.recall(&lisi, &id).expect(200, "消息已撤回");
    assert_eq!(app.unread(&lisi, &group), 0);

    app.send(&zhangsan, &group, "y");

    assert_eq!(app.unread(&lisi, &group), 1);
}

// ---------------------------------------------------------------------------------------------
// DELETE /api/auth/messages/delete
// ---------------------------------------------------------------------------------------------

#[test]
fn delete_returns_200_with_null_data() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "x");

    let res = app.delete_for_me(&zhangsan, &id);

    res.expect(200, "已删除");
    assert_eq!(
        res.body.get("data"),
        Some(&Value::Null),
        "data is present and null"
    );
}

#[test]
fn a_deleted_message_disappears_from_the_callers_detail_only() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let first = app.send(&lisi, &chat, "第一条");
    let second = app.send(&lisi, &chat, "第二条");
    let third = app.send(&zhangsan, &chat, "第三条");
    let before_for_lisi = app.messages(&lisi, &chat);

    app.delete_for_me(&zhangsan, &second).expect(200, "已删除");

    assert_eq!(ids(&app.messages(&zhangsan, &chat)), vec![first, third]);
    assert_eq!(
        app.messages(&lisi, &chat),
        before_for_lisi,
        "the other member sees no change"
    );
    assert_eq!(stored_content(&app, &second), "第二条");
    assert_eq!(stored_status(&app, &second), 0);
}

#[test]
fn deleting_the_newest_message_falls_back_to_the_previous_one_in_the_preview() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let first = app.try_send(&lisi, &chat, "上一条");
    sleep(Duration::from_millis(1100)); // distinct whole-second times
    let second = app.try_send(&lisi, &chat, "最新一条");
    let second_id = second.data_str("message_id");

    app.delete_for_me(&zhangsan, &second_id)
        .expect(200, "已删除");

    assert_preview(
        &app,
        &zhangsan,
        &chat,
        "上一条",
        &first.data()["created_at"],
    );
    assert_preview(&app, &lisi, &chat, "最新一条", &second.data()["created_at"]);
}

#[test]
fn a_deleted_message_is_excluded_from_the_unread_count() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    app.send(&lisi, &chat, "一");
    let second = app.send(&lisi, &chat, "二");
    app.send(&lisi, &chat, "三");
    assert_eq!(app.unread(&zhangsan, &chat), 3);

    app.delete_for_me(&zhangsan, &second).expect(200, "已删除");

    assert_eq!(app.unread(&zhangsan, &chat), 2);
}

#[test]
fn the_sender_may_delete_their_own_message_for_themselves() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "我自己的");

    app.delete_for_me(&lisi, &id).expect(200, "已删除");

    assert!(app.messages(&lisi, &chat).is_empty());
    let theirs = app.messages(&zhangsan, &chat);
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["content"], json!("我自己的"));
    assert_eq!(theirs[0]["status"], json!(0));
    assert_eq!(
        app.expect_entry(&zhangsan, &chat)["last_message_preview"],
        json!("我自己的")
    );
}

#[test]
fn in_a_group_deleting_hides_the_message_for_the_caller_only() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, wangwu, group) = trio(&app);
    let id = app.send(&lisi, &group, "群消息");

    app.delete_for_me(&wangwu, &id).expect(200, "已删除");

    assert!(app
        .messages(&wangwu, &group)
        .iter()
        .all(|m| m["id"] != json!(id)));
    for viewer in [&lisi, &zhangsan] {
        assert_eq!(
            find(&app.messages(viewer, &group), &id)["content"],
            json!("群消息")
        );
    }
}

#[test]
fn deleting_again_is_still_200() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "x");

    app.delete_for_me(&zhangsan, &id).expect(200, "已删除");
    let again = app.delete_for_me(&zhangsan, &id);

    again.expect(200, "已删除");
    assert_eq!(again.body["data"], Value::Null);
    assert!(app.messages(&zhangsan, &chat).is_empty());
}

#[test]
fn system_and_recalled_messages_can_be_deleted_for_oneself() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "x");
    let system = recalled(&app, &lisi, &id);

    app.delete_for_me(&zhangsan, &system).expect(200, "已删除");
    app.delete_for_me(&zhangsan, &id).expect(200, "已删除");

    assert!(app.messages(&zhangsan, &chat).is_empty());
    assert_eq!(ids(&app.messages(&lisi, &chat)), vec![id, system]);
}

#[test]
fn deleting_an_unknown_message_is_404() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);
    app.send(&lisi, &chat, "x");

    app.delete_for_me(&lisi, "m_999999")
        .expect_error(404, "消息不存在");
    assert_eq!(app.count("SELECT COUNT(*) FROM deleted_messages"), 0);
}

#[test]
fn deleting_by_a_non_member_is_404_and_changes_nothing() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let outsider = app.user("outsider");
    let id = app.send(&lisi, &chat, "x");

    app.delete_for_me(&outsider, &id).expect(404, "消息不存在");

    assert_eq!(app.count("SELECT COUNT(*) FROM deleted_messages"), 0);
    assert_eq!(app.messages(&zhangsan, &chat).len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Non-members on every conversation and message route
// ---------------------------------------------------------------------------------------------

#[test]
fn a_non_member_gets_404_on_every_route_of_a_private_chat() {
    let app = TestApp::spawn();
    let (lisi, zhangsan, chat) = pair(&app);
    let wangwu = friend_outside(&app, "wangwu", "王五", &[&lisi, &zhangsan]);
    let id = app.send(&lisi, &chat, "私聊内容");

    app.assert_shut_out(&wangwu, &chat, &id);

    assert!(app.entry(&wangwu, &chat).is_none());
    assert_eq!(messages_in(&app, &chat), 1);
    assert_eq!(
        find(&app.messages(&zhangsan, &chat), &id)["content"],
        json!("私聊内容")
    );
}

#[test]
fn a_non_member_gets_404_on_every_route_of_a_group() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, _wangwu, group) = trio(&app);
    let outsider = friend_outside(&app, "outsider", "outsider", &[&lisi]);
    let id = app.send(&lisi, &group, "群内容");
    let before = messages_in(&app, &group);

    app.assert_shut_out(&outsider, &group, &id);

    assert!(app.entry(&outsider, &group).is_none());
    assert_eq!(messages_in(&app, &group), before);
}

#[test]
fn a_former_member_gets_404_even_for_their_own_messages() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, wangwu, group) = trio(&app);
    let mine = app.send(&wangwu, &group, "我走了");
    app.remove(&wangwu, &group, &wangwu.id)
        .expect(200, "已退出群聊");

    app.assert_shut_out(&wangwu, &group, &mine);

    assert_eq!(stored_status(&app, &mine), 0);
    assert_eq!(
        find(&app.messages(&lisi, &group), &mine)["content"],
        json!("我走了")
    );
}

#[test]
fn a_retry_by_a_former_member_is_404() {
    // docs/api.md §6: the retry answer holds only while the sender is still a member.
    let app = TestApp::spawn();
    let (_lisi, _zhangsan, wangwu, group) = trio(&app);
    send_with_client_id(&app, &wangwu, &group, "hi", "retry-after-leaving")
        .expect(201, "消息已发送");
    app.remove(&wangwu, &group, &wangwu.id)
        .expect(200, "已退出群聊");

    send_with_client_id(&app, &wangwu, &group, "hi", "retry-after-leaving")
        .expect(404, "会话不存在");
}

#[test]
fn message_routes_require_a_token() {
    let app = TestApp::spawn();
    let (lisi, _zhangsan, chat) = pair(&app);
    let id = app.send(&lisi, &chat, "x");
    let detail = format!("/api/auth/conversations/{chat}");

    app.expect_unauthorized(
        None,
        &[
            (
                Method::Post,
                "/api/auth/messages",
                Some(json!({"conversation_id": chat, "content": "hi"})),
            ),
            (
                Method::Delete,
                "/api/auth/messages/recall",
                Some(json!({ "id": id })),
            ),
            (
                Method::Delete,
                "/api/auth/messages/delete",
                Some(json!({ "id": id })),
            ),
            (Method::Get, &detail, None),
        ],
    );
    assert_eq!(stored_status(&app, &id), 0);
    assert_eq!(messages_in(&app, &chat), 1);
}
