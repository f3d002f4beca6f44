//! notify_settings, push_subscriptions, notify_state and notify_deliveries: who wants
//! notifications where, and what is still to be delivered (API.md §15).

use rusqlite::{params, Connection, OptionalExtension};

use super::messages::{Status, MENTION_ALL};
use super::Cached;
use crate::error::Error;
use crate::ids::{ConversationId, MessageId, UserId};

/// A user's ntfy settings (the defaults when they set none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub ntfy_url: Option<String>,
    pub ntfy_token: Option<String>,
    pub show_content: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            ntfy_url: None,
            ntfy_token: None,
            show_content: true,
        }
    }
}

pub fn settings(conn: &Connection, user: UserId) -> Result<Settings, Error> {
    Ok(conn
        .row(
            "SELECT ntfy_url, ntfy_token, show_content FROM notify_settings WHERE user_id = ?1",
            [user.0],
            |r| {
                Ok(Settings {
                    ntfy_url: r.get(0)?,
                    ntfy_token: r.get(1)?,
                    show_content: r.get(2)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

pub fn set_settings(conn: &Connection, user: UserId, s: &Settings) -> Result<(), Error> {
    conn.exec(
        "INSERT INTO notify_settings (user_id, ntfy_url, ntfy_token, show_content)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id) DO UPDATE SET ntfy_url = excluded.ntfy_url,
           ntfy_token = excluded.ntfy_token, show_content = excluded.show_content",
        params![user.0, s.ntfy_url, s.ntfy_token, s.show_content],
    )?;
    Ok(())
}

/// A message past the notifier's mark.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: MessageId,
    pub conversation: ConversationId,
    pub sender: UserId,
    pub status: Status,
    /// As sent; [`MENTION_ALL`] alone for everyone.
    pub mentions: Vec<UserId>,
}

impl Pending {
    /// Whether it mentions `user` or everyone.
    pub fn mentions(&self, user: UserId) -> bool {
        self.mentions
            .iter()
            .any(|u| *u == user || *u == MENTION_ALL)
    }
}

/// Up to `limit` messages after the notifier's mark, oldest first.
pub fn pending(conn: &Connection, limit: u32) -> Result<Vec<Pending>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, conversation_id, sender_id, status, mentions FROM messages
         WHERE id > (SELECT upto FROM notify_state WHERE id = 1) ORDER BY id LIMIT ?1 + 0",
    )?;
    let rows = stmt.query_map([limit], |r| {
        let mentions: Option<Vec<i64>> = super::json_column(4, r.get(4)?)?;
        Ok(Pending {
            id: MessageId(r.get(0)?),
            conversation: ConversationId(r.get(1)?),
            sender: UserId(r.get(2)?),
            status: r.get(3)?,
            mentions: mentions
                .unwrap_or_default()
                .into_iter()
                .map(UserId)
                .collect(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Whether there is work for the notifier: messages past its mark, or (with `pending`)
/// deliveries waiting at all.
pub fn anything_to_do(conn: &Connection) -> Result<(bool, bool), Error> {
    Ok(conn.row(
        "SELECT EXISTS (SELECT 1 FROM messages
                        WHERE id > (SELECT upto FROM notify_state WHERE id = 1)),
                EXISTS (SELECT 1 FROM notify_deliveries)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// Moves the mark past every message stored now: loaded history (`chatd seed`) is never
/// notified, and a million seeded messages would otherwise keep the notifier writing for
/// minutes.
pub fn skip_history(conn: &Connection) -> Result<(), Error> {
    conn.exec(
        "UPDATE notify_state SET upto = max(upto, IFNULL((SELECT MAX(id) FROM messages), 0))
         WHERE id = 1",
        [],
    )?;
    Ok(())
}

pub fn advance(conn: &Connection, upto: MessageId) -> Result<(), Error> {
    conn.exec(
        "UPDATE notify_state SET upto = max(upto, ?1) WHERE id = 1",
        [upto.0],
    )?;
    Ok(())
}

/// A member who may be notified of a conversation's messages, with their devices.
#[derive(Debug)]
pub struct Recipient {
    pub user: UserId,
    pub muted: bool,
    /// They set an ntfy topic.
    pub ntfy: bool,
    /// Their push subscriptions.
    pub subscriptions: Vec<i64>,
}

/// The members of `conversation` with somewhere to notify.
pub fn recipients(
    conn: &Connection,
    conversation: ConversationId,
) -> Result<Vec<Recipient>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.user_id, m.is_muted, s.ntfy_url IS NOT NULL,
                (SELECT json_group_array(p.id) FROM push_subscriptions p
                 WHERE p.user_id = m.user_id)
         FROM members m LEFT JOIN notify_settings s ON s.user_id = m.user_id
         WHERE m.conversation_id = ?1
           AND (s.ntfy_url IS NOT NULL
                OR EXISTS (SELECT 1 FROM push_subscriptions p WHERE p.user_id = m.user_id))",
    )?;
    let rows = stmt.query_map([conversation.0], |r| {
        let subscriptions: Option<Vec<i64>> = super::json_column(3, r.get(3)?)?;
        Ok(Recipient {
            user: UserId(r.get(0)?),
            muted: r.get(1)?,
            ntfy: r.get(2)?,
            subscriptions: subscriptions.unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Where a delivery goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The user's ntfy topic.
    Ntfy,
    /// A push subscription (its id).
    WebPush(i64),
}

/// A notification still to be delivered.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub user: UserId,
    pub channel: Channel,
    pub conversation: ConversationId,
    pub message: MessageId,
    pub count: i64,
    pub mentioned: bool,
    pub attempts: i64,
    pub created_at: i64,
}

/// Queues (or folds into the one already waiting for that device and conversation) `count`
/// new messages up to `message`, due at `due_at` if new.
#[allow(clippy::too_many_arguments)]
pub fn queue(
    conn: &Connection,
    user: UserId,
    channel: Channel,
    conversation: ConversationId,
    message: MessageId,
    count: i64,
    mentioned: bool,
    due_at: i64,
    now: i64,
) -> Result<(), Error> {
    let (kind, target) = match channel {
        Channel::Ntfy => ("ntfy", user.0),
        Channel::WebPush(id) => ("webpush", id),
    };
    conn.prepare_cached(
        "INSERT INTO notify_deliveries (user_id, channel, target, conversation_id, message_id,
                                        count, mentioned, due_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (channel, target, conversation_id) DO UPDATE SET
           message_id = max(message_id, excluded.message_id),
           count = count + excluded.count,
           mentioned = mentioned OR excluded.mentioned",
    )?
    .execute(params![
        user.0,
        kind,
        target,
        conversation.0,
        message.0,
        count,
        mentioned,
        due_at,
        now
    ])?;
    Ok(())
}

/// Up to `limit` deliveries due by `now`, the oldest due first.
pub fn due(conn: &Connection, now: i64, limit: u32) -> Result<Vec<Delivery>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, user_id, channel, target, conversation_id, message_id, count, mentioned,
                attempts, created_at
         FROM notify_deliveries WHERE due_at <= ?1 ORDER BY due_at LIMIT ?2 + 0",
    )?;
    let rows = stmt.query_map(params![now, limit], |r| {
        let channel: String = r.get(2)?;
        let target: i64 = r.get(3)?;
        Ok(Delivery {
            id: r.get(0)?,
            user: UserId(r.get(1)?),
            channel: if channel == "ntfy" {
                Channel::Ntfy
            } else {
                Channel::WebPush(target)
            },
            conversation: ConversationId(r.get(4)?),
            message: MessageId(r.get(5)?),
            count: r.get(6)?,
            mentioned: r.get(7)?,
            attempts: r.get(8)?,
            created_at: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The delivery is done (or given up): messages folded into it meanwhile make a new one.
pub fn finish(conn: &Connection, id: i64) -> Result<(), Error> {
    conn.exec("DELETE FROM notify_deliveries WHERE id = ?1", [id])?;
    Ok(())
}

/// Tries again at `due_at`.
pub fn retry(conn: &Connection, id: i64, due_at: i64) -> Result<(), Error> {
    conn.exec(
        "UPDATE notify_deliveries SET attempts = attempts + 1, due_at = ?2 WHERE id = ?1",
        params![id, due_at],
    )?;
    Ok(())
}

/// Drops deliveries queued before `before`, and the oldest beyond `keep`; how many.
pub fn prune(conn: &Connection, before: i64, keep: i64) -> Result<usize, Error> {
    let old = conn.exec(
        "DELETE FROM notify_deliveries WHERE created_at < ?1",
        [before],
    )?;
    let over = conn.exec(
        "DELETE FROM notify_deliveries WHERE id IN (
           SELECT id FROM notify_deliveries ORDER BY created_at DESC LIMIT -1 OFFSET ?1 + 0)",
        [keep],
    )?;
    Ok(old + over)
}

/// A browser's push subscription.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

/// Keeps `user`'s subscription (an endpoint already known moves to them, with its new keys).
pub fn subscribe(conn: &Connection, user: UserId, s: &Subscription, now: i64) -> Result<(), Error> {
    conn.exec(
        "INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id,
           p256dh = excluded.p256dh, auth = excluded.auth",
        params![user.0, s.endpoint, s.p256dh, s.auth, now],
    )?;
    Ok(())
}

/// Forgets `user`'s subscription at `endpoint` and what waited for it; `false` if they had
/// none there.
pub fn unsubscribe(conn: &Connection, user: UserId, endpoint: &str) -> Result<bool, Error> {
    let id: Option<i64> = conn
        .row(
            "SELECT id FROM push_subscriptions WHERE user_id = ?1 AND endpoint = ?2",
            params![user.0, endpoint],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => {
            drop_subscription(conn, id)?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Deletes a subscription (the push service said it is gone) and its waiting deliveries.
pub fn drop_subscription(conn: &Connection, id: i64) -> Result<(), Error> {
    conn.exec(
        "DELETE FROM notify_deliveries WHERE channel = 'webpush' AND target = ?1",
        [id],
    )?;
    conn.exec("DELETE FROM push_subscriptions WHERE id = ?1", [id])?;
    Ok(())
}

pub fn subscription(conn: &Connection, id: i64) -> Result<Option<Subscription>, Error> {
    Ok(conn
        .row(
            "SELECT endpoint, p256dh, auth FROM push_subscriptions WHERE id = ?1",
            [id],
            |r| {
                Ok(Subscription {
                    endpoint: r.get(0)?,
                    p256dh: r.get(1)?,
                    auth: r.get(2)?,
                })
            },
        )
        .optional()?)
}
