//! A cart priced: its lines with what pricing needs of each product ([`ProductFacts`]: tax
//! class, weight, categories with their ancestors, merchant; read with the cart's lines, in
//! the same statement), the tax rates and shipping methods at the
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
    /// The cart's lines, each with its product's facts ([`ProductFacts::line`]).
    pub items: &'a [Line],
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

/// What pricing needs of a line's product, read with the cart's lines: a query joining
/// `variants v` and `products p` selects [`ProductFacts::COLUMNS`] and adds
/// [`ProductFacts::JOIN`], and its row type flattens this one in.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProductFacts {
    pub merchant_id: Uuid,
    tax_class: TaxClass,
    weight_grams: i32,
    /// The product's category and its ancestors, from the root down.
    category_ids: Vec<Uuid>,
}

impl ProductFacts {
    pub const COLUMNS: &'static str =
        "p.merchant_id, p.tax_class, coalesce(v.weight_grams, 0) AS weight_grams, \
         coalesce(c.lineage, '{}') AS category_ids";
    pub const JOIN: &'static str = "LEFT JOIN categories c ON c.id = p.category_id";

    /// A line of `quantity` units of `variant` (of `product`) at `unit_price_minor`, as the
    /// domain prices it.
    pub fn line(&self, variant: Uuid, product: Uuid, quantity: i32, unit_price_minor: i64) -> Line {
        Line {
            variant_id: variant,
            product_id: product,
            category_ids: self.category_ids.clone(),
            merchant_id: Some(self.merchant_id),
            unit_price_minor,
            quantity: u32::try_from(quantity).unwrap_or(0),
            weight_grams: u32::try_from(self.weight_grams).unwrap_or(0),
            tax_class: self.tax_class,
        }
    }
}

/// Prices `request`.
pub async fn quote(conn: &mut PgConnection, request: QuoteRequest<'_>) -> Result<Quote, DomainError> {
    let lines = request.items.to_vec();
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
