//! Shopping carts: one per user, persisted in Postgres. Totals are always computed on
//! the server from current prices; each line reports what changed since it was added
//! (price, stock, availability), which checkout re-checks in its own transaction. The
//! shopper's choices — address, shipping method, promotion code — are kept on the cart,
//! and the cart is priced with them (`crate::pricing::quote`) exactly as checkout will be.

use crate::accounts::Caller;
use crate::pricing::{
    promotions,
    quote::{self, MethodChoice, ProductFacts, QuoteRequest},
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use shopfleet_domain::{
    cart::{check_quantity, ensure_checkout_ready, LineNow},
    pricing::{Address, Breakdown, Line},
    DomainError,
};
use sqlx::{PgConnection, PgPool};
use utoipa::ToSchema;
use uuid::Uuid;

pub use shopfleet_domain::cart::{LineIssue, MAX_LINES, MAX_LINE_QUANTITY};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CartLine {
    pub variant_id: Uuid,
    pub product_id: Uuid,
    pub title: String,
    pub sku: String,
    pub quantity: i32,
    pub unit_price_minor: i64,
    pub currency: String,
    pub line_total_minor: i64,
    pub available: i32,
    pub added_at: DateTime<Utc>,
    /// Empty when checkout would take the line as it is.
    pub issues: Vec<LineIssue>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Cart {
    pub lines: Vec<CartLine>,
    /// Sum of the lines at current prices (minor units); 0 for an empty cart.
    pub subtotal_minor: i64,
    pub currency: Option<String>,
    pub item_count: i64,
    /// True when no line has an issue.
    pub ready_for_checkout: bool,
    /// The promotion code applied to the cart.
    pub code: Option<AppliedCode>,
    /// The cart priced at its address (the chosen one, else the shopper's default): discounts,
    /// shipping, tax by rate and the total checkout will charge. `null` while the cart is
    /// empty or the shopper has no address.
    pub pricing: Option<CartPricing>,
}

/// A code on the cart, and why it does not apply now (then the cart is priced without it,
/// and checkout refuses it until it is removed).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppliedCode {
    pub code: String,
    /// The refusal's stable code (`code_expired`, `usage_limit_reached`, `minimum_not_met`…).
    pub problem: Option<String>,
    pub problem_detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CartPricing {
    pub address_id: Uuid,
    /// The methods that deliver this cart to the address, with their prices.
    pub shipping_methods: Vec<MethodChoice>,
    /// The chosen method, when it still serves the cart.
    pub shipping_method_id: Option<Uuid>,
    /// Whether checkout needs a shipping method (the shop ships in the cart's currency).
    pub shipping_required: bool,
    pub breakdown: Breakdown,
}

/// What the shopper chose on the cart, with where the cart goes: the chosen address, else
/// their default one.
#[derive(sqlx::FromRow, Default)]
struct Choices {
    address_id: Option<Uuid>,
    country: Option<String>,
    region: Option<String>,
    postal_code: Option<String>,
    shipping_method_id: Option<Uuid>,
    promotion_id: Option<Uuid>,
    code: Option<String>,
}

impl Choices {
    /// The destination as pricing needs it, when there is one.
    fn destination(&self) -> Option<(Uuid, Address)> {
        let (id, country) = (self.address_id?, self.country.clone()?);
        Some((id, Address { country, region: self.region.clone(), postcode: self.postal_code.clone() }))
    }
}

#[derive(sqlx::FromRow)]
struct LineRow {
    variant_id: Uuid,
    product_id: Uuid,
    title: String,
    sku: String,
    quantity: i32,
    seen_price_minor: i64,
    price_minor: i64,
    currency: String,
    available: i32,
    published: bool,
    added_at: DateTime<Utc>,
    #[sqlx(flatten)]
    facts: ProductFacts,
}

impl LineRow {
    /// The line as pricing takes it, at its current price.
    fn priced(&self) -> Line {
        self.facts.line(self.variant_id, self.product_id, self.quantity, self.price_minor)
    }
}

impl From<LineRow> for CartLine {
    fn from(row: LineRow) -> Self {
        let issues = LineNow {
            sku: &row.sku,
            quantity: row.quantity,
            seen_price_minor: row.seen_price_minor,
            price_minor: row.price_minor,
            available: row.available,
            published: row.published,
        }
        .issues();
        CartLine {
            variant_id: row.variant_id,
            product_id: row.product_id,
            title: row.title,
            sku: row.sku,
            quantity: row.quantity,
            unit_price_minor: row.price_minor,
            currency: row.currency,
            line_total_minor: row.price_minor * i64::from(row.quantity),
            available: row.available,
            added_at: row.added_at,
            issues,
        }
    }
}

/// The shoppers' carts; every operation acts on the caller's own cart.
#[derive(Clone)]
pub struct Carts {
    db: PgPool,
}

impl Carts {
    pub fn new(db: PgPool) -> Self {
        Self { db }
    }

    /// The user's cart as it is now.
    pub async fn get(&self, caller: &Caller) -> Result<Cart, DomainError> {
        let (db, user) = (&self.db, caller.user_id);
        let rows: Vec<LineRow> = sqlx::query_as(&format!(
            "SELECT l.variant_id, v.product_id, p.title, v.sku, l.quantity, l.seen_price_minor, v.price_minor,
                    v.currency, v.on_hand - v.reserved AS available, p.status = 'published' AS published, l.added_at,
                    {}
             FROM cart_lines l JOIN variants v ON v.id = l.variant_id JOIN products p ON p.id = v.product_id {}
             WHERE l.user_id = $1 ORDER BY l.added_at, l.variant_id",
            ProductFacts::COLUMNS,
            ProductFacts::JOIN
        ))
        .bind(user)
        .fetch_all(db)
        .await?;
        let items: Vec<Line> = rows.iter().map(LineRow::priced).collect();
        let lines: Vec<CartLine> = rows.into_iter().map(CartLine::from).collect();
        let mut conn = db.acquire().await?;
        let choices = choices(&mut conn, user).await?;
        let currency = lines.first().map(|line| line.currency.clone());
        let (code, pricing) = match &currency {
            Some(currency) => price(&mut conn, user, currency, &items, &choices).await?,
            None => {
                (choices.code.map(|code| AppliedCode { code, problem: None, problem_detail: None }), None)
            }
        };
        Ok(Cart {
            subtotal_minor: lines.iter().map(|line| line.line_total_minor).sum(),
            currency,
            item_count: lines.iter().map(|line| i64::from(line.quantity)).sum(),
            ready_for_checkout: lines.iter().all(|line| line.issues.is_empty()),
            code,
            pricing,
            lines,
        })
    }

    /// Chooses where the cart goes and how: one of the caller's addresses, and a shipping
    /// method (whether it serves the cart is shown in the cart's pricing and checked at checkout).
    pub async fn choose_delivery(
        &self,
        caller: &Caller,
        address: Option<Uuid>,
        method: Option<Uuid>,
    ) -> Result<Cart, DomainError> {
        let mut conn = self.db.acquire().await?;
        if let Some(address) = address {
            if quote::address_of(&mut conn, caller.user_id, address).await?.is_none() {
                return Err(DomainError::invalid("address_id", "is not one of your addresses"));
            }
        }
        if let Some(method) = method {
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM shipping_methods WHERE id = $1 AND active)")
                    .bind(method)
                    .fetch_one(&mut *conn)
                    .await?;
            if !exists {
                return Err(DomainError::invalid("shipping_method_id", "no such shipping method"));
            }
        }
        sqlx::query(
            "INSERT INTO carts (user_id, address_id, shipping_method_id) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE
               SET address_id = EXCLUDED.address_id, shipping_method_id = EXCLUDED.shipping_method_id,
                   updated_at = now()",
        )
        .bind(caller.user_id)
        .bind(address)
        .bind(method)
        .execute(&mut *conn)
        .await?;
        drop(conn);
        self.get(caller).await
    }

    /// Applies a promotion code, refused with its reason (`code_unknown`, `code_expired`,
    /// `usage_limit_reached`, `minimum_not_met`… naming `code`) when it does not apply now.
    pub async fn apply_code(&self, caller: &Caller, code: &str) -> Result<Cart, DomainError> {
        let mut conn = self.db.acquire().await?;
        let (cart_currency, subtotal): (Option<String>, i64) = sqlx::query_as(
            "SELECT min(v.currency), coalesce(sum(v.price_minor * l.quantity), 0)::bigint
             FROM cart_lines l JOIN variants v ON v.id = l.variant_id WHERE l.user_id = $1",
        )
        .bind(caller.user_id)
        .fetch_one(&mut *conn)
        .await?;
        let promotion = promotions::by_code(&mut conn, code).await?;
        let currency = cart_currency.as_deref().unwrap_or(&promotion.currency);
        promotions::check(&mut conn, &promotion, caller.user_id, currency, subtotal).await?;
        sqlx::query(
            "INSERT INTO carts (user_id, promotion_id) VALUES ($1, $2)
             ON CONFLICT (user_id) DO UPDATE SET promotion_id = EXCLUDED.promotion_id, updated_at = now()",
        )
        .bind(caller.user_id)
        .bind(promotion.id)
        .execute(&mut *conn)
        .await?;
        drop(conn);
        self.get(caller).await
    }

    /// Removes the applied code.
    pub async fn remove_code(&self, caller: &Caller) -> Result<Cart, DomainError> {
        sqlx::query("UPDATE carts SET promotion_id = NULL, updated_at = now() WHERE user_id = $1")
            .bind(caller.user_id)
            .execute(&self.db)
            .await?;
        self.get(caller).await
    }

    /// Adds `quantity` units of `variant` (to the line's quantity when it exists).
    pub async fn add(&self, caller: &Caller, variant: Uuid, quantity: i32) -> Result<Cart, DomainError> {
        let (db, user) = (&self.db, caller.user_id);
        check_quantity(quantity)?;
        let mut tx = db.begin().await?;
        sqlx::query(
            "INSERT INTO carts (user_id) VALUES ($1) ON CONFLICT (user_id) DO UPDATE SET updated_at = now()",
        )
        .bind(user)
        .execute(&mut *tx)
        .await?;
        // The cart row's lock (until commit) serialises concurrent changes to this cart. Under
        // it, one statement reads the variant and the cart's other lines (their currency and
        // count) and adds the line only when all of them allow it.
        let target: Option<(String, bool, Option<String>, i64)> = sqlx::query_as(
            "WITH target AS (
               SELECT v.price_minor, v.currency, p.status = 'published' AS for_sale,
                      (SELECT o.currency FROM cart_lines l JOIN variants o ON o.id = l.variant_id
                       WHERE l.user_id = $1 AND l.variant_id <> $2 LIMIT 1) AS cart_currency,
                      (SELECT count(*) FROM cart_lines WHERE user_id = $1 AND variant_id <> $2) AS lines
               FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = $2),
             added AS (
               INSERT INTO cart_lines (user_id, variant_id, quantity, seen_price_minor)
               SELECT $1, $2, $3, price_minor FROM target
               WHERE for_sale AND coalesce(cart_currency = currency, true) AND lines < $4
               ON CONFLICT (user_id, variant_id) DO UPDATE
                 SET quantity = cart_lines.quantity + EXCLUDED.quantity, seen_price_minor = EXCLUDED.seen_price_minor)
             SELECT currency, for_sale, cart_currency, lines FROM target",
        )
        .bind(user)
        .bind(variant)
        .bind(quantity)
        .bind(MAX_LINES)
        .fetch_optional(&mut *tx)
        .await
        .map_err(quantity_overflow)?;
        let Some((currency, true, cart_currency, lines)) = target else {
            return Err(DomainError::invalid("variant_id", "no such variant for sale"));
        };
        if cart_currency.is_some_and(|existing| existing != currency) {
            return Err(DomainError::Conflict {
                code: "currency_mismatch",
                detail: format!("variant_id: the cart is in another currency than this variant's {currency}"),
            });
        }
        if lines >= MAX_LINES {
            return Err(DomainError::invalid(
                "variant_id",
                format!("a cart holds at most {MAX_LINES} lines"),
            ));
        }
        tx.commit().await?;
        self.get(caller).await
    }

    /// Sets the quantity of an existing line (and accepts its current price).
    pub async fn set_quantity(
        &self,
        caller: &Caller,
        variant: Uuid,
        quantity: i32,
    ) -> Result<Cart, DomainError> {
        let (db, user) = (&self.db, caller.user_id);
        check_quantity(quantity)?;
        let updated = sqlx::query(
            "UPDATE cart_lines l SET quantity = $3, seen_price_minor = v.price_minor
             FROM variants v WHERE v.id = l.variant_id AND l.user_id = $1 AND l.variant_id = $2",
        )
        .bind(user)
        .bind(variant)
        .bind(quantity)
        .execute(db)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(DomainError::NotFound("cart line"));
        }
        self.get(caller).await
    }

    /// Removes a line.
    pub async fn remove(&self, caller: &Caller, variant: Uuid) -> Result<Cart, DomainError> {
        let (db, user) = (&self.db, caller.user_id);
        let removed = sqlx::query("DELETE FROM cart_lines WHERE user_id = $1 AND variant_id = $2")
            .bind(user)
            .bind(variant)
            .execute(db)
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(DomainError::NotFound("cart line"));
        }
        self.get(caller).await
    }

    /// Empties the cart.
    pub async fn clear(&self, caller: &Caller) -> Result<(), DomainError> {
        empty(&mut *self.db.acquire().await?, caller.user_id).await
    }
}

