//! Backups while serving, restore while stopped, and the lock that tells the two apart.
//!
//! * `chatd serve` holds an exclusive lock on `<database>.lock` for as long as it runs (an OS
//!   file lock: it goes away with the process, even after SIGKILL).
//! * `chatd backup` uses SQLite's `VACUUM INTO`, which copies one consistent snapshot of the
//!   live database while the server keeps writing, then checks the copy with
//!   `PRAGMA integrity_check`.
//! * `chatd restore` refuses while the lock is held, checks the file it is given, and moves
//!   the current database aside instead of deleting it.
//! * Media: a backup folder holds `media/`, content-addressed like the live one and shared by
//!   all its backups. A backup copies the contents its snapshot refers to that the folder does
//!   not have yet (so a second backup copies no unchanged media); pruning removes contents
//!   no remaining backup refers to; a restore copies back what the live folder lacks.

use std::fs::File;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::media::store::MediaStore;

/// Held by a serving process; dropping it releases the lock.
pub struct ServeLock(#[allow(dead_code)] File);

fn lock_path(database: &Path) -> PathBuf {
    crate::config::beside(database, ".lock")
}

/// Takes the serving lock, or says that another chatd serves this database.
pub fn lock_for_serving(database: &Path) -> Result<ServeLock, String> {
    if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the database folder {}: {e}", dir.display()))?;
    }
    let path = lock_path(database);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open the lock file {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(ServeLock(file)),
        Err(_) => Err(format!(
            "another chatd is already serving {} (lock {} is held)",
            database.display(),
            path.display()
        )),
    }
}

fn timestamp() -> String {
    chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ").to_string()
}

/// `integrity_check` of a database file, opened read-only; `Ok` only for "ok".
fn check(path: &Path) -> Result<(), String> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let result: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| format!("{} is not a usable SQLite database: {e}", path.display()))?;
    if result != "ok" {
        return Err(format!(
            "{} failed its integrity check: {result}",
            path.display()
        ));
    }
    let has_schema: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'refinery_schema_history')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !has_schema {
        return Err(format!("{} is not a chatd database", path.display()));
    }
    Ok(())
}

/// `backups/` beside the database.
pub fn default_dir(database: &Path) -> PathBuf {
    database
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("backups")
}

/// The contents (SHA-256) a chatd database refers to: uploads and their thumbnails. None
/// for a database from before media (a backup made by an earlier release, or a database
/// not yet migrated).
fn referenced_contents(db: &Path) -> Result<Vec<String>, String> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("cannot open {}: {e}", db.display()))?;
    let has_files: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'files')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| format!("cannot read {}: {e}", db.display()))?;
    if !has_files {
        return Ok(Vec::new());
    }
    let mut stmt = conn
        .prepare(
            "SELECT sha256 FROM files UNION SELECT thumb_sha256 FROM files
             WHERE thumb_sha256 IS NOT NULL",
        )
        .map_err(|e| format!("cannot read {}: {e}", db.display()))?;
    let rows = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(|e| format!("cannot read {}: {e}", db.display()))?;
    rows.collect::<Result<_, _>>()
        .map_err(|e| format!("cannot read {}: {e}", db.display()))
}

/// Copies the contents `db` refers to from one media folder to another where missing;
/// (copied, missing at the source).
fn copy_contents(db: &Path, from: &MediaStore, to: &MediaStore) -> Result<(usize, usize), String> {
    let (mut copied, mut missing) = (0, 0);
    for sha in referenced_contents(db)? {
        let target = to.path_of(&sha);
        if target.exists() {
            continue;
        }
        let source = from.path_of(&sha);
        if !source.exists() {
            // Recalled or swept after the snapshot was taken: nothing can reach it.
            missing += 1;
            continue;
        }
        let incoming = to
            .incoming()
            .map_err(|e| format!("cannot write media: {e}"))?;
        std::fs::copy(&source, incoming.path())
            .and_then(|_| File::open(incoming.path())?.sync_all())
            .map_err(|e| format!("cannot copy {}: {e}", source.display()))?;
        to.keep(incoming, &sha)
            .map_err(|e| format!("cannot store {sha}: {e}"))?;
        copied += 1;
    }
    Ok((copied, missing))
}

/// What a backup wrote.
pub struct Written {
    pub path: PathBuf,
    /// Media contents copied now (the others were already in the folder).
    pub media_copied: usize,
}

