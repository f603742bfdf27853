-- Card ids are never reused (issue 10 added card delete): without AUTOINCREMENT SQLite hands
-- the id of a deleted newest card to the next card, even in another account. SQLite cannot
-- add AUTOINCREMENT to a table, so `cards` is rebuilt inside the migration's transaction,
-- where foreign keys cannot be turned off. Instead their checks are deferred to the commit:
-- dropping `cards` leaves the stamps pointing at no card until the rebuilt table has the same
-- rows again. The rows that dropping it cascades into (card guards, staff members' card lists)
-- are copied aside first and put back after.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE cards_copy AS SELECT * FROM cards;
CREATE TABLE card_guards_copy AS SELECT * FROM card_guards;
CREATE TABLE staff_cards_copy AS SELECT * FROM staff_cards;
DROP TABLE cards;
CREATE TABLE cards (
    card_idx         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_idx      INTEGER NOT NULL REFERENCES accounts (account_idx) ON DELETE CASCADE,
    card_nm          TEXT    NOT NULL,
    card_ttl         TEXT    NOT NULL,
    max_stamps       INTEGER NOT NULL CHECK (max_stamps >= 1),
    stamp_img_url    TEXT    NOT NULL,
    url              TEXT    NOT NULL,
    onsite_yn        INTEGER NOT NULL CHECK (onsite_yn IN (0, 1)),
    -- argon2id PHC string of the on-site staff password; NULL when none was ever set.
    onsite_pwd_hash  TEXT,
    created_at       INTEGER NOT NULL,
    cooldown_secs    INTEGER NOT NULL DEFAULT 0 CHECK (cooldown_secs >= 0),
    max_adds_per_day INTEGER NOT NULL DEFAULT 0 CHECK (max_adds_per_day >= 0),
    active_yn        INTEGER NOT NULL DEFAULT 1 CHECK (active_yn IN (0, 1)),
    auto_renew_yn    INTEGER NOT NULL DEFAULT 0 CHECK (auto_renew_yn IN (0, 1))
);
INSERT INTO cards (card_idx, account_idx, card_nm, card_ttl, max_stamps, stamp_img_url, url, onsite_yn,
                   onsite_pwd_hash, created_at, cooldown_secs, max_adds_per_day, active_yn, auto_renew_yn)
    SELECT card_idx, account_idx, card_nm, card_ttl, max_stamps, stamp_img_url, url, onsite_yn,
           onsite_pwd_hash, created_at, cooldown_secs, max_adds_per_day, active_yn, auto_renew_yn
    FROM cards_copy;
CREATE INDEX cards_account ON cards (account_idx);
INSERT INTO card_guards SELECT * FROM card_guards_copy;
INSERT INTO staff_cards SELECT * FROM staff_cards_copy;
DROP TABLE cards_copy;
DROP TABLE card_guards_copy;
DROP TABLE staff_cards_copy;
