-- Deleting an emptied group removes its messages; foreign-key checks and the cleanup of
-- "delete for me" rows look messages up from this side.
CREATE INDEX deleted_messages_by_message ON deleted_messages (message_id);
