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

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a user may do. Merchants own catalog data; admins manage everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum Role {
    User,
    Merchant,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::User, Role::Merchant, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Merchant => "merchant",
            Role::Admin => "admin",
        }
    }
}

/// Who is calling: the signed-in user and their role. Every rule that depends on the
/// caller takes this, never a bare id or an `is_admin` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub user_id: Uuid,
    pub role: Role,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether the caller may act on what `owner` owns: the owner themselves or an admin.
    pub fn may_act_for(&self, owner: Uuid) -> bool {
        self.is_admin() || owner == self.user_id
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| format!("unknown role `{s}`"))
    }
}
