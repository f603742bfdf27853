-- Cards: anti-fraud rules, retiring and automatic renewal (issue 10). Every default keeps
-- existing cards exactly as they behaved before.
--
-- cooldown_secs: minimum seconds between two adds on one stamp; max_adds_per_day: adds per
-- stamp per UTC day (0 turns either off). Both are checked against the stamp's ADD events in
-- stamp_events, inside the add's own write, so no "last add" column is kept.
ALTER TABLE cards ADD COLUMN cooldown_secs INTEGER NOT NULL DEFAULT 0 CHECK (cooldown_secs >= 0);
ALTER TABLE cards ADD COLUMN max_adds_per_day INTEGER NOT NULL DEFAULT 0 CHECK (max_adds_per_day >= 0);
-- 0: retired, no new stamps can be issued on the card (its stamps keep working).
ALTER TABLE cards ADD COLUMN active_yn INTEGER NOT NULL DEFAULT 1 CHECK (active_yn IN (0, 1));
-- 1: redeeming a stamp issues the customer's next stamp in the same transaction.
ALTER TABLE cards ADD COLUMN auto_renew_yn INTEGER NOT NULL DEFAULT 0 CHECK (auto_renew_yn IN (0, 1));

-- The stamp an automatic renewal issued when this one was redeemed. The customer's page link
-- follows these links to the newest stamp. Deleting the successor unlinks it.
ALTER TABLE stamps ADD COLUMN next_stamp_idx INTEGER REFERENCES stamps (stamp_idx) ON DELETE SET NULL;
-- For the predecessor lookup and for the ON DELETE action (without it every stamp delete
-- would scan the table).
CREATE INDEX stamps_next ON stamps (next_stamp_idx);
