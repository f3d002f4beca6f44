-- Unread counts kept per member instead of counted on every list request: counting made
-- the conversation list cost grow with the number of unread messages (a user with 1,000
-- conversations of 666 unread messages each waited 100+ ms). Maintained in the same
-- transactions as the changes that move them (send, recall, delete for me, read marker).
ALTER TABLE members ADD COLUMN unread_count INTEGER NOT NULL DEFAULT 0;

UPDATE members SET unread_count = (
    SELECT COUNT(*) FROM messages x
    WHERE x.conversation_id = members.conversation_id
      AND x.id > members.last_read_id
      AND x.status = 0
      AND x.sender_id != members.user_id
      AND NOT EXISTS (SELECT 1 FROM deleted_messages d
                      WHERE d.user_id = members.user_id AND d.message_id = x.id)
);
