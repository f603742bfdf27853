-- stampcard schema, SQLite flavour. Append-only: never edit a migration that has shipped,
-- add a new file instead. Kept close to portable SQL so migrations/postgres/ can mirror it.
--
-- Conventions: ids are INTEGER PRIMARY KEYs (they are the wire's accountIdx, cardIdx,
-- stampIdx); every timestamp is UTC Unix milliseconds (INTEGER); calendar days are
-- 'YYYY-MM-DD' TEXT; flags are INTEGER 0/1; secrets are stored only as hashes.

CREATE TABLE accounts (
    account_idx INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    -- free, personal, premium, business, business-plus, enterprise
    plan        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE api_keys (
    api_key_idx INTEGER PRIMARY KEY,
    account_idx INTEGER NOT NULL REFERENCES accounts (account_idx) ON DELETE CASCADE,
    -- SHA-256 of the whole key; the key itself is shown once and never stored.
    key_hash    BLOB    NOT NULL UNIQUE,
    -- The key's first characters, so a person can tell keys apart in `key list`.
    key_prefix  TEXT    NOT NULL,
    label       TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX api_keys_account ON api_keys (account_idx);

CREATE TABLE cards (
    card_idx        INTEGER PRIMARY KEY,
    account_idx     INTEGER NOT NULL REFERENCES accounts (account_idx) ON DELETE CASCADE,
    card_nm         TEXT    NOT NULL,
    card_ttl        TEXT    NOT NULL,
    max_stamps      INTEGER NOT NULL CHECK (max_stamps >= 1),
    stamp_img_url   TEXT    NOT NULL,
    url             TEXT    NOT NULL,
    onsite_yn       INTEGER NOT NULL CHECK (onsite_yn IN (0, 1)),
    -- argon2id PHC string of the on-site staff password; NULL when none was ever set.
    onsite_pwd_hash TEXT,
    created_at      INTEGER NOT NULL
);
CREATE INDEX cards_account ON cards (account_idx);

CREATE TABLE stamps (
    stamp_idx           INTEGER PRIMARY KEY,
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
CREATE INDEX stamps_account ON stamps (account_idx);
CREATE INDEX stamps_card ON stamps (card_idx);

CREATE TABLE stamp_events (
    event_idx     INTEGER PRIMARY KEY,
    stamp_idx     INTEGER NOT NULL REFERENCES stamps (stamp_idx) ON DELETE CASCADE,
    -- CREATE, ADD, REMOVE, UPDATE, USE, PIN_RESET, PIN_SET
    action        TEXT    NOT NULL,
    stamps_before INTEGER NOT NULL,
    stamps_after  INTEGER NOT NULL,
    -- API_KEY, ONSITE, CUSTOMER
    actor         TEXT    NOT NULL,
    api_key_idx   INTEGER,
    created_at    INTEGER NOT NULL
);
CREATE INDEX stamp_events_stamp ON stamp_events (stamp_idx, event_idx);

CREATE TABLE page_sessions (
    -- SHA-256 of the bearer token; the token itself is only ever sent to the customer.
    token_hash BLOB    PRIMARY KEY,
    stamp_idx  INTEGER NOT NULL REFERENCES stamps (stamp_idx) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
CREATE INDEX page_sessions_stamp ON page_sessions (stamp_idx);
CREATE INDEX page_sessions_expiry ON page_sessions (expires_at);

CREATE TABLE idempotency_keys (
    -- 'account:N' for the stamp and card API, 'page:N' for a stamp page's staff actions.
    scope        TEXT    NOT NULL,
    idem_key     TEXT    NOT NULL,
    -- SHA-256 of method, path and body: the same key with another request is refused.
    request_hash BLOB    NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
