//! Event-stream delivery benchmark (issue: real-time events). Run with `bench/sse.sh`, or:
//!
//! ```sh
//! cargo build --release && cargo run --release --example sse_bench -- [USERS] [RATE] [SECS] [BURST]
//! ```
//!
//! Starts the release `chatd` on a temporary database with USERS synthetic users (default
//! 500), opens two event streams per user (two devices), makes one group of all of them,
//! then sends messages into it: RATE per second for SECS seconds (default 20/s for 5 s),
//! then a burst of BURST (default 200) as fast as 8 senders can. Every delivery of every
//! message to every stream is timed from just before its POST; the tool prints p50/p99/max
//! for each phase, how many deliveries arrived, and the server's resident memory; and for the
//! burst, how long sending it and delivering it took, and how long each `POST` took (most of
//! a delivery's latency under a burst is its own `POST`, see bench/RESULTS.md). With
//! `SSE_BENCH_DETAIL=1` it also prints the burst's latency by tenths, in the order sent.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rocket::tokio::{
    self,
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};
use serde_json::json;

const SECRET: &str = "sse-bench-secret-sse-bench-secret-0123";

fn arg(n: usize, default: u64) -> u64 {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn token(user: u64) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"sub": format!("u_{user}"), "gen": 0, "jti": format!("bench{user}-{now}"), "iat": now, "exp": now + 3600});
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("token")
}

struct Server {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(users: u64, port: u16) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    // BIN names another build (bench/common.sh's variable), e.g. target/profiling/chatd.
    let bin = std::env::var_os("BIN").map_or_else(
        || {
            std::env::current_dir()
                .unwrap()
                .join("target/release/chatd")
        },
        std::path::PathBuf::from,
    );
    let env = |cmd: &mut Command| {
        cmd.current_dir(dir.path())
            .env("ROCKET_DATABASE_PATH", dir.path().join("chat.db"))
            .env("ROCKET_JWT_SECRET", SECRET)
            .env("ROCKET_PORT", port.to_string())
            .env("ROCKET_ADDRESS", "127.0.0.1")
            .env("ROCKET_REQUIRE_FRIENDSHIP", "false")
            // A benchmark drives many accounts from one address at full speed.
            .env("ROCKET_RATE_LIMITS", "{register=\"off\",login=\"off\",ticket=\"off\",send=\"off\",create_group=\"off\",friend_request=\"off\"}")
            .env("ROCKET_MAX_STREAMS_PER_USER", "100000")
            .env("RUST_LOG", "warn");
    };
    let mut seed = Command::new(&bin);
    env(&mut seed);
    let status = seed
        .args(["seed", "--users", &users.to_string()])
        .stdout(Stdio::null())
        .status()
        .expect("run chatd seed (build with `cargo build --release` first)");
    assert!(status.success());
    let mut serve = Command::new(&bin);
    env(&mut serve);
    let child = serve
        .arg("serve")
        .stderr(Stdio::null())
        .spawn()
        .expect("start chatd");
    Server { child, _dir: dir }
}

