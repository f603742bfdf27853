-- The staff-password guard shared by every stamp of a card (issue 8): wrong on-site passwords
-- count per card, so holding more stamps gives no more guesses.
CREATE TABLE card_guards (
    card_idx        BIGINT PRIMARY KEY REFERENCES cards (card_idx) ON DELETE CASCADE,
    -- Wrong passwords since the last lock or success.
    failures        INTEGER NOT NULL DEFAULT 0,
    -- Locks in a row without a success (the step of the lock schedule).
    locks           INTEGER NOT NULL DEFAULT 0,
    locked_until    BIGINT  NOT NULL DEFAULT 0,
    last_failure_at BIGINT  NOT NULL DEFAULT 0
);

-- Request fingerprints written before this migration were unsalted SHA-256 over bodies that
-- could hold an on-site password; fingerprints now leave secret fields out. The records only
-- replay answers for 24 hours, so dropping them loses no data.
DELETE FROM idempotency_keys;
