//! The newest page of a conversation, and the conversation list, as one viewer sees them,
//! kept rendered (issue 20).
//!
//! Opening a chat and going back to the list is what every user does dozens of times a day,
//! and it reads the same page and list again and again while nothing changes. One served
//! from here skips the trip to the blocking pool, the queries, the rendering and the
//! serialization: it is the JSON already made, shared.
//!
//! **Invalidation is by commit, and total**: an entry is kept with the writer's commit count
//! (`Db::generation`) read *before* its read transaction began, and is served only while
//! that count is unchanged. The writer counts a commit before it answers any job of it, so
//! a 2xx for any write (a send, a recall, delete-for-me, a read marker, a rename, a member
//! leaving, a display name, a remark, clearing) makes every entry stale before the writer's
//! caller hears of it: nobody ever reads a page older than a write they were told about.
//! Finer invalidation (per conversation or per viewer) would keep more entries on a busy
//! server, at the price of listing what every write touches; one counter cannot miss a
//! path. The map holds one generation at a time (the first entry of a new one clears it), at
//! most [`CAPACITY`] entries, each at most [`MAX_AGE`] old: the signed file URLs inside stay
//! fresh, and changes made by another process (`chatd user …`) show within that time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rocket::tokio::sync::OnceCell;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::error::Error;
use crate::ids::{ConversationId, UserId};
use crate::sync::Recover;

/// Entries kept at most (one generation's worth; about 20 KiB each for 50 messages).
pub const CAPACITY: usize = 1024;
/// An entry older than this is made again.
pub const MAX_AGE: Duration = Duration::from_secs(10);

/// A rendered page: JSON, serialized into a response as it is.
#[derive(Debug, Clone)]
pub struct PageJson(Arc<RawValue>);

impl PageJson {
    /// Serializes `value` once.
    pub fn of<T: Serialize>(value: &T) -> Result<PageJson, Error> {
        let raw = serde_json::value::to_raw_value(value).map_err(Error::internal)?;
        Ok(PageJson(Arc::from(raw)))
    }

    pub fn as_str(&self) -> &str {
        self.0.get()
    }
}

impl Serialize for PageJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// What identifies an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// The newest page of a conversation: the viewer, the conversation and the page size.
    Page(UserId, ConversationId, u32),
    /// A viewer's whole conversation list.
    List(UserId),
}

struct Entry {
    made: Instant,
    page: PageJson,
}

#[derive(Default)]
struct Pages {
    generation: u64,
    entries: HashMap<Key, Entry>,
}

/// The cache; managed state, shared by every request.
#[derive(Default)]
pub struct PageCache {
    pages: Mutex<Pages>,
    hits: AtomicU64,
    /// Entries being made now, so that requests missing the same one at once wait for one
    /// maker instead of each making it (`get_or_make`).
    making: Mutex<HashMap<(Key, u64), Making>>,
}

/// One entry being made: its maker fills it, the requests that missed it too wait on it.
type Making = Arc<OnceCell<PageJson>>;

impl PageCache {
    /// The page for `key` if it was made at `generation` (the writer's count now) and is
    /// fresh.
    pub fn get(&self, key: &Key, generation: u64) -> Option<PageJson> {
        let pages = self.pages.recover();
        if pages.generation != generation {
            return None;
        }
        let entry = pages.entries.get(key)?;
        if entry.made.elapsed() > MAX_AGE {
            return None;
        }
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(entry.page.clone())
    }

    /// Keeps `page` for `key`, made from a read that began at `generation`. A page of an
    /// older generation than the cache's is dropped; one of a newer one clears the rest.
    pub fn put(&self, key: Key, generation: u64, page: PageJson) {
        let mut pages = self.pages.recover();
        if generation < pages.generation {
            return;
        }
        if generation > pages.generation || pages.entries.len() >= CAPACITY {
            pages.entries.clear();
            pages.generation = generation;
        }
        let made = Instant::now();
        pages.entries.insert(key, Entry { made, page });
    }

