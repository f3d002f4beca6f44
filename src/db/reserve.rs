//! The disk reserve: writes that add data are refused with `507 存储空间不足` while the
//! database's file system has less than `min_free_disk_mb` free, so SQLite never meets a
//! full disk half-way through a transaction. Reads, logins and writes that free or only mark
//! (deletes, recalls, leaving, logout, read markers) go on. Free space is asked of the file
//! system (`statvfs`) at most once a second; crossing the line either way is logged once.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::sync::Recover;

pub struct DiskReserve {
    dir: PathBuf,
    reserve_bytes: u64,
    state: Mutex<State>,
}

struct State {
    checked: Option<Instant>,
    low: bool,
}

/// How long one answer of the file system is used.
const RECHECK: Duration = Duration::from_secs(1);

impl DiskReserve {
    /// Watches the file system holding `database_path`; `reserve_mb` 0 turns it off.
    pub fn new(database_path: &std::path::Path, reserve_mb: u64) -> DiskReserve {
        let dir = database_path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), PathBuf::from);
        DiskReserve {
            dir,
            reserve_bytes: reserve_mb.saturating_mul(1024 * 1024),
            state: Mutex::new(State {
                checked: None,
                low: false,
            }),
        }
    }

    /// `Err(StorageFull)` while free space is below the reserve.
    pub fn check(&self) -> Result<(), Error> {
        if self.reserve_bytes == 0 {
            return Ok(());
        }
        let mut state = self.state.recover();
        if state.checked.is_none_or(|at| at.elapsed() >= RECHECK) {
            state.checked = Some(Instant::now());
            let low = match free_bytes(&self.dir) {
                Ok(free) => {
                    let low = free < self.reserve_bytes;
                    if low && !state.low {
                        tracing::warn!(
                            "free space on {} is {} MiB, below the reserve of {} MiB \
                             (min_free_disk_mb): refusing writes that add data until space is freed",
                            self.dir.display(),
                            free / (1024 * 1024),
                            self.reserve_bytes / (1024 * 1024)
                        );
                    } else if !low && state.low {
                        tracing::info!(
                            "free space on {} is back above the reserve: writes accepted again",
                            self.dir.display()
                        );
                    }
                    low
                }
                Err(e) => {
                    // Unknown free space never blocks writes; SQLite's own errors remain.
                    tracing::warn!("cannot read free space of {}: {e}", self.dir.display());
                    false
                }
            };
            state.low = low;
        }
        if state.low {
            Err(Error::StorageFull)
        } else {
            Ok(())
        }
    }
}

/// Bytes an unprivileged process may still write on the file system holding `dir`.
fn free_bytes(dir: &std::path::Path) -> std::io::Result<u64> {
    let stat = rustix::fs::statvfs(dir)?;
    Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
}
