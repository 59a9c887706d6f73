-- Version 2: careful sending. Append-only: never edit a released migration.

-- What the sensitive-data detector found in a message you sent (or queued),
-- keyed by the message's client id, so the after-send flows know that a
-- secret went out. `findings` is a JSON array of `checks::Finding`; it holds
-- masked excerpts only, never the secret itself. Rows of a held message that
-- is cancelled are removed with it; rows of sent messages stay.
CREATE TABLE sent_findings (
    client_id  BLOB PRIMARY KEY,
    findings   TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

-- "Have I ever written to this person?" (the recipient double-check) looks
-- up a person's conversations.
CREATE INDEX members_by_user ON members(user_id);