/// Writes a checked snapshot of `database` into `dir` (default: `backups/` beside the
/// database), and the media it refers to into `dir/media/`.
pub fn backup(database: &Path, media: &Path, dir: Option<&Path>) -> Result<Written, String> {
    if !database.exists() {
        return Err(format!("there is no database at {}", database.display()));
    }
    let dir = dir.map_or_else(|| default_dir(database), Path::to_path_buf);
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("cannot create the backup folder {}: {e}", dir.display()))?;
    let target = dir.join(format!("chat-{}.db", timestamp()));
    let conn = crate::db::open(database)?;
    conn.execute("VACUUM INTO ?1", [target.to_string_lossy()])
        .map_err(|e| format!("backup into {} failed: {e}", target.display()))?;
    check(&target)?;
    let (live, kept) = (
        MediaStore::open(media)?,
        MediaStore::open(&dir.join("media"))?,
    );
    let (media_copied, missing) = copy_contents(&target, &live, &kept)?;
    if missing > 0 {
        tracing::info!("{missing} media contents were removed while the backup ran");
    }
    Ok(Written {
        path: target,
        media_copied,
    })
}

/// Replaces `database` with `file` while no chatd serves it; returns where the replaced
/// database was moved (None if there was none).
pub fn restore(database: &Path, media: &Path, file: &Path) -> Result<Option<PathBuf>, String> {
    let _lock = lock_for_serving(database)
        .map_err(|e| format!("refusing to restore: {e}; stop it first"))?;
    check(file)?;
    // Media first: the live folder only gains contents, so a failure here changes nothing
    // the current database relies on.
    let kept = file.parent().unwrap_or(Path::new(".")).join("media");
    if kept.is_dir() {
        copy_contents(file, &MediaStore::open(&kept)?, &MediaStore::open(media)?)?;
    }
    let aside = if database.exists() {
        let aside = PathBuf::from(format!("{}.replaced-{}", database.display(), timestamp()));
        std::fs::rename(database, &aside)
            .map_err(|e| format!("cannot move {} aside: {e}", database.display()))?;
        // The WAL belongs with its database: keep the pair together under the new name.
        for suffix in ["-wal", "-shm"] {
            let from = PathBuf::from(format!("{}{suffix}", database.display()));
            if from.exists() {
                let to = PathBuf::from(format!("{}{suffix}", aside.display()));
                std::fs::rename(&from, &to)
                    .map_err(|e| format!("cannot move {} aside: {e}", from.display()))?;
            }
        }
        Some(aside)
    } else {
        None
    };
    // (The database folder exists: taking the lock above created it.)
    std::fs::copy(file, database).map_err(|e| {
        format!(
            "cannot copy {} to {}: {e}",
            file.display(),
            database.display()
        )
    })?;
    Ok(aside)
}

/// Deletes all but the newest `keep` backups (`chat-*.db`) in `dir`; returns how many went.
pub fn prune(dir: &Path, keep: usize) -> Result<usize, String> {
    let mut backups: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("chat-") && n.ends_with(".db"))
        })
        .collect();
    // The names sort by time.
    backups.sort();
    let excess = backups.len().saturating_sub(keep);
    for old in &backups[..excess] {
        std::fs::remove_file(old).map_err(|e| format!("cannot delete {}: {e}", old.display()))?;
    }
    prune_media(dir, &backups[excess..])?;
    Ok(excess)
}

/// Removes the contents of `dir/media/` that none of `remaining` refers to.
fn prune_media(dir: &Path, remaining: &[PathBuf]) -> Result<(), String> {
    let media = dir.join("media");
    if !media.is_dir() {
        return Ok(());
    }
    let mut wanted = std::collections::HashSet::new();
    for db in remaining {
        wanted.extend(referenced_contents(db)?);
    }
    let store = MediaStore::open(&media)?;
    for shard in std::fs::read_dir(&media).map_err(|e| format!("cannot list media: {e}"))? {
        let shard = shard.map_err(|e| format!("cannot list media: {e}"))?;
        if shard.file_name() == "tmp" || !shard.path().is_dir() {
            continue;
        }
        for file in
            std::fs::read_dir(shard.path()).map_err(|e| format!("cannot list media: {e}"))?
        {
            let name = file
                .map_err(|e| format!("cannot list media: {e}"))?
                .file_name()
                .to_string_lossy()
                .into_owned();
            if !wanted.contains(&name) {
                store
                    .remove(&name)
                    .map_err(|e| format!("cannot delete media {name}: {e}"))?;
            }
        }
    }
    Ok(())
}
