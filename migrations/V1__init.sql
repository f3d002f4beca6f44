-- chatd schema, version 1. Times are milliseconds since the Unix epoch (UTC); ids are
-- INTEGER PRIMARY KEYs shown to clients with a type prefix (u_, c_, m_, r_).

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    -- ASCII-only usernames, so NOCASE gives "unique ignoring case" exactly.
    username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    -- Bumped by a password change: tokens carry the generation they were issued under.
    token_gen     INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

-- Logged-out tokens until they would have expired anyway.
CREATE TABLE revoked_tokens (
    jti        TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);

-- Friendship is stored in both directions, so "friends of X" is one index range.
CREATE TABLE friendships (
    user_id   INTEGER NOT NULL REFERENCES users (id),
    friend_id INTEGER NOT NULL REFERENCES users (id),
    since     INTEGER NOT NULL,
    PRIMARY KEY (user_id, friend_id)
) WITHOUT ROWID;

-- status: 0 pending, 1 accepted, 2 rejected.
CREATE TABLE friend_requests (
    id         INTEGER PRIMARY KEY,
    from_id    INTEGER NOT NULL REFERENCES users (id),
    to_id      INTEGER NOT NULL REFERENCES users (id),
    message    TEXT    NOT NULL DEFAULT '',
    status     INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX friend_requests_pending_pair ON friend_requests (from_id, to_id) WHERE status = 0;
CREATE INDEX friend_requests_pending_to ON friend_requests (to_id) WHERE status = 0;

-- kind: 'private' or 'group'. private_pair ("small:large" user ids) makes the private chat
-- of a pair unique.
CREATE TABLE conversations (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('private', 'group')),
    name         TEXT,
    private_pair TEXT    UNIQUE,
    created_at   INTEGER NOT NULL
);

-- Current members only. last_read_id only grows (enforced in SQL with max()).
CREATE TABLE members (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    user_id         INTEGER NOT NULL REFERENCES users (id),
    role            TEXT    NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'member')),
    is_pinned       INTEGER NOT NULL DEFAULT 0,
    last_read_id    INTEGER NOT NULL DEFAULT 0,
    joined_at       INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX members_by_user ON members (user_id, conversation_id);

-- status: 0 normal, 1 recalled (content erased), 2 system (an action, rendered per viewer).
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    sender_id       INTEGER NOT NULL REFERENCES users (id),
    content         TEXT    NOT NULL,
    status          INTEGER NOT NULL CHECK (status IN (0, 1, 2)),
    -- System messages: the action, its target user ids (JSON array) and a name.
    action          TEXT,
    action_targets  TEXT,
    action_name     TEXT,
    client_msg_id   TEXT,
    created_at      INTEGER NOT NULL
);
-- Pages, the newest message and unread counts of a conversation are all ranges of this.
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);
-- client_msg_id retries are deduplicated per sender.
CREATE UNIQUE INDEX messages_client_msg_id ON messages (sender_id, client_msg_id)
    WHERE client_msg_id IS NOT NULL;

-- "Delete for me".
CREATE TABLE deleted_messages (
    user_id    INTEGER NOT NULL REFERENCES users (id),
    message_id INTEGER NOT NULL REFERENCES messages (id),
    PRIMARY KEY (user_id, message_id)
) WITHOUT ROWID;

-- Which `chatd seed` data sets were loaded, so seeding twice adds nothing twice.
CREATE TABLE seed_marks (
    name      TEXT    PRIMARY KEY,
    loaded_at INTEGER NOT NULL
) WITHOUT ROWID;
