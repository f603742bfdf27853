-- Cards: anti-fraud rules, retiring and automatic renewal (issue 10); the same meanings as
-- migrations/sqlite/0005_card_rules.sql. Every default keeps existing cards as they were.
ALTER TABLE cards ADD COLUMN cooldown_secs INTEGER NOT NULL DEFAULT 0 CHECK (cooldown_secs >= 0);
ALTER TABLE cards ADD COLUMN max_adds_per_day INTEGER NOT NULL DEFAULT 0 CHECK (max_adds_per_day >= 0);
ALTER TABLE cards ADD COLUMN active_yn BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE cards ADD COLUMN auto_renew_yn BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE stamps ADD COLUMN next_stamp_idx BIGINT REFERENCES stamps (stamp_idx) ON DELETE SET NULL;
CREATE INDEX stamps_next ON stamps (next_stamp_idx);
