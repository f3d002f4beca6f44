//! Limits that keep one client from taking the server down (README, "Limits"): request
//! rates per client address and per user, the client address itself (trusted proxies
//! only), open event streams per user, and the connection bounds. (The disk reserve is
//! storage's own: `db::reserve`.)
//!
//! Rates are GCRA limiters from `governor`, keyed by client address (IPv6 by its /64, the
//! block one household gets) or by user. Their state is one small entry per key seen in the
//! last period; `Housekeeping` drops stale entries once a minute, so memory stays bounded by
//! the clients actually active.

mod client;
pub mod connections;
mod streams;

use std::net::IpAddr;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

pub use client::ClientAddr;
pub use streams::{StreamSlot, StreamSlots};

use crate::config::{Rate, RateLimits};
use crate::error::Error;
use crate::ids::UserId;

/// What a client address may do at a limited rate.
#[derive(Debug, Clone, Copy)]
pub enum PerAddress {
    Register,
    Login,
    Ticket,
}

/// What a user may do at a limited rate.
#[derive(Debug, Clone, Copy)]
pub enum PerUser {
    Send,
    CreateGroup,
    FriendRequest,
}

/// A limiter, or none when its rate is `off`.
struct Limiter<K: std::hash::Hash + Eq + Clone>(Option<DefaultKeyedRateLimiter<K>>);

impl<K: std::hash::Hash + Eq + Clone> Limiter<K> {
    fn new(rate: Rate) -> Limiter<K> {
        Limiter(match rate {
            Rate::Off => None,
            Rate::Every { count, period } => {
                let each = period / count.get();
                Quota::with_period(each.max(Duration::from_nanos(1)))
                    .map(|quota| governor::RateLimiter::keyed(quota.allow_burst(count)))
            }
        })
    }

    fn check(&self, key: &K) -> Result<(), Error> {
        let Some(limiter) = &self.0 else {
            return Ok(());
        };
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Error::RateLimited(retry_after(wait))
        })
    }

    fn tidy(&self) {
        if let Some(limiter) = &self.0 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// Whole seconds to wait, at least one (what `Retry-After` carries).
pub fn retry_after(wait: Duration) -> u32 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    u32::try_from(secs.max(1)).unwrap_or(u32::MAX)
}

/// The rate limiters of every limited action; managed state.
pub struct Limits {
    register: Limiter<IpAddr>,
    login: Limiter<IpAddr>,
    ticket: Limiter<IpAddr>,
    send: Limiter<UserId>,
    create_group: Limiter<UserId>,
    friend_request: Limiter<UserId>,
}

impl Limits {
    pub fn new(rates: &RateLimits) -> Limits {
        Limits {
            register: Limiter::new(rates.register),
            login: Limiter::new(rates.login),
            ticket: Limiter::new(rates.ticket),
            send: Limiter::new(rates.send),
            create_group: Limiter::new(rates.create_group),
            friend_request: Limiter::new(rates.friend_request),
        }
    }

    /// Counts one `action` by `client`; `429` with the wait when over the limit.
    pub fn address(&self, action: PerAddress, client: ClientAddr) -> Result<(), Error> {
        let limiter = match action {
            PerAddress::Register => &self.register,
            PerAddress::Login => &self.login,
            PerAddress::Ticket => &self.ticket,
        };
        limiter.check(&client.key())
    }

    /// Counts one `action` by `user`; `429` with the wait when over the limit.
    pub fn user(&self, action: PerUser, user: UserId) -> Result<(), Error> {
        let limiter = match action {
            PerUser::Send => &self.send,
            PerUser::CreateGroup => &self.create_group,
            PerUser::FriendRequest => &self.friend_request,
        };
        limiter.check(&user)
    }

    /// Forgets entries of clients quiet for their whole period (memory stays bounded by the
    /// clients actually active); `background` calls it once a minute.
    pub fn tidy(&self) {
        self.register.tidy();
        self.login.tidy();
        self.ticket.tidy();
        self.send.tidy();
        self.create_group.tidy();
        self.friend_request.tidy();
    }
}
