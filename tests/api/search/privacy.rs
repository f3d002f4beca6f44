//! What is never found: recalled, system and deleted-for-me messages, conversations the
//! caller left or was never in; a recall leaves the index at once and no trace on disk. Bad
//! input answers `400`, never a `500`.

use serde_json::json;

use super::*;

#[test]
fn only_what_the_caller_may_see_is_found_while_queued() {
    only_what_the_caller_may_see_is_found(false);
}

#[test]
fn only_what_the_caller_may_see_is_found_once_indexed() {
    only_what_the_caller_may_see_is_found(true);
}

/// The recall and the deletion come before or after the messages are indexed.
fn only_what_the_caller_may_see_is_found(index_first: bool) {
    let app = TestApp::spawn();
    let a = app.user_named("mama", "妈妈");
    let b = app.user_named("baba", "爸爸");
    let c = app.user_named("didi", "弟弟");
    let outsider = app.user_named("lin", "林");
    app.befriend_all(&a, &[&b, &c, &outsider]);
    let family = app.group(&a, "家", &[&b, &c]);
    let theirs = app.private_chat(&a, &outsider);
    app.send(&a, &theirs, "秘密：周末聚餐");
    let kept = app.send(&a, &family, "周末聚餐在奶奶家");
    let recalled = app.send(&a, &family, "周末聚餐取消了");
    let deleted = app.send(&a, &family, "周末聚餐带水果");
    if index_first {
        indexed(&app);
    }
    app.recall(&a, &recalled).expect(200, "消息已撤回");
    app.delete_for_me(&b, &deleted).expect(200, "已删除");
    // A system message's text ("妈妈修改群名为「周末聚餐群」") is not searchable either.
    app.rename_group(&a, &family, json!({"name": "周末聚餐群"}))
        .expect(200, "群名已修改");

    for q in ["聚", "聚餐", "周末聚餐"] {
        assert_eq!(found_in(&app, &b, &family, q), ["周末聚餐在奶奶家"], "{q}");
        let hits = search(&app, &b, q);
        let hits = hits.data()["conversations"].as_array().unwrap().clone();
        assert_eq!(hits.len(), 1, "{q}: not the chat b is not in");
        assert_eq!(hits[0]["latest"]["id"], json!(kept));
        assert_eq!(hits[0]["match_count"], 1);
        // c did not delete it: c finds it.
        assert_eq!(found_in(&app, &c, &family, q).len(), 2, "{q}");
    }
    // Someone else's conversation: 404, as if it did not exist.
    search_in(&app, &b, &theirs, "聚餐", "").expect(404, "会话不存在");
    // A former member finds nothing there any more.
    app.remove(&c, &family, &c.id).expect(200, "已退出群聊");
    search_in(&app, &c, &family, "聚餐", "").expect(404, "会话不存在");
    assert!(search(&app, &c, "聚餐").data()["conversations"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn a_recalled_message_leaves_the_index_at_once_and_no_trace_on_disk() {
    let app = TestApp::spawn();
    let (a, b, chat) = app.friends_with_a_chat("alice", "bob");
    app.send(&a, &chat, "你好");
    let secret = app.send(&a, &chat, "暗号zqxjkv");
    indexed(&app);
    assert_eq!(found_in(&app, &b, &chat, "zqxjk"), ["暗号zqxjkv"]);
    assert_eq!(found_in(&app, &b, &chat, "zq"), ["暗号zqxjkv"]);
    // The indexes hold the text's trigrams, and its characters and pairs (in hex, per
    // conversation): this checks they can be seen…
    let trigrams = ["zqx", "qxj", "xjk", "jkv"];
    assert!(on_disk(&app, &trigrams), "the check must be able to fail");
    let grams: Vec<String> = ["z", "zq", "jkv"[..2].as_ref(), "暗", "暗号"]
        .iter()
        .map(|g| format!("{}x{}", chat.trim_start_matches("c_"), hex(g)))
        .collect();
    assert_eq!(
        gram_terms(&app, &grams),
        grams,
        "the check must be able to fail"
    );

    app.recall(&a, &secret).expect(200, "消息已撤回");
    for q in ["zqxjk", "zq", "暗号", "暗"] {
        assert!(found_in(&app, &b, &chat, q).is_empty(), "{q}");
    }
    // …and that after the recall none is left in the database, its WAL or its shm file,
    // nor a term of it in the gram index.
    assert!(
        !on_disk(&app, &trigrams),
        "a trigram of the recalled text is still on disk"
    );
    assert!(gram_terms(&app, &grams).is_empty());
}

/// UTF-8 in lowercase hex.
fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Which of `terms` the gram index holds (read through FTS5's vocabulary table).
fn gram_terms(app: &TestApp, terms: &[String]) -> Vec<String> {
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    conn.execute_batch("CREATE VIRTUAL TABLE temp.grams USING fts5vocab(main, message_grams, row)")
        .unwrap();
    terms
        .iter()
        .filter(|t| {
            conn.query_row(
                "SELECT COUNT(*) FROM temp.grams WHERE term = ?1",
                [t],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
                > 0
        })
        .cloned()
        .collect()
}

/// Whether any of `needles` occurs in a file of the test's database folder.
fn on_disk(app: &TestApp, needles: &[&str]) -> bool {
    std::fs::read_dir(app.dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .any(|e| {
            let bytes = std::fs::read(e.path()).unwrap();
            needles
                .iter()
                .any(|n| bytes.windows(n.len()).any(|w| w == n.as_bytes()))
        })
}

#[test]
fn bad_input_is_400_and_never_a_500() {
    let app = TestApp::spawn();
    let (a, b, chat) = app.friends_with_a_chat("alice", "bob");
    let carol = app.user("carol");
    app.befriend(&a, &carol);
    let other = app.private_chat(&a, &carol);
    let mine = app.send(&a, &chat, "一条消息");
    let elsewhere = app.send(&a, &other, "另一条");
    let long = "长".repeat(65);
    for q in ["", "   ", long.as_str(), "a\0b", "\0", "饭饭\0饭"] {
        search(&app, &b, q).expect_bad_request();
        search_in(&app, &b, &chat, q, "").expect_bad_request();
    }
    app.get("/api/auth/search", &b.token).expect_bad_request();
    // Exactly 64 is fine; so are LIKE's metacharacters alone.
    search(&app, &b, &"长".repeat(64)).expect(200, "success");
    // FTS5's own syntax is plain text too.
    app.send(&a, &chat, "说\"好\"吧 NOT x* (y) ^z col:v");
    for q in [
        "说\"好\"",
        "\"\"\"",
        "NOT x*",
        "x* (y)",
        "(y) ^z",
        "col:v",
        "\" OR \"",
    ] {
        let found = found_in(&app, &b, &chat, q);
        let expected = usize::from(q != "\"\"\"" && q != "\" OR \"");
        assert_eq!(found.len(), expected, "{q:?}: {found:?}");
        search(&app, &b, q).expect(200, "success");
    }
    for q in ["%", "_", "\\", "%%", "__", "\\\\", "%_\\"] {
        assert!(found_in(&app, &b, &chat, q).is_empty(), "{q:?}");
        search(&app, &b, q).expect(200, "success");
    }
    for rest in [
        "&limit=0".to_string(),
        "&limit=101".to_string(),
        "&limit=abc".to_string(),
        "&limit=-1".to_string(),
        "&before=abc".to_string(),
        "&before=m_999999".to_string(),
        format!("&before={elsewhere}"),
    ] {
        search_in(&app, &b, &chat, "消息", &rest).expect_bad_request();
    }
    search_in(
        &app,
        &b,
        &chat,
        "消息",
        &format!("&before={mine}&limit=100"),
    )
    .expect(200, "success");
    search_in(&app, &b, "c_999", "消息", "").expect(404, "会话不存在");
    search_in(&app, &b, "nonsense", "消息", "").expect(404, "会话不存在");
    for around in ["abc", "m_999999", elsewhere.as_str()] {
        app.get(
            &format!("/api/auth/conversations/{chat}?around={around}"),
            &b.token,
        )
        .expect_bad_request();
    }
    app.get(
        &format!("/api/auth/conversations/{chat}?around={mine}&before={mine}"),
        &b.token,
    )
    .expect_bad_request();
    app.get(
        &format!("/api/auth/conversations/{chat}?around={mine}&limit=0"),
        &b.token,
    )
    .expect_bad_request();
    app.expect_unauthorized(
        None,
        &[
            (Get, "/api/auth/search?q=a", None),
            (
                Get,
                &format!("/api/auth/conversations/{chat}/search?q=a"),
                None,
            ),
        ],
    );
}
