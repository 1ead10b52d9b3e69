//! Names of the environment variables the Shopfleet binaries (`shopfleet-api`,
//! `shopfleet-worker`) read: one constant per variable, so that the binaries that read a
//! setting and the operator that sets it spell it the same way.
//!
//! [`API`] and [`WORKER`] list the variables the operator sets for each binary; every name
//! in a list is a setting that binary reads. The operator hands both pods one ConfigMap and
//! one list of secret references, so each pod also sees the names set for the other
//! binary only, which it ignores: the API pod `WORKER_PORT`, `PAYMENTS_WEBHOOK_URL`,
//! `SMTP_URL` and `OUTBOX_PARTITIONS`, the worker pod `API_PORT` and `JWT_SECRET`. The migration Job runs
//! `shopfleet-api migrate` with the API's environment and reads only the logging and
//! database settings from it. The operator's tests check that it sets no other name for
//! the binaries and that it sets each listed one for some spec.
//!
//! Variables of third-party images the operator runs (`POSTGRES_*`, `MEILI_MASTER_KEY`, the
//! broker's `KAFKA_*`, `QDRANT__*`) and the operator's own flags are not here.

#![cfg_attr(not(test), no_std)]

// Logging and tracing (API and worker).
/// `pretty` or `json` (one object per line). Default: `pretty`.
pub const LOG_FORMAT: &str = "LOG_FORMAT";
/// Tracing filter, e.g. `info,shopfleet_api=debug`. Default: `info`.
pub const LOG_LEVEL: &str = "LOG_LEVEL";
/// OTLP/gRPC endpoint; traces are exported when set. Default: unset.
pub const OTEL_EXPORTER_OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

// Postgres (API and worker).
/// Postgres URL (secret). Default: `postgres://postgres@127.0.0.1:5432/shopfleet`.
pub const DATABASE_URL: &str = "DATABASE_URL";
/// Pool size. Default: `20`.
pub const DATABASE_MAX_CONNECTIONS: &str = "DATABASE_MAX_CONNECTIONS";
/// Wait for a pooled connection. Default: `5`.
pub const DATABASE_ACQUIRE_TIMEOUT_SECS: &str = "DATABASE_ACQUIRE_TIMEOUT_SECS";

// Redis (API and worker).
/// Redis URL (secret). Default: `redis://127.0.0.1:6379/0`.
pub const REDIS_URL: &str = "REDIS_URL";
/// PEM file of the CA that signed a `rediss://` server's certificate. Default: the system's roots.
pub const REDIS_CA_FILE: &str = "REDIS_CA_FILE";
/// Prefix of every Redis key. Default: `shopfleet`.
pub const REDIS_KEY_PREFIX: &str = "REDIS_KEY_PREFIX";

// Kafka (API and worker).
/// Bootstrap servers; unset = Postgres outbox only. Default: unset.
pub const KAFKA_BROKERS: &str = "KAFKA_BROKERS";
/// Topics are `<prefix>.<aggregate>`. Default: `shopfleet`.
pub const KAFKA_TOPIC_PREFIX: &str = "KAFKA_TOPIC_PREFIX";
/// `PLAINTEXT`, `SSL`, `SASL_PLAINTEXT` or `SASL_SSL`. Default: `PLAINTEXT`, or
/// `SASL_PLAINTEXT` when a SASL user is set.
pub const KAFKA_SECURITY_PROTOCOL: &str = "KAFKA_SECURITY_PROTOCOL";
/// `SCRAM-SHA-512`, `SCRAM-SHA-256` or `PLAIN`. Default: `SCRAM-SHA-512`.
pub const KAFKA_SASL_MECHANISM: &str = "KAFKA_SASL_MECHANISM";
/// PEM file of the CA that signed the brokers' certificates (with `SSL`/`SASL_SSL`). Default:
/// the system's roots.
pub const KAFKA_SSL_CA_LOCATION: &str = "KAFKA_SSL_CA_LOCATION";
/// SASL user. Default: unset (no SASL).
pub const KAFKA_SASL_USERNAME: &str = "KAFKA_SASL_USERNAME";
/// SASL password (secret). Default: unset.
pub const KAFKA_SASL_PASSWORD: &str = "KAFKA_SASL_PASSWORD";

