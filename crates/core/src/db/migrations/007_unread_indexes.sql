-- Version 7: counting urgent unread notices without reading messages.
-- Append-only. (The owner's own messages get a partial index when the
-- account is known: `mirror::prepare_for_owner`.)
CREATE INDEX messages_urgent ON messages (conversation_id, seq) WHERE kind = 'urgent';