/// Removes every line of `user`'s cart and the code applied to it, in the caller's
/// transaction (the address and method stay for the next order).
pub async fn empty(conn: &mut PgConnection, user: Uuid) -> Result<(), DomainError> {
    sqlx::query(
        "WITH emptied AS (DELETE FROM cart_lines WHERE user_id = $1)
         UPDATE carts SET promotion_id = NULL WHERE user_id = $1",
    )
    .bind(user)
    .execute(conn)
    .await?;
    Ok(())
}

/// The shopper's saved choices (none before the cart exists) and destination, in one read.
async fn choices(conn: &mut PgConnection, user: Uuid) -> Result<Choices, DomainError> {
    Ok(sqlx::query_as(
        "SELECT a.id AS address_id, a.country::text AS country, a.region, a.postal_code,
                c.shipping_method_id, c.promotion_id, p.code
         FROM (SELECT $1::uuid AS user_id) u
         LEFT JOIN carts c ON c.user_id = u.user_id
         LEFT JOIN promotions p ON p.id = c.promotion_id
         LEFT JOIN addresses a ON a.user_id = u.user_id AND a.id = coalesce(c.address_id,
           (SELECT d.id FROM addresses d WHERE d.user_id = u.user_id AND d.is_default))",
    )
    .bind(user)
    .fetch_one(conn)
    .await?)
}