/// The aggregates whose events have a Kafka topic each, `<prefix>.<aggregate>` (the worker
/// creates them; the operator declares them as Strimzi KafkaTopics).
pub const EVENT_AGGREGATES: [&str; 7] =
    ["user", "product", "inventory", "order", "payment", "promotion", "notification"];

// Readiness (API and worker).
/// Timeout of each `/ready` dependency check. Default: `2000`.
pub const READY_TIMEOUT_MS: &str = "READY_TIMEOUT_MS";

// The API's HTTP server and its own settings.
/// API listen address. Default: `0.0.0.0` (`make dev`: `127.0.0.1`).
pub const API_HOST: &str = "API_HOST";
/// API port. Default: `8000`.
pub const API_PORT: &str = "API_PORT";
/// Requests taking longer get 408. Default: `30`.
pub const REQUEST_TIMEOUT_SECS: &str = "REQUEST_TIMEOUT_SECS";
/// Larger bodies get 413. Default: `1048576`.
pub const MAX_BODY_BYTES: &str = "MAX_BODY_BYTES";
/// Comma-separated allowed origins.
pub const CORS_ORIGINS: &str = "CORS_ORIGINS";
/// Serve `/docs`. Default: `false` (`make dev`: `true`).
pub const DOCS_ENABLED: &str = "DOCS_ENABLED";
/// Swagger-ui-dist files for `/docs`. Default: `.dev/swagger-ui`.
pub const DOCS_ASSETS_DIR: &str = "DOCS_ASSETS_DIR";
/// Directory of uploaded product images and their renditions. Default: `<DATA_DIR>/media`.
pub const MEDIA_DIR: &str = "MEDIA_DIR";
/// S3-compatible bucket for product images instead of `MEDIA_DIR`. Default: unset.
pub const MEDIA_S3_BUCKET: &str = "MEDIA_S3_BUCKET";
/// Endpoint of an S3-compatible service (path-style requests). Default: unset (AWS S3).
pub const MEDIA_S3_ENDPOINT: &str = "MEDIA_S3_ENDPOINT";
/// Region of the bucket. Default: `us-east-1`.
pub const MEDIA_S3_REGION: &str = "MEDIA_S3_REGION";
/// Access key id of the bucket (secret). Default: unset (required with `MEDIA_S3_BUCKET`).
pub const MEDIA_S3_ACCESS_KEY_ID: &str = "MEDIA_S3_ACCESS_KEY_ID";
/// Secret access key of the bucket (secret). Default: unset (required with `MEDIA_S3_BUCKET`).
pub const MEDIA_S3_SECRET_ACCESS_KEY: &str = "MEDIA_S3_SECRET_ACCESS_KEY";
/// S3-compatible bucket the embedded Postgres's backups go to (`shopfleet-api backup`, run by
/// the operator's backup CronJob and restore Job). Default: unset.
pub const BACKUP_S3_BUCKET: &str = "BACKUP_S3_BUCKET";
/// Endpoint URL of an S3-compatible service holding the backups. Default: unset (AWS S3).
pub const BACKUP_S3_ENDPOINT: &str = "BACKUP_S3_ENDPOINT";
/// Region of the backups bucket. Default: `us-east-1`.
pub const BACKUP_S3_REGION: &str = "BACKUP_S3_REGION";
/// Access key id of the backups bucket (secret).
pub const BACKUP_S3_ACCESS_KEY_ID: &str = "BACKUP_S3_ACCESS_KEY_ID";
/// Secret access key of the backups bucket (secret).
pub const BACKUP_S3_SECRET_ACCESS_KEY: &str = "BACKUP_S3_SECRET_ACCESS_KEY";
/// Largest image upload, in bytes. Default: `10485760`.
pub const IMAGE_MAX_BYTES: &str = "IMAGE_MAX_BYTES";
/// Most pixels an uploaded image may declare. Default: `40000000`.
pub const IMAGE_MAX_PIXELS: &str = "IMAGE_MAX_PIXELS";
/// The built web app (`web/dist`: storefront and consoles) served at `/`. Default: unset, no
/// web app (the API image sets it).
pub const WEB_DIR: &str = "WEB_DIR";
/// Time in-flight requests get after SIGTERM. Default: `25`.
pub const SHUTDOWN_GRACE_SECS: &str = "SHUTDOWN_GRACE_SECS";
/// Time a client has to send a request's headers (and the keep-alive idle limit); slower clients are
/// disconnected. Default: `10`.
pub const HEADER_READ_TIMEOUT_SECS: &str = "HEADER_READ_TIMEOUT_SECS";
/// Connections served at once; more wait in the listen backlog. Default: `1024`.
pub const MAX_CONNECTIONS: &str = "MAX_CONNECTIONS";
/// Lifetime of cached product pages in Redis. Default: `60`.
pub const CATALOG_CACHE_TTL_SECS: &str = "CATALOG_CACHE_TTL_SECS";
/// MiB of catalog pages each API process also keeps in memory (0: none). Default: `64`.
pub const CATALOG_LOCAL_CACHE_MIB: &str = "CATALOG_LOCAL_CACHE_MIB";
/// How long an unpaid order holds its stock before the worker cancels it. Default: `900`.
pub const ORDER_PAYMENT_TTL_SECS: &str = "ORDER_PAYMENT_TTL_SECS";
/// Apply migrations before serving. Default: `false`.
pub const MIGRATE_ON_START: &str = "MIGRATE_ON_START";

