//! Promotions: admins make shop-wide ones; merchants make ones for their own products only
//! (the domain's rule: a merchant's promotion discounts that merchant's lines and never
//! shipping). Shoppers apply a code to their cart; checkout checks it again and counts the
//! redemption in its own transaction, under the promotion's row lock, so a code with 10
//! uses is redeemed exactly 10 times however many shoppers check out at once. Cancelling
//! an order, or its expiring unpaid, gives its uses back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shopfleet_domain::pricing::{check_code, AppliedDiscount, Benefit, Promotion, RedemptionFacts, Target};
use shopfleet_domain::{Caller, DomainError, Role};
use sqlx::{types::Json, PgConnection, PgPool};
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::catalog::check_currency;
use crate::events::{Change, EventType};

/// A promotion as admins and merchants see it.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct PromotionView {
    pub id: Uuid,
    /// What shoppers type (upper case); `null` for an automatic promotion.
    pub code: Option<String>,
    pub name: String,
    /// The merchant whose products it discounts; `null` for the shop's own promotions.
    pub owner_id: Option<Uuid>,
    pub currency: String,
    #[schema(value_type = Benefit)]
    pub benefit: Json<Benefit>,
    pub min_subtotal_minor: i64,
    pub combinable: bool,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub usage_limit: Option<i32>,
    pub per_customer_limit: Option<i32>,
    /// Uses held by orders that were not cancelled.
    // (Read inside checkout, it is the counter kept only for promotions with a usage limit;
    // see `COLUMNS`.)
    pub redemptions: i32,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// A promotion as it is written.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionInput {
    /// 3 to 32 letters, digits, `-` or `_` (stored upper case); omit for an automatic promotion.
    #[schema(min_length = 3, max_length = 32, pattern = "^[A-Za-z0-9][A-Za-z0-9_-]{2,31}$")]
    pub code: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Carts in this currency may use it (ISO 4217).
    pub currency: String,
    pub benefit: Benefit,
    #[serde(default)]
    pub min_subtotal_minor: i64,
    #[serde(default)]
    pub combinable: bool,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    #[schema(minimum = 1)]
    pub usage_limit: Option<u32>,
    #[schema(minimum = 1)]
    pub per_customer_limit: Option<u32>,
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn active_by_default() -> bool {
    true
}

/// The columns of a [`PromotionView`] with `redemptions` read from the counter, which is
/// kept only for promotions with a `usage_limit` (the hot path: that is all a check needs).
const COLUMNS: &str =
    "id, code, name, owner_id, currency::text AS currency, benefit, min_subtotal_minor, combinable, \
     starts_at, ends_at, usage_limit, per_customer_limit, redemptions, active, created_at";

/// The columns of a [`PromotionView`] with `redemptions` counted from the uses themselves,
/// right for every promotion (what admins and merchants see).
const COUNTED_COLUMNS: &str =
    "id, code, name, owner_id, currency::text AS currency, benefit, min_subtotal_minor, combinable, \
     starts_at, ends_at, usage_limit, per_customer_limit, \
     (SELECT count(*)::int FROM promotion_redemptions r \
       WHERE r.promotion_id = promotions.id AND r.released_at IS NULL) AS redemptions, \
     active, created_at";

impl PromotionView {
    /// The promotion as the pricing function takes it.
    pub fn rules(&self) -> Promotion {
        Promotion {
            id: self.id,
            code: self.code.clone(),
            benefit: self.benefit.0.clone(),
            min_subtotal_minor: self.min_subtotal_minor,
            combinable: self.combinable,
            owner: self.owner_id,
            starts_at: self.starts_at.map(|t| t.timestamp()),
            ends_at: self.ends_at.map(|t| t.timestamp()),
            usage_limit: self.usage_limit.and_then(|n| u32::try_from(n).ok()),
            per_customer_limit: self.per_customer_limit.and_then(|n| u32::try_from(n).ok()),
        }
    }
}

