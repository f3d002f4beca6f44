//! What makes a token live, mirrored in memory so that authenticating a request costs no
//! database round trip (it was one of two blocking-pool hops on every request; see
//! bench/RESULTS.md).
//!
//! A token is live while its user's token generation equals the one it was issued under (a
//! password change moves to the next) and its `jti` has not been logged out. Both change
//! only through this process (`logout`, `change_password`), which update the mirror after
//! the change is committed and before answering, so revocation is immediate. Generations are
//! loaded on first use per user; logged-out tokens are loaded at start and forgotten once
//! they would have expired anyway. Changes made by `chatd user …` from another process are
//! picked up by `EpochWatch` within about a second.

use std::collections::HashMap;
use std::sync::Mutex;

use rusqlite::Connection;

use crate::db::{self, Db};
use crate::error::Error;
use crate::ids::UserId;
use crate::sync::Recover;

#[derive(Default)]
pub struct Sessions {
    generations: Mutex<HashMap<UserId, i64>>,
    /// Logged-out token ids and when they expire (seconds since the epoch).
    revoked: Mutex<HashMap<String, i64>>,
}

impl Sessions {
    /// Loads the logged-out tokens that have not expired yet.
    pub fn load(conn: &Connection, now: i64) -> Result<Sessions, Error> {
        let revoked = db::users::revoked_tokens(conn, now)?;
        Ok(Sessions {
            generations: Mutex::default(),
            revoked: Mutex::new(revoked.into_iter().collect()),
        })
    }

    pub async fn is_live(&self, db: &Db, user: UserId, gen: i64, jti: &str) -> Result<bool, Error> {
        if self.revoked.recover().contains_key(jti) {
            return Ok(false);
        }
        let known = self.generations.recover().get(&user).copied();
        let current = match known {
            Some(current) => current,
            None => {
                let Some(current) = db.read(move |c| db::users::token_gen(c, user)).await? else {
                    return Ok(false);
                };
                self.note_generation(user, current);
                current
            }
        };
        Ok(current == gen)
    }

    /// After a committed password change. Generations only grow, so a late, older value
    /// never undoes a newer one.
    pub fn note_generation(&self, user: UserId, gen: i64) {
        let mut generations = self.generations.recover();
        let entry = generations.entry(user).or_insert(gen);
        *entry = (*entry).max(gen);
    }

    /// After a committed logout.
    pub fn note_revoked(&self, jti: &str, expires_at: i64, now: i64) {
        let mut revoked = self.revoked.recover();
        revoked.retain(|_, exp| *exp >= now);
        revoked.insert(jti.to_string(), expires_at);
    }
}

impl Sessions {
    /// Forgets every cached generation and replaces the logged-out set: after `chatd user …`
    /// changed accounts from outside this process.
    pub fn reset(&self, revoked: Vec<(String, i64)>) {
        self.generations.recover().clear();
        *self.revoked.recover() = revoked.into_iter().collect();
    }
}
