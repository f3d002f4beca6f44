//! Notifications that reach a phone (API.md §15), off the request path.
//!
//! * **The outbox is the messages table**: a send writes nothing more. The notifier reads the
//!   messages past its mark (`notify_state`) every half second, in batches, and turns them
//!   into deliveries (`notify_deliveries`) in one write that also moves the mark, so a
//!   restart resumes exactly where it was.
//! * **Who**: the members other than the sender with somewhere to notify (an ntfy topic, a
//!   push subscription), not while they have an event stream open (they see it in the app),
//!   and in a muted conversation only when a message mentions them or everyone.
//! * **Collapse**: one delivery per device and conversation waits [`COLLAPSE_MS`] before it
//!   goes; messages arriving meanwhile fold into it (the newest message and a count), so a
//!   burst of 20 messages makes one notification (`[20条] 李四: …`). Web Push also tags it
//!   with the conversation, so the device replaces rather than stacks.
//! * **Delivery**: at most [`CONCURRENCY`] requests at once on delivery threads at nice 10
//!   (`crate::workers`), each with a timeout, carried over from round to round; the outcomes of a round are recorded in one
//!   write; failures are retried with exponential backoff for up to [`GIVE_UP_MS`], then
//!   dropped with a log line; at most [`MAX_PENDING`] wait (the oldest beyond are dropped).
//!   What is shown is rendered when it goes out, for its recipient: a message recalled
//!   meanwhile is not sent at all.

pub mod ntfy;
pub mod vapid;
pub mod webpush;

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use rocket::tokio::select;
use rocket::tokio::task::JoinSet;
use rocket::tokio::time::{interval, MissedTickBehavior};
use rocket::Shutdown;

use crate::db::messages::Status;
use crate::db::notify::{self, Channel, Delivery};
use crate::db::Db;
use crate::domain::conversations::list_items;
use crate::domain::files::Links;
use crate::domain::render;
use crate::error::Error;
use crate::events::Hub;
use crate::ids::ConversationId;
use crate::workers::Workers;

/// How long a delivery waits for more messages of its conversation to fold in.
pub const COLLAPSE_MS: i64 = 1_000;
/// Undeliverable notifications are dropped after this long.
pub const GIVE_UP_MS: i64 = 3_600_000;
/// At most this many deliveries wait; the oldest beyond are dropped.
pub const MAX_PENDING: i64 = 100_000;
/// Requests in flight at once.
pub const CONCURRENCY: usize = 8;
/// One request may take this long.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Rounds (a tenth of a second each) between two passes over new messages.
const EXPAND_EVERY: u64 = 5;
/// Messages turned into deliveries per write.
const BATCH: u32 = 512;

/// What the notifier needs; cheap to clone.
#[derive(Clone)]
pub struct Notifier {
    pub db: Db,
    pub hub: Hub,
    pub links: Links,
    /// Where people open the web app (for ntfy's `Click`), if configured.
    pub public_url: Option<String>,
    pub vapid: vapid::Vapid,
    pub agent: ureq::Agent,
    /// The delivery threads, one per request in flight.
    workers: Workers<()>,
}

/// A notification as its recipient reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub title: String,
    pub body: String,
    pub conversation: ConversationId,
    pub mentioned: bool,
}

/// How a delivery attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// The push service says the subscription is gone (404/410): delete it.
    Gone,
    /// Refused for good (a bad topic URL or token): drop it.
    Refused,
    /// Try again later.
    Retry,
}

impl Outcome {
    /// How an answer from `service` (its status, or why there was none) ends an attempt:
    /// `2xx` delivered; `429`, `5xx` or no answer retried; `404`/`410` gone where the service
    /// uses them for an ended subscription (`gone_means_ended`: Web Push); anything else
    /// refused for good, with a log line.
    pub fn of(answer: Result<u16, ureq::Error>, service: &str, gone_means_ended: bool) -> Outcome {
        match answer {
            Ok(200..=299) => Outcome::Delivered,
            Ok(404 | 410) if gone_means_ended => Outcome::Gone,
            Ok(429 | 500..=599) => Outcome::Retry,
            Ok(status) => {
                tracing::warn!("notifications: {service} refused one ({status})");
                Outcome::Refused
            }
            Err(e) => {
                tracing::debug!("notifications: {service} unreachable: {e}");
                Outcome::Retry
            }
        }
    }
}

