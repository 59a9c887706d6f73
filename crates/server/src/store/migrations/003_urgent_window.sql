-- Candor server schema, version 3. Append-only: never edit a released migration.

-- The urgent-notice limit counts a sender's urgent messages in a conversation
-- within the last hour on every urgent send; this partial index holds only
-- urgent messages, so that count never scans a sender's whole history.
CREATE INDEX messages_urgent ON messages(conversation_id, sender, server_time)
    WHERE kind = 'urgent';
