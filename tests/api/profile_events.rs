//! §8 events beyond the contract's table, over a real loopback server: `friend.rejected`
//! (both sides' pending lists change) and `user.updated` (a new display name reaches
//! everyone who shows it, once each, and nobody else), and avatars (`user.updated` and
//! `conversation.updated` carry an `avatar_url` signed for each receiver).

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
               "avatar_url": null, "request_id": request, "direction": "outgoing"})
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
    let expected = json!({"user_id": a.id, "username": "alice", "display_name": "爱丽丝",
                          "avatar_url": null});
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

/// `who` uploads `bytes` over HTTP; the file id.
fn upload(app: &LiveApp, token: &str, name: &str, bytes: &[u8]) -> String {
    let (content_type, body) = crate::helpers::multipart("file", name, bytes);
    let mut res = ureq::post(format!("{}/api/auth/files", app.base))
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", &content_type.to_string())
        .send(&body[..])
        .expect("upload");
    let answer: Value = res.body_mut().read_json().unwrap();
    answer["data"]["file_id"].as_str().unwrap().to_string()
}

/// The status of a GET of `url` (a signed file URL) without a token.
#[track_caller]
fn fetch_status(app: &LiveApp, url: &Value) -> u16 {
    let Some(path) = url.as_str() else {
        panic!("{url} is not a URL");
    };
    let url = format!("{}{path}", app.base);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    agent.get(&url).call().unwrap().status().as_u16()
}

#[test]
fn avatar_changes_reach_contacts_and_members_with_urls_of_their_own() {
    let app = LiveApp::spawn(&[]);
    let a = app.user("alice");
    let friend = app.user("bob");
    let stranger = app.user("dave");
    app.befriend(&a, &friend);
    let group = app.group(&a, "家", &[&friend]);
    let (sf, ss) = (
        app.stream(&friend.token, None),
        app.stream(&stranger.token, None),
    );

    let pic = upload(&app, &a.token, "a.png", &crate::helpers::png(64, 64));
    let res = app.put("/api/auth/me/avatar", &a.token, json!({ "file_id": pic }));
    assert_eq!(res.status, 200, "{res}");
    let told = quiet_events(&sf, "user.updated");
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["user_id"], json!(a.id));
    assert_ne!(
        told[0]["avatar_url"],
        res.data()["avatar_url"],
        "signed for bob"
    );
    assert_eq!(fetch_status(&app, &told[0]["avatar_url"]), 200);
    assert!(quiet_events(&ss, "user.updated").is_empty());

    let res = app.put(
        &format!("/api/auth/conversations/{group}/avatar"),
        &a.token,
        json!({ "file_id": pic }),
    );
    assert_eq!(res.status, 200, "{res}");
    let (_, updated) = sf.next_of("conversation.updated", WAIT).expect("told");
    assert_eq!(updated["conversation_id"], json!(group));
    assert_eq!(fetch_status(&app, &updated["avatar_url"]), 200);
    assert!(updated.get("avatar_file_id").is_none(), "{updated}");
    let (_, system) = sf.next_of("message.created", WAIT).expect("system message");
    assert_eq!(system["message"]["content"], "alice修改了群头像");

    // Removed: null, to the same people.
    app.delete("/api/auth/me/avatar", &a.token, None);
    let told = quiet_events(&sf, "user.updated");
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["avatar_url"], Value::Null);
}
