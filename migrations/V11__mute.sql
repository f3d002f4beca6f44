-- Mute (消息免打扰, API.md §14): per member, like pins. Unread counts still count; a muted
-- conversation notifies only for mentions (§15).
ALTER TABLE members ADD COLUMN is_muted INTEGER NOT NULL DEFAULT 0;
