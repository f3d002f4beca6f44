//! Password-hashing flood against a running chatd (issue 12). Run by `bench/flood.sh`, or:
//!
//! ```sh
//! cargo run --release --example flood -- URL PID [LOGINS] [SIGN_UPS] [LABEL] [control]
//! ```
//!
//! URL must be a loopback address (`http://127.0.0.1:PORT`) and PID the server's process
//! (its memory is read from `/proc/PID/status`). The tool registers one real user and logs it
//! in once (warm-up), opens LOGINS + SIGN_UPS connections (default 500 + 500, at most 2,000;
//! 100 connecting at a time, so the kernel's accept queue of 128 never drops a SYN), then
//! sends on all of them at once: logins for unknown names and registrations, each answered
//! within 60 s or counted as unanswered. `control` sends the same burst as sign-ups with a
//! too-short password instead, answered 400 before any hashing: what the burst alone costs.
//!
//! Meanwhile one thread asks `GET /api/health` every ~20 ms on a kept-alive connection and
//! another samples the server's VmRSS every 50 ms; VmRSS is read again 10 s after the flood,
//! then the real user logs in again. Printed: one Markdown table row with LABEL, requests,
//! answers by status, how long the flood took and when its burst was absorbed (the last
//! answer that did not wait for a hash), health p50/p99/max during the flood and p99 after the
//! burst (while only hashing remains), VmRSS idle / peak / 10 s after, and the status of the
//! real user's login after. Exits 1 if a request went unanswered or was answered otherwise
//! than 201 注册成功 / 401 用户名或密码错误 / 429 请求过于频繁 (400 in the control).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[path = "../tests/common/flood.rs"]
mod flood;
use flood::{percentile, rss_kib};

/// Seconds each flood request has to be answered.
const TIMEOUT: Duration = Duration::from_secs(60);

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(TIMEOUT))
        .build()
        .into()
}

/// POST JSON; (status, body), or `None` when no answer came.
fn post(agent: &ureq::Agent, url: &str, body: &Value) -> Option<(u16, Value)> {
    let mut res = agent.post(url).send_json(body).ok()?;
    let status = res.status().as_u16();
    Some((status, res.body_mut().read_json().unwrap_or(Value::Null)))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: flood URL PID [LOGINS] [SIGN_UPS] [LABEL] [control]");
        std::process::exit(2);
    }
    let base = args[1].trim_end_matches('/').to_string();
    let port: Option<u16> = base
        .strip_prefix("http://127.0.0.1:")
        .and_then(|p| p.parse().ok());
    let Some(port) = port else {
        eprintln!("flood only targets a loopback address: http://127.0.0.1:PORT");
        std::process::exit(2);
    };
    let pid: u32 = args[2].parse().expect("PID");
    let count = |n: usize| args.get(n).and_then(|a| a.parse().ok()).unwrap_or(500);
    let (logins, sign_ups) = (count(3), count(4));
    let n = logins + sign_ups;
    if n > 2000 {
        eprintln!("at most 2,000 requests in all");
        std::process::exit(2);
    }
    let label = args.get(5).cloned().unwrap_or_else(|| "flood".into());
    let control = args.get(6).is_some_and(|a| a == "control");

    // Warm-up: a real user, registered and logged in once.
    let http = agent();
    let real = json!({"username": "flood_real_user", "password": "password123"});
    let registered = post(&http, &format!("{base}/api/register"), &real);
    assert_eq!(registered.map(|r| r.0), Some(201), "warm-up registration");
    let warm = post(&http, &format!("{base}/api/login"), &real);
    assert_eq!(warm.map(|r| r.0), Some(200), "warm-up login");
    let idle = rss_kib(pid);

    let released = Arc::new(Mutex::new(None::<Instant>));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = flood::peak_rss(pid, stop.clone());
    let health = {
        let (stop, released, base) = (stop.clone(), released.clone(), base.clone());
        std::thread::spawn(move || flood::check_health(base, released, stop))
    };

    let requests: Vec<(&'static str, Value)> = (0..n)
        .map(|i| {
            if control {
                (
                    "register",
                    json!({"username": format!("control_{i}"), "password": "short"}),
                )
            } else if i < logins {
                (
                    "login",
                    json!({"username": format!("ghost_{i}"), "password": "password123"}),
                )
            } else {
                (
                    "register",
                    json!({"username": format!("flood_{i}"), "password": "password123"}),
                )
            }
        })
        .collect();
    let (answers, started) = flood::release(port, requests, &released, TIMEOUT);
    let last = answers
        .iter()
        .map(|(_, (_, at))| *at - started)
        .max()
        .unwrap_or_default();
    stop.store(true, Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    let (samples, health_failed) = health.join().unwrap();
    let health_failed = health_failed.len();
    // Memory 10 s after the flood.
    std::thread::sleep(Duration::from_secs(10));
    let after = rss_kib(pid);
    let login_after = post(&http, &format!("{base}/api/login"), &real).map_or(0, |r| r.0);

    let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
    let mut wrong = Vec::new();
    // The burst is absorbed when the last answer that did not wait for a hash (429, 400) came.
    let mut absorbed = Duration::ZERO;
    for (path, (answer, at)) in &answers {
        let Some((status, body)) = answer else {
            wrong.push(format!("{path}: no answer"));
            continue;
        };
        *by_status.entry(*status).or_default() += 1;
        if matches!(status, 400 | 429) {
            absorbed = absorbed.max(*at - started);
        }
        let expected = match (*path, *status) {
            ("register", 400) if control => "参数错误：密码长度须为8–128个字符",
            ("login", 401) => "用户名或密码错误",
            ("register", 201) => "注册成功",
            (_, 429) => "请求过于频繁",
            _ => "",
        };
        if expected.is_empty() || body["message"] != json!(expected) {
            wrong.push(format!("{path}: {status} {body}"));
        }
    }
    let mut all: Vec<Duration> = samples.iter().map(|(_, took)| *took).collect();
    all.sort();
    let mut hashing: Vec<Duration> = samples
        .iter()
        .filter(|(asked, _)| *asked >= absorbed)
        .map(|(_, took)| *took)
        .collect();
    hashing.sort();
    let answered: usize = by_status.values().sum();
    let of = |s: u16| by_status.get(&s).copied().unwrap_or(0);
    let other = answered - of(201) - of(400) - of(401) - of(429);
    let secs = |d: Duration| format!("{:.2} s", d.as_secs_f64());
    println!(
        "| {label} | {n} | {answered} | {} | {} | {} | {} | {other} | {} | {} | {} | {} | {} | {} | {} ({}) | {} | {} | {} | {login_after} |",
        of(201),
        of(400),
        of(401),
        of(429),
        secs(absorbed),
        secs(last),
        all.len(),
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99)),
        ms(all.last().copied().unwrap_or_default()),
        match hashing.len() {
            0 => "–".to_string(),
            _ => ms(percentile(&hashing, 0.99)),
        },
        hashing.len(),
        mib(idle),
        mib(peak),
        mib(after),
    );
    if health_failed > 0 {
        eprintln!("{label}: {health_failed} health checks failed");
    }
    if !wrong.is_empty() {
        eprintln!(
            "{label}: {} unexpected answers, e.g. {:?}",
            wrong.len(),
            &wrong[..wrong.len().min(5)]
        );
        std::process::exit(1);
    }
}
