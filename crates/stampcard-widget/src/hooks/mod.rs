//! Custom hooks.

mod use_countdown;

pub use use_countdown::use_countdown;
