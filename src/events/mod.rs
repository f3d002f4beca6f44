//! Real-time events (API.md §8).
//!
//! Events are rows in the `events` table, written in the same transaction as the change
//! that causes them (so an acknowledged change always has its event).
//!
//! Live delivery: after each commit the writer pokes the dispatcher (`dispatch.rs`), which
//! reads the new rows once, renders them for each receiving user who has a stream open
//! (loading the messages and names of the whole batch in a couple of queries), and pushes
//! them into each stream's bounded queue (`Slot`). Streams then only serialize.
//!
//! Replay and catch-up read storage: a stream that resumes with `Last-Event-ID`, or whose
//! queue overflowed because its client is slow, reads its events after its cursor from the
//! table. Every stream skips ids at or below its cursor, so an event that reaches it both
//! ways is sent once, and since a stream subscribes before it reads storage, nothing falls
//! between the two. Slow clients cost a bounded queue, never the writer's or anyone else's
//! time.

pub mod dispatch;
pub mod stream;
pub mod typing;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, Weak};

use rocket::tokio::sync::Notify;

use crate::domain::events::Outgoing;
use crate::ids::UserId;
use crate::sync::Recover;

/// Events a stream may hold before it is told to catch up from storage instead.
const SLOT_CAPACITY: usize = 1024;

/// One open stream's inbox.
#[derive(Default)]
pub struct Slot {
    state: Mutex<SlotState>,
    notify: Notify,
}

#[derive(Default)]
struct SlotState {
    queue: VecDeque<Arc<Outgoing>>,
    overflowed: bool,
    kicked: bool,
}

/// What a stream finds in its inbox.
#[derive(Default)]
pub struct Taken {
    pub events: Vec<Arc<Outgoing>>,
    /// Events were dropped: catch up from storage.
    pub overflowed: bool,
    /// Asked to re-check its token (logout, password change).
    pub kicked: bool,
}

impl Slot {
    pub fn take(&self) -> Taken {
        let mut state = self.state.recover();
        Taken {
            events: state.queue.drain(..).collect(),
            overflowed: std::mem::take(&mut state.overflowed),
            kicked: std::mem::take(&mut state.kicked),
        }
    }

    /// Resolves after the next push or kick (or at once if one happened since the last
    /// wait: `Notify` keeps a permit).
    pub async fn wait(&self) {
        self.notify.notified().await;
    }

    /// Queues `events` in order, under one lock; past `SLOT_CAPACITY` the queue is dropped
    /// and the stream told to catch up from storage.
    fn push(&self, events: &[Arc<Outgoing>]) {
        let mut state = self.state.recover();
        for event in events {
            if state.overflowed {
                return;
            }
            if state.queue.len() >= SLOT_CAPACITY {
                state.queue.clear();
                state.overflowed = true;
            } else {
                state.queue.push_back(event.clone());
            }
        }
    }

    fn kick(&self) {
        self.state.recover().kicked = true;
        self.notify.notify_one();
    }
}

/// The open streams of each user. Cheap to clone.
#[derive(Clone, Default)]
pub struct Hub {
    users: Arc<Mutex<HashMap<UserId, Vec<Weak<Slot>>>>>,
}

impl Hub {
    /// A new inbox for one stream of `user`; it is forgotten when the stream drops it.
    pub fn subscribe(&self, user: UserId) -> Arc<Slot> {
        let slot = Arc::new(Slot::default());
        let mut users = self.users.recover();
        let slots = users.entry(user).or_default();
        slots.retain(|s| s.strong_count() > 0);
        slots.push(Arc::downgrade(&slot));
        slot
    }

    /// Keeps the rows of users with at least one open stream (forgetting closed streams).
    pub fn keep_online<T>(&self, rows: &mut Vec<(UserId, T)>) {
        let mut users = self.users.recover();
        users.retain(|_, slots| {
            slots.retain(|s| s.strong_count() > 0);
            !slots.is_empty()
        });
        rows.retain(|(user, _)| users.contains_key(user));
    }

    /// Whether `user` has an event stream open now.
    pub fn is_online(&self, user: UserId) -> bool {
        self.users
            .recover()
            .get(&user)
            .is_some_and(|slots| slots.iter().any(|s| s.strong_count() > 0))
    }

    /// Hands rendered events to every open stream of their users, in order, and wakes them.
    pub fn deliver(&self, batch: Vec<(UserId, Outgoing)>) {
        // Each user's events in order, one allocation per distinct event (most viewers of a
        // message share its text), so that each stream is locked once per batch.
        let mut shared: HashMap<(i64, *const u8), Arc<Outgoing>> = HashMap::new();
        let mut by_user: HashMap<UserId, Vec<Arc<Outgoing>>> = HashMap::new();
        for (user, event) in batch {
            let event = shared
                .entry((event.id, event.data.as_ptr()))
                .or_insert_with(|| Arc::new(event))
                .clone();
            by_user.entry(user).or_default().push(event);
        }
        let users = self.users.recover();
        let mut woken: Vec<Arc<Slot>> = Vec::new();
        for (user, events) in &by_user {
            let Some(slots) = users.get(user) else {
                continue;
            };
            for slot in slots.iter().filter_map(Weak::upgrade) {
                slot.push(events);
                woken.push(slot);
            }
        }
        drop(users);
        // Each stream appears once: it belongs to one user.
        for slot in woken {
            slot.notify.notify_one();
        }
    }

    /// Asks every open stream to check its token again.
    pub fn kick_all(&self) {
        let users = self.users.recover();
        for slot in users.values().flatten().filter_map(Weak::upgrade) {
            slot.kick();
        }
    }

    /// Asks every open stream of these users to check its token again.
    pub fn kick(&self, targets: &[UserId]) {
        let users = self.users.recover();
        for user in targets {
            for slot in users
                .get(user)
                .into_iter()
                .flatten()
                .filter_map(Weak::upgrade)
            {
                slot.kick();
            }
        }
    }
}
