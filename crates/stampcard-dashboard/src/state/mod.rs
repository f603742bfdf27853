//! The dashboard's pure state: routes, the sign-in gate, the stamps table and the card form.
//! No DOM and no HTTP here, so all of it is unit-tested natively.

pub mod card_form;
pub mod route;
pub mod session;
pub mod stamp_form;
pub mod stamps;
