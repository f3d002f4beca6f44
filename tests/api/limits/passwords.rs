//! The per-name login lock under concurrent guesses, and the bounded password hashing queue,
//! against the real binary.

use super::*;

/// A login on `remote`; `None` if no answer came.
fn log_in(remote: &Remote, username: &str, password: &str) -> Option<Resp> {
    remote.try_call(
        Method::Post,
        "/api/login",
        None,
        Some(json!({"username": username, "password": password})),
    )
}

#[test]
fn concurrent_guesses_cannot_pass_the_login_lock() {
    const GUESSES: usize = 59;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), 0, &[]);
    Remote::at(&server.base).user("victim");
    let base = server.base.clone();

    let start = Arc::new(Barrier::new(GUESSES + 1));
    let answered = Arc::new(AtomicUsize::new(0));
    let checked = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..=GUESSES)
        .map(|i| {
            let (start, answered, checked, base) = (
                start.clone(),
                answered.clone(),
                checked.clone(),
                base.clone(),
            );
            std::thread::spawn(move || {
                let remote = Remote::bounded(&base);
                let right = i == GUESSES;
                start.wait();
                if right {
                    // The right password goes last, once ten wrong ones were checked (or, if the
                    // server checked fewer, every wrong one was answered): the name is locked.
                    let locked = wait_until(Duration::from_secs(30), || {
                        checked.load(Ordering::SeqCst) >= 10
                            || answered.load(Ordering::SeqCst) == GUESSES
                    });
                    assert!(locked, "the wrong guesses were not answered within 30 s");
                }
                let password = if right {
                    PASSWORD.to_string()
                } else {
                    format!("wrong-guess-{i}")
                };
                let answer = log_in(&remote, "victim", &password);
                if !right {
                    if answer.as_ref().is_some_and(|a| a.status == 401) {
                        checked.fetch_add(1, Ordering::SeqCst);
                    }
                    answered.fetch_add(1, Ordering::SeqCst);
                }
                (right, answer)
            })
        })
        .collect();
    let results: Vec<(bool, Option<Resp>)> =
        threads.into_iter().map(|t| t.join().unwrap()).collect();

    let answers: Vec<(bool, Resp)> = results
        .into_iter()
        .filter_map(|(right, answer)| answer.map(|a| (right, a)))
        .collect();
    assert_eq!(answers.len(), GUESSES + 1, "every login was answered");
    let wrong_checked = answers
        .iter()
        .filter(|(right, answer)| !right && answer.status == 401)
        .count();
    let tally: Vec<(u16, &Value)> = answers
        .iter()
        .map(|(_, a)| (a.status, &a.body["message"]))
        .collect();
    assert!(
        wrong_checked <= 10,
        "{wrong_checked} concurrent wrong passwords were checked; the lock allows 10: {tally:?}"
    );
    assert_eq!(
        wrong_checked, 10,
        "the first ten failures are answered 401 before the lock"
    );
    for (right, answer) in &answers {
        if *right {
            // The lock holds for the right password too.
            answer.expect(429, "尝试次数过多，请稍后再试");
            assert_eq!(answer.body["data"], Value::Null);
        } else if answer.status == 401 {
            answer.expect(401, "用户名或密码错误");
        } else {
            answer.expect(429, "尝试次数过多，请稍后再试");
        }
    }
}

#[test]
fn a_full_hashing_queue_answers_429_at_once_and_then_recovers() {
    const AT_ONCE: usize = 40;
    let dir = tempfile::tempdir().unwrap();
    let settings = [
        ("hash_concurrency".to_string(), "1".to_string()),
        ("hash_queue".to_string(), "1".to_string()),
    ];
    let server = Server::start_with(dir.path(), 0, &settings);
    Remote::at(&server.base).user("alice");
    let base = server.base.clone();

    // One hasher and one place in its queue: of many logins at once, most find it full. A
    // round with no refusal (possible only on a very slow start) is tried again.
    let mut refused = 0;
    for round in 0..5 {
        let start = Arc::new(Barrier::new(AT_ONCE));
        let threads: Vec<_> = (0..AT_ONCE)
            .map(|i| {
                let (start, base) = (start.clone(), base.clone());
                std::thread::spawn(move || {
                    let remote = Remote::bounded(&base);
                    start.wait();
                    log_in(&remote, &format!("ghost_{round}_{i}"), PASSWORD)
                })
            })
            .collect();
        for thread in threads {
            let answer = thread.join().unwrap().expect("every login is answered");
            if answer.status == 429 {
                assert_eq!(answer.expect_limited(), 1, "a full queue says retry in 1 s");
                refused += 1;
            } else {
                answer.expect(401, "用户名或密码错误");
            }
        }
        if refused > 0 {
            break;
        }
    }
    assert!(refused > 0, "no login was refused with a queue of one");

    // The queue drains: a real login goes through again.
    let remote = Remote::bounded(&base);
    let mut last = None;
    let logged_in = wait_until(Duration::from_secs(10), || {
        last = log_in(&remote, "alice", PASSWORD);
        last.as_ref().is_some_and(|a| a.status == 200)
    });
    assert!(logged_in, "alice cannot log in after the burst: {last:?}");
    last.unwrap().expect(200, "登录成功");
}
