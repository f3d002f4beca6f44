//! @mentions: as sent on the message, `mentioned` on the list until the read marker passes.

use super::*;

fn mentioned(app: &TestApp, viewer: &User, conversation: &str) -> bool {
    app.expect_entry(viewer, conversation)["mentioned"]
        .as_bool()
        .expect("mentioned is a boolean")
}

#[test]
fn a_mention_marks_the_list_of_whom_it_names_until_they_read_past_it() {
    let app = TestApp::spawn();
    let (zhang, li, wang, group) = family(&app);
    let res = send_with(
        &app,
        &li,
        &group,
        "@王五 吃饭了",
        json!({"mentions": [wang.id]}),
    );
    res.expect(201, "消息已发送");
    let id = res.data_str("message_id");

    assert_eq!(
        seen(&app, &zhang, &group, &id)["mentions"],
        json!([wang.id])
    );
    assert!(mentioned(&app, &wang, &group));
    assert!(!mentioned(&app, &zhang, &group));
    assert!(!mentioned(&app, &li, &group));

    // Still mentioned after more messages arrive; cleared once read past it.
    app.send(&zhang, &group, "我也来");
    assert!(mentioned(&app, &wang, &group));
    app.mark_read(&wang, &group, json!({"message_id": id}))
        .expect(200, "success");
    assert!(!mentioned(&app, &wang, &group));
}

#[test]
fn the_owner_mentions_everyone_and_only_the_owner_may() {
    let app = TestApp::spawn();
    let (zhang, li, wang, group) = family(&app);
    let stored = app.count("SELECT COUNT(*) FROM messages");
    send_with(&app, &li, &group, "@所有人", json!({"mentions": ["all"]}))
        .expect_error(403, "无权限");
    assert_eq!(app.count("SELECT COUNT(*) FROM messages"), stored);

    let id = send_with(
        &app,
        &zhang,
        &group,
        "@所有人 开会",
        json!({"mentions": ["all"]}),
    )
    .data_str("message_id");
    assert!(mentioned(&app, &li, &group));
    assert!(mentioned(&app, &wang, &group));
    assert!(!mentioned(&app, &zhang, &group));
    // (Opening the chat reads it.)
    assert_eq!(seen(&app, &li, &group, &id)["mentions"], json!(["all"]));
    assert!(!mentioned(&app, &li, &group));
}

#[test]
fn a_recalled_or_deleted_mention_no_longer_marks_the_list() {
    let app = TestApp::spawn();
    let (zhang, li, wang, group) = family(&app);
    let one = send_with(&app, &li, &group, "@王五", json!({"mentions": [wang.id]}))
        .data_str("message_id");
    let two = send_with(&app, &li, &group, "@张三", json!({"mentions": [zhang.id]}))
        .data_str("message_id");
    app.recall(&li, &one).expect(200, "消息已撤回");
    assert!(!mentioned(&app, &wang, &group));
    app.delete_for_me(&zhang, &two).expect(200, "已删除");
    assert!(!mentioned(&app, &zhang, &group));
}

#[test]
fn mentions_that_break_a_rule_are_refused_and_store_nothing() {
    let app = TestApp::spawn();
    let (zhang, li, wang, group) = family(&app);
    let outsider = app.user_named("outsider", "外人");
    app.befriend(&zhang, &outsider);
    let private = app.private_chat(&zhang, &outsider);

    let stored = app.count("SELECT COUNT(*) FROM messages");
    let cases: [(&str, Value, u16, &str); 8] = [
        (&group, json!([outsider.id]), 400, "发送失败：只能@群成员"),
        (&group, json!(["u_zz"]), 400, "发送失败：只能@群成员"),
        (&group, json!([zhang.id]), 400, "发送失败：不能@自己"),
        (&private, json!([outsider.id]), 400, "发送失败：私聊不能@"),
        (&group, json!([li.id, wang.id, li.id, wang.id]), 400, ""),
        (&group, json!(["all", li.id]), 400, ""),
        (&group, json!(li.id), 400, ""),
        (&group, json!([1]), 400, ""),
    ];
    for (conversation, mentions, status, message) in cases {
        let res = send_with(
            &app,
            &zhang,
            conversation,
            "@",
            json!({"mentions": mentions}),
        );
        res.status_for(status, &mentions);
        if message.is_empty() {
            res.expect_bad_request();
        } else {
            res.expect_error(status, message);
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM messages"), stored);
    assert_eq!(app.count("SELECT COUNT(*) FROM mentions"), 0);

    // Naming the same member twice is one mention.
    let id = send_with(
        &app,
        &zhang,
        &group,
        "@李四",
        json!({"mentions": [li.id, li.id]}),
    )
    .data_str("message_id");
    assert_eq!(seen(&app, &li, &group, &id)["mentions"], json!([li.id]));
}
