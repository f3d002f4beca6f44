//! Deliveries to an ntfy topic.

use super::*;

#[test]
fn a_message_reaches_the_topic_with_title_priority_tags_link_and_token() {
    let ntfy = Receiver::start();
    let app = LiveApp::spawn(&[("public_url", json!("https://chat.home.arpa:8443/"))]);
    let (a, b, chat) = app.friends_with_a_chat("alice", "bob");
    let url = ntfy.url("bob-topic");
    set_ntfy(
        &app,
        &b,
        json!({"ntfy_url": url, "ntfy_token": "tk_bob_123456"}),
    )
    .expect(200, "success");
    told_at(&app, &a, &ntfy.url("alice-topic"));

    app.send(&a, &chat, "晚饭吃什么？");
    let got = ntfy.wait_for(1, ARRIVES);
    assert_eq!(got.len(), 1, "{got:?}");
    let n = &got[0];
    assert_eq!(n.path, "/bob-topic");
    assert_eq!(n.body, "晚饭吃什么？");
    assert_eq!(decoded(&n.headers["title"]), "alice");
    assert_eq!(n.headers["priority"], "default");
    assert_eq!(n.headers["tags"], "speech_balloon");
    assert_eq!(n.headers["cache"], "no");
    assert_eq!(n.headers["authorization"], "Bearer tk_bob_123456");
    assert_eq!(
        n.headers["click"],
        format!("https://chat.home.arpa:8443/#/c/{chat}")
    );
    // The sender is not told of their own message.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(ntfy.received().len(), 1);
}

#[test]
fn in_a_group_only_those_away_are_told_muted_ones_only_when_mentioned() {
    let ntfy = Receiver::start();
    let app = LiveApp::spawn(&[]);
    let a = app.user_named("mama", "妈妈");
    let (b, c, d) = (app.user("baba"), app.user("didi"), app.user("jiejie"));
    app.befriend_all(&a, &[&b, &c, &d]);
    let group = app.group(&a, "一家人", &[&b, &c, &d]);
    for (u, topic) in [(&b, "b"), (&c, "c"), (&d, "d")] {
        told_at(&app, u, &ntfy.url(topic));
    }
    told_at(&app, &a, &ntfy.url("a"));
    // c has the app open; d muted the group.
    let _open = app.stream(&c.token, None);
    app.put(
        &format!("/api/auth/conversations/{group}/mute"),
        &d.token,
        json!({"is_muted": true}),
    )
    .expect(200, "success");

    app.send(&a, &group, "开饭了");
    ntfy.wait_for(1, ARRIVES);
    std::thread::sleep(Duration::from_millis(1500));
    let got: Vec<_> = ntfy.received();
    assert_eq!(got.len(), 1, "only b: {got:?}");
    assert_eq!(got[0].path, "/b");
    assert_eq!(got[0].body, "妈妈: 开饭了");
    assert_eq!(decoded(&got[0].headers["title"]), "一家人");

    // A mention reaches the muted member, urgently.
    let body = json!({"conversation_id": group, "content": "@jiejie 下来", "mentions": [d.id]});
    app.post("/api/auth/messages", &a.token, body)
        .expect(201, "消息已发送");
    let got = ntfy.wait_for(3, ARRIVES);
    let to_d: Vec<_> = got.iter().filter(|n| n.path == "/d").collect();
    assert_eq!(to_d.len(), 1, "{got:?}");
    assert_eq!(to_d[0].headers["priority"], "high");
    assert!(got.iter().all(|n| n.path != "/a" && n.path != "/c"));
}

#[test]
fn a_burst_makes_one_notification_and_hidden_content_says_only_that_one_came() {
    let ntfy = Receiver::start();
    let app = LiveApp::spawn(&[]);
    let (a, b, chat) = app.friends_with_a_chat("alice", "bob");
    set_ntfy(
        &app,
        &b,
        json!({"ntfy_url": ntfy.url("b"), "show_content": false}),
    )
    .expect(200, "success");
    for i in 0..5 {
        app.send(&a, &chat, &format!("第{i}条"));
    }
    ntfy.wait_for(1, ARRIVES);
    std::thread::sleep(Duration::from_millis(1500));
    let got = ntfy.received();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].body, "你收到5条新消息");
    assert!(!got.iter().any(|n| n.body.contains("第")));
}

#[test]
fn a_recalled_message_is_never_sent_and_a_failing_topic_is_retried() {
    let ntfy = Receiver::start();
    ntfy.answer(503);
    let app = LiveApp::spawn(&[]);
    let (a, b, chat) = app.friends_with_a_chat("alice", "bob");
    told_at(&app, &b, &ntfy.url("b"));
    let id = app.send(&a, &chat, "发错了");
    app.recall(&a, &id).expect(200, "消息已撤回");
    app.send(&a, &chat, "这条对");
    // The first attempt fails (503); the retry 5 s later succeeds.
    let first = ntfy.wait_for(1, ARRIVES);
    assert!(first[0].body.ends_with("这条对"), "{first:?}");
    ntfy.answer(200);
    let got = ntfy.wait_for(2, Duration::from_secs(12));
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[1].body.ends_with("这条对"));
    assert!(got.iter().all(|n| !n.body.contains("发错了")));
}

#[test]
fn a_topic_that_never_answers_holds_neither_sends_nor_the_notifier() {
    let hung = Receiver::start();
    hung.answer(0);
    let fine = Receiver::start();
    let app = LiveApp::spawn(&[]);
    let (a, b, chat) = app.friends_with_a_chat("alice", "bob");
    let c = app.user("carol");
    app.befriend(&a, &c);
    let with_c = app.private_chat(&a, &c);
    told_at(&app, &b, &hung.url("b"));
    told_at(&app, &c, &fine.url("c"));

    // Sends while the notifier waits on the hung topic.
    app.send(&a, &chat, "第一条");
    hung.wait_for(1, ARRIVES);
    let mut took = Vec::new();
    for i in 0..20 {
        let started = std::time::Instant::now();
        app.send(&a, &chat, &format!("又一条 {i}"));
        took.push(started.elapsed());
    }
    took.sort();
    println!(
        "send latency while a topic hangs: p50 {:?}, max {:?}",
        took[10], took[19]
    );
    // Another user's notification still goes out meanwhile.
    app.send(&a, &with_c, "你好");
    let got = fine.wait_for(1, ARRIVES);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].body, "你好");
}