impl Notifier {
    pub fn new(
        db: Db,
        hub: Hub,
        links: Links,
        vapid: vapid::Vapid,
        public_url: Option<String>,
    ) -> Result<Notifier, String> {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(Notifier {
            db,
            hub,
            links,
            public_url,
            vapid,
            agent,
            workers: Workers::start("chatd-notify", CONCURRENCY, CONCURRENCY, || ())?,
        })
    }

    /// Runs until shutdown. Requests in flight carry over from round to round, so one slow
    /// push service holds one slot, not the notifier.
    pub async fn run(self, mut shutdown: Shutdown) {
        let mut tick = interval(Duration::from_millis(100));
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut rounds: u64 = 0;
        let mut running: JoinSet<(Delivery, Outcome)> = JoinSet::new();
        let mut in_flight: HashSet<i64> = HashSet::new();
        loop {
            select! {
                _ = tick.tick() => {}
                _ = &mut shutdown => break,
            }
            let mut finished = Vec::new();
            while let Some(done) = running.try_join_next() {
                if let Ok(done) = done {
                    finished.push(done);
                }
            }
            if !finished.is_empty() {
                let ids: Vec<i64> = finished.iter().map(|(d, _)| d.id).collect();
                if let Err(e) = self.record(finished).await {
                    tracing::warn!("notifications: cannot record deliveries: {}", e.describe());
                }
                for id in ids {
                    in_flight.remove(&id);
                }
            }
            rounds += 1;
            // New messages every half second (each pass is one write of up to one upsert
            // per recipient device and conversation); deliveries every round.
            if rounds.is_multiple_of(EXPAND_EVERY) {
                let prune = rounds.is_multiple_of(EXPAND_EVERY * 120);
                if let Err(e) = self.expand(prune).await {
                    tracing::warn!("notifications: cannot read new messages: {}", e.describe());
                }
            }
            let free = CONCURRENCY.saturating_sub(running.len());
            if free == 0 {
                continue;
            }
            let now = self.db.clock().now_ms();
            let limit = u32::try_from(free + in_flight.len()).unwrap_or(u32::MAX);
            let due = match self.db.read(move |c| notify::due(c, now, limit)).await {
                Ok(due) => due,
                Err(e) => {
                    tracing::warn!("notifications: cannot deliver: {}", e.describe());
                    continue;
                }
            };
            let fresh: Vec<Delivery> = due
                .into_iter()
                .filter(|d| !in_flight.contains(&d.id))
                .take(free)
                .collect();
            for delivery in fresh {
                in_flight.insert(delivery.id);
                let me = self.clone();
                running.spawn(async move {
                    let outcome = me.attempt(delivery.clone()).await;
                    (delivery, outcome)
                });
            }
        }
        running.abort_all();
    }

