-- Candor server schema, version 4: blocks, reports and moderation.
-- Append-only: never edit a released migration.

-- A connection can now end because one person blocked the other ('removed').
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt
-- with its rows (nothing refers to it).
CREATE TABLE connections_v4 (
    user_low    INTEGER NOT NULL REFERENCES users(id),
    user_high   INTEGER NOT NULL REFERENCES users(id),
    inviter     INTEGER NOT NULL REFERENCES users(id),
    state       TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'declined', 'removed')),
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (user_low, user_high),
    CHECK (user_low < user_high)
) STRICT, WITHOUT ROWID;
INSERT INTO connections_v4 (user_low, user_high, inviter, state, updated_at)
    SELECT user_low, user_high, inviter, state, updated_at FROM connections;
DROP TABLE connections;
ALTER TABLE connections_v4 RENAME TO connections;
CREATE INDEX connections_by_high ON connections(user_high);

-- Moderation state of an account. Times are ms since the epoch; a past
-- value is history, not a restriction.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user'
    CHECK (role IN ('user', 'moderator'));
ALTER TABLE users ADD COLUMN restricted_until INTEGER;
ALTER TABLE users ADD COLUMN suspended_until INTEGER;

-- The running server looks for sessions revoked by another process (the
-- `admin` command) every few seconds; this keeps that look small.
CREATE INDEX sessions_revoked ON sessions(revoked_at) WHERE revoked_at IS NOT NULL;

-- Who blocks whom. Unblocking deletes the row.
CREATE TABLE blocks (
    blocker    INTEGER NOT NULL REFERENCES users(id),
    blocked    INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (blocker, blocked),
    CHECK (blocker != blocked)
) STRICT, WITHOUT ROWID;
CREATE INDEX blocks_by_blocked ON blocks(blocked, blocker);

CREATE TABLE reports (
    id              INTEGER PRIMARY KEY,
    reporter        INTEGER NOT NULL REFERENCES users(id),
    client_id       BLOB NOT NULL CHECK (length(client_id) = 16),
    reported        INTEGER NOT NULL REFERENCES users(id),
    category        TEXT NOT NULL,
    description     TEXT NOT NULL,
    conversation_id INTEGER REFERENCES conversations(id),
    status          TEXT NOT NULL
        CHECK (status IN ('received', 'under_review', 'action_taken', 'dismissed')),
    outcome         TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (reporter, client_id),
    CHECK (reporter != reported)
) STRICT;
-- The per-reporter limit counts a reporter's reports of the last day.
CREATE INDEX reports_by_reporter ON reports(reporter, created_at);
CREATE INDEX reports_by_reported ON reports(reported);
CREATE INDEX reports_by_status ON reports(status);

-- Each evidence message as the server recorded it when the report was filed,
-- and whether its chain link and signature re-verified. Evidence is never
-- changed or removed.
CREATE TABLE report_evidence (
    report_id  INTEGER NOT NULL REFERENCES reports(id),
    position   INTEGER NOT NULL,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    chain_hash BLOB NOT NULL,
    signature  BLOB NOT NULL,
    verified   INTEGER NOT NULL CHECK (verified IN (0, 1)),
    PRIMARY KEY (report_id, position),
    UNIQUE (report_id, message_id)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER report_evidence_no_update BEFORE UPDATE ON report_evidence
BEGIN SELECT RAISE(ABORT, 'report evidence is append-only'); END;
CREATE TRIGGER report_evidence_no_delete BEFORE DELETE ON report_evidence
BEGIN SELECT RAISE(ABORT, 'report evidence is append-only'); END;

-- The audit record of every moderation action. Append-only: the database
-- refuses to change or remove a row, whoever asks.
CREATE TABLE moderation_actions (
    id           INTEGER PRIMARY KEY,
    report_id    INTEGER NOT NULL REFERENCES reports(id),
    target       INTEGER NOT NULL REFERENCES users(id),
    -- The moderator's account; NULL for the `admin` command without --moderator.
    moderator_id INTEGER REFERENCES users(id),
    -- 'cli' or the moderator's handle at the time.
    moderator    TEXT NOT NULL,
    via          TEXT NOT NULL CHECK (via IN ('api', 'cli')),
    -- The ModerationAction as JSON, e.g. {"action":"restrict","days":7}.
    action       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    until        INTEGER,
    created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX moderation_actions_by_target ON moderation_actions(target);
CREATE TRIGGER moderation_actions_no_update BEFORE UPDATE ON moderation_actions
BEGIN SELECT RAISE(ABORT, 'moderation actions are append-only'); END;
CREATE TRIGGER moderation_actions_no_delete BEFORE DELETE ON moderation_actions
BEGIN SELECT RAISE(ABORT, 'moderation actions are append-only'); END;
