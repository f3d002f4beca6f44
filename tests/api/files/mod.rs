//! §12 uploads and the messages that carry them: storage, limits, bad input, shapes.

mod avatars;
mod backup;
mod download;
mod images;
mod messages;
mod upload;

use serde_json::Value;

use crate::helpers::{Api, TestApp, User};

/// The files under the test's media folder (not counting its `tmp/`), and those in `tmp/`.
fn media_files(app: &TestApp) -> (Vec<std::path::PathBuf>, Vec<std::path::PathBuf>) {
    let root = app.dir.path().join("media");
    let (mut kept, mut temporary) = (Vec::new(), Vec::new());
    let Ok(shards) = std::fs::read_dir(&root) else {
        return (kept, temporary);
    };
    for shard in shards.flatten() {
        let is_tmp = shard.file_name() == "tmp";
        for file in std::fs::read_dir(shard.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if is_tmp {
                temporary.push(file.path());
            } else {
                kept.push(file.path());
            }
        }
    }
    (kept, temporary)
}

/// Nothing of any upload is left: no content, no temporary file, no row.
#[track_caller]
fn assert_nothing_stored(app: &TestApp) {
    let (kept, temporary) = media_files(app);
    assert!(
        kept.is_empty() && temporary.is_empty(),
        "{kept:?} {temporary:?}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM files"), 0);
}

/// Uploads `bytes` as `name` for `who`; the answer's data.
#[track_caller]
fn uploaded(app: &TestApp, who: &User, name: &str, bytes: &[u8]) -> Value {
    let res = app.upload(&who.token, name, bytes);
    res.expect(201, "上传成功");
    res.data().clone()
}

/// Two friends and their private chat.
fn pair(app: &TestApp) -> (User, User, String) {
    let a = app.user_named("lisi", "李四");
    let b = app.user_named("zhangsan", "张三");
    app.befriend(&a, &b);
    let chat = app.private_chat(&a, &b);
    (a, b, chat)
}
