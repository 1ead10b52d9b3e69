//! Stock per variant: merchant adjustments (restock, correction) with an audit log.
//! Each adjustment locks the variant row, so concurrent adjustments never lose updates
//! and stock never drops below what is reserved.

use super::events::{StockNow, STOCK_NOW};
use crate::{accounts::Caller, events::Change};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shopfleet_domain::DomainError;
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum AdjustmentKind {
    /// Adds `quantity` units.
    Restock,
    /// Sets on-hand stock to `quantity` (a count after a stock-take).
    Correction,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdjustment {
    pub kind: AdjustmentKind,
    pub quantity: i32,
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Adjustment {
    pub id: Uuid,
    pub variant_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub kind: AdjustmentKind,
    pub reason: String,
    pub on_hand_before: i32,
    pub on_hand_after: i32,
    pub created_at: DateTime<Utc>,
}

pub const MAX_ON_HAND: i32 = 100_000_000;

/// Applies an adjustment to a variant of a product the caller owns.
pub async fn adjust(
    db: &PgPool,
    caller: &Caller,
    variant: Uuid,
    input: &NewAdjustment,
) -> Result<Adjustment, DomainError> {
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(DomainError::invalid("reason", "must be 1 to 500 characters"));
    }
    if !(0..=MAX_ON_HAND).contains(&input.quantity)
        || (input.kind == AdjustmentKind::Restock && input.quantity == 0)
    {
        return Err(DomainError::invalid(
            "quantity",
            format!("must be between 1 (0 for a correction) and {MAX_ON_HAND}"),
        ));
    }
    let mut change = Change::begin(db).await?;
    let row: Option<(Uuid, Uuid, i32, i32)> = sqlx::query_as(
        "SELECT v.product_id, p.merchant_id, v.on_hand, v.reserved
         FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = $1 FOR UPDATE OF v",
    )
    .bind(variant)
    .fetch_optional(&mut *change)
    .await?;
    let (product, merchant, before, reserved) = row.ok_or(DomainError::NotFound("variant"))?;
    if !caller.may_act_for(merchant) {
        return Err(DomainError::Forbidden("this variant belongs to another merchant".into()));
    }
    let after = match input.kind {
        AdjustmentKind::Restock => before.checked_add(input.quantity).filter(|a| *a <= MAX_ON_HAND),
        AdjustmentKind::Correction => Some(input.quantity),
    }
    .ok_or_else(|| DomainError::invalid("quantity", format!("on-hand stock would exceed {MAX_ON_HAND}")))?;
    if after < reserved {
        return Err(DomainError::Conflict {
            code: "below_reserved",
            detail: format!("{reserved} units are reserved; on-hand stock cannot go below that"),
        });
    }
    let stock: StockNow = sqlx::query_as(&format!(
        "UPDATE variants v SET on_hand = $2 FROM products p WHERE p.id = v.product_id AND v.id = $1
         RETURNING {STOCK_NOW}"
    ))
    .bind(variant)
    .bind(after)
    .fetch_one(&mut *change)
    .await?;
    let adjustment: Adjustment = sqlx::query_as(
        "INSERT INTO inventory_adjustments (id, variant_id, actor_id, kind, reason, on_hand_before, on_hand_after)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING id, variant_id, actor_id, kind, reason, on_hand_before, on_hand_after, created_at",
    )
    .bind(Uuid::now_v7())
    .bind(variant)
    .bind(caller.user_id)
    .bind(input.kind)
    .bind(reason)
    .bind(before)
    .bind(after)
    .fetch_one(&mut *change)
    .await?;
    super::products::refresh_summary(&mut change, product).await?;
    // The product's in_stock can flip only when this variant's availability crosses zero.
    let crossed = (before - reserved > 0) != (after - reserved > 0);
    super::events::stock_changed(&mut change, &stock, before - reserved, crossed)?;
    change.commit().await?;
    Ok(adjustment)
}

/// The audit log of a variant, newest first.
pub async fn history(db: &PgPool, caller: &Caller, variant: Uuid) -> Result<Vec<Adjustment>, DomainError> {
    let merchant: Option<Uuid> = sqlx::query_scalar(
        "SELECT p.merchant_id FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = $1",
    )
    .bind(variant)
    .fetch_optional(db)
    .await?;
    let merchant = merchant.ok_or(DomainError::NotFound("variant"))?;
    if !caller.may_act_for(merchant) {
        return Err(DomainError::Forbidden("this variant belongs to another merchant".into()));
    }
    Ok(sqlx::query_as(
        "SELECT id, variant_id, actor_id, kind, reason, on_hand_before, on_hand_after, created_at
         FROM inventory_adjustments WHERE variant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 200",
    )
    .bind(variant)
    .fetch_all(db)
    .await?)
}
