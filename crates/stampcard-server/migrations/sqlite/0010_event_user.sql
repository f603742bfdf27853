-- Changes made from the dashboard name the signed-in user (actor USER) instead of passing for
-- an API key with no key. No foreign key: the history outlives a removed user, whose e-mail
-- then reads as unknown.
ALTER TABLE stamp_events ADD COLUMN user_idx INTEGER;
