-- A client_msg_id is scoped to its conversation (issue 12): the same id sent into another
-- conversation is a new message, and a retry only ever answers with a message of the
-- conversation it was sent to. Every existing row satisfies the new index, since the old
-- one (per sender) was stricter.
DROP INDEX messages_client_msg_id;
CREATE UNIQUE INDEX messages_client_msg_id
    ON messages (conversation_id, sender_id, client_msg_id)
    WHERE client_msg_id IS NOT NULL;
