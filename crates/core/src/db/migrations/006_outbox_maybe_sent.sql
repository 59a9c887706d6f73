-- Version 6: a message whose sending failed in a way that leaves open
-- whether the server got it (a lost answer, a 5xx) can no longer be
-- cancelled: it may already be delivered, and permanent. Append-only.
ALTER TABLE outbox ADD COLUMN maybe_sent INTEGER NOT NULL DEFAULT 0 CHECK (maybe_sent IN (0, 1));
