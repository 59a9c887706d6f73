-- Version 5: blocks, unblocks and reports made while the server could not
-- be reached wait here until it acknowledges them. Append-only.
--
-- The local effect is immediate: a queued block is already in `blocks`, a
-- queued unblock already removed from it; the feed cannot undo either while
-- the action waits (`safety::apply_block` skips people with a queued
-- action). A report waits with its evidence already resolved from the
-- mirror (`request` is the JSON of `candor_proto::ReportRequest`, with the
-- client id the server deduplicates on, so a resend never files it twice).
-- `sending` marks the one on the wire: it can no longer be withdrawn, and
-- after a crash it is simply sent again.
CREATE TABLE safety_outbox (
    id            INTEGER PRIMARY KEY,
    action        TEXT NOT NULL CHECK (action IN ('block', 'unblock', 'report')),
    user_id       INTEGER NOT NULL,
    request       TEXT,
    state         TEXT NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'sending', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    error_code    TEXT,
    error_message TEXT,
    queued_at     INTEGER NOT NULL,
    CHECK ((action = 'report') = (request IS NOT NULL))
) STRICT;

CREATE INDEX safety_outbox_user ON safety_outbox (user_id);