    /// Turns the messages past the mark into deliveries and moves the mark (one write); with
    /// `prune`, also drops what waited too long or beyond the cap.
    pub async fn expand(&self, prune: bool) -> Result<(), Error> {
        // Most rounds find nothing: a read says so without a write.
        let (new, waiting) = self.db.read(notify::anything_to_do).await?;
        let prune = prune && waiting;
        if !new && !prune {
            return Ok(());
        }
        let hub = self.hub.clone();
        let clock = self.db.clock();
        self.db
            .write(move |conn| {
                let now = clock.now_ms();
                if prune {
                    let dropped = notify::prune(conn, now - GIVE_UP_MS, MAX_PENDING)?;
                    if dropped > 0 {
                        tracing::warn!("notifications: dropped {dropped} undeliverable");
                    }
                }
                let messages = notify::pending(conn, BATCH)?;
                let Some(last) = messages.last().map(|m| m.id) else {
                    return Ok(());
                };
                let mut by_conversation: BTreeMap<ConversationId, Vec<&notify::Pending>> =
                    BTreeMap::new();
                for m in messages.iter().filter(|m| m.status == Status::Normal) {
                    by_conversation.entry(m.conversation).or_default().push(m);
                }
                for (conversation, list) in by_conversation {
                    for r in notify::recipients(conn, conversation)? {
                        if hub.is_online(r.user) {
                            continue;
                        }
                        let theirs: Vec<&&notify::Pending> =
                            list.iter().filter(|m| m.sender != r.user).collect();
                        let Some(newest) = theirs.last().map(|m| m.id) else {
                            continue;
                        };
                        let mentioned = theirs.iter().any(|m| m.mentions(r.user));
                        if r.muted && !mentioned {
                            continue;
                        }
                        let count = theirs.len() as i64;
                        let channels = r
                            .ntfy
                            .then_some(Channel::Ntfy)
                            .into_iter()
                            .chain(r.subscriptions.iter().map(|s| Channel::WebPush(*s)));
                        for channel in channels {
                            notify::queue(
                                conn,
                                r.user,
                                channel,
                                conversation,
                                newest,
                                count,
                                mentioned,
                                now + COLLAPSE_MS,
                                now,
                            )?;
                        }
                    }
                }
                notify::advance(conn, last)
            })
            .await
    }

    /// One attempt at `d`: rendered for its recipient, sent, and how it went (recorded by
    /// the caller, with the round's others, in one write). Rendering is a read like any
    /// other (a reader connection is never held by a thread that may wait for a core);
    /// encrypting, signing and posting run on a delivery thread (`crate::workers`, nice
    /// 10), so they never take a core from the request workers.
    async fn attempt(&self, d: Delivery) -> Outcome {
        let links = self.links.clone();
        let rendered = match self.db.read(move |conn| prepare(conn, &links, &d)).await {
            Ok(Some(rendered)) => rendered,
            Ok(None) => return Outcome::Refused,
            Err(e) => {
                tracing::warn!("notifications: {}", e.describe());
                return Outcome::Retry;
            }
        };
        let me = self.clone();
        let sent = self.workers.run(move |_| {
            let (shown, target) = rendered;
            let click = me.public_url.as_deref();
            Ok(match target {
                Target::Ntfy { url, token } => {
                    ntfy::send(&me.agent, &url, token.as_deref(), &shown, click)
                }
                Target::WebPush(sub) => {
                    let contact = click
                        .filter(|u| u.starts_with("https://"))
                        .unwrap_or("mailto:admin@chatd.invalid");
                    webpush::send(&me.agent, &me.vapid, contact, &sub, &shown)
                }
            })
        });
        sent.await.unwrap_or_else(|e| {
            tracing::warn!("notifications: {}", e.describe());
            Outcome::Retry
        })
    }

    /// Records how the finished attempts went, in one write.
    async fn record(&self, finished: Vec<(Delivery, Outcome)>) -> Result<(), Error> {
        let now = self.db.clock().now_ms();
        self.db
            .write(move |conn| {
                for (d, outcome) in &finished {
                    let give_up = now - d.created_at > GIVE_UP_MS;
                    match (outcome, d.channel) {
                        (Outcome::Retry, _) if !give_up => {
                            notify::retry(conn, d.id, now + backoff(d.attempts))?
                        }
                        // The push service forgot the subscription: so do we.
                        (Outcome::Gone, Channel::WebPush(sub)) => {
                            notify::drop_subscription(conn, sub)?
                        }
                        (Outcome::Retry, _) => {
                            tracing::warn!(
                                "notifications: gave up on one after {} attempts",
                                d.attempts + 1
                            );
                            notify::finish(conn, d.id)?
                        }
                        _ => notify::finish(conn, d.id)?,
                    }
                }
                Ok(())
            })
            .await
    }
}

/// Where one delivery goes, read with its settings.
pub enum Target {
    Ntfy { url: String, token: Option<String> },
    WebPush(notify::Subscription),
}