/// The cart priced with the shopper's choices: at the chosen address or else the default
/// one; a code that does not apply now is reported and left out.
async fn price(
    conn: &mut PgConnection,
    user: Uuid,
    currency: &str,
    items: &[Line],
    choices: &Choices,
) -> Result<(Option<AppliedCode>, Option<CartPricing>), DomainError> {
    let mut code = choices.code.clone().map(|code| AppliedCode { code, problem: None, problem_detail: None });
    let Some((address_id, address)) = choices.destination() else { return Ok((code, None)) };
    let request = |promotion| QuoteRequest {
        user,
        currency,
        address: address.clone(),
        items,
        method: choices.shipping_method_id,
        checkout: false,
        code: promotion,
    };
    let quoted = match quote::quote(conn, request(choices.promotion_id)).await {
        Err(DomainError::Rejected { code: problem, detail, .. }) if choices.promotion_id.is_some() => {
            if let Some(applied) = code.as_mut() {
                applied.problem = Some(problem.to_owned());
                applied.problem_detail = Some(detail);
            }
            quote::quote(conn, request(None)).await?
        }
        other => other?,
    };
    let pricing = CartPricing {
        address_id,
        shipping_method_id: quoted.method.as_ref().map(|m| m.method.id),
        shipping_methods: quoted.methods,
        shipping_required: quoted.shop_ships,
        breakdown: quoted.breakdown,
    };
    Ok((code, Some(pricing)))
}

