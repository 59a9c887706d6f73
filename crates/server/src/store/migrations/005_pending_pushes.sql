-- Candor server schema, version 5: live pushes of feed events written by
-- another process. Append-only: never edit a released migration.

-- The `admin` command writes the database beside a running server but cannot
-- reach its memory, so the feed events it appends (a report's new status, a
-- notice to the reported account) would reach their users only at their next
-- catch-up. Its connection queues each of them here, in the transaction that
-- appends it (a TEMP trigger on that connection only: see
-- `SqliteStore::open_external`); the running server takes the queue every
-- `REVOCATION_POLL`, pushes the events to live connections and deletes the
-- rows in one transaction. The server's own writes never land here: it
-- pushes those itself, at once. Empty but for the few rows written since the
-- last poll, so that poll reads next to nothing.
CREATE TABLE pending_pushes (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    FOREIGN KEY (user_id, seq) REFERENCES feed(user_id, seq)
) STRICT;
