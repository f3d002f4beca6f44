//! The flood driver's parts, shared by the API test `connections::flood` and the benchmark
//! `examples/flood.rs`: raw HTTP requests released all at once, and the server's memory.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rocket::tokio::{
    self,
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::{Barrier, Semaphore},
};
use serde_json::Value;

/// VmRSS of `pid` in KiB (0 if it cannot be read).
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
        .unwrap_or(0)
}

/// The `p` quantile (0–1) of sorted durations, by rank.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// One flood request on its own connection to 127.0.0.1:`port`: connected while
/// `connecting` allows (the kernel's accept queue has 128 places; a SYN dropped beyond them
/// is retried a second later), sent once every connection is open (`gate`), the answer read
/// to the end (`Connection: close`). The answer, or `None` without one within `timeout`, and
/// when it came.
pub async fn request(
    port: u16,
    path: &str,
    body: Value,
    connecting: Arc<Semaphore>,
    gate: Arc<Barrier>,
    timeout: Duration,
) -> (Option<(u16, Value)>, Instant) {
    let connected = {
        let _turn = connecting.acquire().await;
        TcpStream::connect(("127.0.0.1", port)).await
    };
    gate.wait().await;
    let body = body.to_string();
    let request = format!(
        "POST /api/{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let exchange = async {
        let mut stream = connected?;
        stream.write_all(request.as_bytes()).await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, std::io::Error>(response)
    };
    let answer = match tokio::time::timeout(timeout, exchange).await {
        Ok(Ok(response)) => parse(&response),
        _ => None,
    };
    (answer, Instant::now())
}

/// Status and JSON body of a whole HTTP/1.1 response.
fn parse(response: &[u8]) -> Option<(u16, Value)> {
    let text = String::from_utf8_lossy(response);
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let (_, body) = text.split_once("\r\n\r\n")?;
    Some((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

/// Samples VmRSS of `pid` every 50 ms until `stop`; the highest, in KiB.
pub fn peak_rss(pid: u32, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let mut peak = 0;
        while !stop.load(Ordering::Relaxed) {
            peak = peak.max(rss_kib(pid));
            std::thread::sleep(Duration::from_millis(50));
        }
        peak
    })
}

/// Health checks every ~20 ms on one kept-alive connection from when `released` is set until
/// `stop`: (asked at, after the release; how long it took), and the failures.
pub fn check_health(
    base: String,
    released: Arc<Mutex<Option<Instant>>>,
    stop: Arc<AtomicBool>,
) -> (Vec<(Duration, Duration)>, Vec<String>) {
    let http: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let (mut samples, mut failed) = (Vec::new(), Vec::new());
    let start = loop {
        if let Some(at) = *released.lock().unwrap() {
            break at;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    while !stop.load(Ordering::Relaxed) {
        let asked = Instant::now();
        // Read to the end, so the connection goes back to the agent's pool (a new one would
        // wait in the kernel's accept queue with the flood).
        let answer = http
            .get(&format!("{base}/api/health"))
            .call()
            .map(|mut r| (r.status().as_u16(), r.body_mut().read_to_string().is_ok()));
        let took = asked.elapsed();
        match answer {
            Ok((200, true)) => samples.push((asked - start, took)),
            other => failed.push(format!("{other:?}")),
        }
        std::thread::sleep(Duration::from_millis(20).saturating_sub(took));
    }
    (samples, failed)
}

/// One request of a flood and its answer (`None`: none within the timeout), and when it came.
pub type Answered = (&'static str, (Option<(u16, Value)>, Instant));

/// Sends every `(path, body)` of `requests` on its own connection, all opened first (100
/// connecting at a time) and then released at once; the release time is written into
/// `released` (for the health checker) and returned with the answers, in request order.
pub fn release(
    port: u16,
    requests: Vec<(&'static str, Value)>,
    released: &Mutex<Option<Instant>>,
    timeout: Duration,
) -> (Vec<Answered>, Instant) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the flood");
    runtime.block_on(async {
        let connecting = Arc::new(Semaphore::new(100));
        let gate = Arc::new(Barrier::new(requests.len() + 1));
        let tasks: Vec<_> = requests
            .into_iter()
            .map(|(path, body)| {
                let answer = request(port, path, body, connecting.clone(), gate.clone(), timeout);
                tokio::spawn(async move { (path, answer.await) })
            })
            .collect();
        gate.wait().await;
        let started = Instant::now();
        *released.lock().unwrap() = Some(started);
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.expect("a flood task"));
        }
        (answers, started)
    })
}
