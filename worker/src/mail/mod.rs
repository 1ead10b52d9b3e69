//! E-mail notifications: the [`handler`] turns notification events into rendered mail
//! in `mail_outbox` (one per event, in the handler's transaction), the [`sender`] sends
//! queued mail with retries through a [`transport`] (SMTP, or `.eml` files in
//! development), and [`templates`] holds the HTML + text templates per notification;
//! [`settings`] says where mail goes.

pub mod handler;
pub mod sender;
pub mod settings;
pub mod templates;
pub mod transport;
