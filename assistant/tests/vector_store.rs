//! The embedded vector store (qdrant-edge) through the `VectorStore` contract: business
//! filters run inside the vector search (a filtered-out point never takes a slot of the
//! limit), deletion, replacement, clearing, reopening from disk and optimising (the HNSW
//! index build). The server backend runs the same checks when QDRANT_URL is set.

use shopfleet_assistant::{
    document::Payload,
    vectors::{edge::EdgeStore, Point, VectorFilter, VectorStore},
};
use uuid::Uuid;

const DIM: usize = 384;
/// Qdrant's default indexing threshold: the fixtures stay below it (exhaustive search).
const THRESHOLD_KB: usize = 10_000;

/// A unit vector pointing mostly along axis `axis`, tilted by `tilt` towards axis 1.
fn vector(axis: usize, tilt: f32) -> Vec<f32> {
    let mut v = vec![0.0; DIM];
    v[axis] = 1.0;
    v[1] += tilt;
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / norm).collect()
}

fn payload(id: Uuid, merchant: Uuid, path: &str, price: i64, in_stock: bool) -> Payload {
    Payload {
        product_id: id,
        merchant_id: merchant,
        category_path: Some(path.to_owned()),
        category_slugs: path.split('/').map(str::to_owned).collect(),
        price_minor: Some(price),
        currency: Some("EUR".into()),
        in_stock,
        status: "published".into(),
    }
}

struct Fixture {
    ids: Vec<Uuid>,
    merchants: [Uuid; 2],
}

/// 20 points near axis 0 (the closest ones expensive and out of stock), one cheap
/// in-stock point far away, on two merchants and two categories.
async fn load(store: &dyn VectorStore) -> Fixture {
    let merchants = [Uuid::new_v4(), Uuid::new_v4()];
    let mut ids = Vec::new();
    let mut points = Vec::new();
    for i in 0..20 {
        let id = Uuid::new_v4();
        ids.push(id);
        let path = if i % 2 == 0 { "electronics/headphones" } else { "electronics/speakers" };
        points.push(Point {
            vector: vector(0, i as f32 * 0.01),
            payload: payload(id, merchants[0], path, 50_000, false),
        });
    }
    let far = Uuid::new_v4();
    ids.push(far);
    points
        .push(Point { vector: vector(2, 0.0), payload: payload(far, merchants[1], "kitchen", 1_000, true) });
    store.upsert(points).await.unwrap();
    Fixture { ids, merchants }
}

async fn contract(store: &dyn VectorStore) {
    let fixture = load(store).await;
    let far = *fixture.ids.last().unwrap();
    assert_eq!(store.count().await.unwrap(), 21);

    let nearest = store.search(vector(0, 0.0), VectorFilter::default(), 3).await.unwrap();
    assert_eq!(nearest.iter().map(|h| h.product_id).collect::<Vec<_>>(), fixture.ids[..3].to_vec());
    assert!(nearest[0].score > 0.99 && nearest[0].score >= nearest[1].score);

    // Every filter alone, with limit 1: twenty closer points must not hide the far one.
    for filter in [
        VectorFilter { max_price_minor: Some(2_000), ..Default::default() },
        VectorFilter { min_price_minor: Some(500), max_price_minor: Some(1_000), ..Default::default() },
        VectorFilter { in_stock: Some(true), ..Default::default() },
        VectorFilter { category: Some("kitchen".into()), ..Default::default() },
        VectorFilter { merchant: Some(fixture.merchants[1]), ..Default::default() },
    ] {
        let hits = store.search(vector(0, 0.0), filter.clone(), 1).await.unwrap();
        assert_eq!(hits.iter().map(|h| h.product_id).collect::<Vec<_>>(), vec![far], "{filter:?}");
    }
    let headphones =
        VectorFilter { category: Some("electronics".into()), in_stock: Some(false), ..Default::default() };
    assert_eq!(
        store.search(vector(0, 0.0), headphones, 50).await.unwrap().len(),
        20,
        "parent category includes children"
    );
    let leaf = VectorFilter { category: Some("headphones".into()), ..Default::default() };
    assert_eq!(store.search(vector(0, 0.0), leaf, 50).await.unwrap().len(), 10);
    let excluded = VectorFilter { exclude: Some(fixture.ids[0]), ..Default::default() };
    assert_eq!(store.search(vector(0, 0.0), excluded, 1).await.unwrap()[0].product_id, fixture.ids[1]);

    // Replacing a point's payload (now in stock) and deleting points.
    let first = fixture.ids[0];
    let replaced =
        Point { vector: vector(0, 0.0), payload: payload(first, fixture.merchants[0], "kitchen", 900, true) };
    store.upsert(vec![replaced]).await.unwrap();
    let in_stock = store
        .search(vector(0, 0.0), VectorFilter { in_stock: Some(true), ..Default::default() }, 1)
        .await
        .unwrap();
    assert_eq!(in_stock[0].product_id, first);
    store.delete(vec![first, far, Uuid::new_v4()]).await.unwrap();
    assert_eq!(store.count().await.unwrap(), 19);
    assert!(store
        .search(vector(0, 0.0), VectorFilter { in_stock: Some(true), ..Default::default() }, 5)
        .await
        .unwrap()
        .is_empty());
}

