//! What admins configure for pricing: whether the shop's prices include tax, the shipping
//! zones with their tax rates, and each zone's shipping methods. Inputs are checked by the
//! domain's own validators, so a zone or rate the pricing function would refuse is never
//! stored.

use serde::{Deserialize, Serialize};
use shopfleet_domain::pricing::{Address, ShippingMethod, ShippingRate, TaxClass, TaxConfig, TaxMode, Zone};
use shopfleet_domain::DomainError;
use sqlx::{types::Json, PgConnection, PgExecutor, PgPool};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::catalog::check_currency;

/// The shop-wide pricing settings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PricingSettings {
    /// `true`: prices contain tax (EU style); `false`: tax is added at checkout (US style).
    pub prices_include_tax: bool,
}

/// A shipping zone with its tax rates (basis points: 1900 = 19 %).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct ShippingZone {
    pub id: Uuid,
    pub name: String,
    pub countries: Vec<String>,
    pub regions: Vec<String>,
    pub postcode_prefixes: Vec<String>,
    pub standard_rate_bp: i32,
    pub reduced_rate_bp: i32,
}

/// A zone as an admin writes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneInput {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// ISO 3166-1 alpha-2 codes, upper case.
    #[schema(min_items = 1, max_items = 300)]
    pub countries: Vec<String>,
    /// When not empty, only these regions (state or province codes) of the countries.
    #[serde(default)]
    #[schema(max_items = 300)]
    pub regions: Vec<String>,
    /// When not empty, only postcodes starting with one of these.
    #[serde(default)]
    #[schema(max_items = 300)]
    pub postcode_prefixes: Vec<String>,
    #[serde(default)]
    #[schema(maximum = 10000)]
    pub standard_rate_bp: u32,
    #[serde(default)]
    #[schema(maximum = 10000)]
    pub reduced_rate_bp: u32,
}

/// A shipping method of a zone.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct ShippingMethodView {
    pub id: Uuid,
    pub zone_id: Uuid,
    pub name: String,
    /// Shown to shoppers, e.g. "2–3 working days".
    pub delivery_time: String,
    pub currency: String,
    #[schema(value_type = ShippingRate)]
    pub rate: Json<ShippingRate>,
    pub tax_class: TaxClass,
    pub active: bool,
}

/// A shipping method as an admin writes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MethodInput {
    pub zone_id: Uuid,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub delivery_time: String,
    /// The currency of the carts it serves (ISO 4217).
    pub currency: String,
    pub rate: ShippingRate,
    /// The class its price is taxed at; `standard` when omitted.
    #[serde(default)]
    pub tax_class: Option<TaxClass>,
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn active_by_default() -> bool {
    true
}

/// Most countries, regions or postcode prefixes one zone lists.
const MAX_ZONE_ENTRIES: usize = 300;

const ZONE_COLUMNS: &str =
    "id, name, countries, regions, postcode_prefixes, standard_rate_bp, reduced_rate_bp";
const METHOD_COLUMNS: &str =
    "id, zone_id, name, delivery_time, currency::text AS currency, rate, tax_class, active";

fn check_name(field: &str, name: &str, max: usize) -> Result<String, DomainError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > max {
        return Err(DomainError::invalid(field, format!("must be 1 to {max} characters")));
    }
    Ok(name.to_owned())
}

fn name_taken(err: sqlx::Error, name: &str) -> DomainError {
    match &err {
        sqlx::Error::Database(e) if e.constraint() == Some("shipping_zones_name_key") => {
            DomainError::Conflict {
                code: "zone_name_taken",
                detail: format!("name: a zone is already called `{name}`"),
            }
        }
        _ => err.into(),
    }
}

impl ZoneInput {
    /// The zone checked by the domain's rules, with its name trimmed.
    fn checked(&self) -> Result<(String, Zone, TaxConfig), DomainError> {
        let name = check_name("name", &self.name, 100)?;
        for (field, list) in [
            ("countries", &self.countries),
            ("regions", &self.regions),
            ("postcode_prefixes", &self.postcode_prefixes),
        ] {
            if list.len() > MAX_ZONE_ENTRIES {
                return Err(DomainError::invalid(field, format!("lists at most {MAX_ZONE_ENTRIES} entries")));
            }
            if let Some(i) =
                list.iter().position(|entry| entry.trim().is_empty() || entry.chars().count() > 50)
            {
                return Err(DomainError::invalid(format!("{field}[{i}]"), "must be 1 to 50 characters"));
            }
        }
        let zone = Zone {
            countries: self.countries.clone(),
            regions: self.regions.clone(),
            postcode_prefixes: self.postcode_prefixes.clone(),
        };
        zone.validate("")?;
        let rates = TaxConfig {
            mode: TaxMode::Exclusive,
            standard_bp: self.standard_rate_bp,
            reduced_bp: self.reduced_rate_bp,
        };
        rates.validate("")?;
        Ok((name, zone, rates))
    }
}

