-- Candor server schema, version 1. Append-only: never edit a released migration.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    handle        TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    headline      TEXT NOT NULL DEFAULT '',
    phone         TEXT,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    token_hash   BLOB NOT NULL UNIQUE,
    device_name  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    revoked_at   INTEGER
) STRICT;
CREATE INDEX sessions_by_user ON sessions(user_id);

-- One row per unordered pair (user_low < user_high).
CREATE TABLE connections (
    user_low    INTEGER NOT NULL REFERENCES users(id),
    user_high   INTEGER NOT NULL REFERENCES users(id),
    inviter     INTEGER NOT NULL REFERENCES users(id),
    state       TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'declined')),
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (user_low, user_high),
    CHECK (user_low < user_high)
) STRICT, WITHOUT ROWID;
CREATE INDEX connections_by_high ON connections(user_high);

CREATE TABLE conversations (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
    title       TEXT NOT NULL DEFAULT '',
    -- For direct conversations: "low:high", so creation is idempotent per pair.
    direct_key  TEXT UNIQUE,
    created_by  INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    last_seq    INTEGER NOT NULL DEFAULT 0,
    head_hash   BLOB NOT NULL
) STRICT;

CREATE TABLE members (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    user_id         INTEGER NOT NULL REFERENCES users(id),
    joined_at       INTEGER NOT NULL,
    delivered_up_to INTEGER NOT NULL DEFAULT 0,
    read_up_to      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX members_by_user ON members(user_id);

CREATE TABLE messages (
    id                  INTEGER PRIMARY KEY,
    conversation_id     INTEGER NOT NULL REFERENCES conversations(id),
    seq                 INTEGER NOT NULL,
    sender              INTEGER NOT NULL REFERENCES users(id),
    client_id           BLOB NOT NULL,
    server_time         INTEGER NOT NULL,
    kind                TEXT NOT NULL,
    reference           INTEGER REFERENCES messages(id),
    body                TEXT NOT NULL,
    what_was_wrong      TEXT,
    correct_information TEXT,
    chain_hash          BLOB NOT NULL,
    signature           BLOB NOT NULL,
    UNIQUE (conversation_id, seq),
    UNIQUE (sender, client_id)
) STRICT;

-- Messages are permanent: the database itself refuses to change or remove one.
CREATE TRIGGER messages_no_update BEFORE UPDATE ON messages
BEGIN SELECT RAISE(ABORT, 'messages are append-only'); END;
CREATE TRIGGER messages_no_delete BEFORE DELETE ON messages
BEGIN SELECT RAISE(ABORT, 'messages are append-only'); END;

-- Every event a user must see, numbered per user without gaps. Message
-- events point at the message row (one copy, whatever the group size);
-- other events carry their JSON payload.
CREATE TABLE feed (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    seq        INTEGER NOT NULL,
    message_id INTEGER REFERENCES messages(id),
    payload    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, seq),
    CHECK ((message_id IS NULL) != (payload = ''))
) STRICT, WITHOUT ROWID;

CREATE TABLE server_keys (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    signing_key BLOB NOT NULL
) STRICT;
