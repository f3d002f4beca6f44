//! Resume with `Last-Event-ID`: replay, the replay/live seam, recalled text, resync.

use super::*;

#[test]
fn resume_replays_exactly_what_was_missed_in_order_then_continues_live() {
    let app = LiveApp::spawn(&[]);
    let (a, b, conv) = pair(&app);
    let sb = app.stream(&b.token, None);
    app.send(&a, &conv, "seen");
    let (last_seen, _) = sb.next_of("message.created", WAIT).unwrap();
    drop(sb);
    let missed: Vec<String> = (0..5)
        .map(|i| app.send(&a, &conv, &format!("missed {i}")))
        .collect();
    let sb = app.stream(&b.token, Some(&last_seen));
    let got = created_ids(&sb, missed.len(), last_seen.parse().unwrap(), WAIT);
    assert_eq!(got, missed, "every missed message replayed, in order");
    let live = app.send(&a, &conv, "live");
    assert_eq!(
        next_data(&sb, "message.created")["message"]["id"],
        json!(live)
    );
}

#[test]
fn events_written_during_replay_are_neither_lost_nor_doubled() {
    let app = LiveApp::spawn(&[]);
    let (a, b, conv) = pair(&app);
    // A backlog to replay, then sends that keep going while the stream reconnects.
    let mut sent: Vec<String> = (0..200)
        .map(|i| app.send(&a, &conv, &format!("backlog {i}")))
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let live_sent = Arc::new(Mutex::new(Vec::new()));
    let sender = {
        let (stop, live_sent, base, a, conv) = (
            stop.clone(),
            live_sent.clone(),
            app.base.clone(),
            a.clone(),
            conv.clone(),
        );
        std::thread::spawn(move || {
            let remote = Remote::at(&base);
            for i in 0..300 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let id = remote.send(&a, &conv, &format!("live {i}"));
                live_sent.lock().unwrap().push(id);
            }
        })
    };
    std::thread::sleep(Duration::from_millis(50));
    let sb = app.stream(&b.token, Some("0"));
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    sender.join().unwrap();
    sent.extend(live_sent.lock().unwrap().iter().cloned());
    let got = created_ids(&sb, sent.len(), 0, WAIT);
    assert_eq!(got.len(), sent.len(), "every message exactly once");
    assert_eq!(got, sent);
    assert!(
        sb.next_of("message.created", Duration::from_millis(300))
            .is_none(),
        "no duplicates after"
    );
}

#[test]
fn replay_never_shows_a_recalled_text() {
    let app = LiveApp::spawn(&[]);
    let (a, b, conv) = pair(&app);
    let id = app.send(&a, &conv, "oops secret");
    assert_eq!(app.recall(&a, &id).status, 200);
    let sb = app.stream(&b.token, Some("0"));
    let created = next_data(&sb, "message.created");
    assert_eq!(created["message"]["id"], json!(id));
    assert_eq!(created["message"]["content"], "");
    assert_eq!(created["message"]["status"], 1);
    let recalled = next_data(&sb, "message.recalled");
    assert_eq!(recalled["system_message"]["content"], "alice撤回了一条消息");
}

#[test]
fn an_expired_or_unusable_last_event_id_gets_one_resync() {
    let app = LiveApp::spawn(&[]);
    let (a, b, conv) = pair(&app);
    for i in 0..3 {
        app.send(&a, &conv, &format!("{i}"));
    }
    // Prune everything, as the retention task would after event_retention_secs.
    let conn = rusqlite::Connection::open(&app.db_path).unwrap();
    let pruned = chatd::db::events::prune(&conn, i64::MAX).unwrap();
    assert!(pruned > 0);
    drop(conn);
    for stale in ["1", "not-a-number"] {
        let sb = app.stream(&b.token, Some(stale));
        let (_, kind, _) = sb.next_event(WAIT).expect("resync");
        assert_eq!(kind, "resync");
        assert!(
            sb.next_event(Duration::from_millis(300)).is_none(),
            "only one resync"
        );
        let live = app.send(&a, &conv, "after resync");
        assert_eq!(
            next_data(&sb, "message.created")["message"]["id"],
            json!(live)
        );
    }
}
