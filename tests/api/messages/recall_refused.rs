//! Recalls that are refused: unknown, malformed, not a member, deleted by the caller.

use super::*;

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
