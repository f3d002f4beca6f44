-- An event for every member of a conversation (a message, a recall, a rename…) is stored
-- once, with user_id 0, instead of once per member (issue 20, event bursts). A message into
-- a group of 500 used to write 500 rows at 500 places of events_by_user (each member's own
-- range), which at scale dirtied some 500 index pages per commit; now it is one row.
-- A member receives such an event if they joined before it: joined_event is the newest
-- event id when their members row was made (a trigger sets it, so every path that adds a
-- member agrees), and a replay or the live dispatcher joins the conversation's events to
-- the current members.
ALTER TABLE members ADD COLUMN joined_event INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER members_joined_event AFTER INSERT ON members BEGIN
    UPDATE members SET joined_event = IFNULL((SELECT MAX(id) FROM events), 0)
    WHERE conversation_id = new.conversation_id AND user_id = new.user_id;
END;
CREATE INDEX events_by_conversation ON events (conversation_id, id) WHERE user_id = 0;
