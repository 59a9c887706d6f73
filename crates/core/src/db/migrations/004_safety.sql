-- Version 4: blocking, reports and moderators' notices. Append-only.

-- People you block (kept from your feed; the other person is never told).
CREATE TABLE blocks (
    user_id    INTEGER PRIMARY KEY,
    blocked_at INTEGER NOT NULL
) STRICT;

-- Reports you made, as the server last told their status. `data` is the
-- JSON of `candor_proto::ReportView`.
CREATE TABLE reports (
    id         INTEGER PRIMARY KEY,
    data       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Moderators' notices to you (warnings, restrictions, suspensions).
CREATE TABLE notices (
    id   INTEGER PRIMARY KEY,
    data TEXT NOT NULL,
    at   INTEGER NOT NULL
) STRICT;
