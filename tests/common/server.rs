//! The real `chatd` binary on a loopback port, shared by the test binaries that need a
//! running server (`tests/api` and `tests/browser`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A `chatd serve` on a free loopback port, in `dir` (so its database is `dir/data/chat.db`).
pub struct Server {
    pub child: Child,
    pub base: String,
    /// Every line chatd wrote to stderr so far.
    pub log: Arc<Mutex<Vec<String>>>,
}

/// `rate_limits` with every limit off, as a `ROCKET_RATE_LIMITS` value.
pub const RATE_LIMITS_OFF: &str = "{register=\"off\",login=\"off\",ticket=\"off\",send=\"off\",create_group=\"off\",friend_request=\"off\"}";

/// The real binary, with no `ROCKET_*` settings inherited from the test's environment.
pub fn chatd_command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_chatd"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("ROCKET_")) {
        cmd.env_remove(key);
    }
    cmd
}

/// `sh -c script` with no `ROCKET_*` settings inherited from the test's environment.
pub fn shell(script: &str) -> Command {
    let mut cmd = Command::new("sh");
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("ROCKET_")) {
        cmd.env_remove(key);
    }
    cmd.args(["-c", script]);
    cmd
}

/// Asserts each of `contents` is stored exactly once in the database at `db`.
pub fn assert_stored_once(db: &Path, contents: &[String]) {
    let conn = rusqlite::Connection::open(db).unwrap();
    for content in contents {
        let n: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM messages WHERE content = ?1",
                [content],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1, "{content} is stored {n} times");
    }
}

/// Asserts SQLite finds the database at `db` intact (`PRAGMA integrity_check` says `ok`).
pub fn assert_intact(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
}

/// Polls `cond` until it holds or `limit` has passed; whether it held. The caller asserts
/// (with its own message) or carries on.
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

impl Server {
    pub fn start(dir: &Path) -> Server {
        Server::start_with(dir, 0, &[])
    }

    /// Starts on `port` (0: any free port) with settings (`("recall_window_secs", "4")` →
    /// `ROCKET_RECALL_WINDOW_SECS=4`). Rate limits are off unless `settings` names
    /// `rate_limits`: tests drive many accounts from one address.
    pub fn start_with(dir: &Path, port: u16, settings: &[(String, String)]) -> Server {
        let mut cmd = chatd_command();
        cmd.arg("serve");
        Server::spawn(cmd, dir, port, settings)
    }

    /// `start_with` under `ulimit -n nofile` (soft and hard), through `sh`.
    pub fn start_under_fd_limit(dir: &Path, nofile: u32, settings: &[(String, String)]) -> Server {
        let bin = chatd_command().get_program().to_owned();
        let mut cmd = shell(&format!("ulimit -n {nofile} && exec \"$0\" serve"));
        cmd.arg(bin);
        Server::spawn(cmd, dir, 0, settings)
    }

    /// Runs `cmd` (which starts `chatd serve` somehow: through `sh`, under Litestream) in
    /// `dir` on `port` with `settings`, and waits for chatd's URL on its stderr.
    pub fn spawn(mut cmd: Command, dir: &Path, port: u16, settings: &[(String, String)]) -> Server {
        cmd.env("ROCKET_RATE_LIMITS", RATE_LIMITS_OFF);
        for (key, value) in settings {
            cmd.env(format!("ROCKET_{}", key.to_uppercase()), value);
        }
        let mut child = cmd
            .current_dir(dir)
            .env("ROCKET_PORT", port.to_string())
            .env("ROCKET_ADDRESS", "127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chatd");
        let stderr = child.stderr.take().unwrap();
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let (tx, rx) = std::sync::mpsc::channel();
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.split("listening on ").nth(1) {
                    let _ = tx.send(url.trim().to_string());
                }
                lines.lock().unwrap().push(line);
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("chatd printed no URL: {:?}", log.lock().unwrap()));
        Server { child, base, log }
    }

    /// Whether a line chatd logged so far contains `text`.
    pub fn logged(&self, text: &str) -> bool {
        self.log.lock().unwrap().iter().any(|l| l.contains(text))
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        let port = self.base.rsplit(':').next().unwrap_or_default();
        port.trim_end_matches('/')
            .parse()
            .expect("a port in the URL")
    }

    /// SIGTERM, as a service manager would; panics unless chatd exits 0 within `limit`.
    pub fn terminate(&mut self, limit: Duration) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
        let mut exit = None;
        let stopped = wait_until(limit, || {
            exit = self.child.try_wait().unwrap();
            exit.is_some()
        });
        assert!(stopped, "chatd did not stop within {limit:?}");
        assert!(exit.is_some_and(|e| e.success()), "exit status {exit:?}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP client that takes every status as an answer; `timeout` bounds each whole request
/// (none for event streams, which never end).
pub fn agent(timeout: Option<Duration>) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(timeout)
        .build()
        .into()
}
