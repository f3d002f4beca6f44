//! Events for every member of a conversation are stored once (migration V18, user 0) and
//! reach exactly the members who joined before them, live and replayed with
//! `Last-Event-ID`: a newcomer never gets what came before their invitation, a removed
//! member nothing after their removal.

use super::*;
use crate::helpers::count_in;

fn stored_events(app: &LiveApp) -> i64 {
    count_in(&app.db_path, "SELECT COUNT(*) FROM events")
}

/// Whether `message` arrives on `sse` (other messages, such as system ones, skipped) within
/// `wait`.
fn receives(sse: &Sse, message: &str, wait: Duration) -> bool {
    while let Some((_, data)) = sse.next_of("message.created", wait) {
        if data["message"]["id"] == json!(message) {
            return true;
        }
    }
    false
}

#[test]
fn a_group_message_is_stored_once_and_reaches_each_member_who_joined_before_it() {
    let app = LiveApp::spawn(&[]);
    let (a, b, c) = owner_and_two_friends(&app);
    let d = app.user("dave");
    app.befriend(&a, &d);
    let group = app.group(&a, "一家人", &[&b, &d]);
    let (sa, sb) = (app.stream(&a.token, None), app.stream(&b.token, None));
    let before = stored_events(&app);
    let first = app.send(&a, &group, "第一条");
    assert_eq!(stored_events(&app), before + 1, "one row for four members");
    assert!(receives(&sa, &first, WAIT), "the sender's own devices too");
    assert!(receives(&sb, &first, WAIT));

    // carol joins after the first message; dave is removed after it.
    app.invite(&a, &group, json!([c.id])).expect_ok();
    app.remove(&a, &group, &d.id).expect_ok();
    let second = app.send(&b, &group, "第二条");
    assert!(receives(&sb, &second, WAIT));

    let from_start = |user: &User| {
        let sse = app.stream(&user.token, Some("0"));
        created_ids(&sse, 20, 0, Duration::from_millis(700))
    };
    let carol = from_start(&c);
    assert!(!carol.contains(&first), "{carol:?}");
    assert!(carol.contains(&second), "{carol:?}");
    assert!(from_start(&d).is_empty(), "nothing of a group one left");
    let bob = from_start(&b);
    assert!(bob.contains(&first) && bob.contains(&second), "{bob:?}");

    // Live: the newcomer gets the next one, the removed member does not.
    let (sc, sd) = (app.stream(&c.token, None), app.stream(&d.token, None));
    let third = app.send(&c, &group, "第三条");
    assert!(receives(&sc, &third, WAIT));
    assert!(!receives(&sd, &third, Duration::from_millis(500)));
}

#[test]
fn a_replay_reads_the_users_own_range_and_their_conversations_ranges_only() {
    let app = LiveApp::spawn(&[]);
    let (a, b, _) = owner_and_two_friends(&app);
    let group = app.group(&a, "一家人", &[&b]);
    app.send(&a, &group, "有人吗");
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let plan = chatd::db::events::explain_since(&conn).unwrap();
    assert!(plan.iter().all(|line| !line.contains("SCAN ")), "{plan:#?}");
    assert!(
        plan.iter()
            .any(|line| line.contains("events_by_conversation (conversation_id=? AND id>?)")),
        "{plan:#?}"
    );
}

#[test]
fn a_stream_open_before_an_invitation_gets_what_follows_it_and_nothing_before() {
    // The dispatcher expands each group event to the members who joined before it, from
    // one read of the members per round.
    let app = LiveApp::spawn(&[]);
    let (a, b, c) = owner_and_two_friends(&app);
    let group = app.group(&a, "一家人", &[&b]);
    let sc = app.stream(&c.token, None);
    let sb = app.stream(&b.token, None);
    let before = app.send(&a, &group, "邀请之前");
    app.invite(&a, &group, json!([c.id])).expect_ok();
    let after = app.send(&b, &group, "邀请之后");
    let quiet = Duration::from_millis(700);
    let carol = created_ids(&sc, 20, 0, quiet);
    assert!(carol.contains(&after), "{carol:?}");
    assert!(
        !carol.contains(&before),
        "nothing before her invitation: {carol:?}"
    );
    let bob = created_ids(&sb, 20, 0, quiet);
    let at = |id: &String| bob.iter().position(|m| m == id);
    assert!(at(&before) < at(&after) && at(&before).is_some(), "{bob:?}");
}
