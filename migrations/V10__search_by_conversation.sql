-- Message search, second form (API.md §13). V9's index answered 3+ character queries, but
-- a search across all of a user's conversations had to look every match up in `messages` to
-- learn its conversation, and 1–2 character queries scanned every message. Both indexes
-- below know the conversation of each entry, so a search reads only index entries, and
-- stops per conversation once it has what the answer needs (the newest match, 100 matches).
--
-- * `message_search`: the trigrams of each text (any substring of 3+ characters, in any
--   script), as in V9, but keyed by `(conversation_id << 36) | id`: one conversation's
--   entries are one range of keys, newest last. (2^36 messages and 2^27 conversations.)
-- * `message_grams`: each distinct character and each distinct pair of adjacent characters,
--   case-folded, as a term of their own per conversation (`search_grams()`, a function chatd
--   defines on each of its connections: `12x` + the UTF-8 in hex), keyed by message id. A
--   1–2 character query is one term. `detail = none`: only which messages hold a term.
--
-- Both are contentless (no copy of any text) and keep no sizes (`columnsize = 0`: nothing
-- here ranks by them, and sending would pay a row per message for each). A row is removed with FTS5's 'delete'
-- command, given what it was indexed with (the triggers below recompute it from the old
-- row). `secure-delete` rewrites the index so the removed terms leave it at once; with the
-- connection's `secure_delete` pragma zeroing freed pages, nothing of a recalled text stays
-- in the file.
--
-- What finds a message: a text message's text, a file message's file name. Only normal
-- messages are in the indexes.
DROP TRIGGER message_search_add;
DROP TRIGGER message_search_recall;
DROP TRIGGER message_search_remove;
DROP TABLE message_search;
DROP TABLE message_search_queue;

CREATE VIRTUAL TABLE message_search USING fts5(
    text,
    content = '',
    columnsize = 0,
    tokenize = 'trigram'
);
INSERT INTO message_search (message_search, rank) VALUES ('secure-delete', 1);

CREATE VIRTUAL TABLE message_grams USING fts5(
    grams,
    content = '',
    detail = 'none',
    columnsize = 0,
    tokenize = 'ascii'
);
INSERT INTO message_grams (message_grams, rank) VALUES ('secure-delete', 1);

-- New messages reach the indexes in batches (`db::search::index_queued`, in a transaction
-- with the sends of that moment): FTS5 writes a new segment at every commit, so indexing
-- each group commit on its own cost sending a third of its throughput. The messages not yet
-- indexed are those after `indexed_upto` (ids only grow; see the delete trigger), and every
-- search reads them too, so a committed message is found at once. Sending itself runs no
-- trigger. Recalling (status 0 → 1) or deleting an indexed message takes it out of the
-- indexes in the same statement, whoever writes it.
CREATE TABLE message_search_state (indexed_upto INTEGER NOT NULL);
INSERT INTO message_search_state (indexed_upto) SELECT IFNULL(MAX(id), 0) FROM messages;

CREATE TRIGGER message_search_recall AFTER UPDATE OF status ON messages
WHEN old.status = 0 AND new.status != 0 AND old.type IN ('text', 'file')
     AND old.id <= (SELECT indexed_upto FROM message_search_state)
BEGIN
    INSERT INTO message_search (message_search, rowid, text)
    SELECT 'delete', (old.conversation_id << 36) | old.id, t.found
    FROM (SELECT CASE old.type WHEN 'text' THEN old.content
                 ELSE (SELECT name FROM files WHERE id = old.file_id) END AS found) t;
    INSERT INTO message_grams (message_grams, rowid, grams)
    SELECT 'delete', old.id, search_grams(old.conversation_id, t.found)
    FROM (SELECT CASE old.type WHEN 'text' THEN old.content
                 ELSE (SELECT name FROM files WHERE id = old.file_id) END AS found) t;
END;

-- Deleting: out of the indexes if indexed. And without AUTOINCREMENT, SQLite gives a new
-- row the largest id + 1: once the newest messages are deleted (a group's, when its last
-- member leaves), their ids come again, so the mark steps back for those to be indexed.
-- (One trigger: SQLite runs several in no order to rely on.)
CREATE TRIGGER message_search_remove AFTER DELETE ON messages
WHEN old.id <= (SELECT indexed_upto FROM message_search_state)
BEGIN
    INSERT INTO message_search (message_search, rowid, text)
    SELECT 'delete', (old.conversation_id << 36) | old.id, t.found
    FROM (SELECT CASE old.type WHEN 'text' THEN old.content
                 ELSE (SELECT name FROM files WHERE id = old.file_id) END AS found) t
    WHERE old.status = 0 AND old.type IN ('text', 'file');
    INSERT INTO message_grams (message_grams, rowid, grams)
    SELECT 'delete', old.id, search_grams(old.conversation_id, t.found)
    FROM (SELECT CASE old.type WHEN 'text' THEN old.content
                 ELSE (SELECT name FROM files WHERE id = old.file_id) END AS found) t
    WHERE old.status = 0 AND old.type IN ('text', 'file');
    UPDATE message_search_state
    SET indexed_upto = MIN(indexed_upto, IFNULL((SELECT MAX(id) FROM messages), 0));
END;

-- The messages already stored, each index in its key order (FTS5 writes a segment whenever
-- a key comes out of order).
INSERT INTO message_search (rowid, text)
SELECT (x.conversation_id << 36) | x.id, CASE x.type WHEN 'text' THEN x.content ELSE f.name END
FROM messages x LEFT JOIN files f ON f.id = x.file_id
WHERE x.status = 0 AND x.type IN ('text', 'file')
ORDER BY x.conversation_id, x.id;

INSERT INTO message_grams (rowid, grams)
SELECT x.id, search_grams(x.conversation_id, CASE x.type WHEN 'text' THEN x.content ELSE f.name END)
FROM messages x LEFT JOIN files f ON f.id = x.file_id
WHERE x.status = 0 AND x.type IN ('text', 'file')
ORDER BY x.id;

-- From here on FTS5 does not merge segments as it writes them: the writer merges when idle
-- (`db::search::merge_step`), so sending does not pay for it.
INSERT INTO message_search (message_search, rank) VALUES ('automerge', 0);
INSERT INTO message_grams (message_grams, rank) VALUES ('automerge', 0);
