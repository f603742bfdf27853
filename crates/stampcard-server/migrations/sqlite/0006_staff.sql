-- Staff members (issue 10): the counter's people, each with their own password (an argon2id
-- PHC string) for every card of the account (all_cards = 1) or for the cards listed in
-- staff_cards. Ids are never reused (AUTOINCREMENT), so a history event's staff_idx names one
-- person for good.
CREATE TABLE staff (
    staff_idx   INTEGER PRIMARY KEY AUTOINCREMENT,
    account_idx INTEGER NOT NULL REFERENCES accounts (account_idx) ON DELETE CASCADE,
    staff_nm    TEXT    NOT NULL,
    pwd_hash    TEXT    NOT NULL,
    all_cards   INTEGER NOT NULL CHECK (all_cards IN (0, 1)),
    active_yn   INTEGER NOT NULL CHECK (active_yn IN (0, 1)),
    created_at  INTEGER NOT NULL
);
CREATE INDEX staff_account ON staff (account_idx, staff_idx);

-- The cards of a staff member whose all_cards is 0. A deleted card leaves every scope.
CREATE TABLE staff_cards (
    staff_idx INTEGER NOT NULL REFERENCES staff (staff_idx) ON DELETE CASCADE,
    card_idx  INTEGER NOT NULL REFERENCES cards (card_idx) ON DELETE CASCADE,
    PRIMARY KEY (staff_idx, card_idx)
);
CREATE INDEX staff_cards_card ON staff_cards (card_idx);

-- Which staff member acted (actor STAFF). Not a foreign key: the history keeps the number
-- after the staff member is deleted, as it keeps api_key_idx after a key is revoked.
ALTER TABLE stamp_events ADD COLUMN staff_idx INTEGER;