/// The wait before attempt `attempts + 2`: 5 s doubling, at most 10 minutes.
pub fn backoff(attempts: i64) -> i64 {
    let exp = u32::try_from(attempts.clamp(0, 7)).unwrap_or(7);
    (5_000_i64 << exp).min(600_000)
}

/// The notification `d` shows its recipient and where it goes; `None` when there is nothing
/// to send any more (the message was recalled or hidden, the conversation left, the channel
/// removed).
fn prepare(
    conn: &rusqlite::Connection,
    links: &Links,
    d: &Delivery,
) -> Result<Option<(Shown, Target)>, Error> {
    let settings = notify::settings(conn, d.user)?;
    let target = match d.channel {
        Channel::Ntfy => match settings.ntfy_url.clone() {
            Some(url) => Target::Ntfy {
                url,
                token: settings.ntfy_token.clone(),
            },
            None => return Ok(None),
        },
        Channel::WebPush(id) => match notify::subscription(conn, id)? {
            Some(sub) => Target::WebPush(sub),
            None => return Ok(None),
        },
    };
    let Some(item) = list_items(conn, d.user, Some(&[d.conversation]), links)?.pop() else {
        return Ok(None);
    };
    let rows = crate::db::messages::by_ids(conn, &[d.message])?;
    let hidden = crate::db::messages::deleted_among(conn, d.user, &[d.message])?;
    let Some(view) = render::messages_for(conn, d.user, rows, links)?
        .pop()
        .filter(|v| v.status == Status::Normal && !hidden.contains(&d.message))
    else {
        return Ok(None);
    };
    let body = if settings.show_content {
        let count = if d.count > 1 {
            format!("[{}条] ", d.count)
        } else {
            String::new()
        };
        let who = if item.kind == crate::db::conversations::Kind::Group {
            format!("{}: ", view.sender_name)
        } else {
            String::new()
        };
        format!("{count}{who}{}", render::preview_of(&view, 100))
    } else if d.count > 1 {
        format!("你收到{}条新消息", d.count)
    } else {
        "你收到一条新消息".to_string()
    };
    Ok(Some((
        Shown {
            title: item.title,
            body,
            conversation: d.conversation,
            mentioned: d.mentioned,
        },
        target,
    )))
}

/// The web app's link to a conversation, under `public_url`.
pub fn deep_link(public_url: &str, conversation: ConversationId) -> String {
    format!("{}/#/c/{conversation}", public_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;

    #[test]
    fn backoff_doubles_from_five_seconds_up_to_ten_minutes() {
        assert_eq!(backoff(0), 5_000);
        assert_eq!(backoff(1), 10_000);
        assert_eq!(backoff(6), 320_000);
        assert_eq!(backoff(7), 600_000);
        assert_eq!(backoff(50), 600_000);
    }

    #[test]
    fn an_answer_ends_an_attempt_by_its_status() {
        assert_eq!(Outcome::of(Ok(201), "s", false), Outcome::Delivered);
        assert_eq!(Outcome::of(Ok(410), "s", true), Outcome::Gone);
        assert_eq!(Outcome::of(Ok(404), "s", false), Outcome::Refused);
        assert_eq!(Outcome::of(Ok(429), "s", true), Outcome::Retry);
        assert_eq!(Outcome::of(Ok(503), "s", false), Outcome::Retry);
        assert_eq!(Outcome::of(Ok(400), "s", true), Outcome::Refused);
    }

    #[test]
    fn mentions_name_the_user_or_everyone() {
        let with = |ids: &[i64]| notify::Pending {
            id: crate::ids::MessageId(1),
            conversation: ConversationId(1),
            sender: UserId(1),
            status: Status::Normal,
            mentions: ids.iter().copied().map(UserId).collect(),
        };
        assert!(with(&[3, 5]).mentions(UserId(5)));
        assert!(with(&[0]).mentions(UserId(9)));
        assert!(!with(&[3]).mentions(UserId(5)));
        assert!(!with(&[]).mentions(UserId(5)));
    }
}