    /// The entry for `key` at `generation`, made by `make` on a miss. Requests that miss the
    /// same entry at the same time share one `make` (after a commit or when an entry ages
    /// out, a client with many connections would otherwise render it once per connection);
    /// if it fails, the next waiter tries its own.
    pub async fn get_or_make<F, Fut>(
        &self,
        key: Key,
        generation: u64,
        make: F,
    ) -> Result<PageJson, Error>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<PageJson, Error>>,
    {
        if let Some(page) = self.get(&key, generation) {
            return Ok(page);
        }
        let cell = {
            let mut making = self.making.recover();
            making.retain(|(_, made_at), _| *made_at >= generation);
            making.entry((key, generation)).or_default().clone()
        };
        let made = cell.get_or_try_init(make).await.cloned();
        if let Ok(page) = &made {
            self.put(key, generation, page.clone());
        }
        let mut making = self.making.recover();
        if making
            .get(&(key, generation))
            .is_some_and(|c| Arc::ptr_eq(c, &cell))
        {
            making.remove(&(key, generation));
        }
        made
    }

    /// Pages served from the cache so far (the tests check that a page they then expect to
    /// change was really cached).
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(text: &str) -> PageJson {
        PageJson::of(&vec![text]).unwrap()
    }

    const KEY: Key = Key::Page(UserId(1), ConversationId(2), 50);

    #[test]
    fn a_page_is_served_only_at_the_generation_it_was_made_at() {
        let cache = PageCache::default();
        cache.put(KEY, 3, page("a"));
        assert_eq!(cache.get(&KEY, 3).unwrap().as_str(), r#"["a"]"#);
        assert!(cache.get(&KEY, 4).is_none(), "a commit since: stale");
        assert!(cache
            .get(&Key::Page(UserId(9), ConversationId(2), 50), 3)
            .is_none());
        assert!(cache
            .get(&Key::Page(UserId(1), ConversationId(2), 20), 3)
            .is_none());
        assert!(cache.get(&Key::List(UserId(1)), 3).is_none());
        assert_eq!(cache.hits(), 1);
    }

    #[test]
    fn an_older_generation_never_replaces_a_newer_one() {
        let cache = PageCache::default();
        cache.put(KEY, 5, page("new"));
        cache.put(KEY, 4, page("old"));
        assert_eq!(cache.get(&KEY, 5).unwrap().as_str(), r#"["new"]"#);
        cache.put(Key::List(UserId(7)), 6, page("newer"));
        assert!(cache.get(&KEY, 5).is_none() && cache.get(&KEY, 6).is_none());
    }

    #[rocket::async_test]
    async fn requests_missing_the_same_entry_at_once_share_one_maker() {
        use std::sync::atomic::AtomicUsize;
        let cache = PageCache::default();
        let made = AtomicUsize::new(0);
        let make = |text: &'static str| {
            let made = &made;
            move || async move {
                made.fetch_add(1, Ordering::SeqCst);
                rocket::tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(page(text))
            }
        };
        let (a, b) = rocket::tokio::join!(
            cache.get_or_make(KEY, 1, make("a")),
            cache.get_or_make(KEY, 1, make("b")),
        );
        assert_eq!(a.unwrap().as_str(), r#"["a"]"#);
        assert_eq!(
            b.unwrap().as_str(),
            r#"["a"]"#,
            "the second waited for the first"
        );
        assert_eq!(made.load(Ordering::SeqCst), 1);
        assert_eq!(
            cache.get(&KEY, 1).unwrap().as_str(),
            r#"["a"]"#,
            "and kept it"
        );
        // A new generation makes it again.
        let c = cache.get_or_make(KEY, 2, make("c")).await.unwrap();
        assert_eq!(c.as_str(), r#"["c"]"#);
        assert_eq!(made.load(Ordering::SeqCst), 2);
        assert!(
            cache.making.recover().is_empty(),
            "nothing left in the making"
        );
    }

    #[rocket::async_test]
    async fn a_failed_make_is_not_kept_and_the_next_waiter_tries_its_own() {
        let cache = PageCache::default();
        let failing = || async {
            rocket::tokio::time::sleep(Duration::from_millis(50)).await;
            Err(Error::ConversationNotFound)
        };
        let (a, b) = rocket::tokio::join!(
            cache.get_or_make(KEY, 1, failing),
            cache.get_or_make(KEY, 1, || async { Ok(page("b")) }),
        );
        assert!(matches!(a, Err(Error::ConversationNotFound)));
        assert_eq!(b.unwrap().as_str(), r#"["b"]"#);
        assert_eq!(cache.get(&KEY, 1).unwrap().as_str(), r#"["b"]"#);
    }

    #[test]
    fn the_cache_holds_at_most_its_capacity() {
        let cache = PageCache::default();
        for i in 0..=CAPACITY as i64 {
            cache.put(Key::Page(UserId(i), ConversationId(1), 50), 1, page("x"));
        }
        assert!(cache.pages.recover().entries.len() <= CAPACITY);
    }
}