/// Clearing removes every point but keeps the collection usable, payload indexes included.
async fn clears(store: &dyn VectorStore) {
    assert!(store.count().await.unwrap() > 0);
    store.clear().await.unwrap();
    assert_eq!(store.count().await.unwrap(), 0);
    let id = Uuid::new_v4();
    let point = Point { vector: vector(3, 0.0), payload: payload(id, Uuid::new_v4(), "kitchen", 500, true) };
    store.upsert(vec![point]).await.unwrap();
    let kitchen =
        VectorFilter { category: Some("kitchen".into()), in_stock: Some(true), ..Default::default() };
    let hits = store.search(vector(3, 0.0), kitchen, 5).await.unwrap();
    assert_eq!(hits.iter().map(|h| h.product_id).collect::<Vec<_>>(), vec![id]);
    assert_eq!(store.count().await.unwrap(), 1);
}

#[tokio::test]
async fn embedded_store_filters_inside_the_search_and_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("products");
    {
        let store = EdgeStore::open(&path, THRESHOLD_KB).await.unwrap();
        contract(&store).await;
    }
    let reopened = EdgeStore::open(&path, THRESHOLD_KB).await.unwrap();
    assert_eq!(reopened.count().await.unwrap(), 19, "points persist across a reopen");
    clears(&reopened).await;
}

/// Needs a Qdrant server: none can be built on this project's machines (Qdrant's current
/// source needs a newer Rust than 1.95), so nextest lists it as skipped; with a server,
/// `QDRANT_URL=… cargo nextest run --run-ignored only -E 'test(server_store)'` runs it.
#[tokio::test]
#[ignore = "needs a Qdrant server at QDRANT_URL"]
async fn server_store_meets_the_same_contract() {
    let url = std::env::var("QDRANT_URL").expect("QDRANT_URL: the Qdrant server to test against");
    let collection = format!("test_{}", Uuid::new_v4().simple());
    let key = std::env::var("QDRANT_API_KEY").ok().map(shopfleet_platform::secret::Secret::new);
    let store = shopfleet_assistant::vectors::server::ServerStore::connect(&url, key, &collection).unwrap();
    contract(&store).await;
    clears(&store).await;
    store.drop_collection().await.unwrap();
}

#[tokio::test]
async fn optimising_builds_the_hnsw_index_and_keeps_every_point_and_filter() {
    let dir = tempfile::tempdir().unwrap();
    let store = EdgeStore::open(&dir.path().join("products"), 64).await.unwrap();
    let fixture = load(&store).await;
    let filler = (0..600)
        .map(|i| Point {
            vector: vector(4 + i % 300, 0.3),
            payload: payload(Uuid::new_v4(), fixture.merchants[0], "garden", 2_000, true),
        })
        .collect();
    store.upsert(filler).await.unwrap();
    assert_eq!(store.stats().await.indexed_vectors, 0, "nothing is indexed before optimising");

    store.optimize().await.unwrap();
    let stats = store.stats().await;
    assert_eq!(stats.points, 621);
    assert!(stats.indexed_vectors > 0, "{stats:?}");
    let kitchen =
        VectorFilter { category: Some("kitchen".into()), in_stock: Some(true), ..Default::default() };
    let hits = store.search(vector(0, 0.0), kitchen, 5).await.unwrap();
    assert_eq!(hits.iter().map(|h| h.product_id).collect::<Vec<_>>(), vec![fixture.ids[20]]);
    let nearest = store.search(vector(0, 0.0), VectorFilter::default(), 10).await.unwrap();
    assert_eq!(nearest.len(), 10);
    assert!(nearest.iter().all(|hit| fixture.ids[..20].contains(&hit.product_id)), "{nearest:?}");
    // Optimising again finds nothing to do and changes nothing.
    store.optimize().await.unwrap();
    assert_eq!(store.stats().await, stats);
}