impl PromotionInput {
    /// The code upper-cased and the name trimmed, once the domain accepts the promotion.
    fn checked(&self, owner: Option<Uuid>) -> Result<(Option<String>, String), DomainError> {
        let code = self.code.as_ref().map(|code| code.trim().to_ascii_uppercase());
        if let Some(code) = &code {
            let valid = (3..=32).contains(&code.len())
                && code.starts_with(|c: char| c.is_ascii_alphanumeric())
                && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !valid {
                return Err(DomainError::invalid("code", "must be 3 to 32 letters, digits, `-` or `_`"));
            }
        }
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(DomainError::invalid("name", "must be 1 to 100 characters"));
        }
        check_currency("currency", &self.currency)?;
        if let (Some(starts), Some(ends)) = (self.starts_at, self.ends_at) {
            if starts >= ends {
                return Err(DomainError::invalid("ends_at", "must be after starts_at"));
            }
        }
        for (field, limit) in
            [("usage_limit", self.usage_limit), ("per_customer_limit", self.per_customer_limit)]
        {
            if limit.is_some_and(|n| n == 0 || i32::try_from(n).is_err()) {
                return Err(DomainError::invalid(field, "must be between 1 and 2147483647"));
            }
        }
        let rules = Promotion {
            id: Uuid::nil(),
            code: code.clone(),
            benefit: self.benefit.clone(),
            min_subtotal_minor: self.min_subtotal_minor,
            combinable: self.combinable,
            owner,
            starts_at: None,
            ends_at: None,
            usage_limit: self.usage_limit,
            per_customer_limit: self.per_customer_limit,
        };
        rules.validate("")?;
        Ok((code, name.to_owned()))
    }
}

fn code_taken(err: sqlx::Error, code: Option<&str>) -> DomainError {
    match &err {
        sqlx::Error::Database(e) if e.constraint() == Some("promotions_code_key") => DomainError::Conflict {
            code: "promotion_code_taken",
            detail: format!("code: `{}` is already a promotion's code", code.unwrap_or_default()),
        },
        _ => err.into(),
    }
}

/// Who may manage promotions: admins every one, merchants their own.
fn owner_for(caller: &Caller) -> Result<Option<Uuid>, DomainError> {
    match caller.role {
        Role::Admin => Ok(None),
        Role::Merchant => Ok(Some(caller.user_id)),
        Role::User => Err(DomainError::Forbidden("only merchants and admins manage promotions".into())),
    }
}

/// Promotions, as admins and merchants manage them.
#[derive(Clone)]
pub struct Promotions {
    db: PgPool,
}

impl Promotions {
    pub fn new(db: PgPool) -> Self {
        Self { db }
    }

    /// Admins: every promotion; merchants: their own.
    pub async fn list(&self, caller: &Caller) -> Result<Vec<PromotionView>, DomainError> {
        let owner = owner_for(caller)?;
        Ok(sqlx::query_as(&format!(
            "SELECT {COUNTED_COLUMNS} FROM promotions WHERE $1::uuid IS NULL OR owner_id = $1 ORDER BY created_at DESC, id"
        ))
        .bind(owner)
        .fetch_all(&self.db)
        .await?)
    }

