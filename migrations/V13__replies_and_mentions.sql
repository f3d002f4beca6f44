-- Quote-reply and @mentions (API.md §14).
-- reply_to: the quoted message, of the same conversation (rendered per viewer when read).
-- mentions: as sent, a JSON array of user ids, [0] for "all"; NULL when none.
ALTER TABLE messages ADD COLUMN reply_to INTEGER;
ALTER TABLE messages ADD COLUMN mentions TEXT;

-- Who each message mentions (user_id 0: everyone), so a list item's "mentioned" is one index
-- range past the member's read marker. Rows go with their message.
CREATE TABLE mentions (
    conversation_id INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    message_id      INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id, message_id)
) WITHOUT ROWID;
CREATE INDEX mentions_by_message ON mentions (message_id);

CREATE TRIGGER mentions_go_with_their_message AFTER DELETE ON messages
WHEN old.mentions IS NOT NULL BEGIN
    DELETE FROM mentions WHERE message_id = old.id;
END;