// Accounts and tokens (API).
/// `HS256`, `EdDSA` or `RS256`; verification accepts only this one. Default: `HS256`.
pub const JWT_ALGORITHM: &str = "JWT_ALGORITHM";
/// HS256 key, at least 32 bytes (secret). Default: none (required with HS256; `make dev` generates one).
pub const JWT_SECRET: &str = "JWT_SECRET";
/// Earlier HS256 keys still accepted during rotation (secret).
pub const JWT_PREVIOUS_SECRETS: &str = "JWT_PREVIOUS_SECRETS";
/// PEM private key for EdDSA / RS256. Default: unset.
pub const JWT_PRIVATE_KEY_FILE: &str = "JWT_PRIVATE_KEY_FILE";
/// PEM public key for EdDSA / RS256. Default: unset.
pub const JWT_PUBLIC_KEY_FILE: &str = "JWT_PUBLIC_KEY_FILE";
/// Earlier public keys still accepted.
pub const JWT_PREVIOUS_PUBLIC_KEY_FILES: &str = "JWT_PREVIOUS_PUBLIC_KEY_FILES";
/// `iss` claim, required on verification. Default: `shopfleet`.
pub const JWT_ISSUER: &str = "JWT_ISSUER";
/// `aud` claim, required on verification. Default: `shopfleet-api`.
pub const JWT_AUDIENCE: &str = "JWT_AUDIENCE";
/// Access token lifetime. Default: `900`.
pub const ACCESS_TOKEN_TTL_SECS: &str = "ACCESS_TOKEN_TTL_SECS";
/// Refresh token (session) lifetime. Default: `1209600`.
pub const REFRESH_TOKEN_TTL_SECS: &str = "REFRESH_TOKEN_TTL_SECS";
/// Argon2id memory cost (OWASP). Default: `19456`.
pub const ARGON2_MEMORY_KIB: &str = "ARGON2_MEMORY_KIB";
/// Argon2id time cost (OWASP). Default: `2`.
pub const ARGON2_ITERATIONS: &str = "ARGON2_ITERATIONS";
/// Argon2id lanes (OWASP). Default: `1`.
pub const ARGON2_PARALLELISM: &str = "ARGON2_PARALLELISM";
/// Failed logins per account per window, then 429. Default: `10`.
pub const LOGIN_MAX_FAILURES_PER_ACCOUNT: &str = "LOGIN_MAX_FAILURES_PER_ACCOUNT";
/// Login attempts per client IP per window, then 429. Default: `100`.
pub const LOGIN_MAX_ATTEMPTS_PER_IP: &str = "LOGIN_MAX_ATTEMPTS_PER_IP";
/// Throttle window. Default: `900`.
pub const LOGIN_THROTTLE_WINDOW_SECS: &str = "LOGIN_THROTTLE_WINDOW_SECS";
/// Client IP from `X-Forwarded-For` (only behind a trusted proxy). Default: `false`.
pub const TRUST_FORWARDED_FOR: &str = "TRUST_FORWARDED_FOR";
/// Admin created at start-up when none exists. Default: unset.
pub const BOOTSTRAP_ADMIN_EMAIL: &str = "BOOTSTRAP_ADMIN_EMAIL";
/// Its password (secret). Default: unset (no default password anywhere).
pub const BOOTSTRAP_ADMIN_PASSWORD: &str = "BOOTSTRAP_ADMIN_PASSWORD";

