-- Clear history for me (清空聊天记录) and remove a chat from the list (删除聊天), API.md §14.
-- cleared_upto: every message up to this id is hidden from this member (one number, however
-- many messages: see hidden_from! in src/db/mod.rs).
-- hidden: left out of this member's list until a message newer than cleared_upto arrives.
ALTER TABLE members ADD COLUMN cleared_upto INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
