-- Owner and staff logins for the dashboard (issue 10): users with argon2id passwords, their
-- sessions (only the SHA-256 of the cookie's token is kept) and the wrong-password guards per
-- e-mail and per client address.
CREATE TABLE users (
    user_idx      INTEGER PRIMARY KEY AUTOINCREMENT,
    account_idx   INTEGER NOT NULL REFERENCES accounts (account_idx) ON DELETE CASCADE,
    -- The address as given; `email_key` (lowercase) makes it unique case-insensitively.
    email         TEXT    NOT NULL,
    email_key     TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'staff')),
    -- argon2id PHC string.
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX users_account ON users (account_idx);

CREATE TABLE admin_sessions (
    token_hash   BLOB    PRIMARY KEY,
    user_idx     INTEGER NOT NULL REFERENCES users (user_idx) ON DELETE CASCADE,
    -- The absolute limit counts from here, the idle limit from `last_seen_at`.
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX admin_sessions_user ON admin_sessions (user_idx);

-- `guard_key` is `email:<lowercase address>` or `address:<client IP>`.
CREATE TABLE login_guards (
    guard_key       TEXT    PRIMARY KEY,
    failures        INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER NOT NULL DEFAULT 0,
    last_failure_at INTEGER NOT NULL DEFAULT 0
);
