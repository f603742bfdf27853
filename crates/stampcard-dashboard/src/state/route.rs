//! Which page is open: read from and written to the URL's fragment (`#/stamps`), so the
//! server serves one HTML file at `/` and the browser's back button works.

use stampcard_core::dashboard::Role;

/// A page of the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// The stamps table (the home page).
    Stamps,
    /// The "New stamp" form.
    StampNew,
    /// One stamp.
    Stamp(i64),
    /// One stamp's counter card, for printing.
    StampPrint(i64),
    /// The card list.
    Cards,
    /// A new card.
    CardNew,
    /// Editing a card.
    CardEdit(i64),
    /// Staff members (owners).
    Staff,
    /// API keys (owners).
    ApiKeys,
    /// CSV import (owners).
    Import,
    /// CSV export (owners).
    Export,
    /// Figures.
    Figures,
    /// Webhook endpoints (owners).
    Webhooks,
    /// One webhook endpoint's delivery log (owners).
    WebhookLog(i64),
}

/// The navigation's entries, in order.
pub const NAV: [Route; 8] = [
    Route::Cards,
    Route::Stamps,
    Route::Staff,
    Route::ApiKeys,
    Route::Import,
    Route::Export,
    Route::Figures,
    Route::Webhooks,
];

impl Route {
    /// The route of a URL fragment (`#/stamp/12`); anything unknown is the home page.
    pub fn parse(hash: &str) -> Route {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        let mut parts = path.split('/');
        let first = parts.next().unwrap_or_default();
        let id = parts.next().and_then(|id| id.parse::<i64>().ok()).filter(|id| *id > 0);
        let rest = parts.next();
        match (first, id, rest) {
            ("cards", None, None) => Route::Cards,
            ("cards", Some(id), None) => Route::CardEdit(id),
            ("card-new", None, None) => Route::CardNew,
            ("stamp-new", None, None) => Route::StampNew,
            ("stamp", Some(id), None) => Route::Stamp(id),
            ("stamp", Some(id), Some("print")) => Route::StampPrint(id),
            ("staff", None, None) => Route::Staff,
            ("keys", None, None) => Route::ApiKeys,
            ("import", None, None) => Route::Import,
            ("export", None, None) => Route::Export,
            ("figures", None, None) => Route::Figures,
            ("webhooks", None, None) => Route::Webhooks,
            ("webhooks", Some(id), None) => Route::WebhookLog(id),
            _ => Route::Stamps,
        }
    }

    /// The fragment to link to.
    pub fn href(self) -> String {
        match self {
            Route::Stamps => "#/stamps".to_owned(),
            Route::StampNew => "#/stamp-new".to_owned(),
            Route::Stamp(id) => format!("#/stamp/{id}"),
            Route::StampPrint(id) => format!("#/stamp/{id}/print"),
            Route::Cards => "#/cards".to_owned(),
            Route::CardNew => "#/card-new".to_owned(),
            Route::CardEdit(id) => format!("#/cards/{id}"),
            Route::Staff => "#/staff".to_owned(),
            Route::ApiKeys => "#/keys".to_owned(),
            Route::Import => "#/import".to_owned(),
            Route::Export => "#/export".to_owned(),
            Route::Figures => "#/figures".to_owned(),
            Route::Webhooks => "#/webhooks".to_owned(),
            Route::WebhookLog(id) => format!("#/webhooks/{id}"),
        }
    }

    /// Whether a user with `role` may open it. Staff may read stamps and cards and act on
    /// stamps; card changes, staff members, keys, import, export, figures and webhooks are the owner's
    /// (the API refuses them anyway: this only keeps the navigation honest).
    pub fn allowed(self, role: Role) -> bool {
        match self {
            Route::Stamps | Route::StampNew | Route::Stamp(_) | Route::StampPrint(_) | Route::Cards => true,
            Route::CardNew
            | Route::CardEdit(_)
            | Route::Staff
            | Route::ApiKeys
            | Route::Import
            | Route::Export
            | Route::Figures
            | Route::Webhooks
            | Route::WebhookLog(_) => role == Role::Owner,
        }
    }

    /// The navigation entry it belongs to (a stamp is under "Stamps").
    pub fn section(self) -> Route {
        match self {
            Route::StampNew | Route::Stamp(_) | Route::StampPrint(_) => Route::Stamps,
            Route::CardNew | Route::CardEdit(_) => Route::Cards,
            Route::WebhookLog(_) => Route::Webhooks,
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_round_trip() {
        for route in [
            Route::Stamps,
            Route::StampNew,
            Route::Stamp(42),
            Route::StampPrint(42),
            Route::Cards,
            Route::CardNew,
            Route::CardEdit(7),
            Route::Staff,
            Route::ApiKeys,
            Route::Import,
            Route::Export,
            Route::Figures,
            Route::Webhooks,
            Route::WebhookLog(5),
        ] {
            assert_eq!(Route::parse(&route.href()), route, "{}", route.href());
        }
    }

    #[test]
    fn unknown_or_malformed_fragments_open_the_stamps() {
        for hash in [
            "",
            "#",
            "#/",
            "#/nope",
            "#/stamp/abc",
            "#/stamp/-3",
            "#/stamp/0",
            "#/cards/1/x",
            "#/stamp/2/x",
            "#/webhooks/1/x",
        ] {
            assert_eq!(Route::parse(hash), Route::Stamps, "{hash}");
        }
    }

    #[test]
    fn staff_see_only_what_their_role_allows() {
        let staff: Vec<Route> = NAV.into_iter().filter(|route| route.allowed(Role::Staff)).collect();
        assert_eq!(staff, [Route::Cards, Route::Stamps], "stats, like export, are the owner's");
        assert!(NAV.iter().all(|route| route.allowed(Role::Owner)));
        assert!(!Route::CardEdit(3).allowed(Role::Staff));
        assert!(Route::Stamp(3).allowed(Role::Staff));
        assert!(Route::StampNew.allowed(Role::Staff), "staff issue stamps at the counter");
        assert!(!Route::Webhooks.allowed(Role::Staff) && !Route::WebhookLog(1).allowed(Role::Staff));
    }

    #[test]
    fn pages_belong_to_their_section() {
        assert_eq!(Route::Stamp(1).section(), Route::Stamps);
        assert_eq!(Route::CardEdit(1).section(), Route::Cards);
        assert_eq!(Route::Import.section(), Route::Import);
        assert_eq!(Route::WebhookLog(2).section(), Route::Webhooks);
    }
}
