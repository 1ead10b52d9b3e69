//! A cart priced: its lines with what pricing needs of each product (tax class, weight,
//! categories with their ancestors, merchant), the tax rates and shipping methods at the
//! address, and the promotions in play, handed to the domain's `price`. The cart view and
//! checkout both price through [`quote`], so what the shopper is shown is what is charged.

use serde::Serialize;
use shopfleet_domain::pricing::{price, Address, Breakdown, Line, PricingInput, TaxClass};
use shopfleet_domain::DomainError;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use super::promotions;
use super::settings::{self, OfferedMethod};

/// One line of a cart as it is priced: its variant, quantity and current unit price.
#[derive(Debug, Clone, Copy)]
pub struct CartItem {
    pub variant_id: Uuid,
    pub quantity: i32,
    pub unit_price_minor: i64,
}

impl CartItem {
    pub fn new(variant_id: Uuid, quantity: i32, unit_price_minor: i64) -> Self {
        Self { variant_id, quantity, unit_price_minor }
    }
}

/// A shipping method the cart may take, with what it would cost.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MethodChoice {
    pub id: Uuid,
    pub name: String,
    pub delivery_time: String,
    /// Before any free-shipping promotion; as shown (tax included in an inclusive shop).
    pub price_minor: i64,
}

/// What to price.
pub struct QuoteRequest<'a> {
    pub user: Uuid,
    pub currency: &'a str,
    pub address: Address,
    pub items: &'a [CartItem],
    /// The chosen shipping method.
    pub method: Option<Uuid>,
    /// Checkout: the chosen method must serve the cart, and the limited promotions are
    /// locked (see [`promotions::in_play`]). The cart view drops a saved method that no
    /// longer serves the cart instead.
    pub checkout: bool,
    /// The promotion of the code applied to the cart.
    pub code: Option<Uuid>,
}

/// A priced cart.
pub struct Quote {
    pub breakdown: Breakdown,
    /// The methods that serve the cart at the address, by name.
    pub methods: Vec<MethodChoice>,
    /// The method priced in, with its name and delivery time for the order's snapshot.
    pub method: Option<OfferedMethod>,
    /// Whether the shop ships in the cart's currency at all: then checkout needs a method.
    pub shop_ships: bool,
}

#[derive(sqlx::FromRow)]
struct ProductFacts {
    variant_id: Uuid,
    product_id: Uuid,
    merchant_id: Uuid,
    tax_class: TaxClass,
    weight_grams: i32,
    category_ids: Vec<Uuid>,
}

/// Prices `request`.
pub async fn quote(conn: &mut PgConnection, request: QuoteRequest<'_>) -> Result<Quote, DomainError> {
    let lines = lines(conn, request.items).await?;
    let subtotal = lines.iter().map(|l| l.unit_price_minor * i64::from(l.quantity)).sum();
    let at = settings::at_address(conn, &request.address, request.currency).await?;
    let promotions =
        promotions::in_play(conn, request.user, request.currency, subtotal, request.code, request.checkout)
            .await?;
    let methods: Vec<MethodChoice> = at
        .methods
        .iter()
        .filter_map(|offered| {
            let price_minor = offered.method.cost(&request.address, &lines, subtotal).ok()?;
            Some(MethodChoice {
                id: offered.method.id,
                name: offered.name.clone(),
                delivery_time: offered.delivery_time.clone(),
                price_minor,
            })
        })
        .collect();
    let method = match request.method {
        Some(id) if methods.iter().any(|m| m.id == id) => at.methods.into_iter().find(|m| m.method.id == id),
        Some(_) if request.checkout => {
            return Err(DomainError::invalid(
                "shipping_method_id",
                "is not a shipping method that delivers this cart to this address",
            ))
        }
        _ => None,
    };
    let breakdown = price(&PricingInput {
        lines,
        address: request.address,
        tax: at.tax,
        shipping_method: method.as_ref().map(|m| m.method.clone()),
        promotions,
    })?;
    Ok(Quote { breakdown, methods, method, shop_ships: at.shop_ships })
}

/// The items as the domain prices them, with their products' facts.
async fn lines(conn: &mut PgConnection, items: &[CartItem]) -> Result<Vec<Line>, DomainError> {
    let ids: Vec<Uuid> = items.iter().map(|item| item.variant_id).collect();
    let facts: Vec<ProductFacts> = sqlx::query_as(
        "SELECT v.id AS variant_id, v.product_id, p.merchant_id, p.tax_class,
                coalesce(v.weight_grams, 0) AS weight_grams,
                ARRAY(SELECT a.id FROM categories c JOIN categories a
                        ON c.path = a.path OR c.path LIKE a.path || '/%'
                      WHERE c.id = p.category_id ORDER BY a.path) AS category_ids
         FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(conn)
    .await?;
    items
        .iter()
        .map(|item| {
            let fact = facts
                .iter()
                .find(|f| f.variant_id == item.variant_id)
                .ok_or(DomainError::NotFound("variant"))?;
            Ok(Line {
                variant_id: item.variant_id,
                product_id: fact.product_id,
                category_ids: fact.category_ids.clone(),
                merchant_id: Some(fact.merchant_id),
                unit_price_minor: item.unit_price_minor,
                quantity: u32::try_from(item.quantity).unwrap_or(0),
                weight_grams: u32::try_from(fact.weight_grams).unwrap_or(0),
                tax_class: fact.tax_class,
            })
        })
        .collect()
}

/// Where `user`'s address `address` is, as pricing needs it; `None` when it is not theirs.
pub async fn address_of(
    conn: &mut PgConnection,
    user: Uuid,
    address: Uuid,
) -> Result<Option<Address>, DomainError> {
    let found: Option<(String, Option<String>, String)> = sqlx::query_as(
        "SELECT country::text, region, postal_code FROM addresses WHERE id = $1 AND user_id = $2",
    )
    .bind(address)
    .bind(user)
    .fetch_optional(conn)
    .await?;
    Ok(found.map(|(country, region, postcode)| Address { country, region, postcode: Some(postcode) }))
}
