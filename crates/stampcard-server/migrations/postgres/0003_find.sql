-- Back-office reads (issue 10), as migrations/sqlite/0004_find.sql. List and export walk
-- stamps newest first (stamp_idx DESC) below a cursor, so every filter has an index ending in
-- stamp_idx (PostgreSQL, unlike SQLite, does not append the id to an index by itself).
CREATE INDEX stamps_account_newest ON stamps (account_idx, stamp_idx);
CREATE INDEX stamps_card_newest ON stamps (card_idx, stamp_idx);
CREATE INDEX stamps_account_user ON stamps (account_idx, user_id, stamp_idx);
CREATE INDEX stamps_redeemed ON stamps (account_idx, stamp_idx) WHERE redeemed_ymd IS NOT NULL;
CREATE INDEX stamps_inactive ON stamps (account_idx, stamp_idx) WHERE redeemed_ymd IS NULL AND active_yn = FALSE;
-- The statuses that depend on the day (ACTIVE, FULL, UPCOMING, EXPIRED) are among these.
CREATE INDEX stamps_live ON stamps (account_idx, stamp_idx) WHERE redeemed_ymd IS NULL AND active_yn = TRUE;
CREATE INDEX stamps_card_live ON stamps (card_idx, stamp_idx) WHERE redeemed_ymd IS NULL AND active_yn = TRUE;
-- A stamp's newest ADD (get's lastAddYmdt) and the stats' period.
CREATE INDEX stamp_events_stamp_action ON stamp_events (stamp_idx, action, created_at);
CREATE INDEX stamp_events_created ON stamp_events (created_at);