// Payments (API and worker).
/// Secrets signing and verifying payment webhooks, comma-separated, current first; two during a rotation;
/// each ≥ 32 bytes (secret). Default: none (required; `make dev` generates one).
pub const PAYMENTS_WEBHOOK_SECRETS: &str = "PAYMENTS_WEBHOOK_SECRETS";
/// How far a webhook's signature timestamp may be from the clock. Default: `300`.
pub const PAYMENTS_WEBHOOK_TOLERANCE_SECS: &str = "PAYMENTS_WEBHOOK_TOLERANCE_SECS";
/// When the simulated provider settles a `processing` payment (the "fails late" card). Default: `2000`.
pub const PAYMENTS_SIMULATOR_SETTLE_MS: &str = "PAYMENTS_SIMULATOR_SETTLE_MS";

// Search (API and worker).
/// `postgres` (full text in the catalog tables) or `meilisearch`. Default: `postgres`.
pub const SEARCH_BACKEND: &str = "SEARCH_BACKEND";
/// Meilisearch server, e.g. `http://meilisearch:7700`. Default: unset (required with `meilisearch`).
pub const MEILI_URL: &str = "MEILI_URL";
/// Meilisearch API key (secret). Default: unset.
pub const MEILI_API_KEY: &str = "MEILI_API_KEY";
/// This shop's indexes are `<prefix>_…`; products live in `<prefix>_products`. Default: `shopfleet`.
pub const MEILI_INDEX_PREFIX: &str = "MEILI_INDEX_PREFIX";

// Shopping assistant: vectors, embeddings, chat model (API and worker).
/// `embedded` (qdrant-edge under `DATA_DIR`) or `qdrant` (a server at `QDRANT_URL`). Default: `embedded`.
pub const VECTOR_BACKEND: &str = "VECTOR_BACKEND";
/// Qdrant server (gRPC, e.g. `http://qdrant:6334`), required with `VECTOR_BACKEND=qdrant`. Default: unset.
pub const QDRANT_URL: &str = "QDRANT_URL";
/// Its API key (secret). Default: unset.
pub const QDRANT_API_KEY: &str = "QDRANT_API_KEY";
/// This shop's collection (one per shop). Default: `products`.
pub const VECTOR_COLLECTION: &str = "VECTOR_COLLECTION";
/// Embedded index: KB of vectors (about 1.5 per product) a segment holds before it gets an HNSW index.
/// Default: `10000`.
pub const VECTOR_INDEXING_THRESHOLD_KB: &str = "VECTOR_INDEXING_THRESHOLD_KB";
/// Local state; the embedded vector index lives in `<DATA_DIR>/vectors`. Default: `.dev/data`.
pub const DATA_DIR: &str = "DATA_DIR";
/// All-MiniLM-L6-v2 safetensors, config and tokenizer. Default: `models/all-MiniLM-L6-v2` (`make dev`/`make
/// test`: `~/.cache/shopfleet/models/all-MiniLM-L6-v2`).
pub const EMBEDDING_MODEL_DIR: &str = "EMBEDDING_MODEL_DIR";
/// OpenAI-compatible embeddings endpoint instead of in-process MiniLM (384-dimension vectors). Default:
/// unset.
pub const EMBEDDINGS_URL: &str = "EMBEDDINGS_URL";
/// Model asked of `EMBEDDINGS_URL`. Default: `all-MiniLM-L6-v2`.
pub const EMBEDDING_MODEL: &str = "EMBEDDING_MODEL";
/// The in-process embedder's own threads: forward passes run at once. Default: `1`.
pub const EMBEDDING_THREADS: &str = "EMBEDDING_THREADS";
/// The longest text the in-process model reads, in tokens (16–256); longer texts are cut, a product's
/// description tail first. Default: `256`.
pub const EMBEDDING_MAX_TOKENS: &str = "EMBEDDING_MAX_TOKENS";
/// OpenAI-compatible chat endpoint for explanations; unset: deterministic text from product facts. Default:
/// unset.
pub const OPENAI_BASE_URL: &str = "OPENAI_BASE_URL";
/// Chat model. Default: `gpt-4o-mini`.
pub const OPENAI_MODEL: &str = "OPENAI_MODEL";
/// Key for `OPENAI_BASE_URL` and `EMBEDDINGS_URL` (secret). Default: unset.
pub const OPENAI_API_KEY: &str = "OPENAI_API_KEY";
/// A chat reply slower than this falls back to the deterministic text. Default: `5000`.
pub const LLM_TIMEOUT_MS: &str = "LLM_TIMEOUT_MS";

