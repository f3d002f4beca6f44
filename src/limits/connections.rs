//! Connection bounds (carried out by the patched Rocket, `vendor/rocket/PATCHED.md`): a
//! request head must arrive within `header_timeout_secs` (idle keep-alive connections
//! included), and at most `max_connections` are open, well below the process's file
//! descriptor limit, which `serve` first raises to its hard limit. So idle or half-sent
//! connections cannot hold sockets for long, and the database always has descriptors left.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rocket::connection_limits::ConnectionLimits;

use crate::config::Config;
use crate::sync::Recover;

/// Raises the soft limit on open files to the hard limit (`chatd serve`, before building).
pub fn raise_fd_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if let Some(hard) = limit.maximum {
        if limit.current.is_some_and(|soft| soft < hard) {
            limit.current = Some(hard);
            if let Err(e) = setrlimit(Resource::Nofile, limit) {
                tracing::warn!("cannot raise the open-file limit to {hard}: {e}");
            }
        }
    }
}

/// The open-file limit in force (`None`: unlimited).
pub fn fd_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

/// Descriptors kept for everything that is not a client connection (database, WAL, backups,
/// logs) when the cap is derived from the limit.
const SPARE_FDS: u64 = 64;

/// `max_connections`, or three quarters of `fd_limit` (leaving at least `SPARE_FDS`).
pub fn cap(config: &Config, fd_limit: Option<u64>) -> usize {
    if config.max_connections > 0 {
        return config.max_connections;
    }
    let Some(limit) = fd_limit else {
        return 4096;
    };
    let cap = (limit / 4 * 3).min(limit.saturating_sub(SPARE_FDS)).max(16);
    usize::try_from(cap).unwrap_or(usize::MAX)
}

/// The bounds for Rocket, logging (at most once a minute) when the cap is reached.
pub fn limits(config: &Config, max_connections: usize) -> ConnectionLimits {
    let last_warned: Mutex<Option<Instant>> = Mutex::new(None);
    ConnectionLimits {
        max_connections,
        header_read_timeout: Duration::from_secs(config.header_timeout_secs),
        on_saturated: Some(Arc::new(move |cap| {
            let mut last = last_warned.recover();
            if last.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
                *last = Some(Instant::now());
                tracing::warn!(
                    "{cap} connections are open (max_connections): new ones wait until one closes"
                );
            }
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_well_below_the_descriptor_limit() {
        let auto = Config::default();
        assert_eq!(cap(&auto, Some(1024)), 768);
        assert_eq!(cap(&auto, Some(100)), 36);
        assert_eq!(cap(&auto, Some(20_000)), 15_000);
        let set = Config {
            max_connections: 50,
            ..Config::default()
        };
        assert_eq!(cap(&set, Some(1024)), 50);
    }
}