    pub async fn create(
        &self,
        caller: &Caller,
        input: &PromotionInput,
    ) -> Result<PromotionView, DomainError> {
        let owner = owner_for(caller)?;
        let sql = format!(
            "INSERT INTO promotions (id, code, name, owner_id, currency, benefit, min_subtotal_minor, combinable,
                                     starts_at, ends_at, usage_limit, per_customer_limit, active)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING {COUNTED_COLUMNS}"
        );
        self.save(&sql, Uuid::now_v7(), owner, input).await?.ok_or(DomainError::NotFound("promotion"))
    }

    /// Replaces promotion `id`, recounting the uses its limit is held against (checkouts
    /// count uses only for promotions with a limit, and this one may just have gained one).
    /// A usage limit below the uses already held is refused.
    pub async fn update(
        &self,
        caller: &Caller,
        id: Uuid,
        input: &PromotionInput,
    ) -> Result<PromotionView, DomainError> {
        let owner = self.owned(caller, id).await?;
        let sql = format!(
            "UPDATE promotions SET code = $2, name = $3, currency = $5, benefit = $6, min_subtotal_minor = $7,
                    combinable = $8, starts_at = $9, ends_at = $10, usage_limit = $11, per_customer_limit = $12,
                    active = $13,
                    redemptions = (SELECT count(*) FROM promotion_redemptions
                                   WHERE promotion_id = $1 AND released_at IS NULL)
             WHERE id = $1 AND owner_id IS NOT DISTINCT FROM $4 RETURNING {COUNTED_COLUMNS}"
        );
        self.save(&sql, id, owner, input).await?.ok_or(DomainError::NotFound("promotion"))
    }

    /// Runs `sql` (an insert or an update) with promotion `id` of `owner` and the checked
    /// `input` as `$1`–`$13`.
    async fn save(
        &self,
        sql: &str,
        id: Uuid,
        owner: Option<Uuid>,
        input: &PromotionInput,
    ) -> Result<Option<PromotionView>, DomainError> {
        let (code, name) = input.checked(owner)?;
        self.check_targets(owner, &input.benefit).await?;
        let result = sqlx::query_as(sql)
            .bind(id)
            .bind(&code)
            .bind(&name)
            .bind(owner)
            .bind(&input.currency)
            .bind(Json(&input.benefit))
            .bind(input.min_subtotal_minor)
            .bind(input.combinable)
            .bind(input.starts_at)
            .bind(input.ends_at)
            .bind(input.usage_limit.map(i64::from))
            .bind(input.per_customer_limit.map(i64::from))
            .bind(input.active)
            .fetch_optional(&self.db)
            .await;
        match result {
            Err(sqlx::Error::Database(e))
                if e.constraint() == Some("promotions_redemptions_within_limit") =>
            {
                Err(DomainError::invalid("usage_limit", "is below the uses orders already hold"))
            }
            other => other.map_err(|err| code_taken(err, code.as_deref())),
        }
    }

    /// Deletes promotion `id`; one that orders have used is deactivated instead (409).
    pub async fn delete(&self, caller: &Caller, id: Uuid) -> Result<(), DomainError> {
        self.owned(caller, id).await?;
        let used: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM promotion_redemptions WHERE promotion_id = $1)")
                .bind(id)
                .fetch_one(&self.db)
                .await?;
        if used {
            return Err(DomainError::Conflict {
                code: "promotion_redeemed",
                detail: "orders have used this promotion: set `active` to false instead".into(),
            });
        }
        sqlx::query("DELETE FROM promotions WHERE id = $1").bind(id).execute(&self.db).await?;
        Ok(())
    }

    /// The owner of promotion `id`, when `caller` may manage it (others' are not found).
    async fn owned(&self, caller: &Caller, id: Uuid) -> Result<Option<Uuid>, DomainError> {
        let wanted = owner_for(caller)?;
        let owner: Option<Option<Uuid>> = sqlx::query_scalar("SELECT owner_id FROM promotions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.db)
            .await?;
        match owner {
            Some(owner) if wanted.is_none() || owner == wanted => Ok(owner),
            _ => Err(DomainError::NotFound("promotion")),
        }
    }

    /// A merchant's promotion may only name the merchant's own products.
    async fn check_targets(&self, owner: Option<Uuid>, benefit: &Benefit) -> Result<(), DomainError> {
        let (Some(merchant), Some(Target::Products { product_ids })) = (owner, benefit_target(benefit))
        else {
            return Ok(());
        };
        let foreign: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM unnest($1::uuid[]) AS wanted(id)
             WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.id = wanted.id AND p.merchant_id = $2)",
        )
        .bind(product_ids)
        .bind(merchant)
        .fetch_one(&self.db)
        .await?;
        if foreign > 0 {
            return Err(DomainError::invalid("benefit.target.product_ids", "must all be your own products"));
        }
        Ok(())
    }
}

fn benefit_target(benefit: &Benefit) -> Option<&Target> {
    match benefit {
        Benefit::PercentOff { target, .. }
        | Benefit::AmountOff { target, .. }
        | Benefit::BuyXGetY { target, .. } => Some(target),
        Benefit::FreeShipping => None,
    }
}

