//! Product images end to end on real Postgres, Redis and the worker: upload (checked from
//! the bytes), rendering in the worker, renditions in product JSON and served with ETag and
//! immutable caching, idempotent reprocessing, bad files of each kind, ownership, and
//! removal of stored objects when images or products go.

mod common;

use common::{
    assert_problem, spawn_app, spawn_app_with,
    worker::{eventually, start_worker},
    TestApp, TestUser,
};
use image::{DynamicImage, ImageBuffer, Rgb};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use std::io::Cursor;

fn encoded(format: image::ImageFormat, width: u32, height: u32) -> Vec<u8> {
    let picture = ImageBuffer::from_fn(width, height, |x, y| Rgb([(x % 251) as u8, (y % 241) as u8, 120]));
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(picture).write_to(&mut out, format).unwrap();
    out.into_inner()
}

async fn product_of(app: &TestApp, merchant: &TestUser, sku: &str) -> String {
    let body = json!({"title": format!("Lamp {sku}"), "status": "published",
        "variants": [{"sku": sku, "price_minor": 2500, "currency": "EUR", "on_hand": 4}]});
    let created: Value =
        app.post_as("/api/v1/products", &merchant.access_token, &body).await.json().await.unwrap();
    created["id"].as_str().unwrap().to_owned()
}

