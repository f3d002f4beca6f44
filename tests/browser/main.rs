//! End-to-end tests of the web client in real headless Chromium (Debian's `chromium`), driven
//! by Playwright's `playwright-core` from the scenarios `tests/browser/*.mjs`, against the
//! real binary on a loopback port with its own SQLite file in a temporary folder.
//!
//! A test binary of its own, so the browsers do not share the two cores with the API tests.
//! What it needs is installed on first use: `playwright-core` (pinned by
//! `tests/browser/package-lock.json`) with `npm ci` under cargo's target folder, and Chromium
//! with `apt-get` when it is missing and we may (`.ci/run` installs it up front).
//!
//! `CHATD_SCREENSHOTS=docs/screenshots cargo test --test browser` also refreshes the
//! README's screenshots.

#[path = "../common/debian.rs"]
mod debian;
#[allow(dead_code)]
#[path = "../common/server.rs"]
mod server;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use server::Server;

const SOURCES: [&str; 14] = [
    "package.json",
    "package-lock.json",
    "lib.mjs",
    "family.mjs",
    "groups.mjs",
    "regressions_lib.mjs",
    "regressions_live.mjs",
    "regressions_compose.mjs",
    "media.mjs",
    "avatars.mjs",
    "search.mjs",
    "staples.mjs",
    "staples2.mjs",
    "notify.mjs",
];

/// One scenario may take this long before it is stopped and the test fails.
const RUN_LIMIT: Duration = Duration::from_secs(240);

fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Debian's Chromium (or `CHATD_CHROMIUM`), installing the package when it is missing.
fn chromium() -> PathBuf {
    let exe = std::env::var_os("CHATD_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    debian::ensure(
        &exe,
        "chromium",
        " (or set CHATD_CHROMIUM to a Chromium binary)",
    );
    exe
}