/// The promotion with `code` (any case), active, or `code_unknown` naming `code`.
pub async fn by_code(conn: &mut PgConnection, code: &str) -> Result<PromotionView, DomainError> {
    let found: Option<PromotionView> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM promotions WHERE code = upper($1) AND active"))
            .bind(code.trim())
            .fetch_optional(conn)
            .await?;
    found.ok_or_else(|| DomainError::Rejected {
        code: "code_unknown",
        field: "code".into(),
        detail: "no promotion has this code".into(),
    })
}

/// Whether `promotion` may be used by `user` on a cart in `currency` worth `subtotal_minor`
/// now, counting its uses as they stand (the per-customer ones under [`in_play`]'s lock at
/// checkout; the total against the counter, which checkout re-checks when it commits).
pub async fn check(
    conn: &mut PgConnection,
    promotion: &PromotionView,
    user: Uuid,
    currency: &str,
    subtotal_minor: i64,
) -> Result<(), DomainError> {
    if promotion.currency != currency {
        return Err(DomainError::Rejected {
            code: "code_not_applicable",
            field: "code".into(),
            detail: format!("the code is for carts in {}", promotion.currency),
        });
    }
    let customer: i64 = if promotion.per_customer_limit.is_some() {
        sqlx::query_scalar(
            "SELECT count(*) FROM promotion_redemptions WHERE promotion_id = $1 AND user_id = $2 AND released_at IS NULL",
        )
        .bind(promotion.id)
        .bind(user)
        .fetch_one(conn)
        .await?
    } else {
        0
    };
    let facts = RedemptionFacts {
        now: Utc::now().timestamp(),
        total_redemptions: u32::try_from(promotion.redemptions).unwrap_or(u32::MAX),
        customer_redemptions: u32::try_from(customer).unwrap_or(u32::MAX),
    };
    check_code(&promotion.rules(), &facts, subtotal_minor)
}

/// The promotions a cart of `user` in `currency` worth `subtotal_minor` gets: the automatic
/// ones that pass their checks, and the applied code `code` (which must pass: its refusal
/// is the error). At `checkout`, each promotion with a per-customer limit takes a
/// transaction lock on (promotion, customer) before that customer's uses are counted, so
/// one customer's concurrent checkouts count one after the other while other customers
/// never wait. Total limits are not locked here: [`count_limited_uses`], the checkout's
/// last statement, enforces them.
pub async fn in_play(
    conn: &mut PgConnection,
    user: Uuid,
    currency: &str,
    subtotal_minor: i64,
    code: Option<Uuid>,
    checkout: bool,
) -> Result<Vec<Promotion>, DomainError> {
    let candidates: Vec<PromotionView> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM promotions
         WHERE (code IS NULL AND active AND currency = $1
                AND (starts_at IS NULL OR starts_at <= now()) AND (ends_at IS NULL OR ends_at > now()))
            OR id = $2
         ORDER BY id"
    ))
    .bind(currency)
    .bind(code)
    .fetch_all(&mut *conn)
    .await?;
    if checkout {
        let per_customer: Vec<Uuid> =
            candidates.iter().filter(|p| p.per_customer_limit.is_some()).map(|p| p.id).collect();
        if !per_customer.is_empty() {
            sqlx::query(
                "SELECT pg_advisory_xact_lock(hashtextextended(p::text || $2::text, 0))
                 FROM unnest($1::uuid[]) AS p ORDER BY p",
            )
            .bind(&per_customer)
            .bind(user)
            .execute(&mut *conn)
            .await?;
        }
    }
    let mut in_play = Vec::with_capacity(candidates.len());
    for promotion in candidates {
        let applied_code = Some(promotion.id) == code;
        let verdict = if applied_code && !promotion.active {
            Err(DomainError::Rejected {
                code: "code_unknown",
                field: "code".into(),
                detail: "the code is no longer offered".into(),
            })
        } else {
            check(conn, &promotion, user, currency, subtotal_minor).await
        };
        match verdict {
            Ok(()) => in_play.push(promotion.rules()),
            Err(problem) if applied_code => return Err(problem),
            Err(_) => {} // an automatic promotion that does not apply to this cart
        }
    }
    Ok(in_play)
}

