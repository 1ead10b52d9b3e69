//! The HTTP surface: every module's router merged into one, the OpenAPI document
//! built from the same routes, and the middleware stack every request goes through.

pub mod admin_events;
pub mod admin_users;
pub mod assistant;
pub mod auth;
pub mod auth_routes;
pub mod carts;
pub mod catalog;
pub mod contract;
pub mod docs;
pub mod fulfilment;
pub mod idempotent;
pub mod images;
pub mod json;
pub mod me;
pub mod observe;
pub mod orders;
pub mod path;
pub mod payments;
pub mod pricing;
pub mod problem;
pub mod query;
pub mod text;
pub mod web;

use crate::{config::ApiSettings, state::ApiContext};
use axum::{
    extract::{DefaultBodyLimit, FromRef, MatchedPath, Request},
    http::{HeaderName, HeaderValue, Method, StatusCode},
    middleware,
    response::IntoResponse,
    Router,
};
use shopfleet_platform::probes::{self, ProbeState};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    cors::{AllowOrigin, CorsLayer},
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Shopfleet API",
        description = "Catalog, carts, orders, payments and the shopping assistant of one Shopfleet shop. \
                       Errors are RFC 9457 problem documents (`application/problem+json`) with a stable `code`."
    ),
    tags(
        (name = "operations", description = "Liveness, readiness and metrics"),
        (name = "auth", description = "Registration and OAuth2 tokens (password and refresh_token grants)"),
        (name = "users", description = "The caller's account, password and addresses"),
        (name = "admin", description = "User administration (admins only)"),
        (name = "catalog", description = "Categories and products"),
        (name = "orders", description = "Checkout and the caller's orders"),
        (name = "payments", description = "Paying orders, 3-D Secure, refunds and the provider's signed webhook"),
        (name = "fulfilment", description = "Merchants' view of their order lines; fulfilling and shipping them"),
        (name = "cart", description = "The caller's cart: lines, delivery, promotion code, the priced breakdown, per-line issues"),
        (name = "pricing", description = "Tax mode, shipping zones and methods (admins) and promotions (admins and merchants)"),
        (name = "inventory", description = "Stock adjustments and their audit log"),
        (name = "assistant", description = "The shopping assistant: recommendations, grounded answers, similar products"),
    ),
    modifiers(&SecuritySchemes),
    components(schemas(problem::Problem, problem::FieldError, shopfleet_commerce::catalog::listing::Sort))
)]
struct ApiDoc;

/// Declares the bearer scheme. Each operation's security requirement lists the roles it
/// admits (OpenAPI 3.1 allows role names for non-OAuth schemes).
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("Access token from /api/v1/auth/token"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "password",
            SecurityScheme::OAuth2(OAuth2::new([Flow::Password(Password::new(
                "/api/v1/auth/token",
                Scopes::new(),
            ))])),
        );
    }
}

impl FromRef<ApiContext> for ProbeState {
    fn from_ref(ctx: &ApiContext) -> Self {
        ProbeState { readiness: ctx.readiness.clone(), metrics: ctx.metrics.clone() }
    }
}

/// Every documented route, with its OpenAPI description; image uploads may be as large as
/// `max_image_bytes`.
fn documented_routes(max_image_bytes: u64) -> OpenApiRouter<ApiContext> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(probes::health))
        .routes(routes!(probes::ready))
        .routes(routes!(probes::metrics))
        .merge(auth_routes::router())
        .merge(me::router())
        .merge(admin_users::router())
        .merge(admin_events::router())
        .merge(carts::router())
        .merge(pricing::router())
        .merge(orders::router())
        .merge(payments::router())
        .merge(fulfilment::router())
        .merge(catalog::router())
        .merge(images::router(max_image_bytes))
        .merge(assistant::router())
}

/// The OpenAPI 3.1 document of the API, as served at `/openapi.json`.
pub fn openapi() -> serde_json::Value {
    contract::complete(&documented_routes(0).into_openapi())
}

/// All routes with their state, the docs, and for anything else the web app (when
/// `WEB_DIR` is set) or a bare 404 that becomes problem+json; no middleware yet.
pub fn routes(ctx: ApiContext) -> Router {
    let docs_assets = ctx.settings.http.docs_enabled.then_some(ctx.settings.http.docs_assets_dir.as_path());
    let web_app = ctx.settings.http.web_dir.as_deref().map(web::service);
    let (router, spec) = documented_routes(ctx.settings.media.image_max_bytes).split_for_parts();
    let router = router.merge(docs::router(contract::complete(&spec), docs_assets));
    let router = match web_app {
        Some(app) => router.fallback_service(app),
        None => router.fallback(|| async { StatusCode::NOT_FOUND.into_response() }),
    };
    router.with_state(ctx)
}

/// The full application: routes wrapped in the middleware stack.
pub fn app(ctx: ApiContext) -> Router {
    let settings = ctx.settings.clone();
    with_middleware(routes(ctx), &settings)
}

/// Wraps `router` (outermost first): request id, tracing, metrics, CORS, problem+json
/// for bare errors, panic recovery, timeout and body-size limit (`MAX_BODY_BYTES` for every
/// body an extractor reads; only image uploads may be larger, up to `IMAGE_MAX_BYTES`).
pub fn with_middleware(router: Router, settings: &ApiSettings) -> Router {
    let http = &settings.http;
    let max_body = usize::try_from(http.max_body_bytes).unwrap_or(usize::MAX);
    let largest_upload = usize::try_from(settings.media.image_max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(images::MULTIPART_OVERHEAD);
    // Each `Router::layer` call turns its responses back into axum responses, which
    // lets the function middlewares sit between tower-http layers with other body types.
    router
        .layer(
            ServiceBuilder::new()
                .layer(RequestBodyLimitLayer::new(max_body.max(largest_upload)))
                .layer(DefaultBodyLimit::max(max_body)),
        )
        .layer(
            ServiceBuilder::new()
                .layer(CatchPanicLayer::custom(problem::panic_response))
                .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, http.request_timeout())),
        )
        .layer(middleware::map_response(problem::ensure_problem))
        .layer(cors(&http.cors_origins))
        .layer(middleware::from_fn(observe::record_request))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(request_span))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID)),
        )
}

fn request_span(request: &Request) -> tracing::Span {
    let request_id = request.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
    let route =
        request.extensions().get::<MatchedPath>().map_or(observe::UNMATCHED_ROUTE, MatchedPath::as_str);
    tracing::info_span!("request", method = %request.method(), route, request_id)
}

fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> =
        origins.iter().filter(|o| !o.is_empty()).filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers([
            axum::http::header::AUTHORIZATION,
            axum::http::header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([REQUEST_ID])
}
