//! Shopfleet's domain: types and rules only, no database, HTTP or ML. Everything here
//! is a pure function of its inputs and is tested as such.
//!
//! - [`DomainError`]: why an operation was refused; the API maps each kind to a status.
//! - [`Caller`] and [`Role`]: who is calling, checked by every rule that depends on it.
//! - [`order`]: the order state machine and the fulfilment of its lines.
//! - [`payment`]: the payment-intent state machine and what may still be refunded.
//! - [`cart`]: quantities and the size of a cart.
//! - [`pricing`]: the one pricing function (lines, shipping, tax, promotions → a
//!   breakdown), whether a code applies, and the tax a refund gives back.
//! - [`PageLimit`]: the one page-size rule.

pub mod caller;
pub mod cart;
pub mod error;
pub mod order;
pub mod page;
pub mod payment;
pub mod pricing;

pub use caller::{Caller, Role};
pub use error::DomainError;
pub use page::PageLimit;
