//! Accounts: registration, passwords, login sessions with rotating refresh tokens,
//! roles, saved addresses and login throttling.
//!
//! [`Accounts`] is the entry point the API calls; the submodules each do one job.

pub mod addresses;
pub mod email;
pub mod password;
pub mod service;
pub mod sessions;
pub mod settings;
pub mod throttle;
pub mod tokens;
pub mod users;

pub use service::Accounts;

pub use shopfleet_domain::{Caller, Role};
