//! What matches: substrings of 1, 2, 3 and 10 Chinese characters, mixed scripts, Latin case,
//! `LIKE` metacharacters, file names; the global search's shape; paging and `around`.

use serde_json::json;

use super::*;
use crate::helpers::{ids, sorted_keys};

const FAMILY: [&str; 6] = [
    "明天下午一起吃饭吧",
    "晚饭吃饺子还是面条？",
    "地址是幸福路88号3单元",
    "iPhone 15 的电池 OK 吗",
    "折扣100%_真的\\假的",
    "奶奶说明天下午一起去公园散步",
];

#[test]
fn any_substring_is_found_whatever_its_length_and_script() {
    let app = TestApp::spawn();
    let (a, b, chat) = app.friends_with_a_chat("alice", "bob");
    for text in FAMILY {
        app.send(&a, &chat, text);
    }
    let cases: &[(&str, &[&str])] = &[
        // 1, 2, 3 and 10 Chinese characters.
        ("饭", &["晚饭吃饺子还是面条？", "明天下午一起吃饭吧"]),
        (
            "下午",
            &["奶奶说明天下午一起去公园散步", "明天下午一起吃饭吧"],
        ),
        (
            "下午一起",
            &["奶奶说明天下午一起去公园散步", "明天下午一起吃饭吧"],
        ),
        ("奶奶说明天下午一起去", &["奶奶说明天下午一起去公园散步"]),
        // Mixed with digits and Latin, either case, short and long.
        ("88号", &["地址是幸福路88号3单元"]),
        ("8", &["地址是幸福路88号3单元"]),
        ("iphone", &["iPhone 15 的电池 OK 吗"]),
        ("ok", &["iPhone 15 的电池 OK 吗"]),
        ("PHONE 15 的", &["iPhone 15 的电池 OK 吗"]),
        // LIKE's metacharacters are plain characters.
        ("%", &["折扣100%_真的\\假的"]),
        ("_", &["折扣100%_真的\\假的"]),
        ("\\", &["折扣100%_真的\\假的"]),
        ("0%_真", &["折扣100%_真的\\假的"]),
        ("的\\假", &["折扣100%_真的\\假的"]),
        // Not there.
        ("饭吧！", &[]),
        ("鱼", &[]),
        ("😀", &[]),
    ];
    for stage in ["queued", "indexed"] {
        if stage == "indexed" {
            indexed(&app);
        }
        for (q, expected) in cases {
            check_found(&app, &b, &chat, q, expected, stage);
        }
    }
}

/// `q` finds `expected` in `chat`, and globally that conversation with their count.
#[track_caller]
fn check_found(app: &TestApp, b: &User, chat: &str, q: &str, expected: &[&str], stage: &str) {
    {
        assert_eq!(found_in(app, b, chat, q), *expected, "{q:?} ({stage})");
        let global = search(app, b, q);
        global.expect(200, "success");
        let hits = global.data()["conversations"].as_array().unwrap().clone();
        let count = if expected.is_empty() { 0 } else { 1 };
        assert_eq!(hits.len(), count, "{q:?} ({stage}): {hits:?}");
        if let Some(hit) = hits.first() {
            assert_eq!(hit["match_count"], json!(expected.len()), "{q:?} ({stage})");
            assert_eq!(
                hit["latest"]["content"],
                json!(expected[0]),
                "{q:?} ({stage})"
            );
        }
    }
}

#[test]
fn emoji_and_combining_characters_are_matched_as_written() {
    let app = TestApp::spawn();
    let (a, b, chat) = app.friends_with_a_chat("alice", "bob");
    app.send(&a, &chat, "生日快乐🎂🎉");
    app.send(&a, &chat, "CAFÉ AU LAIT");
    for stage in ["queued", "indexed"] {
        if stage == "indexed" {
            indexed(&app);
        }
        check_found(&app, &b, &chat, "🎂", &["生日快乐🎂🎉"], stage);
        check_found(&app, &b, &chat, "快乐🎂🎉", &["生日快乐🎂🎉"], stage);
        // Case folds beyond ASCII, for 1–2 characters and for more.
        check_found(&app, &b, &chat, "café", &["CAFÉ AU LAIT"], stage);
        check_found(&app, &b, &chat, "é", &["CAFÉ AU LAIT"], stage);
        // e + U+0301 is another text than é: found only as written.
        check_found(&app, &b, &chat, "cafe\u{301}", &[], stage);
        check_found(&app, &b, &chat, "\u{301}", &[], stage);
    }
}

#[test]
fn file_messages_are_found_by_their_file_name() {
    let app = TestApp::spawn();
    let (a, b, chat) = app.friends_with_a_chat("alice", "bob");
    let res = app.upload(&a.token, "三年级报名表.pdf", b"%PDF-1.4");
    res.expect(201, "上传成功");
    let body = json!({"conversation_id": chat, "type": "file", "file_id": res.data()["file_id"]});
    app.post("/api/auth/messages", &a.token, body)
        .expect(201, "消息已发送");
    for stage in ["queued", "indexed"] {
        if stage == "indexed" {
            indexed(&app);
        }
        for q in ["报名表", "报名", "表", ".pdf"] {
            let res = search_in(&app, &b, &chat, q, "");
            res.expect(200, "success");
            let found = res.data().as_array().unwrap().clone();
            assert_eq!(found.len(), 1, "{q} ({stage})");
            assert_eq!(found[0]["type"], "file");
            assert_eq!(found[0]["attachment"]["name"], "三年级报名表.pdf");
        }
    }
}