/// Private resident memory (RssAnon): what the server costs, without the database file's
/// pages that SQLite maps (shared, reclaimable page cache).
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("RssAnon"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// When each message was sent, by its sequence number.
type SentAt = Arc<Mutex<HashMap<u64, Instant>>>;
/// Latencies of deliveries, in microseconds, by phase.
type Latencies = Arc<Mutex<Vec<(u64, u64)>>>;

/// Opens one stream and records every `bench#SEQ#` message it delivers.
async fn follow(port: u16, token: String, sent: SentAt, out: Latencies, opened: Arc<AtomicUsize>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let request = format!(
        "GET /api/auth/events HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("request");
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
    }
    opened.fetch_add(1, Ordering::Relaxed);
    // Chunked transfer encoding: "<hex size>\r\n<data>\r\n". A marker may span chunks, so
    // an unfinished one is kept for the next chunk. The generator shares the server's two
    // cores, so it finds markers with a SIMD search and takes each lock once per chunk.
    let marker = memchr::memmem::Finder::new(b"bench#");
    let mut chunk = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut seqs: Vec<u64> = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let Ok(size) = usize::from_str_radix(line.trim(), 16) else {
            continue;
        };
        if size == 0 {
            return;
        }
        chunk.resize(size + 2, 0);
        if reader.read_exact(&mut chunk).await.is_err() {
            return;
        }
        let now = Instant::now();
        pending.extend_from_slice(&chunk[..size]);
        let mut at = 0;
        let mut unfinished = None;
        while let Some(found) = marker.find(&pending[at..]) {
            let digits = at + found + b"bench#".len();
            let Some(len) = memchr::memchr(b'#', &pending[digits..]) else {
                unfinished = Some(at + found);
                break;
            };
            if let Some(seq) = std::str::from_utf8(&pending[digits..digits + len])
                .ok()
                .and_then(|s| s.parse().ok())
            {
                seqs.push(seq);
            }
            at = digits + len + 1;
        }
        // Keep an unfinished marker, or the last few bytes (the start of one), never a
        // marker already counted.
        let keep_from =
            unfinished.unwrap_or_else(|| at.max(pending.len().saturating_sub(b"bench".len())));
        pending.drain(..keep_from);
        if seqs.is_empty() {
            continue;
        }
        let timed: Vec<(u64, u64)> = {
            let sent = sent.lock().unwrap();
            seqs.drain(..)
                .filter_map(|seq| {
                    let at = sent.get(&seq)?;
                    Some((seq, now.duration_since(*at).as_micros() as u64))
                })
                .collect()
        };
        out.lock().unwrap().extend(timed);
    }
}

