-- Facts the conversation list shows for every row, kept on the conversation instead of being
-- counted or searched for per row on each read (issue 20: the list of 1,000 conversations).
-- Triggers keep them, so no write path can forget one.
-- member_count: the rows of `members` for this conversation.
-- last_message_id: the newest message id of the conversation (NULL when it has none), the
-- list's preview for every member who has not deleted or cleared it.
ALTER TABLE conversations ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN last_message_id INTEGER;
UPDATE conversations SET
    member_count = (SELECT COUNT(*) FROM members m WHERE m.conversation_id = conversations.id),
    last_message_id = (SELECT MAX(x.id) FROM messages x
                       WHERE x.conversation_id = conversations.id);

CREATE TRIGGER member_count_up AFTER INSERT ON members BEGIN
    UPDATE conversations SET member_count = member_count + 1 WHERE id = new.conversation_id;
END;
CREATE TRIGGER member_count_down AFTER DELETE ON members BEGIN
    UPDATE conversations SET member_count = member_count - 1 WHERE id = old.conversation_id;
END;
CREATE TRIGGER last_message_follows_inserts AFTER INSERT ON messages BEGIN
    UPDATE conversations SET last_message_id = new.id
    WHERE id = new.conversation_id AND IFNULL(last_message_id, 0) < new.id;
END;
-- Deleting the newest (a group's messages go when its last member leaves) falls back to the
-- one before it.
CREATE TRIGGER last_message_follows_deletes AFTER DELETE ON messages
WHEN old.id = (SELECT last_message_id FROM conversations WHERE id = old.conversation_id) BEGIN
    UPDATE conversations SET last_message_id =
        (SELECT MAX(x.id) FROM messages x WHERE x.conversation_id = old.conversation_id)
    WHERE id = old.conversation_id;
END;
