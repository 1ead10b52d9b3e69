//! The category tree. Each category stores its slug path from the root, so a
//! category and all its descendants are found with one prefix match, and its lineage
//! (the ids from the root down to itself), so a product's categories are one join away.
//! Categories never move, so both are written once, as the category is created.

use super::check_slug;
use serde::{Deserialize, Serialize};
use shopfleet_domain::DomainError;
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Category {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub slug: String,
    pub name: String,
    /// Slugs from the root, e.g. `electronics/audio`.
    pub path: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategory {
    #[schema(max_length = 120, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: String,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Slug of the parent category; none for a top-level category.
    pub parent: Option<String>,
}

const COLUMNS: &str = "id, parent_id, slug, name, path";

/// Every category, ordered by path (parents before their children).
pub async fn list(db: &PgPool) -> Result<Vec<Category>, DomainError> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM categories ORDER BY path")).fetch_all(db).await?)
}

pub async fn by_slug(db: &PgPool, slug: &str) -> Result<Option<Category>, DomainError> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM categories WHERE slug = $1"))
        .bind(slug)
        .fetch_optional(db)
        .await?)
}

/// Inserts a category under `parent`: its path and lineage (the ids from the root down to
/// itself) are its parent's with its own slug and id appended, in the same statement.
pub(super) async fn insert(
    db: impl PgExecutor<'_>,
    id: Uuid,
    parent: Option<Uuid>,
    slug: &str,
    name: &str,
) -> Result<Category, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO categories (id, parent_id, slug, name, path, lineage)
         SELECT $1, $2, $3, $4, coalesce(parent.path || '/', '') || $3, coalesce(parent.lineage, '{{}}') || $1
         FROM (SELECT NULL) AS root LEFT JOIN categories parent ON parent.id = $2
         RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(parent)
    .bind(slug)
    .bind(name)
    .fetch_one(db)
    .await
}

pub async fn create(db: &PgPool, input: &NewCategory) -> Result<Category, DomainError> {
    check_slug("slug", &input.slug)?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(DomainError::invalid("name", "must be 1 to 100 characters"));
    }
    let parent = match &input.parent {
        Some(slug) => Some(
            by_slug(db, slug)
                .await?
                .ok_or_else(|| DomainError::invalid("parent", format!("no category `{slug}`")))?,
        ),
        None => None,
    };
    insert(db, Uuid::now_v7(), parent.map(|p| p.id), &input.slug, name).await.map_err(|err| match &err {
        sqlx::Error::Database(e) if e.constraint() == Some("categories_slug_key") => DomainError::Conflict {
            code: "category_slug_taken",
            detail: format!("category slug `{}` is taken", input.slug),
        },
        _ => err.into(),
    })
}