async fn upload(
    app: &TestApp,
    token: &str,
    product: &str,
    bytes: Vec<u8>,
    alt: Option<&str>,
) -> reqwest::Response {
    let mut form = Form::new().part("file", Part::bytes(bytes).file_name("photo.jpg"));
    if let Some(alt) = alt {
        form = form.text("alt", alt.to_owned());
    }
    app.client
        .post(app.url(&format!("/api/v1/products/{product}/images")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn public_product(app: &TestApp, product: &str) -> Value {
    app.client
        .get(app.url(&format!("/api/v1/products/{product}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn stored_files(app: &TestApp, folder: &str) -> usize {
    shopfleet_test_support::files_under(&app.ctx.settings.assistant.data_dir.join("media").join(folder))
}

#[tokio::test]
async fn uploads_are_rendered_listed_in_product_json_and_served_with_immutable_caching() {
    let app = spawn_app().await;
    let merchant = app.user_with_role("lamps@example.com", "merchant").await;
    let product = product_of(&app, &merchant, "LAMP-1").await;
    let photo = encoded(image::ImageFormat::Jpeg, 1600, 1000);

    let first = upload(&app, &merchant.access_token, &product, photo.clone(), Some("Lamp, lit")).await;
    assert_eq!(first.status(), 202);
    let first: Value = first.json().await.unwrap();
    assert_eq!((first["status"].as_str(), first["alt"].as_str()), (Some("processing"), Some("Lamp, lit")));
    assert_eq!(first["content_type"], "image/jpeg");
    let second: Value =
        upload(&app, &merchant.access_token, &product, photo, None).await.json().await.unwrap();
    assert_eq!(second["position"], 1);
    assert_eq!(stored_files(&app, "originals"), 1, "identical uploads are stored once");
    assert_eq!(public_product(&app, &product).await["media"], json!([]), "nothing is shown while processing");

    let worker = start_worker(&app, &["images"]).await;
    eventually("both images are ready", || async {
        public_product(&app, &product).await["media"].as_array().is_some_and(|m| m.len() == 2)
    })
    .await;
    let shown = public_product(&app, &product).await;
    let media = &shown["media"][0];
    assert_eq!(
        (media["alt"].as_str(), media["width"].as_i64(), media["height"].as_i64()),
        (Some("Lamp, lit"), Some(1600), Some(1000))
    );
    assert!(media["placeholder"].as_str().unwrap().starts_with("data:image/jpeg;base64,"));
    let sizes: Vec<(i64, i64, &str)> = media["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["width"].as_i64().unwrap(), r["height"].as_i64().unwrap(), r["format"].as_str().unwrap()))
        .collect();
    assert_eq!(
        sizes,
        [
            (160, 100, "webp"),
            (160, 100, "jpeg"),
            (480, 300, "webp"),
            (480, 300, "jpeg"),
            (1200, 750, "webp"),
            (1200, 750, "jpeg")
        ]
    );

    let url = media["renditions"][4]["url"].as_str().unwrap().to_owned();
    let served = app.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/webp");
    assert_eq!(served.headers()["cache-control"], "public, max-age=31536000, immutable");
    let etag = served.headers()["etag"].to_str().unwrap().to_owned();
    let bytes = served.bytes().await.unwrap();
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 1200);
    let again = app.client.get(app.url(&url)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    let hash = url.split('/').nth(5).unwrap();
    let original = app.client.get(app.url(&format!("/api/v1/media/originals/{hash}"))).send().await.unwrap();
    assert_problem(original, 404, "not_found").await;

    // Processing again changes nothing: same renditions, same rows.
    let image_id: uuid::Uuid = first["id"].as_str().unwrap().parse().unwrap();
    let before = stored_files(&app, "renditions");
    assert_eq!(
        app.ctx.images.process(image_id).await.unwrap(),
        shopfleet_commerce::catalog::images::ImageStatus::Ready
    );
    assert_eq!(stored_files(&app, "renditions"), before);
    assert_eq!(before, 6, "one set of renditions for the shared original");

    // Alt text and order, then deletion: shared objects stay until the last image goes.
    let path = |id: &Value| format!("/api/v1/products/{product}/images/{}", id.as_str().unwrap());
    let patched: Value = app
        .patch_as(&path(&second["id"]), &merchant.access_token, &json!({"alt": "Lamp, off", "position": 0}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(patched["alt"], "Lamp, off");
    let listed: Value =
        app.get_json_as(&format!("/api/v1/products/{product}/images"), &merchant.access_token).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(app.delete_as(&path(&first["id"]), &merchant.access_token).await.status(), 204);
    assert_eq!(
        app.client.get(app.url(&url)).send().await.unwrap().status(),
        200,
        "still shown by the other image"
    );
    assert_eq!(app.delete_as(&path(&second["id"]), &merchant.access_token).await.status(), 204);
    assert_problem(app.client.get(app.url(&url)).send().await.unwrap(), 404, "not_found").await;
    assert_eq!((stored_files(&app, "originals"), stored_files(&app, "renditions")), (0, 0));
    assert_eq!(public_product(&app, &product).await["media"], json!([]));
    worker.stop().await;
}

#[tokio::test]
async fn a_corrupt_image_fails_with_its_reason_and_deleting_its_product_removes_renditions() {
    let app = spawn_app().await;
    let merchant = app.user_with_role("corrupt@example.com", "merchant").await;
    let product = product_of(&app, &merchant, "LAMP-2").await;
    let mut broken = encoded(image::ImageFormat::Png, 64, 64);
    let data = broken.windows(4).position(|w| w == b"IDAT").unwrap() + 10;
    broken[data] ^= 0xFF;
    let bad: Value = upload(&app, &merchant.access_token, &product, broken, None).await.json().await.unwrap();
    let good: Value =
        upload(&app, &merchant.access_token, &product, encoded(image::ImageFormat::Png, 300, 200), None)
            .await
            .json()
            .await
            .unwrap();

    let worker = start_worker(&app, &["images"]).await;
    let images = format!("/api/v1/products/{product}/images");
    eventually("both images are processed", || async {
        let listed: Value = app.get_json_as(&images, &merchant.access_token).await;
        listed.as_array().unwrap().iter().all(|i| i["status"] != "processing")
    })
    .await;
    let listed: Value = app.get_json_as(&images, &merchant.access_token).await;
    let by_id = |id: &Value| listed.as_array().unwrap().iter().find(|i| i["id"] == *id).unwrap().clone();
    assert_eq!(by_id(&bad["id"])["status"], "failed");
    assert!(by_id(&bad["id"])["failure_reason"].as_str().unwrap().starts_with("cannot decode"));
    assert_eq!(by_id(&good["id"])["status"], "ready");
    let media = public_product(&app, &product).await["media"].clone();
    assert_eq!(media.as_array().unwrap().len(), 1, "failed images are not shown");
    assert_eq!(media[0]["renditions"][0]["width"], 160);
    assert_eq!(
        media[0]["renditions"].as_array().unwrap().len(),
        4,
        "300 px wide: 160 and 300, each WebP and JPEG"
    );
    assert!(stored_files(&app, "renditions") > 0);

    let archived = app.delete_as(&format!("/api/v1/products/{product}"), &merchant.access_token).await;
    assert!(archived.status().is_success());
    eventually("the archived product's images are removed", || async {
        stored_files(&app, "renditions") == 0
    })
    .await;
    assert_eq!(stored_files(&app, "originals"), 0);
    worker.stop().await;
}

#[tokio::test]
async fn bad_files_are_refused_naming_the_field() {
    let app = spawn_app_with(&["--image-max-bytes=200000", "--image-max-pixels=4000000"], |r| r).await;
    let merchant = app.user_with_role("strict@example.com", "merchant").await;
    let product = product_of(&app, &merchant, "LAMP-3").await;
    let field_of = |body: Value| body["errors"][0]["field"].as_str().unwrap().to_owned();

    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec();
    let refused = assert_problem(
        upload(&app, &merchant.access_token, &product, gif, None).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(field_of(refused.clone()), "file");
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("not a JPEG, PNG or WebP"));

    let whole = encoded(image::ImageFormat::Jpeg, 200, 200);
    let truncated = whole[..whole.len() / 2].to_vec();
    let refused = assert_problem(
        upload(&app, &merchant.access_token, &product, truncated, None).await,
        422,
        "validation_failed",
    )
    .await;
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("truncated"));

    let mut bomb = encoded(image::ImageFormat::Png, 8, 8);
    bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
    let crc = crc32fast::hash(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    let refused = assert_problem(
        upload(&app, &merchant.access_token, &product, bomb, None).await,
        422,
        "validation_failed",
    )
    .await;
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("more than the 4000000 allowed"));

    let huge = vec![0xFFu8; 300_000];
    assert_problem(
        upload(&app, &merchant.access_token, &product, huge, None).await,
        413,
        "payload_too_large",
    )
    .await;

    let no_file = app
        .client
        .post(app.url(&format!("/api/v1/products/{product}/images")))
        .bearer_auth(&merchant.access_token)
        .multipart(Form::new().text("alt", "nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(field_of(assert_problem(no_file, 422, "validation_failed").await), "file");
    let json_body =
        app.post_as(&format!("/api/v1/products/{product}/images"), &merchant.access_token, &json!({})).await;
    assert_eq!(field_of(assert_problem(json_body, 422, "validation_failed").await), "body");
    let long_alt = "x".repeat(301);
    let refused = upload(
        &app,
        &merchant.access_token,
        &product,
        encoded(image::ImageFormat::Png, 10, 10),
        Some(&long_alt),
    )
    .await;
    assert_eq!(field_of(assert_problem(refused, 422, "validation_failed").await), "alt");
    let control = upload(
        &app,
        &merchant.access_token,
        &product,
        encoded(image::ImageFormat::Png, 10, 10),
        Some("bad\u{84}alt"),
    )
    .await;
    assert_eq!(field_of(assert_problem(control, 422, "validation_failed").await), "alt");
    let count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM product_images").fetch_one(&app.ctx.db).await.unwrap();
    assert_eq!(count, 0, "nothing refused was recorded");
}

#[tokio::test]
async fn merchants_cannot_touch_each_others_images() {
    let app = spawn_app().await;
    let owner = app.user_with_role("owner@example.com", "merchant").await;
    let rival = app.user_with_role("rival@example.com", "merchant").await;
    let shopper = app.register_and_login("shopper@example.com").await;
    let product = product_of(&app, &owner, "LAMP-4").await;
    let photo = encoded(image::ImageFormat::Png, 40, 40);
    let image: Value =
        upload(&app, &owner.access_token, &product, photo.clone(), None).await.json().await.unwrap();
    let path = format!("/api/v1/products/{product}/images/{}", image["id"].as_str().unwrap());

    assert_problem(upload(&app, &rival.access_token, &product, photo.clone(), None).await, 403, "forbidden")
        .await;
    assert_problem(upload(&app, &shopper.access_token, &product, photo, None).await, 403, "forbidden").await;
    let listed =
        app.get_as(&format!("/api/v1/products/{product}/images"), &rival.access_token).send().await.unwrap();
    assert_problem(listed, 403, "forbidden").await;
    assert_problem(
        app.patch_as(&path, &rival.access_token, &json!({"alt": "mine now"})).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(app.delete_as(&path, &rival.access_token).await, 403, "forbidden").await;
    let unknown = uuid::Uuid::now_v7().to_string();
    assert_problem(upload(&app, &owner.access_token, &unknown, vec![1], None).await, 404, "not_found").await;
    let admin = app.admin("admin@example.com").await;
    assert_eq!(app.patch_as(&path, &admin.access_token, &json!({"alt": "Checked"})).await.status(), 200);
}

#[tokio::test]
async fn with_a_bucket_set_images_live_in_the_s3_compatible_store() {
    let s3 = shopfleet_test_support::s3::S3Server::start("shop-media").await;
    let flags = [
        format!("--media-s3-bucket={}", s3.bucket),
        format!("--media-s3-endpoint={}", s3.endpoint),
        format!("--media-s3-access-key-id={}", s3.access_key_id),
        format!("--media-s3-secret-access-key={}", s3.secret_access_key),
    ];
    let app = spawn_app_with(&flags.iter().map(String::as_str).collect::<Vec<_>>(), |r| r).await;
    let merchant = app.user_with_role("bucket@example.com", "merchant").await;
    let product = product_of(&app, &merchant, "LAMP-5").await;
    let image: Value =
        upload(&app, &merchant.access_token, &product, encoded(image::ImageFormat::Jpeg, 800, 600), None)
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(s3.objects_under("originals"), 1, "the original is in the bucket");
    assert_eq!(stored_files(&app, "originals"), 0, "and not on the local disk");

    let worker = start_worker(&app, &["images"]).await;
    eventually("the image is ready", || async {
        public_product(&app, &product).await["media"].as_array().is_some_and(|m| m.len() == 1)
    })
    .await;
    assert_eq!(s3.objects_under("renditions"), 6, "160, 480 and its own 800 px, each WebP and JPEG");
    let url =
        public_product(&app, &product).await["media"][0]["renditions"][2]["url"].as_str().unwrap().to_owned();
    let served = app.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(
        (served.status().as_u16(), served.headers()["content-type"].to_str().unwrap()),
        (200, "image/webp")
    );
    assert_eq!(image::load_from_memory(&served.bytes().await.unwrap()).unwrap().width(), 480);

    let path = format!("/api/v1/products/{product}/images/{}", image["id"].as_str().unwrap());
    assert_eq!(app.delete_as(&path, &merchant.access_token).await.status(), 204);
    assert_eq!((s3.objects_under("originals"), s3.objects_under("renditions")), (0, 0));
    worker.stop().await;

    // The server checks signatures: a wrong secret is refused, never silently stored.
    let mut wrong = app.ctx.settings.media.clone();
    wrong.s3.secret_access_key = Some("not-the-secret".parse().unwrap());
    let store = wrong.open(std::path::Path::new("/nonexistent")).unwrap();
    assert!(store.put_once("originals/forged", b"x".to_vec()).await.is_err());
    assert_eq!(s3.objects_under("originals"), 0);
}
