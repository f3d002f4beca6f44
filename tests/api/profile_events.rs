//! §8 events beyond the contract's table, over a real loopback server: `friend.rejected`
//! (both sides' pending lists change) and `user.updated` (a new display name reaches
//! everyone who shows it, once each, and nobody else).

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::Api;
use crate::live::{Item, LiveApp, Sse};

const WAIT: Duration = Duration::from_secs(5);
const QUIET: Duration = Duration::from_millis(600);

/// The events of `kind` that arrive within `QUIET`.
fn quiet_events(sse: &Sse, kind: &str) -> Vec<Value> {
    sse.drain(QUIET)
        .into_iter()
        .filter_map(|item| match item {
            Item::Event { event, data, .. } if event == kind => Some(data),
            _ => None,
        })
        .collect()
}

#[test]
fn a_rejected_request_is_an_event_for_both_sides_and_every_device() {
    let app = LiveApp::spawn(&[]);
    let a = app.user("alice");
    let b = app.user("bob");
    let b_phone = app.login("bob");
    let sa = app.stream(&a.token, None);
    let sb = app.stream(&b.token, None);
    let sb_phone = app.stream(&b_phone, None);
    let request = app.friend_request(&a, &b.id).data_str("request_id");
    let res = app.reject_request(&b, &request);
    assert_eq!(res.status, 200, "{res}");

    let (_, to_sender) = sa.next_of("friend.rejected", WAIT).expect("sender told");
    assert_eq!(
        to_sender,
        json!({"user_id": b.id, "username": "bob", "display_name": "bob",
               "request_id": request, "direction": "outgoing"})
    );
    for sse in [&sb, &sb_phone] {
        let (_, to_recipient) = sse
            .next_of("friend.rejected", WAIT)
            .expect("recipient told");
        assert_eq!(to_recipient["user_id"], json!(a.id));
        assert_eq!(to_recipient["request_id"], json!(request));
        assert_eq!(to_recipient["direction"], "incoming");
    }
    // Answering again is still 404, and sends nothing more.
    assert_eq!(app.reject_request(&b, &request).status, 404);
    assert!(quiet_events(&sa, "friend.rejected").is_empty());
}

#[test]
fn a_new_display_name_reaches_everyone_who_shows_it_once_each() {
    let app = LiveApp::spawn(&[]);
    let a = app.user("alice");
    let a_phone = app.login("alice");
    let friend = app.user("bob");
    let co_member = app.user("carol");
    let stranger = app.user("dave");
    // bob is a friend and shares a group with alice; carol only shares the group.
    app.befriend(&a, &friend);
    app.befriend(&friend, &co_member);
    app.group(&friend, "g", &[&a, &co_member]);
    let streams = [
        ("alice's other device", app.stream(&a_phone, None), true),
        ("the friend", app.stream(&friend.token, None), true),
        ("the co-member", app.stream(&co_member.token, None), true),
        ("the stranger", app.stream(&stranger.token, None), false),
    ];
    let rename = || {
        let res = app.set_display_name(&a, "爱丽丝");
        assert_eq!(res.status, 200, "{res}");
        res
    };

    rename();
    let expected = json!({"user_id": a.id, "username": "alice", "display_name": "爱丽丝"});
    for (who, sse, told) in &streams {
        let got = quiet_events(sse, "user.updated");
        let want = if *told {
            vec![expected.clone()]
        } else {
            vec![]
        };
        assert_eq!(got, want, "{who}");
    }

    // The same name again changes nothing and tells nobody.
    assert_eq!(rename().data()["display_name"], "爱丽丝");
    for (who, sse, _) in &streams {
        assert!(quiet_events(sse, "user.updated").is_empty(), "{who}");
    }
}
