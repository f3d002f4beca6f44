-- Operators can disable an account (`chatd user disable`): it cannot log in and its tokens
-- stop working; its messages stay.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;

-- Bumped by every command-line change to accounts, so a running server notices them.
INSERT OR IGNORE INTO meta (key, value) VALUES ('auth_epoch', 0);
