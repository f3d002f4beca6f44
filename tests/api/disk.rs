//! The disk reserve (README, "Limits"): on a small file system of its own (a tmpfs this test
//! mounts, so it needs root; skipped with the reason otherwise), writes that add data are
//! refused with `507 存储空间不足` once free space falls below `min_free_disk_mb`, while reads,
//! logins and deletes go on; nothing is half-written; writes resume when space returns.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rocket::http::Method;
use rocket::local::blocking::Client;
use serde_json::json;

use crate::helpers::{figment, Api, TestApp, PASSWORD};
use crate::server::{assert_intact, wait_until};

/// A tmpfs of `size_mb` mounted at a fresh folder; unmounted when dropped.
struct SmallDisk {
    mount: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    /// `Err(reason)` where this machine cannot mount one (not root, no permission).
    fn mount(size_mb: u32) -> Result<SmallDisk, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mount = dir.path().join("disk");
        std::fs::create_dir(&mount).map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size_mb}m"), "tmpfs"])
            .arg(&mount)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mounting a tmpfs needs root: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(SmallDisk { mount, _dir: dir })
    }

    fn free_bytes(&self) -> u64 {
        let stat = rustix::fs::statvfs(&self.mount).expect("statvfs");
        stat.f_bavail * stat.f_frsize
    }

    /// Writes a ballast file that leaves about `leave_mb` free.
    fn fill_until(&self, leave_mb: u64) -> PathBuf {
        let ballast = self.mount.join("ballast");
        let size = self.free_bytes().saturating_sub(leave_mb * 1024 * 1024);
        std::fs::write(&ballast, vec![7u8; size as usize]).expect("write ballast");
        ballast
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.mount).status();
    }
}

fn app_on(db_path: &Path, reserve_mb: u64) -> TestApp {
    let overrides = [("min_free_disk_mb", json!(reserve_mb))];
    let rocket = chatd::build_rocket(figment(db_path, &overrides)).expect("app builds");
    TestApp {
        client: Client::tracked(rocket).expect("valid rocket"),
        db_path: db_path.to_path_buf(),
        dir: tempfile::tempdir().unwrap(),
    }
}

#[test]
fn below_the_reserve_writes_are_refused_reads_go_on_and_writes_resume() {
    let disk = match SmallDisk::mount(48) {
        Ok(disk) => disk,
        Err(reason) => {
            eprintln!("skipped: {reason}");
            return;
        }
    };
    let db_path = disk.mount.join("chat.db");
    let app = app_on(&db_path, 16);
    let (a, b) = (app.user("alice"), app.user("bob"));
    app.befriend(&a, &b);
    let chat = app.private_chat(&a, &b);
    let kept = app.send(&a, &chat, "before the disk filled");
    let recallable = app.send(&a, &chat, "to be recalled");

    let ballast = disk.fill_until(8);
    // The reserve is asked of the file system at most once a second.
    let refused = wait_until(Duration::from_secs(5), || {
        app.try_send(&a, &chat, "while full").status == 507
    });
    assert!(refused, "sends should be refused below the reserve");
    let before = app.count("SELECT COUNT(*) FROM messages");
    let shown = app.messages(&b, &chat).len();

    // Writes that add data: 507 with the envelope.
    app.try_send(&b, &chat, "refused")
        .expect_error(507, "存储空间不足");
    let register = app.call(
        Method::Post,
        "/api/register",
        None,
        Some(json!({"username": "carol", "password": PASSWORD})),
    );
    register.expect_error(507, "存储空间不足");
    app.post(
        "/api/auth/conversations/group",
        &a.token,
        json!({"name": "家", "member_ids": [b.id]}),
    )
    .expect_error(507, "存储空间不足");

    // Reads, logins and deletes go on.
    assert_eq!(app.messages(&b, &chat).len(), shown);
    app.login("bob");
    app.recall(&a, &recallable).expect(200, "消息已撤回");
    app.delete_for_me(&b, &kept).expect(200, "已删除");

    // Nothing of the refused writes is stored (the recall added its system message).
    assert_eq!(app.count("SELECT COUNT(*) FROM messages"), before + 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE username = 'carol'"),
        0
    );
    assert_intact(&db_path);

    std::fs::remove_file(&ballast).unwrap();
    let resumed = wait_until(Duration::from_secs(5), || {
        app.try_send(&b, &chat, "after space returned").status == 201
    });
    assert!(resumed, "sends should resume once space returns");
    drop(app);
    assert_intact(&db_path);
}
