//! One rule for poisoned locks. chatd never holds a lock across a step that can panic half
//! way through an update, so the data behind a lock is consistent even if a thread panicked
//! while holding it: a poisoned lock is taken as it is, rather than spreading the panic to
//! every request that follows.

use std::sync::{Mutex, MutexGuard, PoisonError};

pub trait Recover<T> {
    /// The lock, poisoned or not.
    fn recover(&self) -> MutexGuard<'_, T>;
}

impl<T> Recover<T> for Mutex<T> {
    fn recover(&self) -> MutexGuard<'_, T> {
        self.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
