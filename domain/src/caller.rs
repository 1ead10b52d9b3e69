//! Who is calling: a user and their role. Rules that depend on the caller take a
//! [`Caller`], never a bare id or an `is_admin` flag.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a user may do. Merchants own catalog data; admins manage everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "store", derive(sqlx::Type))]
#[cfg_attr(feature = "store", sqlx(type_name = "text", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
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

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| format!("unknown role `{s}`"))
    }
}

/// The signed-in user a request acts for.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_and_admins_may_act_others_may_not() {
        let (owner, stranger) = (Uuid::now_v7(), Uuid::now_v7());
        let merchant = Caller { user_id: owner, role: Role::Merchant };
        assert!(merchant.may_act_for(owner));
        assert!(!merchant.may_act_for(stranger));
        let admin = Caller { user_id: stranger, role: Role::Admin };
        assert!(admin.may_act_for(owner), "admins act for anyone");
        let shopper = Caller { user_id: stranger, role: Role::User };
        assert!(!shopper.is_admin() && shopper.may_act_for(stranger));
    }

    #[test]
    fn roles_read_back_from_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
