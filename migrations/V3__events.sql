-- Real-time events (API.md §8), one row per receiving user, written in the same transaction
-- as the change that causes them. AUTOINCREMENT: ids only ever grow, even after pruning
-- every row. What an event shows is rendered from current state when it is delivered, so a
-- recalled message's text can never come back through a replay.
CREATE TABLE events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    conversation_id INTEGER,
    message_id      INTEGER,
    data            TEXT,
    created_at      INTEGER NOT NULL
);
-- Replay and live delivery: one user's events after an id.
CREATE INDEX events_by_user ON events (user_id, id);
-- Pruning by age.
CREATE INDEX events_by_time ON events (created_at);

-- Small settings the server keeps for itself, e.g. the newest pruned event id.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
