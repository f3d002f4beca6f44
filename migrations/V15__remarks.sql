-- Remarks (备注, API.md §14): the name user_id gives friend_id, shown to user_id only in
-- place of the friend's display name. NULL when none. Ends with the friendship.
ALTER TABLE friendships ADD COLUMN remark TEXT;
