//! Checkout totals around the one pure pricing function
//! (`shopfleet_domain::pricing::price`): what admins configure ([`settings`]: tax mode,
//! zones with their tax rates, shipping methods), the promotions admins and merchants
//! offer and shoppers redeem ([`promotions`]), and a cart priced from the store
//! ([`quote`]), which the cart view and checkout share; and the demo shop's pricing.

pub(crate) mod demo;
pub mod promotions;
pub mod quote;
pub mod settings;
