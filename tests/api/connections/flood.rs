//! A flood of 1,000 logins and sign-ups at once: memory stays bounded, every request is
//! answered, and the health check stays fast.

use super::*;
use crate::flood::{check_health, peak_rss, percentile, release, rss_kib};

#[test]
fn a_flood_of_logins_and_sign_ups_stays_bounded_and_health_stays_fast() {
    const MIB: u64 = 1024;
    let dir = tempfile::tempdir().unwrap();
    // Rate limits off (as if every request came from its own address), defaults otherwise.
    let server = Server::start_with(dir.path(), 0, &[]);
    let (base, port, pid) = (server.base.clone(), server.port(), server.child.id());
    let http = Remote::bounded(&base);
    let registered = http.call(
        Method::Post,
        "/api/register",
        None,
        Some(json!({"username": "alice", "password": PASSWORD})),
    );
    assert_eq!(registered.status, 201, "{registered}");
    let res = http.try_login("alice", PASSWORD);
    assert_eq!(res.status, 200, "warm-up login: {res}");
    let idle = rss_kib(pid);
    // The machine is shared: how fast health answers right now, before any flood, is the
    // yardstick for "fast" below (a ratio within this run, not a guess about the machine).
    let quiet = {
        let mut took: Vec<Duration> = (0..40)
            .map(|_| {
                let asked = Instant::now();
                let res = http.call(Method::Get, "/api/health", None, None);
                assert_eq!(res.status, 200);
                asked.elapsed()
            })
            .collect();
        took.sort();
        percentile(&took, 0.9)
    };

    // Resident memory every 50 ms and health checks every ~20 ms while the flood runs.
    let released = Arc::new(Mutex::new(None::<Instant>));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = peak_rss(pid, stop.clone());
    let health = {
        let (base, released, stop) = (base.clone(), released.clone(), stop.clone());
        std::thread::spawn(move || check_health(base, released, stop))
    };

    // 500 logins for unknown names and 500 sign-ups, each on its own connection, all open
    // before any is sent, then sent at once.
    let n = 1000;
    let requests: Vec<(&'static str, Value)> = (0..n)
        .map(|i| {
            let (path, name) = match i % 2 {
                0 => ("login", format!("ghost_{i}")),
                _ => ("register", format!("flood_{i}")),
            };
            (path, json!({"username": name, "password": "password123"}))
        })
        .collect();
    let (answers, started) = release(port, requests, &released, Duration::from_secs(60));
    stop.store(true, Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    let (samples, health_failed) = health.join().unwrap();
    let ended = Instant::now();
    let mut after = rss_kib(pid);
    let settled = wait_until(Duration::from_secs(10), || {
        after = rss_kib(pid);
        after < idle + 64 * MIB
    });
    let settled_in = ended.elapsed();

    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    let mut wrong = Vec::new();
    // When the burst was absorbed: the last answer that did not wait for a hash (429). From
    // then on the server only hashes (what is queued) besides the health checks.
    let (mut absorbed, mut last) = (Duration::ZERO, Duration::ZERO);
    for (path, (answer, at)) in &answers {
        let Some((status, body)) = answer else {
            wrong.push(format!("{path}: no answer"));
            continue;
        };
        last = last.max(*at - started);
        if *status == 429 {
            absorbed = absorbed.max(*at - started);
        }
        *counts.entry(format!("{path} {status}")).or_default() += 1;
        let expected = match (*path, *status) {
            ("login", 401) => "用户名或密码错误",
            ("register", 201) => "注册成功",
            (_, 429) => "请求过于频繁",
            _ => "",
        };
        if expected.is_empty() || code_and_message(body) != (json!(status), json!(expected)) {
            wrong.push(format!("{path}: {status} {body}"));
        }
    }
    let sorted = |samples: &mut dyn Iterator<Item = &(Duration, Duration)>| {
        let mut took: Vec<Duration> = samples.map(|(_, took)| *took).collect();
        took.sort();
        took
    };
    let all = sorted(&mut samples.iter());
    let hashing = sorted(&mut samples.iter().filter(|(asked, _)| *asked >= absorbed));
    let (p50, p99, max) = (
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        all.last().copied().unwrap_or_default(),
    );
    let p99_hashing = percentile(&hashing, 0.99);
    eprintln!(
        "flood: quiet health p90 {quiet:?}; {n} requests, answers {counts:?}, burst absorbed after {absorbed:?}, last answer after {last:?}; \
         health during the flood ({} checks) p50 {p50:?} p99 {p99:?} max {max:?}, after the burst ({} checks) p99 {p99_hashing:?}; \
         VmRSS idle {} MiB, peak {} MiB, {} MiB {settled_in:?} after the flood",
        all.len(),
        hashing.len(),
        idle / MIB,
        peak / MIB,
        after / MIB
    );
    assert!(
        wrong.is_empty(),
        "{} wrong answers: {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(10)]
    );
    assert!(
        health_failed.is_empty(),
        "health checks failed: {health_failed:?}"
    );
    // While the queued hashes run on every core, others are answered at once.
    assert!(
        hashing.len() >= 5,
        "only {} checks after the burst",
        hashing.len()
    );
    // 100 ms on a quiet machine; when other work shares the cores, ten times what health
    // took just before the flood.
    let fast = Duration::from_millis(100).max(quiet * 10);
    assert!(
        p99_hashing < fast,
        "health p99 while hashing: {p99_hashing:?} (quiet p90 {quiet:?})"
    );
    // The burst itself queues the health checks behind a thousand requests: about 0.1 s in a
    // release build, 0.2-0.4 s in this debug one (as much without any hashing; see
    // bench/flood.sh), never seconds.
    assert!(
        max < Duration::from_secs(2),
        "health max during the burst: {max:?}"
    );
    assert!(
        peak < idle + 256 * MIB,
        "peak VmRSS {peak} KiB, idle {idle} KiB"
    );
    assert!(
        settled,
        "VmRSS {after} KiB 10 s after the flood, idle {idle} KiB"
    );

    let res = http.try_login("alice", PASSWORD);
    assert_eq!(res.status, 200, "login after the flood: {res}");
}