// The worker's probe server and identity.
/// Worker probe server address. Default: `0.0.0.0`.
pub const WORKER_HOST: &str = "WORKER_HOST";
/// Worker `/health`, `/ready`, `/metrics`. Default: `9090`.
pub const WORKER_PORT: &str = "WORKER_PORT";
/// This replica's name in job runs and logs. Default: host name.
pub const WORKER_ID: &str = "WORKER_ID";
/// Time running work gets after SIGTERM. Default: `25`.
pub const WORKER_SHUTDOWN_GRACE_SECS: &str = "WORKER_SHUTDOWN_GRACE_SECS";
/// Where the worker's simulated provider delivers webhooks (the operator points it at the API Service).
/// Default: `http://127.0.0.1:8000/api/v1/payments/webhook`.
pub const PAYMENTS_WEBHOOK_URL: &str = "PAYMENTS_WEBHOOK_URL";

// The worker's event delivery.
/// Outbox partitions (an aggregate's events share one); bounds event parallelism; equal on every replica.
/// Default: `4`.
pub const OUTBOX_PARTITIONS: &str = "OUTBOX_PARTITIONS";
/// Outbox rows published or dispatched per batch. Default: `200`.
pub const OUTBOX_BATCH_SIZE: &str = "OUTBOX_BATCH_SIZE";
/// Outbox poll interval when no NOTIFY arrives. Default: `500`.
pub const OUTBOX_POLL_MS: &str = "OUTBOX_POLL_MS";
/// How long a partition waits after a NOTIFY before claiming, to take the events committed
/// meanwhile in the same batch. Default: `20`.
pub const OUTBOX_LINGER_MS: &str = "OUTBOX_LINGER_MS";
/// Attempts per event and handler before it is dead-lettered. Default: `5`.
pub const HANDLER_MAX_ATTEMPTS: &str = "HANDLER_MAX_ATTEMPTS";
/// First retry delay, doubled per retry (max 30 s). Default: `200`.
pub const HANDLER_RETRY_BASE_MS: &str = "HANDLER_RETRY_BASE_MS";
/// Consumer group of handler `h` is `<prefix>.<h>`. Default: `shopfleet-worker`.
pub const KAFKA_GROUP_PREFIX: &str = "KAFKA_GROUP_PREFIX";

// The worker's scheduled jobs (cron with seconds, UTC).
/// Cron (with seconds, UTC): expire overdue stock reservations. Default: `*/15 * * * * *`.
pub const SCHEDULE_EXPIRE_RESERVATIONS: &str = "SCHEDULE_EXPIRE_RESERVATIONS";
/// Cron: cancel unpaid orders past their deadline, releasing their stock. Default: `*/10 * * * * *`.
pub const SCHEDULE_EXPIRE_ORDERS: &str = "SCHEDULE_EXPIRE_ORDERS";
/// Cron: prune expired idempotency keys, old bookkeeping and vector tombstones older
/// than 30 days. Default: `0 */10 * * * *`.
pub const SCHEDULE_PRUNE: &str = "SCHEDULE_PRUNE";
/// Cron: measure the outbox backlog for `/metrics` and the admin API. Default: `*/10 * * * * *`.
pub const SCHEDULE_MEASURE_LAG: &str = "SCHEDULE_MEASURE_LAG";
/// Cron: the simulated provider settles late payments and delivers due webhooks; pending refunds are retried.
/// Default: `* * * * * *`.
pub const SCHEDULE_PAYMENTS: &str = "SCHEDULE_PAYMENTS";
/// Cron: rebuild the search index from Postgres (Meilisearch backend; logged no-op on Postgres). Default: `0
/// 0 3 * * *`.
pub const SCHEDULE_REINDEX: &str = "SCHEDULE_REINDEX";

