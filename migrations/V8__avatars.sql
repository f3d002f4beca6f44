-- Avatars (API.md §12 "Avatars"): a user's and a group's picture is one of their uploads
-- (an image with a thumbnail). An upload referenced here is neither an orphan nor erased
-- while in use (files.release looks here too).
ALTER TABLE users ADD COLUMN avatar_file_id INTEGER REFERENCES files (id);
ALTER TABLE conversations ADD COLUMN avatar_file_id INTEGER REFERENCES files (id);
CREATE INDEX users_by_avatar ON users (avatar_file_id) WHERE avatar_file_id IS NOT NULL;
CREATE INDEX conversations_by_avatar ON conversations (avatar_file_id)
    WHERE avatar_file_id IS NOT NULL;