impl MethodInput {
    fn checked(&self) -> Result<String, DomainError> {
        let name = check_name("name", &self.name, 100)?;
        if self.delivery_time.chars().count() > 100 {
            return Err(DomainError::invalid("delivery_time", "must be at most 100 characters"));
        }
        check_currency("currency", &self.currency)?;
        self.rate.validate("rate")?;
        Ok(name)
    }
}

/// The admins' pricing configuration.
#[derive(Clone)]
pub struct PricingAdmin {
    db: PgPool,
}

impl PricingAdmin {
    pub fn new(db: PgPool) -> Self {
        Self { db }
    }

    pub async fn settings(&self) -> Result<PricingSettings, DomainError> {
        Ok(PricingSettings { prices_include_tax: prices_include_tax(&self.db).await? })
    }

    pub async fn set_settings(&self, settings: &PricingSettings) -> Result<PricingSettings, DomainError> {
        sqlx::query("UPDATE shop_pricing SET prices_include_tax = $1, updated_at = now()")
            .bind(settings.prices_include_tax)
            .execute(&self.db)
            .await?;
        self.settings().await
    }

    pub async fn zones(&self) -> Result<Vec<ShippingZone>, DomainError> {
        Ok(sqlx::query_as(&format!("SELECT {ZONE_COLUMNS} FROM shipping_zones ORDER BY name"))
            .fetch_all(&self.db)
            .await?)
    }

    pub async fn create_zone(&self, input: &ZoneInput) -> Result<ShippingZone, DomainError> {
        let sql = format!(
            "INSERT INTO shipping_zones (id, name, countries, regions, postcode_prefixes, standard_rate_bp, reduced_rate_bp)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {ZONE_COLUMNS}"
        );
        self.save_zone(&sql, Uuid::now_v7(), input).await?.ok_or(DomainError::NotFound("shipping zone"))
    }

    /// Replaces zone `id`.
    pub async fn update_zone(&self, id: Uuid, input: &ZoneInput) -> Result<ShippingZone, DomainError> {
        let sql = format!(
            "UPDATE shipping_zones SET name = $2, countries = $3, regions = $4, postcode_prefixes = $5,
                    standard_rate_bp = $6, reduced_rate_bp = $7
             WHERE id = $1 RETURNING {ZONE_COLUMNS}"
        );
        self.save_zone(&sql, id, input).await?.ok_or(DomainError::NotFound("shipping zone"))
    }

    /// Runs `sql` (an insert or an update) with zone `id` and the checked `input` as `$1`–`$7`.
    async fn save_zone(
        &self,
        sql: &str,
        id: Uuid,
        input: &ZoneInput,
    ) -> Result<Option<ShippingZone>, DomainError> {
        let (name, zone, rates) = input.checked()?;
        sqlx::query_as(sql)
            .bind(id)
            .bind(&name)
            .bind(&zone.countries)
            .bind(&zone.regions)
            .bind(&zone.postcode_prefixes)
            .bind(i64::from(rates.standard_bp))
            .bind(i64::from(rates.reduced_bp))
            .fetch_optional(&self.db)
            .await
            .map_err(|err| name_taken(err, &name))
    }

    /// Deletes zone `id` and its methods (orders keep their snapshots).
    pub async fn delete_zone(&self, id: Uuid) -> Result<(), DomainError> {
        let deleted =
            sqlx::query("DELETE FROM shipping_zones WHERE id = $1").bind(id).execute(&self.db).await?;
        if deleted.rows_affected() == 0 {
            return Err(DomainError::NotFound("shipping zone"));
        }
        Ok(())
    }

    pub async fn methods(&self) -> Result<Vec<ShippingMethodView>, DomainError> {
        Ok(sqlx::query_as(&format!("SELECT {METHOD_COLUMNS} FROM shipping_methods ORDER BY zone_id, name"))
            .fetch_all(&self.db)
            .await?)
    }

    pub async fn create_method(&self, input: &MethodInput) -> Result<ShippingMethodView, DomainError> {
        let sql = format!(
            "INSERT INTO shipping_methods (id, zone_id, name, delivery_time, currency, rate, tax_class, active)
             SELECT $1, z.id, $3, $4, $5, $6, $7, $8 FROM shipping_zones z WHERE z.id = $2
             RETURNING {METHOD_COLUMNS}"
        );
        self.save_method(&sql, Uuid::now_v7(), input)
            .await?
            .ok_or_else(|| DomainError::invalid("zone_id", "no such shipping zone"))
    }

