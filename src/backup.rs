//! Backups while serving, restore while stopped, and the lock that tells the two apart.
//!
//! * `chatd serve` holds an exclusive lock on `<database>.lock` for as long as it runs (an OS
//!   file lock: it goes away with the process, even after SIGKILL).
//! * `chatd backup` uses SQLite's `VACUUM INTO`, which copies one consistent snapshot of the
//!   live database while the server keeps writing, then checks the copy with
//!   `PRAGMA integrity_check`.
//! * `chatd restore` refuses while the lock is held, checks the file it is given, and moves
//!   the current database aside instead of deleting it.

use std::fs::File;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

/// Held by a serving process; dropping it releases the lock.
pub struct ServeLock(#[allow(dead_code)] File);

fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
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

/// Writes a checked snapshot of `database` into `dir` (default: `backups/` beside the
/// database) and returns its path.
pub fn backup(database: &Path, dir: Option<&Path>) -> Result<PathBuf, String> {
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
    Ok(target)
}

/// Replaces `database` with `file` while no chatd serves it; returns where the replaced
/// database was moved (None if there was none).
pub fn restore(database: &Path, file: &Path) -> Result<Option<PathBuf>, String> {
    let _lock = lock_for_serving(database)
        .map_err(|e| format!("refusing to restore: {e}; stop it first"))?;
    check(file)?;
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
    Ok(excess)
}
