//! What the assistant knows of a product: the text its vector is computed from (title,
//! category, attributes, description) and the payload vector queries filter on.

use serde::{Deserialize, Serialize};
use sqlx::PgExecutor;
use uuid::Uuid;

/// A product as the assistant reads it from Postgres.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProductDoc {
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub title: String,
    pub description: String,
    pub status: String,
    pub category_path: Option<String>,
    pub attributes: serde_json::Value,
    pub min_price_minor: Option<i64>,
    pub currency: Option<String>,
    pub in_stock: bool,
}

/// The filterable facts stored with each vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    pub product_id: Uuid,
    pub merchant_id: Uuid,
    pub category_path: Option<String>,
    /// The category and its ancestors, so a category filter includes descendants.
    pub category_slugs: Vec<String>,
    pub price_minor: Option<i64>,
    pub currency: Option<String>,
    pub in_stock: bool,
    pub status: String,
}

const COLUMNS: &str = "p.id, p.merchant_id, p.title, p.description, p.status, c.path AS category_path, \
     p.attributes, p.min_price_minor, p.currency::text AS currency, p.in_stock";

impl ProductDoc {
    pub async fn load(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Self>, sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM products p LEFT JOIN categories c ON c.id = p.category_id WHERE p.id = $1"
        ))
        .bind(id)
        .fetch_optional(db)
        .await
    }

    /// Published products with id after `after`, in id order (for re-indexing in pages).
    pub async fn published_page(
        db: impl PgExecutor<'_>,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<Self>, sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM products p LEFT JOIN categories c ON c.id = p.category_id
             WHERE p.status = 'published' AND ($1::uuid IS NULL OR p.id > $1) ORDER BY p.id LIMIT $2"
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(db)
        .await
    }

    /// `Title. Category: clothing > jackets. brand: Acme; colour: navy. Description`.
    pub fn text(&self) -> String {
        let mut text = self.title.trim().to_owned();
        if let Some(path) = &self.category_path {
            text.push_str(&format!(". Category: {}", path.replace('/', " > ").replace('-', " ")));
        }
        let attributes: Vec<String> = self
            .attributes
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, value)| match value {
                serde_json::Value::String(s) => format!("{name}: {s}"),
                other => format!("{name}: {other}"),
            })
            .collect();
        if !attributes.is_empty() {
            text.push_str(&format!(". {}", attributes.join("; ")));
        }
        if !self.description.trim().is_empty() {
            text.push_str(&format!(". {}", self.description.trim()));
        }
        text
    }

    pub fn payload(&self) -> Payload {
        let category_slugs = self
            .category_path
            .as_deref()
            .map(|path| path.split('/').map(str::to_owned).collect())
            .unwrap_or_default();
        Payload {
            product_id: self.id,
            merchant_id: self.merchant_id,
            category_path: self.category_path.clone(),
            category_slugs,
            price_minor: self.min_price_minor,
            currency: self.currency.clone(),
            in_stock: self.in_stock,
            status: self.status.clone(),
        }
    }

    /// Only published products are searchable.
    pub fn searchable(&self) -> bool {
        self.status == "published"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_payload_carry_title_category_attributes_and_description() {
        let doc = ProductDoc {
            id: Uuid::nil(),
            merchant_id: Uuid::nil(),
            title: "Acme Rain Jacket".into(),
            description: "Keeps you dry.".into(),
            status: "published".into(),
            category_path: Some("clothing/rain-jackets".into()),
            attributes: serde_json::json!({"brand": "Acme", "size": 3}),
            min_price_minor: Some(4999),
            currency: Some("EUR".into()),
            in_stock: true,
        };
        assert_eq!(
            doc.text(),
            "Acme Rain Jacket. Category: clothing > rain jackets. brand: Acme; size: 3. Keeps you dry."
        );
        let payload = doc.payload();
        assert_eq!(payload.category_slugs, vec!["clothing", "rain-jackets"]);
        assert_eq!(payload.price_minor, Some(4999));
        assert!(doc.searchable());
    }
}
