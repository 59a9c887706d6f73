-- Candor's local mirror, version 1. Append-only: never edit a released migration.

-- The signed-in account this mirror belongs to (one per mirror file).
CREATE TABLE account (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    server_url   TEXT NOT NULL,
    user_id      INTEGER NOT NULL,
    handle       TEXT NOT NULL,
    server_key   TEXT NOT NULL,
    device_name  TEXT NOT NULL,
    signed_in    INTEGER NOT NULL DEFAULT 1
) STRICT;

-- The feed cursor: every event up to it is applied.
CREATE TABLE sync_state (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    cursor INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO sync_state (id, cursor) VALUES (1, 0);

CREATE TABLE profiles (
    user_id      INTEGER PRIMARY KEY,
    handle       TEXT NOT NULL,
    display_name TEXT NOT NULL,
    headline     TEXT NOT NULL DEFAULT '',
    phone        TEXT
) STRICT;

CREATE TABLE connections (
    peer       INTEGER PRIMARY KEY REFERENCES profiles(user_id),
    state      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE conversations (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    created_by      INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    last_seq        INTEGER NOT NULL DEFAULT 0,
    last_message_id INTEGER,
    last_activity   INTEGER NOT NULL,
    -- Hash of the newest message applied (the genesis hash before any).
    head_hash       BLOB NOT NULL
) STRICT;
CREATE INDEX conversations_by_activity ON conversations(last_activity DESC);

CREATE TABLE members (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    user_id         INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE messages (
    id                  INTEGER PRIMARY KEY,
    conversation_id     INTEGER NOT NULL,
    seq                 INTEGER NOT NULL,
    sender              INTEGER NOT NULL,
    client_id           BLOB NOT NULL,
    server_time         INTEGER NOT NULL,
    kind                TEXT NOT NULL,
    reference           INTEGER,
    body                TEXT NOT NULL,
    what_was_wrong      TEXT,
    correct_information TEXT,
    chain_hash          BLOB NOT NULL,
    signature           BLOB NOT NULL,
    -- 1 when its link in the chain verified on arrival.
    verified            INTEGER NOT NULL DEFAULT 0,
    UNIQUE (conversation_id, seq)
) STRICT;
CREATE INDEX messages_by_reference ON messages(reference) WHERE reference IS NOT NULL;

-- Delivered messages are permanent here too.
CREATE TRIGGER messages_no_update BEFORE UPDATE ON messages
BEGIN SELECT RAISE(ABORT, 'messages are append-only'); END;
CREATE TRIGGER messages_no_delete BEFORE DELETE ON messages
BEGIN SELECT RAISE(ABORT, 'messages are append-only'); END;

-- Full-text index over folded message text; rowid = message id. Contentless:
-- the text lives once, in `messages`.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    body,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TABLE receipts (
    conversation_id INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    delivered_up_to INTEGER NOT NULL DEFAULT 0,
    read_up_to      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, user_id)
) STRICT, WITHOUT ROWID;

-- Everything waiting to reach the server, oldest first.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    client_id        BLOB NOT NULL UNIQUE,
    conversation_id  INTEGER NOT NULL,
    request          TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('held', 'ready', 'sending', 'sent', 'failed')),
    created_at       INTEGER NOT NULL,
    hold_until       INTEGER NOT NULL DEFAULT 0,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL DEFAULT 0,
    error_code       TEXT,
    error_message    TEXT,
    message_id       INTEGER
) STRICT;

-- Receipts to tell the server, coalesced per conversation.
CREATE TABLE pending_receipts (
    conversation_id INTEGER PRIMARY KEY,
    delivered_up_to INTEGER NOT NULL DEFAULT 0,
    read_up_to      INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE integrity_alarms (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    message_id      INTEGER,
    reason          TEXT NOT NULL,
    detected_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX integrity_alarms_by_conversation ON integrity_alarms(conversation_id);

-- Small local preferences (drafts, settings) as key → JSON.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
