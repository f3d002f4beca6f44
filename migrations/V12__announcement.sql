-- Group announcement (群公告, API.md §14): set by the owner, shown to every member; NULL when
-- there is none.
ALTER TABLE conversations ADD COLUMN announcement TEXT;
