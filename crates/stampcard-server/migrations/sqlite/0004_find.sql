-- Back-office reads (issue 10). List and export walk stamps newest first (stamp_idx DESC)
-- below a cursor, so every filter has an index whose entries are in stamp_idx order within
-- the filtered value. SQLite appends the rowid (stamp_idx) to every index, so the existing
-- stamps_account (account_idx) and stamps_card (card_idx) already serve "all stamps" and
-- "one card"; these serve the other filters. The flags are compared with TRUE/FALSE
-- literals, as the queries write them, so the planner can prove a partial index applies.
CREATE INDEX stamps_account_user ON stamps (account_idx, user_id);
CREATE INDEX stamps_redeemed ON stamps (account_idx) WHERE redeemed_ymd IS NOT NULL;
CREATE INDEX stamps_inactive ON stamps (account_idx) WHERE redeemed_ymd IS NULL AND active_yn = FALSE;
-- The statuses that depend on the day (ACTIVE, FULL, UPCOMING, EXPIRED) are among these.
CREATE INDEX stamps_live ON stamps (account_idx) WHERE redeemed_ymd IS NULL AND active_yn = TRUE;
-- A stamp's newest ADD (get's lastAddYmdt) and the stats' period.
CREATE INDEX stamp_events_stamp_action ON stamp_events (stamp_idx, action, created_at);
CREATE INDEX stamp_events_created ON stamp_events (created_at);
-- The same within one card (list and export by cardIdx and a status that depends on the day).
CREATE INDEX stamps_card_live ON stamps (card_idx) WHERE redeemed_ymd IS NULL AND active_yn = TRUE;
