//! Real-time events (API.md §8).
//!
//! Events are rows in the `events` table, written in the same transaction as the change that
//! causes them (so an acknowledged change always has its event). Delivery never carries data
//! through memory: after each commit the writer tells the `Hub` which users have new events,
//! and each open stream of those users reads its events from storage after the last id it
//! sent. Replay after a reconnect and live delivery are therefore the same code path, with
//! no seam to lose or double an event; a slow client only falls behind in the table, holding
//! no memory; and the writer never waits for a client.

pub mod stream;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rocket::tokio::sync::watch;

use crate::ids::UserId;

/// Wake-up signals per connected user. Each value is a counter that only grows; a stream
/// waits for it to change, then reads storage. `watch` keeps one value, so a burst of
/// commits costs a stream one wake-up, and memory is bounded by the number of users online.
#[derive(Clone, Default)]
pub struct Hub {
    users: Arc<Mutex<HashMap<UserId, watch::Sender<u64>>>>,
}

impl Hub {
    /// A receiver that changes whenever `user` may have something new.
    pub fn subscribe(&self, user: UserId) -> watch::Receiver<u64> {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        users
            .entry(user)
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    /// Wakes every open stream of these users; forgets users with no stream left.
    pub fn notify(&self, targets: &[UserId]) {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        for user in targets {
            if let Some(sender) = users.get(user) {
                if sender.receiver_count() == 0 {
                    users.remove(user);
                } else {
                    sender.send_modify(|n| *n = n.wrapping_add(1));
                }
            }
        }
    }

    /// Number of users with at least one open stream (for tests and diagnostics).
    pub fn online(&self) -> usize {
        let users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        users.values().filter(|s| s.receiver_count() > 0).count()
    }
}
