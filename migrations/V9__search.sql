-- Message search (API.md §13): an FTS5 index of trigrams, so any substring of 3 or more
-- characters is found by the index whatever the language (Chinese has no spaces to split
-- words on). Shorter queries scan the caller's own conversations instead (db::search).
--
-- Contentless (`content = ''`): the index keeps no copy of any text, only its trigrams. A
-- row is removed with FTS5's 'delete' command, given the text it was indexed with (the
-- triggers below have it: the old row). With `secure-delete` on, that rewrites the index so
-- the removed trigrams leave it at once; with the connection's `secure_delete` pragma
-- zeroing freed pages, nothing of a recalled text remains in the file. (Not
-- `contentless_delete = 1`: it only marks rows deleted and keeps their trigrams.)
CREATE VIRTUAL TABLE message_search USING fts5(
    text,
    content = '',
    tokenize = 'trigram'
);
INSERT INTO message_search (message_search, rank) VALUES ('secure-delete', 1);

-- What finds a message: a text message's text, a file message's file name. Only normal
-- messages are in the index.
--
-- A new message is queued, and the writer adds the queue to the index once per group
-- commit, just before COMMIT (`db::search::index_queued`): the same transaction as the
-- send, but not inside each send's savepoint, where FTS5 would write a segment of its own
-- for every message. Recalling (status 0 → 1) or deleting a message takes it out of the
-- queue or the index in its own statement, whoever writes it (sends, recalls, the seed, a
-- deleted group).
CREATE TABLE message_search_queue (id INTEGER PRIMARY KEY);

CREATE TRIGGER message_search_add AFTER INSERT ON messages
WHEN new.status = 0 AND new.type IN ('text', 'file')
BEGIN
    INSERT INTO message_search_queue (id) VALUES (new.id);
END;

CREATE TRIGGER message_search_recall AFTER UPDATE OF status ON messages
WHEN old.status = 0 AND new.status != 0 AND old.type IN ('text', 'file')
BEGIN
    INSERT INTO message_search (message_search, rowid, text)
    SELECT 'delete', old.id, CASE old.type WHEN 'text' THEN old.content
                             ELSE (SELECT name FROM files WHERE id = old.file_id) END
    WHERE NOT EXISTS (SELECT 1 FROM message_search_queue WHERE id = old.id);
    DELETE FROM message_search_queue WHERE id = old.id;
END;

CREATE TRIGGER message_search_remove AFTER DELETE ON messages
WHEN old.status = 0 AND old.type IN ('text', 'file')
BEGIN
    INSERT INTO message_search (message_search, rowid, text)
    SELECT 'delete', old.id, CASE old.type WHEN 'text' THEN old.content
                             ELSE (SELECT name FROM files WHERE id = old.file_id) END
    WHERE NOT EXISTS (SELECT 1 FROM message_search_queue WHERE id = old.id);
    DELETE FROM message_search_queue WHERE id = old.id;
END;

-- The messages already stored.
INSERT INTO message_search (rowid, text)
SELECT x.id, CASE x.type WHEN 'text' THEN x.content ELSE f.name END
FROM messages x LEFT JOIN files f ON f.id = x.file_id
WHERE x.status = 0 AND x.type IN ('text', 'file');
