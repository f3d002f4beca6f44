//! The list's stored facts (migration V17): `conversations.member_count` and
//! `conversations.last_message_id` are kept by triggers, and always equal what counting the
//! members and finding the newest message give, through every write that changes them:
//! creating, inviting, removing, leaving, sending, recalling, deleting for oneself, clearing,
//! and the last member leaving (the group's messages deleted, their ids reused by SQLite).

use super::*;

/// A conversation whose stored facts differ from the counted ones: (id, stored count, stored
/// newest, counted, newest found).
type Drift = (i64, i64, Option<i64>, i64, Option<i64>);

fn drift(app: &TestApp) -> Vec<Drift> {
    let conn = app.sqlite();
    let mut stmt = conn
        .prepare(
            "SELECT id, member_count, last_message_id, counted, newest FROM (
               SELECT c.id, c.member_count, c.last_message_id,
                      (SELECT COUNT(*) FROM members m WHERE m.conversation_id = c.id) AS counted,
                      (SELECT MAX(x.id) FROM messages x WHERE x.conversation_id = c.id) AS newest
               FROM conversations c)
             WHERE member_count != counted OR last_message_id IS NOT newest",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

#[track_caller]
fn consistent(app: &TestApp, step: &str) {
    assert_eq!(drift(app), [], "after {step}");
}

fn members_shown(app: &TestApp, viewer: &User, group: &str) -> i64 {
    app.expect_entry(viewer, group)["member_count"]
        .as_i64()
        .unwrap()
}

#[test]
fn stored_counts_and_newest_ids_follow_every_membership_and_message_write() {
    let app = TestApp::spawn();
    let (a, b, c) = trio(&app);
    let d = app.user_named("dave", "赵六");
    app.befriend(&a, &d);
    let empty = app.group(&a, "空群", &[&b]);
    consistent(&app, "creating groups");
    let group = app.group(&a, "一家人", &[&b, &c]);
    assert_eq!(members_shown(&app, &b, &group), 3);
    // Creating a group writes its system message: the newest is already set.
    consistent(&app, "creating a group");

    app.send(&a, &group, "第一条");
    let second = app.send(&b, &group, "第二条");
    consistent(&app, "sending");
    app.invite(&a, &group, json!([d.id])).expect_ok();
    assert_eq!(members_shown(&app, &d, &group), 4);
    consistent(&app, "inviting");
    app.recall(&b, &second).expect_ok();
    consistent(&app, "recalling");
    assert_eq!(
        app.expect_entry(&a, &group)["last_message_preview"],
        "李四撤回了一条消息"
    );

    app.remove(&a, &group, &c.id).expect_ok();
    assert_eq!(members_shown(&app, &a, &group), 3);
    app.remove(&b, &group, &b.id).expect_ok();
    assert_eq!(members_shown(&app, &a, &group), 2);
    consistent(&app, "removing and leaving");

    // The newest is hidden from a viewer who deleted it or cleared past it: theirs is the
    // one before, or none; everyone else still sees the newest.
    let newest = app.send(&d, &group, "最新");
    app.delete_for_me(&a, &newest).expect_ok();
    let before = app.expect_entry(&a, &group)["last_message_preview"].clone();
    assert_ne!(before, "最新", "{before}");
    assert_eq!(app.expect_entry(&d, &group)["last_message_preview"], "最新");
    let path = format!("/api/auth/conversations/{group}/messages");
    app.delete(&path, &d.token, None).expect_ok();
    assert_eq!(app.expect_entry(&d, &group)["last_message_preview"], "");
    consistent(&app, "deleting for oneself and clearing");

    // The last two leave: the group and its messages go, and SQLite hands their ids out
    // again to the next messages.
    let highest = id_number(&newest);
    app.remove(&a, &group, &a.id).expect_ok();
    app.remove(&d, &group, &d.id).expect_ok();
    let gone = format!(
        "SELECT COUNT(*) FROM conversations WHERE id = {}",
        id_number(&group)
    );
    assert_eq!(app.count(&gone), 0, "the group is gone");
    consistent(&app, "the last member leaving");
    let again = app.send(&a, &empty, "又是新的一条");
    assert!(id_number(&again) <= highest, "{again} reuses a freed id");
    assert_eq!(
        app.expect_entry(&b, &empty)["last_message_preview"],
        "又是新的一条"
    );
    consistent(&app, "reusing ids");
}
