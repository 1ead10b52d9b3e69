//! `product_embeddings`: the vectors in Postgres, the source of truth of every vector
//! index. Writers upsert in their own transaction; readers follow the change feed with a
//! cursor that never skips a late-committing transaction (see [`changes`]).

use super::document::Payload;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// One changed row: a vector with its payload, or a tombstone (`vector` is `None`).
#[derive(Debug, Clone)]
pub struct Change {
    pub product_id: Uuid,
    pub vector: Option<Vec<f32>>,
    pub payload: Option<Payload>,
}

/// Writes the vector and payload of a product (in the caller's transaction).
pub async fn upsert(
    conn: &mut PgConnection,
    model: &str,
    vector: &[f32],
    payload: &Payload,
    source_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO product_embeddings (product_id, model, embedding, payload, source_hash)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (product_id) DO UPDATE SET model = EXCLUDED.model, embedding = EXCLUDED.embedding,
           payload = EXCLUDED.payload, source_hash = EXCLUDED.source_hash,
           changed_xid = pg_current_xact_id(), updated_at = now()",
    )
    .bind(payload.product_id)
    .bind(model)
    .bind(vector)
    .bind(serde_json::to_value(payload).expect("payload serialises"))
    .bind(source_hash)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks a product's vector as gone, so every index deletes it.
pub async fn tombstone(conn: &mut PgConnection, model: &str, product_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO product_embeddings (product_id, model, embedding, payload) VALUES ($1, $2, NULL, '{}')
         ON CONFLICT (product_id) DO UPDATE SET embedding = NULL, payload = '{}', source_hash = '',
           changed_xid = pg_current_xact_id(), updated_at = now()",
    )
    .bind(product_id)
    .bind(model)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes tombstones unchanged for `days` and raises the mark readers check against
/// ([`pruned_through`]), in one statement. Returns how many were deleted.
pub async fn prune_tombstones(db: impl PgExecutor<'_>, days: i32) -> Result<u64, sqlx::Error> {
    // xid8 has no max() before Postgres 16, hence ORDER BY … LIMIT 1.
    sqlx::query_scalar(
        "WITH gone AS (
           DELETE FROM product_embeddings
           WHERE embedding IS NULL AND updated_at < now() - make_interval(days => $1)
           RETURNING changed_xid),
         newest AS (SELECT changed_xid FROM gone ORDER BY changed_xid DESC LIMIT 1),
         mark AS (
           INSERT INTO product_embedding_prunes (pruned_through) SELECT changed_xid FROM newest
           ON CONFLICT (singleton) DO UPDATE
             SET pruned_through = greatest(product_embedding_prunes.pruned_through, EXCLUDED.pruned_through))
         SELECT count(*)::bigint FROM gone",
    )
    .bind(days)
    .fetch_one(db)
    .await
    .map(|count: i64| count as u64)
}

/// The transaction of the newest tombstone ever pruned: a reader whose cursor is at or
/// below it may not have applied that tombstone, so it must rebuild its index.
pub async fn pruned_through(db: impl PgExecutor<'_>) -> Result<Option<Cursor>, sqlx::Error> {
    let xid: Option<String> = sqlx::query_scalar("SELECT pruned_through::text FROM product_embedding_prunes")
        .fetch_optional(db)
        .await?;
    Ok(xid.map(|xid| xid.parse().expect("xid8 is a 64-bit number")))
}

/// The stored vector of a product, if it is searchable.
pub async fn vector(db: impl PgExecutor<'_>, product_id: Uuid) -> Result<Option<Vec<f32>>, sqlx::Error> {
    let row: Option<Option<Vec<f32>>> =
        sqlx::query_scalar("SELECT embedding FROM product_embeddings WHERE product_id = $1")
            .bind(product_id)
            .fetch_optional(db)
            .await?;
    Ok(row.flatten())
}

/// Where a reader of the change feed stands: every transaction below `xid` is applied.
pub type Cursor = i64;

/// The oldest transaction still running now: a reader that then applies every row with
/// `changed_xid >= cursor` has seen every transaction below this id, so it can resume here.
pub async fn horizon(db: impl PgExecutor<'_>) -> Result<Cursor, sqlx::Error> {
    let xmin: String =
        sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text").fetch_one(db).await?;
    Ok(xmin.parse().expect("xid8 is a 64-bit number"))
}

#[derive(sqlx::FromRow)]
struct Row {
    product_id: Uuid,
    xid: String,
    embedding: Option<Vec<f32>>,
    payload: serde_json::Value,
}

/// One page of rows changed at or after `cursor`, after `(after_xid, after_id)` within it,
/// in `(changed_xid, product_id)` order. Returns the page and where the next one starts.
pub async fn changes(
    db: impl PgExecutor<'_>,
    cursor: Cursor,
    after: Option<(Cursor, Uuid)>,
    limit: i64,
) -> Result<(Vec<Change>, Option<(Cursor, Uuid)>), sqlx::Error> {
    let (after_xid, after_id) = after.unwrap_or((cursor, Uuid::nil()));
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT product_id, changed_xid::text AS xid, embedding, payload FROM product_embeddings
         WHERE changed_xid >= $1::text::xid8 AND (changed_xid, product_id) > ($2::text::xid8, $3)
         ORDER BY changed_xid, product_id LIMIT $4",
    )
    .bind(cursor.to_string())
    .bind(if after.is_some() { after_xid.to_string() } else { "0".to_owned() })
    .bind(after_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let next = rows.last().map(|row| (row.xid.parse().expect("xid8 is a 64-bit number"), row.product_id));
    let changes = rows
        .into_iter()
        .map(|row| Change {
            product_id: row.product_id,
            payload: row.embedding.as_ref().and_then(|_| serde_json::from_value(row.payload).ok()),
            vector: row.embedding,
        })
        .collect();
    Ok((changes, next))
}