/// A cart line as checkout takes it: the variant's current price beside the price the
/// shopper saw.
#[derive(sqlx::FromRow)]
pub struct CheckoutLine {
    pub variant_id: Uuid,
    pub product_id: Uuid,
    pub title: String,
    pub sku: String,
    pub quantity: i32,
    pub seen_price_minor: i64,
    pub price_minor: i64,
    pub currency: String,
    pub published: bool,
    #[sqlx(flatten)]
    pub facts: ProductFacts,
}

impl CheckoutLine {
    /// The line as pricing takes it, at its current price.
    pub fn priced(&self) -> Line {
        self.facts.line(self.variant_id, self.product_id, self.quantity, self.price_minor)
    }

    fn now(&self) -> LineNow<'_> {
        LineNow {
            sku: &self.sku,
            quantity: self.quantity,
            seen_price_minor: self.seen_price_minor,
            price_minor: self.price_minor,
            // Stock is judged by the reservation checkout takes next.
            available: self.quantity,
            published: self.published,
        }
    }
}

/// What checkout takes from the locked cart: its lines in variant order and the shopper's
/// saved shipping method and code.
pub struct LockedCart {
    pub lines: Vec<CheckoutLine>,
    pub shipping_method_id: Option<Uuid>,
    pub promotion_id: Option<Uuid>,
}