/// A folder under cargo's target folder holding the script and its `node_modules`,
/// reinstalled with `npm ci` whenever the lock file changes.
fn node_project() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-e2e");
    std::fs::create_dir_all(&dir).unwrap();
    let lock = std::fs::read(source_dir().join("package-lock.json")).unwrap();
    let installed_lock = dir.join("node_modules/.chatd-lock");
    let fresh = dir
        .join("node_modules/playwright-core/package.json")
        .exists()
        && std::fs::read(&installed_lock).is_ok_and(|l| l == lock);
    for entry in std::fs::read_dir(&dir).unwrap().map_while(Result::ok) {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("failure-") || name.ends_with(".mjs") {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
    for name in SOURCES {
        std::fs::copy(source_dir().join(name), dir.join(name)).unwrap();
    }
    if !fresh {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .status()
            .expect("run npm (Node.js and npm are needed for the browser tests)");
        assert!(status.success(), "npm ci in {} failed", dir.display());
        std::fs::write(&installed_lock, lock).unwrap();
    }
    dir
}

/// `key=value` words → settings for `Server::start_with`.
fn settings(words: &[&str]) -> Vec<(String, String)> {
    words
        .iter()
        .map(|w| {
            let (k, v) = w.split_once('=').expect("a key=value setting");
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// Runs one scenario script against a fresh server started with `initial` settings
/// (`key=value`), answering its requests to stop the server and to start it again (on the
/// same port and database, with the initial settings plus any `key=value` it names) while the
/// browsers stay open.
fn run_scenario(script: &str, initial: &[&str]) {
    let chromium = chromium();
    let project = node_project();
    let data = tempfile::tempdir().unwrap();
    let initial = settings(initial);
    let mut server = Server::start_with(data.path(), 0, &initial);
    let port = server.port();

    let mut cmd = Command::new("node");
    cmd.arg(script)
        .current_dir(&project)
        .env("CHATD_URL", &server.base)
        .env("CHATD_CHROMIUM", &chromium)
        .env_remove("CHATD_SCREENSHOTS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(shots) = std::env::var_os("CHATD_SCREENSHOTS") {
        let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join(shots);
        std::fs::create_dir_all(&shots).unwrap();
        cmd.env("CHATD_SCREENSHOTS", shots);
    }
    let mut child = cmd.spawn().expect("run node");
    let mut answers = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });

    let started = Instant::now();
    let status = loop {
        match lines.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                println!("{line}");
                if let Some(command) = line.strip_prefix("CHATD-CONTROL ") {
                    let words: Vec<&str> = command.split_whitespace().collect();
                    match words.as_slice() {
                        ["stop"] => server.terminate(Duration::from_secs(10)),
                        ["start", extra @ ..] => {
                            let mut all = initial.clone();
                            all.extend(settings(extra));
                            server = Server::start_with(data.path(), port, &all);
                        }
                        _ => panic!("unknown control command {command:?}"),
                    }
                    writeln!(answers, "done {command}").unwrap();
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break child.wait().unwrap(),
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{script} ran over {RUN_LIMIT:?} and was stopped");
        }
    };
    assert!(
        status.success(),
        "{script} failed ({status}); see its output above and the failure-*.png screenshots \
         in {}",
        project.display()
    );
}

/// One browser run at a time: the machine has two cores.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// Register, befriend, chat live, unread badges, recall, HTML as text, history paging,
/// delete-for-me, pins, a group of three created and renamed, reload, logout.
#[test]
fn family_evening_in_three_browsers() {
    let _one = serial();
    run_scenario("family.mjs", &[]);
}

/// Rejected requests, invite/remove/leave, profile, the recall window, a lost network, a
/// server restart under open pages (the indicator, retry of an unsent message; it comes back
/// with registration closed), and a password change signing out another device.
#[test]
fn groups_restarts_and_password_change() {
    let _one = serial();
    // A short recall window, to see the recall button go when it ends.
    run_scenario("groups.mjs", &["recall_window_secs=4"]);
}

/// Issue 14's bugs in live updates: unread in a background tab, a rename keeping the loaded
/// history, keyboard focus through live updates, a list keeping up with a lively group, a word
/// to a removed member, and recovery within 2 s of a server restart with the unsent message
/// delivered once.
#[test]
fn regressions_live_updates_and_restart() {
    let _one = serial();
    run_scenario("regressions_live.mjs", &[]);
}

/// Issue 14's bugs in the composer, the list's loading and the panels: identical quick
/// messages, no silent cut at 5,000 UTF-16 units, trailing whitespace, one fetch each on load,
/// a search result after acceptance.
#[test]
fn regressions_composer_and_panels() {
    let _one = serial();
    run_scenario("regressions_compose.mjs", &[]);
}

/// Issue 15's photos, files and voice notes: two photos picked at once seen live at their
/// proportions before they load, the viewer (Esc, back, tap), a dropped file downloaded
/// byte for byte, a pasted photo whose upload and send fail once each and are retried once,
/// a voice note recorded with Chromium's fake microphone and played, and a recall that
/// removes a photo on both sides.
#[test]
fn media_photos_files_and_voice() {
    let _one = serial();
    run_scenario("media.mjs", &["max_upload_bytes=1048576"]);
}

/// Avatars: one's own set from 我的 (cropped, uploaded) and a group's from 群信息, seen by the
/// other side in the list, the chat and the panels without a reload; removing one's own.
#[test]
fn avatars_set_and_seen_live() {
    let _one = serial();
    run_scenario("avatars.mjs", &[]);
}

/// Issue 16's search: results in place of the list (friends, groups, chats with counts, the
/// query marked; stale answers dropped; 无结果, 重试), a chat's matches paged, a chat opened
/// at a message 40 back and scrolled both ways to the newest with a live message kept for the
/// end, one-character, mixed-case and long queries, the chat's own search with 回到最新, and
/// the flow on a phone with the back button.
#[test]
fn search_finds_and_opens_messages() {
    let _one = serial();
    run_scenario("search.mjs", &[]);
}

/// Quote-reply and @mentions (API.md §14): a quote chosen from the message menu seen live and
/// jumped to, the @ picker (所有人 for the owner only, filtering, keyboard, Esc), 「[有人@我]」 and
/// 「[@所有人]」 in the list live until the chat is opened, the @ marked in the bubble, and a
/// recalled quoted message read as such everywhere. A long recall window: the recall comes
/// last.
#[test]
fn staples_quotes_and_mentions() {
    let _one = serial();
    run_scenario("staples.mjs", &["recall_window_secs=600"]);
}

/// Forward, typing, clear history, remove a chat from the list, remarks (API.md §14): two
/// messages chosen and forwarded to two chats and seen there by the others, 「正在输入…」 live
/// (gone after a few seconds, and at once when the message comes), a private chat's history
/// cleared on one side only, a chat removed from the list by its menu and back with its next
/// message, a muted group's grey dot, and a remark in place of a name for that user only.
#[test]
fn staples_forward_typing_clear_remarks() {
    let _one = serial();
    run_scenario("staples2.mjs", &[]);
}

/// Notifications and the installable app (API.md §11, §15): `/#/c/<id>` links open the chat
/// (signed in, or after the login), an unknown one says so; 我的 → 通知's ntfy settings saved
/// and read back (the token masked, cleared when left empty); the service worker controlling
/// the page, the manifest and icons, no installability error, the app offline; the Web Push
/// switch POSTing and DELETEing the subscription (the push service stubbed in the page), also
/// at logout.
#[test]
fn notifications_and_installable_app() {
    let _one = serial();
    run_scenario("notify.mjs", &[]);
}
