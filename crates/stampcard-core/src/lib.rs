//! The stamp-card core: wire types, request checks, rules and error codes shared by the server
//! and the browser widget.
//!
//! Pure by design: no I/O, no async, no clock, no randomness. Every function that depends
//! on the date takes `today` as an argument, so the same code runs natively in the server
//! and as WebAssembly in the customer's browser.
#![warn(missing_docs)]

pub mod card_rules;
pub mod dashboard;
pub mod error;
pub mod find;
pub mod input;
pub mod limits;
pub mod model;
pub mod parse;
pub mod progress;
pub mod rules;
pub mod secret;
pub mod staff;
pub mod types;
pub mod webhook;
pub mod wire;

pub use error::{ApiError, ErrorCode};
