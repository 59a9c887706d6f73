-- Candor server schema, version 2: incidents. Append-only: never edit a released migration.

-- Damage-control incidents, private to their owner and synced to the owner's
-- devices through their feed. The server keeps only the newest version of
-- each and never interprets `data` (the client's JSON text, at most 32 KiB,
-- checked before it gets here). Keys are per owner: the same id under two
-- owners is two unrelated incidents. A rowid table rather than WITHOUT ROWID,
-- because rows of several KiB are what WITHOUT ROWID handles badly.
CREATE TABLE incidents (
    owner     INTEGER NOT NULL REFERENCES users(id),
    id        BLOB NOT NULL CHECK (length(id) = 16),
    version   INTEGER NOT NULL CHECK (version >= 1),
    data      TEXT NOT NULL,
    stored_at INTEGER NOT NULL,
    PRIMARY KEY (owner, id)
) STRICT;
