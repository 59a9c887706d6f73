-- Version 5: blocks, unblocks and reports made while the server could not
-- be reached wait here until it acknowledges them. Append-only.
--
-- `blocks` keeps what the server says (from the feed and its answers); the
-- device's view, `effective_blocks`, lays the newest waiting intent for each
-- person over it, so a queued block applies at once and the server's truth
-- is never lost while it waits. A report waits with its evidence already
-- resolved from the mirror (`request` is the JSON of
-- `candor_proto::ReportRequest`, with the client id the server deduplicates
-- on, so a resend never files it twice). `sending` marks the one on the
-- wire: it can no longer be withdrawn, and after a crash it is sent again.
-- `maybe_sent` is set when a try failed in a way that leaves open whether
-- the server got it (a lost answer, a 5xx): such a row is never cancelled
-- silently, only followed by the opposite action.
CREATE TABLE safety_outbox (
    id            INTEGER PRIMARY KEY,
    action        TEXT NOT NULL CHECK (action IN ('block', 'unblock', 'report')),
    user_id       INTEGER NOT NULL,
    request       TEXT,
    state         TEXT NOT NULL DEFAULT 'ready' CHECK (state IN ('ready', 'sending', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    maybe_sent    INTEGER NOT NULL DEFAULT 0 CHECK (maybe_sent IN (0, 1)),
    error_code    TEXT,
    error_message TEXT,
    queued_at     INTEGER NOT NULL,
    -- Whether it decides if the person is blocked, and which way.
    sets_block    INTEGER CHECK (sets_block IN (0, 1)),
    CHECK ((action = 'report') = (request IS NOT NULL))
) STRICT;

CREATE INDEX safety_outbox_user ON safety_outbox (user_id);

-- For each person, the newest waiting action that decides whether they are
-- blocked.
CREATE VIEW block_intents AS
SELECT s.user_id, s.sets_block AS blocked, s.queued_at, s.id
FROM safety_outbox s
WHERE s.state <> 'failed' AND s.sets_block IS NOT NULL
  AND s.id = (SELECT MAX(t.id) FROM safety_outbox t
              WHERE t.user_id = s.user_id AND t.state <> 'failed' AND t.sets_block IS NOT NULL);

-- Whom this device treats as blocked: the server's blocks, unless a waiting
-- action says otherwise (`pending` = 1 for those not yet on the server).
CREATE VIEW effective_blocks AS
SELECT b.user_id, b.blocked_at, 0 AS pending
FROM blocks b
WHERE NOT EXISTS (SELECT 1 FROM block_intents i WHERE i.user_id = b.user_id)
UNION ALL
SELECT i.user_id, i.queued_at, 1 AS pending
FROM block_intents i
WHERE i.blocked = 1;
