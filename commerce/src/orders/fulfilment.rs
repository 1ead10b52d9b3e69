//! Fulfilment: merchants (admins for anyone) start, ship and deliver their own lines of
//! paid orders. Each line moves `unfulfilled → fulfilling → shipped → delivered`; the
//! order follows its lines through the state machine (`paid → fulfilling` when the
//! first line starts, `→ shipped` when every line shipped, `→ delivered` when every
//! line arrived), one history row and event per step.

use super::{get, transition_with, Order, OrderStatus, ORDER_COLUMNS};
use crate::events::Change;
use serde::Deserialize;
use shopfleet_domain::{
    order::{self, FulfilmentAction, LineFulfilment},
    Caller, DomainError,
};
use sqlx::{PgConnection, PgPool};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FulfilmentRequest {
    pub action: FulfilmentAction,
    /// Lines to act on; all of the caller's lines when omitted.
    pub line_nos: Option<Vec<i32>>,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
}

const MAX_TRACKING_CHARS: usize = 100;

/// A required, bounded shipping detail.
fn required<'a>(field: &str, value: &'a Option<String>) -> Result<&'a str, DomainError> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Err(DomainError::invalid(field, "is required to ship")),
        Some(v) if v.chars().count() > MAX_TRACKING_CHARS => {
            Err(DomainError::invalid(field, format!("must be at most {MAX_TRACKING_CHARS} characters")))
        }
        Some(v) => Ok(v),
    }
}

/// Carrier and tracking number, required (and only kept) when shipping.
fn shipping_details(request: &FulfilmentRequest) -> Result<(Option<&str>, Option<&str>), DomainError> {
    if request.action != FulfilmentAction::Ship {
        return Ok((None, None));
    }
    Ok((
        Some(required("carrier", &request.carrier)?),
        Some(required("tracking_number", &request.tracking_number)?),
    ))
}

/// Applies `request` to `caller`'s lines of `order` (any line for admins).
pub async fn fulfil(
    db: &PgPool,
    order: Uuid,
    caller: &Caller,
    request: &FulfilmentRequest,
) -> Result<Order, DomainError> {
    let (carrier, tracking) = shipping_details(request)?;
    let mut change = Change::begin(db).await?;
    let status: Option<OrderStatus> =
        sqlx::query_scalar("SELECT status FROM orders WHERE id = $1 FOR UPDATE")
            .bind(order)
            .fetch_optional(&mut *change)
            .await?;
    let lines: Vec<(i32, Uuid, LineFulfilment)> = sqlx::query_as(
        "SELECT line_no, merchant_id, fulfilment_status FROM order_lines WHERE order_id = $1 ORDER BY line_no FOR UPDATE",
    )
    .bind(order)
    .fetch_all(&mut *change)
    .await?;
    let mine: Vec<&(i32, Uuid, LineFulfilment)> =
        lines.iter().filter(|(_, merchant, _)| caller.may_act_for(*merchant)).collect();
    let status = status.filter(|_| !mine.is_empty()).ok_or(DomainError::NotFound("order"))?;
    if !status.accepts_fulfilment() {
        return Err(DomainError::Conflict {
            code: "illegal_transition",
            detail: format!("an order that is {} cannot be fulfilled", status.as_str()),
        });
    }
    let selected: Vec<&(i32, Uuid, LineFulfilment)> = match &request.line_nos {
        None => mine.clone(),
        Some(numbers) if numbers.is_empty() => {
            return Err(DomainError::invalid("line_nos", "must not be empty"))
        }
        Some(numbers) => numbers
            .iter()
            .enumerate()
            .map(|(i, n)| {
                mine.iter().copied().find(|(line_no, _, _)| line_no == n).ok_or_else(|| {
                    DomainError::invalid(format!("line_nos[{i}]"), "is not one of your lines of this order")
                })
            })
            .collect::<Result<_, _>>()?,
    };
    for (line_no, _, line_status) in selected {
        let to = line_status.after(request.action).ok_or_else(|| DomainError::Conflict {
            code: "illegal_transition",
            detail: format!(
                "line {line_no} is {} and cannot be {:?}ed",
                line_status.as_str(),
                request.action
            )
            .to_lowercase(),
        })?;
        sqlx::query(
            "UPDATE order_lines SET fulfilment_status = $3, carrier = COALESCE($4, carrier),
                    tracking_number = COALESCE($5, tracking_number),
                    shipped_at = CASE WHEN $3 = 'shipped' THEN now() ELSE shipped_at END,
                    delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE delivered_at END
             WHERE order_id = $1 AND line_no = $2",
        )
        .bind(order)
        .bind(line_no)
        .bind(to)
        .bind(carrier)
        .bind(tracking)
        .execute(&mut *change)
        .await?;
    }
    follow_lines(&mut change, order, status, caller.user_id).await?;
    let mut order = get(&mut change, order).await?.ok_or(DomainError::NotFound("order"))?;
    change.commit().await?;
    // A merchant sees the order as `/merchant/orders` shows it: with their own lines only.
    order.lines.retain(|line| caller.may_act_for(line.merchant_id));
    Ok(order)
}

/// Moves the order forward, step by step, as far as its lines now are
/// (`shopfleet_domain::order::follow_lines`), one history row and event per step.
async fn follow_lines(
    change: &mut Change<'_>,
    order: Uuid,
    mut status: OrderStatus,
    actor: Uuid,
) -> Result<(), DomainError> {
    let lines: Vec<LineFulfilment> =
        sqlx::query_scalar("SELECT fulfilment_status FROM order_lines WHERE order_id = $1")
            .bind(order)
            .fetch_all(&mut **change)
            .await?;
    for step in order::follow_lines(status, &lines) {
        let (reason, details) = match step {
            OrderStatus::Fulfilling => ("fulfilment_started", serde_json::json!({ "merchant_id": actor })),
            OrderStatus::Shipped => {
                let shipments: Vec<serde_json::Value> = sqlx::query_scalar(
                    "SELECT jsonb_build_object('line_no', line_no, 'carrier', carrier, 'tracking_number', tracking_number)
                     FROM order_lines WHERE order_id = $1 ORDER BY line_no",
                )
                .bind(order)
                .fetch_all(&mut **change)
                .await?;
                ("all_lines_shipped", serde_json::json!({ "shipments": shipments }))
            }
            _ => ("all_lines_delivered", serde_json::json!({})),
        };
        transition_with(change, order, status, step, Some(actor), reason, details).await?;
        status = step;
    }
    Ok(())
}

/// Orders with lines of `merchant`, newest first, each showing only that merchant's lines.
pub async fn list_for_merchant(
    conn: &mut PgConnection,
    merchant: Uuid,
    limit: i64,
) -> Result<Vec<Order>, DomainError> {
    let orders: Vec<Order> = sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders o
         WHERE EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.merchant_id = $1)
         ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(merchant)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    super::with_lines(conn, orders, Some(merchant)).await
}
