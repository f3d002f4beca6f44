//! Open event streams per user: each stream holds a slot for as long as it is open, and a
//! user already holding `max_streams_per_user` gets `429` for the next one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::Error;
use crate::ids::UserId;
use crate::sync::Recover;

#[derive(Clone)]
pub struct StreamSlots {
    open: Arc<Mutex<HashMap<UserId, usize>>>,
    max: usize,
}

/// One open stream; dropping it (the stream ended or the client went away) frees the slot.
pub struct StreamSlot {
    slots: StreamSlots,
    user: UserId,
}

/// What a refused stream is told to wait, in seconds.
const RETRY_AFTER_SECS: u32 = 5;

impl StreamSlots {
    pub fn new(max: usize) -> StreamSlots {
        StreamSlots {
            open: Arc::default(),
            max,
        }
    }

    pub fn take(&self, user: UserId) -> Result<StreamSlot, Error> {
        let mut open = self.open.recover();
        let count = open.entry(user).or_insert(0);
        if *count >= self.max {
            return Err(Error::RateLimited(RETRY_AFTER_SECS));
        }
        *count += 1;
        Ok(StreamSlot {
            slots: self.clone(),
            user,
        })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.slots.open.recover();
        if let Some(count) = open.get_mut(&self.user) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.user);
            }
        }
    }
}
