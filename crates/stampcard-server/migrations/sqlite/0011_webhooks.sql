-- Webhooks (issue 13): an account's endpoints, the transactional outbox of stamp events and
-- their deliveries with every attempt. docs/webhooks.md describes the delivery rules.
--
-- The signing secrets are stored as they are (the server must compute HMACs with them); they
-- are never returned after create or rotate-secret and never logged. previous_secret keeps
-- signing beside secret until previous_secret_until (unix ms) after a rotation.
CREATE TABLE webhooks (
    webhook_idx           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_idx           INTEGER NOT NULL REFERENCES accounts (account_idx) ON DELETE CASCADE,
    url                   TEXT    NOT NULL,
    -- Comma-separated event type names; NULL: every type.
    events                TEXT,
    -- Only this card's stamps; NULL: every card. Not a foreign key: a deleted card's
    -- endpoint simply matches nothing.
    card_idx              INTEGER,
    format                TEXT    NOT NULL,
    enabled               INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    secret                TEXT    NOT NULL,
    previous_secret       TEXT,
    previous_secret_until INTEGER,
    created_at            INTEGER NOT NULL
);
CREATE INDEX webhooks_account ON webhooks (account_idx, webhook_idx);

-- One row per stamp change that at least one endpoint receives, written in the change's
-- transaction. body is the JSON sent, byte for byte, on every attempt. stamp_idx is not a
-- foreign key: a deleted stamp's events outlive it.
CREATE TABLE webhook_events (
    event_idx   INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    TEXT    NOT NULL UNIQUE,
    account_idx INTEGER NOT NULL REFERENCES accounts (account_idx) ON DELETE CASCADE,
    stamp_idx   INTEGER,
    sequence    INTEGER,
    event_type  TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- One event to one endpoint. status: PENDING, RETRYING, DELIVERED, DEAD. A worker claims a
-- due row by writing claim_token and claimed_until (a lease longer than an attempt can take).
CREATE TABLE webhook_deliveries (
    delivery_idx    INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_idx     INTEGER NOT NULL REFERENCES webhooks (webhook_idx) ON DELETE CASCADE,
    event_idx       INTEGER NOT NULL REFERENCES webhook_events (event_idx) ON DELETE CASCADE,
    account_idx     INTEGER NOT NULL,
    stamp_idx       INTEGER,
    status          TEXT    NOT NULL,
    attempt_count   INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    -- When the retry window started (creation, or the last redeliver).
    window_start    INTEGER NOT NULL,
    claim_token     TEXT,
    claimed_until   INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status IN ('PENDING', 'RETRYING');
-- The per-stamp order check: an earlier unfinished delivery of the same stamp to the same
-- endpoint holds the later ones back.
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (webhook_idx, stamp_idx, delivery_idx);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (account_idx, delivery_idx);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_idx);

CREATE TABLE webhook_attempts (
    attempt_idx      INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_idx     INTEGER NOT NULL REFERENCES webhook_deliveries (delivery_idx) ON DELETE CASCADE,
    request_id       TEXT    NOT NULL,
    attempted_at     INTEGER NOT NULL,
    http_status      INTEGER,
    duration_ms      INTEGER NOT NULL,
    response_excerpt TEXT    NOT NULL,
    error            TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_idx, attempt_idx);