/// Locks `user`'s cart for checkout and returns its lines in variant order (the order
/// stock is locked in, so concurrent checkouts cannot deadlock) with the saved choices.
/// Refuses an empty cart and a cart whose lines changed since they were added, naming
/// each line.
pub async fn lock_for_checkout(conn: &mut PgConnection, user: Uuid) -> Result<LockedCart, DomainError> {
    let choices: Option<(Option<Uuid>, Option<Uuid>)> =
        sqlx::query_as("SELECT shipping_method_id, promotion_id FROM carts WHERE user_id = $1 FOR UPDATE")
            .bind(user)
            .fetch_optional(&mut *conn)
            .await?;
    let (shipping_method_id, promotion_id) = choices.unwrap_or_default();
    let lines: Vec<CheckoutLine> = sqlx::query_as(&format!(
        "SELECT l.variant_id, v.product_id, p.title, v.sku, l.quantity, l.seen_price_minor,
                v.price_minor, v.currency, p.status = 'published' AS published, {}
         FROM cart_lines l JOIN variants v ON v.id = l.variant_id JOIN products p ON p.id = v.product_id {}
         WHERE l.user_id = $1 ORDER BY l.variant_id",
        ProductFacts::COLUMNS,
        ProductFacts::JOIN
    ))
    .bind(user)
    .fetch_all(conn)
    .await?;
    let now: Vec<LineNow> = lines.iter().map(CheckoutLine::now).collect();
    ensure_checkout_ready(&now)?;
    Ok(LockedCart { lines, shipping_method_id, promotion_id })
}

fn quantity_overflow(err: sqlx::Error) -> DomainError {
    match &err {
        sqlx::Error::Database(db) if db.constraint() == Some("cart_line_quantity") => DomainError::invalid(
            "quantity",
            format!("a line holds at most {MAX_LINE_QUANTITY} units; this would exceed it"),
        ),
        _ => err.into(),
    }
}
