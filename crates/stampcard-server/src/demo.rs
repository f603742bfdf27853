//! `stampcard serve --demo`: seeds a demo account, card and stamp and a demo owner login, and
//! prints an API key, the owner's password and curl commands that work when pasted.

use chrono::Months;
use stampcard_core::dashboard::Role;
use stampcard_core::types::{YesNo, Ymd};
use stampcard_core::wire::{CardCreateRequest, CreateStampRequest};

use crate::clock::Clock;
use crate::error::Error;
use crate::ops::{self, Ctx, admin, users};
use crate::plan::Plan;
use crate::secrets;
use crate::store::Store;

/// The demo account's name (how a later `--demo` run finds it again).
pub const DEMO_ACCOUNT: &str = "Demo shop";

/// The demo card's on-site staff password.
pub const DEMO_ONSITE_PASSWORD: &str = "staff-2580";

/// The demo owner's dashboard login (its password is new on every run, printed once).
pub const DEMO_OWNER_EMAIL: &str = "owner@demo.example";

/// What the demo seeding made.
#[derive(Debug, Clone)]
pub struct Demo {
    /// Whether the account was created now (false: an earlier run made it).
    pub new_account: bool,
    /// The account.
    pub account_idx: i64,
    /// A new API key (API keys are stored hashed, so every run makes a new one).
    pub api_key: String,
    /// The demo owner's new password (stored hashed, so every run sets a new one).
    pub owner_password: String,
    /// The demo card.
    pub card_idx: i64,
    /// The new demo stamp.
    pub stamp_idx: i64,
    /// Its customer page.
    pub stamp_url: String,
}

/// Finds or creates the demo account (Personal plan) and card (10 stamps, on-site password),
/// and makes a new API key and a new demo stamp.
pub async fn seed(store: &dyn Store, clock: &Clock, public_url: &str) -> Result<Demo, Error> {
    let (account_idx, new_account) = match store.account_by_name(DEMO_ACCOUNT).await? {
        Some(account) => (account.account_idx, false),
        None => (admin::create_account(store, clock, DEMO_ACCOUNT, Plan::Personal).await?, true),
    };
    let key = admin::create_api_key(store, clock, account_idx, "demo").await?;
    let owner_password: String = secrets::random_token().chars().take(16).collect();
    match users::reset_password(store, clock, DEMO_OWNER_EMAIL, owner_password.clone()).await {
        Err(e) if e.code() == Some(stampcard_core::ErrorCode::UserNotFound) => {
            users::create_user(store, clock, account_idx, DEMO_OWNER_EMAIL, Role::Owner, owner_password.clone())
                .await?;
        }
        other => other?,
    }
    let card_idx = match store.cards(account_idx).await?.first() {
        Some(card) => card.card_idx,
        None => {
            let request = CardCreateRequest {
                card_nm: "Coffee card".to_owned(),
                card_ttl: Some("10 stamps = 1 free coffee".to_owned()),
                max_stamps: 10,
                // The sample image shipped in www/widget/, so the demo grid shows real stamps.
                stamp_img_url: Some(format!("{}/widget/demo-stamp.svg", public_url.trim_end_matches('/'))),
                url: None,
                onsite_yn: Some(YesNo::Y),
                onsite_pwd: Some(DEMO_ONSITE_PASSWORD.to_owned()),
                ..CardCreateRequest::default()
            };
            admin::create_card(store, clock, account_idx, request).await?.card_idx
        }
    };
    let today = clock.today();
    let request = CreateStampRequest {
        card_idx,
        domain: None,
        strt_ymd: Ymd(today),
        end_ymd: Ymd(today.checked_add_months(Months::new(12)).unwrap_or(today)),
        active_yn: Some(YesNo::Y),
        memo: Some("demo stamp".to_owned()),
        user_id: Some("demo-customer".to_owned()),
        user_nm: Some("Demo Customer".to_owned()),
        user_phnno: None,
        user_eml: None,
        user_etc1: None,
        user_etc2: None,
    };
    let new = request.check(today)?;
    let ctx = Ctx {
        account_idx,
        plan: Plan::Personal,
        api_key_idx: Some(key.api_key_idx),
        user_idx: None,
        today,
        now_ms: clock.now_ms(),
    };
    let token = secrets::random_token();
    let stamp_idx = ops::run(store, ctx.now_ms, move |tx| Box::pin(ops::stamp::insert(tx, ctx, new, token))).await?;
    let (stamp, _) = store
        .stamp_and_card(account_idx, stamp_idx)
        .await?
        .ok_or_else(|| Error::Internal("the demo stamp vanished".to_owned()))?;
    Ok(Demo {
        new_account,
        account_idx,
        api_key: key.api_key,
        owner_password,
        card_idx,
        stamp_idx,
        stamp_url: ops::stamp::stamp_url(&stamp, public_url),
    })
}

/// The text printed after seeding: the key, the page, and three commands to paste.
pub fn instructions(demo: &Demo, server_url: &str, today: chrono::NaiveDate) -> String {
    let key = &demo.api_key;
    let auth = format!("-H 'Authorization: APIKey {key}'");
    let json = "-H 'Content-Type: application/json'";
    let end = today.checked_add_months(Months::new(6)).unwrap_or(today);
    let account = if demo.new_account { "created" } else { "found (made by an earlier --demo run)" };
    format!(
        "\n\
         stampcard demo: account {account_idx} \"{DEMO_ACCOUNT}\" {account}, personal plan\n\
         \n  dashboard:              {server_url}/  (sign in as {DEMO_OWNER_EMAIL}, password {owner_password})\n  \
         API key (shown once):   {key}\n  \
         demo card:              cardIdx {card_idx}, 10 stamps, on-site staff password {DEMO_ONSITE_PASSWORD}\n  \
         demo stamp:             stampIdx {stamp_idx}\n  \
         stamp page:             {url}\n  \
         demo shop (embeds it):  {server_url}{demo_shop}?stamp={url}\n\
         \nTry it (paste into a shell):\n\n  \
         # add one stamp\n  \
         curl -s -X PUT {server_url}/api/stamp/v1/add {auth} {json} -d '{{\"stampIdx\": {stamp_idx}}}'\n\n  \
         # check the stamp (count, dates, page URL)\n  \
         curl -s '{server_url}/api/stamp/v1/validate?stampIdx={stamp_idx}' {auth}\n\n  \
         # issue another stamp on the demo card\n  \
         curl -s -X POST {server_url}/api/stamp/v1/create {auth} {json} -d '{{\"cardIdx\": {card_idx}, \"strtYmd\": \"{today}\", \"endYmd\": \"{end}\", \"userNm\": \"Second Customer\"}}'\n",
        account_idx = demo.account_idx,
        card_idx = demo.card_idx,
        stamp_idx = demo.stamp_idx,
        url = demo.stamp_url,
        demo_shop = crate::http::www::DEMO_SHOP_PATH,
        owner_password = demo.owner_password,
    )
}