// The worker's mail.
/// SMTP server for notification mail (secret), e.g. `smtps://user:pass@host:465`. Default: unset.
pub const SMTP_URL: &str = "SMTP_URL";
/// Write mail as `.eml` files here instead of SMTP. Default: unset (`.dev/mail` in `make dev`).
pub const MAIL_DIR: &str = "MAIL_DIR";
/// From address of every mail. Default: `Shopfleet <no-reply@shopfleet.invalid>`.
pub const MAIL_FROM: &str = "MAIL_FROM";
/// Mail queue poll interval. Default: `2`.
pub const MAIL_POLL_SECS: &str = "MAIL_POLL_SECS";

// `shopfleet-api` commands other than `serve`.
/// Password of the demo shop's accounts (secret). Default: unset (`make dev` generates one).
pub const DEMO_PASSWORD: &str = "DEMO_PASSWORD";
/// Password for `shopfleet-api create-admin`. Default: unset.
pub const ADMIN_PASSWORD: &str = "ADMIN_PASSWORD";

/// A list of the variables the operator sets for both binaries and both read, followed by
/// the given ones, which it sets for one binary only.
macro_rules! shared_and {
    ($($own:ident),* $(,)?) => {
        &[
            LOG_FORMAT,
            DATA_DIR,
            DATABASE_URL,
            REDIS_URL,
            REDIS_CA_FILE,
            KAFKA_BROKERS,
            KAFKA_SSL_CA_LOCATION,
            KAFKA_SECURITY_PROTOCOL,
            KAFKA_SASL_MECHANISM,
            KAFKA_SASL_USERNAME,
            KAFKA_SASL_PASSWORD,
            PAYMENTS_WEBHOOK_SECRETS,
            SEARCH_BACKEND,
            MEILI_URL,
            MEILI_API_KEY,
            MEILI_INDEX_PREFIX,
            VECTOR_BACKEND,
            QDRANT_URL,
            QDRANT_API_KEY,
            VECTOR_COLLECTION,
            EMBEDDING_MODEL_DIR,
            OPENAI_BASE_URL,
            OPENAI_MODEL,
            OPENAI_API_KEY,
            MEDIA_DIR,
            MEDIA_S3_BUCKET,
            MEDIA_S3_ENDPOINT,
            MEDIA_S3_REGION,
            MEDIA_S3_ACCESS_KEY_ID,
            MEDIA_S3_SECRET_ACCESS_KEY,
            $($own),*
        ]
    };
}

/// The variables the operator sets for `shopfleet-api` (its Deployment and, with the same
/// environment, the migration Job), each one a setting the API reads. Some are set only for
/// some specs: `KAFKA_BROKERS` not with Kafka disabled, `KAFKA_SASL_*` and
/// `KAFKA_SECURITY_PROTOCOL` only with Strimzi or SASL/TLS to external brokers,
/// `REDIS_CA_FILE` and `KAFKA_SSL_CA_LOCATION` only with a CA Secret for the server, `MEILI_*` only with Meilisearch,
/// `QDRANT_*` and `VECTOR_COLLECTION` only with a Qdrant server, `EMBEDDING_MODEL_DIR` and
/// `OPENAI_*` only when the spec's `ai` block sets them, `MEDIA_DIR` only with a media volume
/// and `MEDIA_S3_*` only with an object store.
pub const API: &[&str] = shared_and![API_PORT, JWT_SECRET];

/// The variables the operator sets for `shopfleet-worker`, each one a setting the worker
/// reads. Conditional as in [`API`]; `SMTP_URL` only when the spec's `smtp` block is set,
/// `OUTBOX_PARTITIONS` only with Strimzi (equal to its topics' partitions).
pub const WORKER: &[&str] = shared_and![WORKER_PORT, PAYMENTS_WEBHOOK_URL, SMTP_URL, OUTBOX_PARTITIONS];

#[cfg(test)]
mod tests {
    use super::{API, WORKER};

    #[test]
    fn each_list_names_a_variable_once() {
        for list in [API, WORKER] {
            for (i, name) in list.iter().enumerate() {
                assert!(!list[..i].contains(name), "{name} is listed twice");
                assert!(name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'));
            }
        }
    }
}
