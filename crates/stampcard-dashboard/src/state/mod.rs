//! The dashboard's pure state: routes, the sign-in gate, the stamps table, the card and staff
//! forms, the figures' charts and the webhooks page.
//! No DOM and no HTTP here, so all of it is unit-tested natively.

pub mod card_form;
pub mod figures;
pub mod route;
pub mod session;
pub mod staff_form;
pub mod stamp_form;
pub mod stamps;
pub mod webhooks;
