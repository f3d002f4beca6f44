-- Notifications (API.md §15).

-- ntfy, per user: the topic URL, an optional access token, whether texts are shown.
CREATE TABLE notify_settings (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id),
    ntfy_url     TEXT,
    ntfy_token   TEXT,
    show_content INTEGER NOT NULL DEFAULT 1
);

-- Web Push subscriptions, one per browser.
CREATE TABLE push_subscriptions (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    endpoint   TEXT    NOT NULL UNIQUE,
    p256dh     TEXT    NOT NULL,
    auth       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX push_subscriptions_by_user ON push_subscriptions (user_id);

-- The outbox is the messages table itself past this mark: a send writes nothing more, and
-- the notifier reads what came after it (in its own transactions), so nothing sent is
-- forgotten across a restart. Messages already stored when this version first starts are
-- not notified.
CREATE TABLE notify_state (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    upto INTEGER NOT NULL
);
INSERT INTO notify_state (id, upto) SELECT 1, IFNULL(MAX(id), 0) FROM messages;

-- SQLite reuses the ids of the newest messages once they are deleted (a group whose last
-- member left): step the mark back so new messages with those ids are still notified.
CREATE TRIGGER notify_mark_follows_deletes AFTER DELETE ON messages
WHEN old.id <= (SELECT upto FROM notify_state WHERE id = 1) BEGIN
    UPDATE notify_state SET upto = IFNULL((SELECT MAX(id) FROM messages), 0)
    WHERE id = 1 AND upto > IFNULL((SELECT MAX(id) FROM messages), 0);
END;

-- What is still to be delivered: one row per device (an ntfy topic, target = the user; or a
-- push subscription, target = its id) and conversation. Messages arriving before it goes
-- out fold into it (the newest message and a count), so a burst makes one notification.
CREATE TABLE notify_deliveries (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL,
    channel         TEXT    NOT NULL CHECK (channel IN ('ntfy', 'webpush')),
    target          INTEGER NOT NULL,
    conversation_id INTEGER NOT NULL,
    message_id      INTEGER NOT NULL,
    count           INTEGER NOT NULL DEFAULT 1,
    mentioned       INTEGER NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0,
    due_at          INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (channel, target, conversation_id)
);
CREATE INDEX notify_deliveries_by_due ON notify_deliveries (due_at);
