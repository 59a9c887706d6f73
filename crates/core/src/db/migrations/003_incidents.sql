-- Version 3: guided damage control. Append-only: never edit a released migration.

-- Your incidents (one per message that went wrong). `data` is the JSON of
-- `incident::Incident`; `version` grows with every change and is what the
-- server orders writes by. `dirty` = 1 while a local change has not been
-- acknowledged by the server (the outbox pushes it).
CREATE TABLE incidents (
    id         BLOB PRIMARY KEY,
    version    INTEGER NOT NULL,
    data       TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    dirty      INTEGER NOT NULL DEFAULT 0
) STRICT;

-- "Remind me in N minutes if it is still unread": local only.
CREATE TABLE reminders (
    id              INTEGER PRIMARY KEY,
    incident_id     BLOB,
    conversation_id INTEGER NOT NULL,
    message_id      INTEGER NOT NULL,
    due_at          INTEGER NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'fired', 'dropped'))
) STRICT;
CREATE INDEX reminders_pending ON reminders(due_at) WHERE state = 'pending';

-- Urgent notices from others that repeat their notification until read.
CREATE TABLE urgent_alerts (
    message_id      INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    first_at        INTEGER NOT NULL,
    last_at         INTEGER NOT NULL,
    count           INTEGER NOT NULL DEFAULT 1,
    done            INTEGER NOT NULL DEFAULT 0
) STRICT;
