//! Remarks (备注): a friend's remark replaces their name everywhere the caller sees it, and
//! only for the caller.

use super::*;
use crate::search::search;

fn set_remark(app: &TestApp, who: &User, friend: &str, remark: Value) -> Resp {
    app.put(
        &format!("/api/auth/friends/{friend}/remark"),
        &who.token,
        json!({ "remark": remark }),
    )
}

#[test]
fn a_remark_names_the_friend_everywhere_for_the_caller_only() {
    let app = TestApp::spawn();
    let (zhang, li, wang, group) = family(&app);
    let private = app.private_chat(&zhang, &li);
    let hello = app.send(&li, &private, "吃了吗");
    let in_group = app.send(&li, &group, "周六见");

    let res = set_remark(&app, &zhang, &li.id, json!("  爸爸 "));
    res.expect(200, "success");
    assert_eq!(res.data(), &json!({"remark": "爸爸"}));

    // Friends: the remark beside the friend's own name.
    let friends = app.list_at("/api/auth/friends", &zhang);
    let li_entry = friends
        .iter()
        .find(|f| f["user_id"] == json!(li.id))
        .unwrap();
    assert_eq!(li_entry["remark"], "爸爸");
    assert_eq!(li_entry["display_name"], "李四");
    // Titles, senders, list previews' sender, members, system messages, quotes.
    assert_eq!(app.expect_entry(&zhang, &private)["title"], "爸爸");
    assert_eq!(seen(&app, &zhang, &private, &hello)["sender_name"], "爸爸");
    assert_eq!(
        app.expect_entry(&zhang, &group)["last_message_sender_name"],
        "爸爸"
    );
    let members = app.list_at(&format!("/api/auth/conversations/{group}/members"), &zhang);
    let names: Vec<&str> = members
        .iter()
        .map(|m| m["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["张三", "爸爸", "王五"]);
    let created = &app.messages(&zhang, &group)[0];
    assert_eq!(created["content"], "你邀请爸爸、王五加入了群聊");
    let reply =
        send_with(&app, &wang, &group, "好", json!({"reply_to": in_group})).data_str("message_id");
    assert_eq!(
        seen(&app, &zhang, &group, &reply)["reply_to"]["sender_name"],
        "爸爸"
    );
    // Search: the friend and the group are found by the remark.
    let found = search(&app, &zhang, "爸爸");
    assert_eq!(found.data()["friends"][0]["user_id"], json!(li.id));
    assert_eq!(found.data()["groups"][0]["conversation_id"], json!(group));

    // Nobody else sees it.
    assert_eq!(seen(&app, &wang, &group, &in_group)["sender_name"], "李四");
    assert_eq!(
        app.messages(&wang, &group)[0]["content"],
        "张三邀请李四、你加入了群聊"
    );
    assert_eq!(app.expect_entry(&li, &private)["title"], "张三");
    assert!(search(&app, &wang, "爸爸").data()["friends"]
        .as_array()
        .unwrap()
        .is_empty());

    // An empty remark removes it.
    let res = set_remark(&app, &zhang, &li.id, json!(""));
    res.expect(200, "success");
    assert_eq!(res.data(), &json!({"remark": null}));
    assert_eq!(app.expect_entry(&zhang, &private)["title"], "李四");
}

#[test]
fn a_remark_that_breaks_a_rule_or_names_no_friend_is_refused() {
    let app = TestApp::spawn();
    let (zhang, li, _wang, _group) = family(&app);
    let stranger = app.user_named("stranger", "路人");
    let cases: [(&str, Value, u16, &str); 6] = [
        (&li.id, json!("长".repeat(33)), 400, ""),
        (&li.id, json!("a\u{7}b"), 400, ""),
        (&li.id, json!(12), 400, ""),
        (&stranger.id, json!("路人甲"), 404, "用户不存在"),
        ("u_999999", json!("谁"), 404, "用户不存在"),
        ("u_zz", json!("谁"), 404, "用户不存在"),
    ];
    for (friend, remark, status, message) in cases {
        let res = set_remark(&app, &zhang, friend, remark.clone());
        res.status_for(status, &remark);
        if message.is_empty() {
            res.expect_bad_request();
        } else {
            res.expect_error(status, message);
        }
    }
    let missing = app.put(
        &format!("/api/auth/friends/{}/remark", li.id),
        &zhang.token,
        json!({}),
    );
    missing.expect_bad_request();
    assert_eq!(
        app.count("SELECT COUNT(*) FROM friendships WHERE remark IS NOT NULL"),
        0
    );
    // 32 characters is fine.
    set_remark(&app, &zhang, &li.id, json!("长".repeat(32))).expect(200, "success");
}
