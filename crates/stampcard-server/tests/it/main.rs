//! The server's one integration-test binary: each test starts the real server on port 0
//! with a fresh database and drives it over HTTP.

mod bulk;
mod card_rules;
mod cards;
mod concurrency;
mod crash;
mod dashboard;
mod docs;
mod find;
mod hardening;
mod health;
mod helpers;
mod history;
mod idempotency;
mod logins;
mod metrics;
mod operator;
mod page;
mod page_states;
mod process;
mod refusals;
mod staff;
mod stamp_page;
mod stamps;
mod storm;
mod timeouts;
mod two_servers;
// webhooks
mod webhooks;
