-- Ids are never reused (issue 8): without AUTOINCREMENT SQLite hands the id of a deleted
-- newest stamp (or history event) to the next one, even in another account. SQLite cannot add
-- AUTOINCREMENT to a table, so stamps and the two tables that refer to it are rebuilt inside
-- the migration's transaction. Foreign keys stay on (a transaction cannot turn them off), so
-- the order matters: the new tables are filled, the old children are dropped before their
-- parent (dropping a parent deletes its rows, which would cascade), and renaming the new
-- parent rewrites the new children's references to it.

CREATE TABLE stamps_new (
    stamp_idx           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_idx         INTEGER NOT NULL REFERENCES accounts (account_idx) ON DELETE CASCADE,
    card_idx            INTEGER NOT NULL REFERENCES cards (card_idx),
    -- The unguessable stamp-page token (256 random bits, URL-safe base64).
    token               TEXT    NOT NULL UNIQUE,
    -- Custom stamp domain; NULL means the server's public URL.
    domain              TEXT,
    stamps              INTEGER NOT NULL CHECK (stamps >= 0),
    strt_ymd            TEXT    NOT NULL,
    end_ymd             TEXT    NOT NULL,
    active_yn           INTEGER NOT NULL CHECK (active_yn IN (0, 1)),
    -- The day the reward was redeemed; once set the stamp is final.
    redeemed_ymd        TEXT,
    memo                TEXT    NOT NULL,
    user_id             TEXT    NOT NULL,
    user_nm             TEXT    NOT NULL,
    user_phnno          TEXT    NOT NULL,
    user_eml            TEXT    NOT NULL,
    user_etc1           TEXT    NOT NULL,
    user_etc2           TEXT    NOT NULL,
    -- UNSET, SET or RESET; pin_hash is an argon2id PHC string when SET.
    pin_state           TEXT    NOT NULL,
    pin_hash            TEXT,
    -- Guessing lockout, counted separately for PINs and on-site passwords.
    pin_failures        INTEGER NOT NULL DEFAULT 0,
    pin_locked_until    INTEGER NOT NULL DEFAULT 0,
    onsite_failures     INTEGER NOT NULL DEFAULT 0,
    onsite_locked_until INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL
);
INSERT INTO stamps_new SELECT * FROM stamps;

CREATE TABLE stamp_events_new (
    event_idx     INTEGER PRIMARY KEY AUTOINCREMENT,
    stamp_idx     INTEGER NOT NULL REFERENCES stamps_new (stamp_idx) ON DELETE CASCADE,
    -- CREATE, ADD, REMOVE, UPDATE, USE, PIN_RESET, PIN_SET
    action        TEXT    NOT NULL,
    stamps_before INTEGER NOT NULL,
    stamps_after  INTEGER NOT NULL,
    -- API_KEY, ONSITE, CUSTOMER
    actor         TEXT    NOT NULL,
    api_key_idx   INTEGER,
    created_at    INTEGER NOT NULL
);
INSERT INTO stamp_events_new SELECT * FROM stamp_events;

CREATE TABLE page_sessions_new (
    -- SHA-256 of the bearer token; the token itself is only ever sent to the customer.
    token_hash BLOB    PRIMARY KEY,
    stamp_idx  INTEGER NOT NULL REFERENCES stamps_new (stamp_idx) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
INSERT INTO page_sessions_new SELECT * FROM page_sessions;

DROP TABLE page_sessions;
DROP TABLE stamp_events;
DROP TABLE stamps;
ALTER TABLE stamps_new RENAME TO stamps;
ALTER TABLE stamp_events_new RENAME TO stamp_events;
ALTER TABLE page_sessions_new RENAME TO page_sessions;

CREATE INDEX stamps_account ON stamps (account_idx);
CREATE INDEX stamps_card ON stamps (card_idx);
CREATE INDEX stamp_events_stamp ON stamp_events (stamp_idx, event_idx);
CREATE INDEX page_sessions_stamp ON page_sessions (stamp_idx);
CREATE INDEX page_sessions_expiry ON page_sessions (expires_at);