#[derive(Serialize)]
struct Redeemed<'a> {
    promotion_id: Uuid,
    code: Option<&'a str>,
    order_id: Uuid,
    user_id: Uuid,
    amount_minor: i64,
}

/// Records the uses of the promotions `discounts` applied to order `order` of `user`, in
/// the checkout transaction, each with a `promotion.redeemed` event; returns whether there
/// was any. Takes no lock on the promotions: [`count_limited_uses`] does that last.
pub async fn redeem(
    change: &mut Change<'_>,
    order: Uuid,
    user: Uuid,
    discounts: &[AppliedDiscount],
) -> Result<bool, DomainError> {
    let mut used: HashMap<Uuid, (Option<&str>, i64)> = HashMap::new();
    for discount in discounts.iter().filter(|d| d.amount_minor > 0) {
        let entry = used.entry(discount.promotion_id).or_insert((discount.code.as_deref(), 0));
        entry.1 += discount.amount_minor;
    }
    let mut ids: Vec<&Uuid> = used.keys().collect();
    ids.sort();
    for id in ids {
        let (code, amount) = used[id];
        sqlx::query(
            "INSERT INTO promotion_redemptions (promotion_id, order_id, user_id, amount_minor) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(order)
        .bind(user)
        .bind(amount)
        .execute(&mut **change)
        .await?;
        let event =
            Redeemed { promotion_id: *id, code, order_id: order, user_id: user, amount_minor: amount };
        change.record(EventType::PromotionRedeemed, id, &event)?;
    }
    Ok(!used.is_empty())
}

/// Counts order `order`'s uses against the promotions that have a total usage limit, in id
/// order. The locks are `NO KEY UPDATE`, which the key-share locks of concurrent checkouts'
/// redemption rows (their foreign key) do not block, so checkouts queue instead of
/// deadlocking. Checkout runs it as its last statement before commit, so the row locks it takes
/// (every checkout with the same limited code needs the same row) are held only for the
/// commit; the table's CHECK refuses a use past the limit (`usage_limit_reached`), and the
/// whole checkout rolls back. Promotions without a limit are never locked by checkout.
pub async fn count_limited_uses(conn: &mut PgConnection, order: Uuid) -> Result<(), DomainError> {
    sqlx::query(
        "UPDATE promotions SET redemptions = redemptions + 1
         FROM (SELECT p.id FROM promotions p JOIN promotion_redemptions r ON r.promotion_id = p.id
               WHERE r.order_id = $1 AND p.usage_limit IS NOT NULL ORDER BY p.id FOR NO KEY UPDATE OF p) used
         WHERE promotions.id = used.id",
    )
    .bind(order)
    .execute(conn)
    .await
    .map_err(|err| match &err {
        sqlx::Error::Database(e) if e.constraint() == Some("promotions_redemptions_within_limit") => {
            DomainError::Rejected {
                code: "usage_limit_reached",
                field: "code".into(),
                detail: "the code has been redeemed as often as it may be".into(),
            }
        }
        _ => err.into(),
    })?;
    Ok(())
}

/// Gives back the uses held by `orders` (cancelled or expired). Callers run it after
/// releasing stock, and it locks the limited promotions' rows in id order first: the order
/// checkout takes them in, so the two cannot deadlock.
pub async fn release(conn: &mut PgConnection, orders: &[Uuid]) -> Result<(), DomainError> {
    sqlx::query(
        "SELECT 1 FROM promotions WHERE usage_limit IS NOT NULL AND id IN
           (SELECT promotion_id FROM promotion_redemptions WHERE order_id = ANY($1) AND released_at IS NULL)
         ORDER BY id FOR NO KEY UPDATE",
    )
    .bind(orders)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "WITH released AS (
           UPDATE promotion_redemptions SET released_at = now()
           WHERE order_id = ANY($1) AND released_at IS NULL RETURNING promotion_id)
         UPDATE promotions p SET redemptions = greatest(p.redemptions - r.uses, 0)
         FROM (SELECT promotion_id, count(*) AS uses FROM released GROUP BY promotion_id) r
         WHERE p.id = r.promotion_id AND p.usage_limit IS NOT NULL",
    )
    .bind(orders)
    .execute(conn)
    .await?;
    Ok(())
}