/// Sends one message; returns how long its `POST` took, in microseconds.
fn send(agent: &ureq::Agent, port: u16, token: &str, conv: &str, seq: u64, sent: &SentAt) -> u64 {
    let started = Instant::now();
    sent.lock().unwrap().insert(seq, started);
    let body = json!({"conversation_id": conv, "content": format!("bench#{seq}# hello")});
    let res = agent
        .post(&format!("http://127.0.0.1:{port}/api/auth/messages"))
        .header("Authorization", &format!("Bearer {token}"))
        .send_json(body)
        .expect("send");
    assert_eq!(res.status().as_u16(), 201);
    started.elapsed().as_micros() as u64
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

fn main() {
    let users = arg(1, 500);
    let rate = arg(2, 20);
    let secs = arg(3, 5);
    let burst = arg(4, 200);
    let port = 18800 + (std::process::id() % 100) as u16;
    let server = start_server(users, port);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let deadline = Instant::now() + Duration::from_secs(20);
    while agent
        .get(&format!("http://127.0.0.1:{port}/api/health"))
        .call()
        .is_err()
    {
        assert!(Instant::now() < deadline, "chatd did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let owner = token(1);
    let members: Vec<String> = (2..=users).map(|u| format!("u_{u}")).collect();
    let mut res = agent
        .post(&format!(
            "http://127.0.0.1:{port}/api/auth/conversations/group"
        ))
        .header("Authorization", &format!("Bearer {owner}"))
        .send_json(json!({"name": "bench", "member_ids": members}))
        .expect("group");
    let body: serde_json::Value = res.body_mut().read_json().expect("json");
    let conv = body["data"]["conversation_id"]
        .as_str()
        .expect("group created")
        .to_string();

    let sent: SentAt = Arc::default();
    let latencies: Latencies = Arc::default();
    let opened = Arc::new(AtomicUsize::new(0));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let streams = users * 2;
    for user in 1..=users {
        for _device in 0..2 {
            runtime.spawn(follow(
                port,
                token(user),
                sent.clone(),
                latencies.clone(),
                opened.clone(),
            ));
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while (opened.load(Ordering::Relaxed) as u64) < streams {
        assert!(
            Instant::now() < deadline,
            "only {} streams opened",
            opened.load(Ordering::Relaxed)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Warm-up: one message every stream must receive before measuring, so that every stream
    // is subscribed (a stream without Last-Event-ID only gets what follows its subscription).
    const WARM_UP: u64 = 1_000_000_000;
    send(&agent, port, &owner, &conv, WARM_UP, &sent);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let warmed = latencies
            .lock()
            .unwrap()
            .iter()
            .filter(|(seq, _)| *seq == WARM_UP)
            .count();
        if warmed as u64 >= streams {
            break;
        }
        if Instant::now() > deadline {
            println!("warning: only {warmed} of {streams} streams received the warm-up message");
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    latencies.lock().unwrap().clear();
    let pid = server.child.id();
    let rss_idle = rss_mib(pid);

    // Steady phase: RATE messages per second from a few members.
    let steady = rate * secs;
    let started = Instant::now();
    for seq in 0..steady {
        let due = started + Duration::from_secs_f64(seq as f64 / rate as f64);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        send(&agent, port, &token(1 + seq % users), &conv, seq, &sent);
    }
    // Burst phase: BURST messages from 8 senders at once.
    let burst_started = Instant::now();
    let threads: Vec<_> = (0..8u64)
        .map(|t| {
            let (agent, sent, conv) = (agent.clone(), sent.clone(), conv.clone());
            std::thread::spawn(move || {
                let mut seq = steady + t;
                let mut took = Vec::new();
                while seq < steady + burst {
                    took.push(send(
                        &agent,
                        port,
                        &token(1 + seq % users),
                        &conv,
                        seq,
                        &sent,
                    ));
                    seq += 8;
                }
                took
            })
        })
        .collect();
    let mut posts: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    posts.sort_unstable();
    let burst_sent = burst_started.elapsed();
    let expected = (steady + burst) * streams;
    let deadline = Instant::now() + Duration::from_secs(60);
    while (latencies.lock().unwrap().len() as u64) < expected && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let burst_delivered = burst_started.elapsed();
    let rss_end = rss_mib(pid);
    let all = latencies.lock().unwrap().clone();
    let phase = |steady_phase: bool| {
        let mut v: Vec<u64> = all
            .iter()
            .filter(|(seq, _)| (*seq < steady) == steady_phase)
            .map(|(_, us)| *us)
            .collect();
        v.sort_unstable();
        v
    };
    println!("chatd event-stream benchmark: {streams} streams ({users} users × 2 devices), one group of {users}");
    println!();
    println!("| phase | messages | deliveries | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, steady_phase, count) in [
        (format!("steady {rate}/s for {secs}s"), true, steady),
        (format!("burst of {burst}, 8 senders"), false, burst),
    ] {
        let v = phase(steady_phase);
        println!(
            "| {name} | {count} | {}/{} | {:.1} | {:.1} | {:.1} |",
            v.len(),
            count * streams,
            percentile(&v, 0.5),
            percentile(&v, 0.99),
            percentile(&v, 1.0)
        );
    }
    println!();
    println!(
        "the burst: sent in {:.0} ms, delivered everywhere within {:.0} ms; each POST took p50 {:.1} ms, p99 {:.1} ms",
        burst_sent.as_secs_f64() * 1000.0,
        burst_delivered.as_secs_f64() * 1000.0,
        percentile(&posts, 0.5),
        percentile(&posts, 0.99)
    );
    if std::env::var_os("SSE_BENCH_DETAIL").is_some() {
        for g in 0..10u64 {
            let lo = steady + g * burst / 10;
            let hi = steady + (g + 1) * burst / 10;
            // A burst of fewer than ten messages leaves some tenths empty.
            if lo == hi {
                continue;
            }
            let first = sent.lock().unwrap()[&lo];
            let mut v: Vec<u64> = all
                .iter()
                .filter(|(seq, _)| *seq >= lo && *seq < hi)
                .map(|(_, us)| *us)
                .collect();
            v.sort_unstable();
            println!(
                "detail: messages {lo}..{hi} sent from {:.0} ms: p50 {:.1} p99 {:.1} max {:.1}",
                first.duration_since(burst_started).as_secs_f64() * 1000.0,
                percentile(&v, 0.5),
                percentile(&v, 0.99),
                percentile(&v, 1.0)
            );
        }
    }
    println!(
        "server private resident memory: {rss_idle:.1} MiB with {streams} idle streams, {rss_end:.1} MiB at the end"
    );
    runtime.shutdown_timeout(Duration::from_secs(1));
}