    /// Replaces method `id`.
    pub async fn update_method(
        &self,
        id: Uuid,
        input: &MethodInput,
    ) -> Result<ShippingMethodView, DomainError> {
        let zone_exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM shipping_zones WHERE id = $1)")
                .bind(input.zone_id)
                .fetch_one(&self.db)
                .await?;
        if !zone_exists {
            return Err(DomainError::invalid("zone_id", "no such shipping zone"));
        }
        let sql = format!(
            "UPDATE shipping_methods SET zone_id = $2, name = $3, delivery_time = $4, currency = $5, rate = $6,
                    tax_class = $7, active = $8
             WHERE id = $1 RETURNING {METHOD_COLUMNS}"
        );
        self.save_method(&sql, id, input).await?.ok_or(DomainError::NotFound("shipping method"))
    }

    /// Runs `sql` (an insert or an update) with method `id` and the checked `input` as `$1`–`$8`.
    async fn save_method(
        &self,
        sql: &str,
        id: Uuid,
        input: &MethodInput,
    ) -> Result<Option<ShippingMethodView>, DomainError> {
        let name = input.checked()?;
        Ok(sqlx::query_as(sql)
            .bind(id)
            .bind(input.zone_id)
            .bind(&name)
            .bind(input.delivery_time.trim())
            .bind(&input.currency)
            .bind(Json(&input.rate))
            .bind(input.tax_class.unwrap_or(TaxClass::Standard))
            .bind(input.active)
            .fetch_optional(&self.db)
            .await?)
    }

    pub async fn delete_method(&self, id: Uuid) -> Result<(), DomainError> {
        let deleted =
            sqlx::query("DELETE FROM shipping_methods WHERE id = $1").bind(id).execute(&self.db).await?;
        if deleted.rows_affected() == 0 {
            return Err(DomainError::NotFound("shipping method"));
        }
        Ok(())
    }
}

/// Whether the shop's prices include tax.
pub async fn prices_include_tax(db: impl PgExecutor<'_>) -> Result<bool, DomainError> {
    Ok(sqlx::query_scalar("SELECT prices_include_tax FROM shop_pricing").fetch_one(db).await?)
}

/// How an address is taxed and shipped to: the shop's tax mode with the rates of the most
/// specific zone containing the address (none: no tax), and the active methods in
/// `currency` of every zone containing it, each with its zone's name and delivery time.
pub struct AtAddress {
    pub tax: TaxConfig,
    pub methods: Vec<OfferedMethod>,
    /// Whether the shop ships anywhere at all (has an active method in `currency`); when it
    /// does, checkout needs a method.
    pub shop_ships: bool,
}

/// A method a cart may choose, as the domain prices it and as shoppers see it.
#[derive(Debug, Clone)]
pub struct OfferedMethod {
    pub method: ShippingMethod,
    pub name: String,
    pub delivery_time: String,
}

#[derive(Deserialize)]
struct MethodOfZone {
    id: Uuid,
    name: String,
    delivery_time: String,
    rate: ShippingRate,
    tax_class: TaxClass,
    countries: Vec<String>,
    regions: Vec<String>,
    postcode_prefixes: Vec<String>,
}

pub async fn at_address(
    conn: &mut PgConnection,
    address: &Address,
    currency: &str,
) -> Result<AtAddress, DomainError> {
    // The shop's tax mode, the zones containing the address's country (most specific
    // first) and the active methods in `currency`, in one round trip.
    let (include_tax, Json(zones), Json(rows)): (bool, Json<Vec<ShippingZone>>, Json<Vec<MethodOfZone>>) =
        sqlx::query_as(&format!(
            "SELECT (SELECT prices_include_tax FROM shop_pricing),
                    (SELECT coalesce(jsonb_agg(z ORDER BY cardinality(z.postcode_prefixes) > 0 DESC,
                                                          cardinality(z.regions) > 0 DESC, z.name), '[]')
                     FROM (SELECT {ZONE_COLUMNS} FROM shipping_zones WHERE $1 = ANY (countries)) z),
                    (SELECT coalesce(jsonb_agg(m ORDER BY m.name, m.id), '[]')
                     FROM (SELECT m.id, m.name, m.delivery_time, m.rate, m.tax_class, z.countries, z.regions,
                                  z.postcode_prefixes
                           FROM shipping_methods m JOIN shipping_zones z ON z.id = m.zone_id
                           WHERE m.active AND m.currency = $2) m)"
        ))
        .bind(&address.country)
        .bind(currency)
        .fetch_one(&mut *conn)
        .await?;
    let tax_zone = zones.iter().find(|zone| as_zone(zone).contains(address));
    let mode = if include_tax { TaxMode::Inclusive } else { TaxMode::Exclusive };
    let rate = |bp: Option<i32>| bp.and_then(|bp| u32::try_from(bp).ok()).unwrap_or(0);
    let tax = TaxConfig {
        mode,
        standard_bp: rate(tax_zone.map(|z| z.standard_rate_bp)),
        reduced_bp: rate(tax_zone.map(|z| z.reduced_rate_bp)),
    };
    let shop_ships = !rows.is_empty();
    let methods = rows
        .into_iter()
        .map(|row| OfferedMethod {
            method: ShippingMethod {
                id: row.id,
                zone: Zone {
                    countries: row.countries,
                    regions: row.regions,
                    postcode_prefixes: row.postcode_prefixes,
                },
                rate: row.rate,
                tax_class: row.tax_class,
            },
            name: row.name,
            delivery_time: row.delivery_time,
        })
        .filter(|offered| offered.method.zone.contains(address))
        .collect();
    Ok(AtAddress { tax, methods, shop_ships })
}

fn as_zone(zone: &ShippingZone) -> Zone {
    Zone {
        countries: zone.countries.clone(),
        regions: zone.regions.clone(),
        postcode_prefixes: zone.postcode_prefixes.clone(),
    }
}