#[test]
fn the_global_search_finds_friends_groups_and_conversations() {
    let app = TestApp::spawn();
    let a = app.user_named("mama", "妈妈");
    let b = app.user_named("baba", "爸爸");
    let c = app.user_named("nainai", "奶奶");
    let stranger = app.user_named("wangnai", "王奶奶");
    app.befriend_all(&a, &[&b, &c]);
    let family = app.group(&a, "相亲相爱一家人", &[&b, &c]);
    let chat = app.private_chat(&a, &c);
    app.send(&c, &chat, "奶奶做了红烧肉");
    // 60 matches indexed, 45 more still queued: counted together.
    for i in 0..60 {
        app.send(&b, &family, &format!("第{i}条：奶奶好"));
    }
    indexed(&app);
    for i in 60..105 {
        app.send(&b, &family, &format!("第{i}条：奶奶好"));
    }

    let res = search(&app, &a, "奶奶");
    res.expect(200, "success");
    let data = res.data();
    assert_eq!(sorted_keys(data), ["conversations", "friends", "groups"]);
    let friends: Vec<&str> = data["friends"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["username"].as_str().unwrap())
        .collect();
    assert_eq!(friends, ["nainai"], "friends only, not 王奶奶");
    assert_eq!(data["friends"][0]["display_name"], "奶奶");
    // The group matches by a member's name; it is shaped as a list item.
    assert_eq!(data["groups"].as_array().unwrap().len(), 1);
    assert_eq!(data["groups"][0], app.expect_entry(&a, &family));
    // Both conversations, the newest match first; counts stop at 100.
    let hits = data["conversations"].as_array().unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(
        sorted_keys(&hits[0]),
        [
            "avatar_url",
            "conversation_id",
            "latest",
            "match_count",
            "title",
            "type"
        ]
    );
    assert_eq!(hits[0]["conversation_id"], json!(family));
    assert_eq!(hits[0]["title"], "相亲相爱一家人");
    assert_eq!(hits[0]["type"], "group");
    assert_eq!(hits[0]["match_count"], 100);
    assert_eq!(hits[0]["latest"]["content"], "第104条：奶奶好");
    assert_eq!(hits[1]["conversation_id"], json!(chat));
    assert_eq!(hits[1]["title"], "奶奶");
    assert_eq!(hits[1]["match_count"], 1);
    // By the group's own name too; not by the caller's own name.
    let by_name = search(&app, &a, "一家人");
    assert_eq!(
        by_name.data()["groups"][0]["conversation_id"],
        json!(family)
    );
    assert!(search(&app, &b, "爸").data()["groups"]
        .as_array()
        .unwrap()
        .is_empty());
    let _ = stranger;
}

#[test]
fn pages_of_matches_are_complete_without_duplicates() {
    let app = TestApp::spawn();
    let (a, b, chat) = app.friends_with_a_chat("alice", "bob");
    let mut sent = Vec::new();
    for i in 0..23 {
        if i == 12 {
            // Pages run from the queued matches on into the indexed ones.
            indexed(&app);
        }
        sent.push(app.send(&a, &chat, &format!("今天第{i}次提醒")));
        app.send(&a, &chat, "无关");
    }
    sent.reverse();
    for q in ["提醒", "第", "次提醒"] {
        let mut seen = Vec::new();
        let mut before = String::new();
        loop {
            let res = search_in(&app, &b, &chat, q, &format!("&limit=5{before}"));
            res.expect(200, "success");
            let page = ids(res.data().as_array().unwrap());
            if page.is_empty() {
                break;
            }
            assert!(
                page.len() == 5 || seen.len() + page.len() == 23,
                "full pages: {page:?}"
            );
            before = format!("&before={}", page.last().unwrap());
            seen.extend(page);
        }
        assert_eq!(seen, sent, "{q}: every match once, newest first");
    }
}

#[test]
fn a_result_opens_in_context_around_it() {
    let app = TestApp::spawn();
    let (a, b, chat) = app.friends_with_a_chat("alice", "bob");
    let sent: Vec<String> = (0..30)
        .map(|i| app.send(&a, &chat, &format!("消息{i}")))
        .collect();
    let before = app.unread(&b, &chat);
    let page = |rest: &str| app.get(&format!("/api/auth/conversations/{chat}?{rest}"), &b.token);
    let res = page(&format!("around={}&limit=5", sent[10]));
    res.expect(200, "success");
    assert_eq!(ids(res.data().as_array().unwrap()), sent[8..13]);
    // Near the ends it is cut, not shifted; an even limit puts the extra one after.
    assert_eq!(
        ids(page(&format!("around={}&limit=5", sent[0]))
            .data()
            .as_array()
            .unwrap()),
        sent[0..3]
    );
    assert_eq!(
        ids(page(&format!("around={}&limit=4", sent[29]))
            .data()
            .as_array()
            .unwrap()),
        sent[28..30]
    );
    assert_eq!(
        ids(page(&format!("around={}&limit=1", sent[5]))
            .data()
            .as_array()
            .unwrap()),
        sent[5..6]
    );
    assert_eq!(
        ids(page(&format!("around={}", sent[15]))
            .data()
            .as_array()
            .unwrap())
        .len(),
        30
    );
    assert_eq!(app.unread(&b, &chat), before, "no read marker moved");
}
