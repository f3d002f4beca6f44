//! Under a 1,024 descriptor limit, 1,100 idle sockets do not lock anyone out.

use super::*;

#[test]
fn under_a_1024_descriptor_limit_1100_idle_sockets_do_not_lock_anyone_out() {
    let dir = tempfile::tempdir().unwrap();
    let server =
        Server::start_under_fd_limit(dir.path(), 1024, &settings(&[("header_timeout_secs", "3")]));
    let logged = |text: &str| server.logged(text);
    let log = server.log.clone();
    assert!(
        logged("open-file limit 1024, at most 768 connections (max_connections)"),
        "start-up line: {:?}",
        log.lock().unwrap()
    );

    // 768 idle connections fill every slot. They are opened in batches, each accepted before
    // the next: the kernel's accept queue has 128 places, and a burst beyond it has its SYNs
    // dropped and retried a second later, by when the first ones would have timed out.
    let pid = server.child.id();
    let port = server.port();
    let baseline = open_fds(pid);
    let opening = Instant::now();
    let mut idle = Vec::new();
    while idle.len() < 768 {
        for _ in 0..64.min(768 - idle.len()) {
            idle.push(connect(&server));
        }
        let accepted = wait_until(Duration::from_secs(5), || {
            open_fds(pid) >= baseline + idle.len()
        });
        assert!(
            accepted,
            "{} of {} accepted",
            open_fds(pid).saturating_sub(baseline),
            idle.len()
        );
    }
    assert!(
        wait_until(Duration::from_secs(2), || logged(
            "768 connections are open (max_connections)"
        )),
        "no max_connections warning ({} descriptors open): {:?}",
        open_fds(pid),
        log.lock().unwrap()
    );
    eprintln!("cap reached after {:?}", opening.elapsed());
    // 332 more, which wait for a slot (from another thread: some connects wait for SYN retries).
    let more = std::thread::spawn(move || {
        (0..332)
            .map(|_| TcpStream::connect(("127.0.0.1", port)).expect("connect"))
            .collect::<Vec<_>>()
    });

    // A fresh connection, asked while every slot is taken, is answered once idle ones time
    // out and free their slots.
    let asked = Instant::now();
    let http: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(15)))
        .build()
        .into();
    let mut res = http
        .get(&format!("{}/api/health", server.base))
        .call()
        .expect("health within 15 s");
    let waited = asked.elapsed();
    eprintln!("health answered {} after {waited:?}", res.status());
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.body_mut().read_json().unwrap();
    assert_eq!(body["data"]["status"], json!("ok"));
    idle.extend(more.join().unwrap());
    assert_eq!(idle.len(), 1100);
    eprintln!("1,100 idle connections opened in {:?}", opening.elapsed());

    // Every idle socket is closed by the server in the end (accepted ones after the header
    // timeout, the rest once accepted in turn).
    let since = Instant::now();
    let mut open = 0;
    for stream in &idle {
        let left = Duration::from_secs(15).saturating_sub(since.elapsed());
        if let End::Open = wait_closed(stream, &mut &*stream, since, left, &mut Vec::new()) {
            open += 1;
        }
    }
    eprintln!(
        "idle connections closed by the server within {:?}",
        since.elapsed()
    );
    assert_eq!(open, 0, "idle connections still open");
    assert!(health_is_ok(&server.base));
}
