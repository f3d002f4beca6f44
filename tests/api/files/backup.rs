//! `chatd backup` carries the media its snapshot refers to, copies unchanged media once, and
//! `chatd restore` brings both back: every upload of the restored database downloads with
//! its bytes.

use rocket::http::{Header, Status};

use super::*;
use crate::server::chatd_command;

fn chatd(dir: &std::path::Path, args: &[&str]) -> String {
    let out = chatd_command()
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "chatd {args:?}: {said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    said
}

#[test]
fn backup_and_restore_carry_every_upload() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data/chat.db");
    let app = TestApp::spawn_on(&db);
    let (a, b, chat) = pair(&app);
    let originals: Vec<(Value, Vec<u8>)> = [
        ("one.txt", b"first upload".to_vec()),
        ("two.bin", (0..=255u8).cycle().take(300_000).collect()),
    ]
    .into_iter()
    .map(|(name, bytes)| (uploaded(&app, &a, name, &bytes), bytes))
    .collect();
    let body = serde_json::json!({"conversation_id": chat, "type": "file", "file_id": originals[0].0["file_id"]});
    app.call(
        rocket::http::Method::Post,
        "/api/auth/messages",
        Some(&a.token),
        Some(body),
    )
    .expect(201, "消息已发送");
    drop(app);

    let first = chatd(dir.path(), &["backup", "--to", "safe"]);
    assert!(first.contains("media: 2 new files copied"), "{first}");
    let second = chatd(dir.path(), &["backup", "--to", "safe"]);
    assert!(second.contains("media: 0 new files copied"), "{second}");
    let backup = second
        .split_whitespace()
        .find(|w| w.ends_with(".db"))
        .expect("the backup's path")
        .to_string();

    // The disk holding the data is lost: database and media.
    std::fs::remove_dir_all(dir.path().join("data")).unwrap();
    chatd(dir.path(), &["restore", &backup]);

    let app = TestApp::spawn_on(&db);
    for (file, bytes) in &originals {
        let id = file["file_id"].as_str().unwrap();
        let res = app
            .client
            .get(format!("/api/files/{id}"))
            .header(Header::new("Authorization", format!("Bearer {}", a.token)))
            .dispatch();
        assert_eq!(res.status(), Status::Ok, "{id}");
        assert_eq!(&res.into_bytes().unwrap(), bytes, "{id}");
    }
    let shown = app.messages(&b, &chat);
    assert_eq!(shown.last().unwrap()["attachment"]["name"], "one.txt");
}

mod embedded {
    refinery::embed_migrations!("migrations");
}

#[test]
fn a_database_from_before_media_backs_up_and_restores() {
    // A database as the previous release left it: migrations up to V6, no `files` table.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let db = dir.path().join("data/chat.db");
    let mut conn = rusqlite::Connection::open(&db).unwrap();
    embedded::migrations::runner()
        .set_target(refinery::Target::Version(6))
        .run(&mut conn)
        .unwrap();
    drop(conn);

    let said = chatd(dir.path(), &["backup", "--to", "safe"]);
    assert!(said.contains("media: 0 new files copied"), "{said}");
    let backup = said
        .split_whitespace()
        .find(|w| w.ends_with(".db"))
        .expect("the backup's path")
        .to_string();
    // Pruning reads every backup kept in the folder, this one too.
    chatd(dir.path(), &["backup", "--to", "safe"]);
    assert_eq!(chatd::backup::prune(&dir.path().join("safe"), 2), Ok(0));
    chatd(dir.path(), &["restore", &backup]);
    let app = TestApp::spawn_on(&db);
    let (a, _, _) = pair(&app);
    uploaded(&app, &a, "after.txt", b"media works after the upgrade");
}
