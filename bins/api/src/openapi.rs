//! The OpenAPI 3.1 document of the API, generated from the code: the wire types of
//! `api_types` give the schemas, each handler's `#[utoipa::path]` gives its operation, and
//! [`document`] adds what every operation shares (the bearer scheme, and the error answers
//! any route can give, all in the one envelope). Served at `GET /api/v1/openapi.json` and
//! printed by `rigmaster openapi`.
//!
//! A test compares the operations here with the router's routes ([`crate::routes::endpoints`]),
//! so a route cannot be served without being documented, or documented without being served.

use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::web::Bytes;
use serde_json::{Map, Value, json};
use utoipa::OpenApi;

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "RigMaster Commerce API",
        description = "The REST API of RigMaster Commerce: the catalog, carts, checkout with Razorpay, \
            orders, and the store's admin.\n\n\
            Money is always an integer number of paise (`*_paise`); ids are UUIDs; times are RFC 3339 \
            in UTC. Lists are pages `{items, next_cursor}`: pass `next_cursor` back as `cursor`. \
            Every failure is the envelope `{\"error\": {code, message, details, request_id}}`; branch \
            on `code`. Sign in with `POST /api/v1/auth/login` and send the access token as \
            `Authorization: Bearer <token>`; operations marked with the `admin` role need an admin's \
            token. `POST /api/v1/orders` needs an `Idempotency-Key` header.",
        license(name = "MIT OR Apache-2.0"),
    ),
    tags(
        (name = "health", description = "Liveness, readiness, metrics, this document and its reference page."),
        (name = "auth", description = "Registration, sessions and the signed-in user."),
        (name = "addresses", description = "The customer's saved addresses."),
        (name = "catalog", description = "Categories, products and search, as shoppers see them."),
        (name = "builder", description = "The PC builder: Intel and AMD custom builds, checked and priced by the server, saved and shared."),
        (name = "cart", description = "The customer's server-side cart."),
        (name = "orders", description = "Checkout, payment with Razorpay, and the customer's orders."),
        (name = "newsletter", description = "Newsletter sign-up."),
        (name = "webhooks", description = "Razorpay's signed webhooks."),
        (name = "admin-catalog", description = "Admin: products and categories."),
        (name = "admin-inventory", description = "Admin: stock levels and the stock ledger."),
        (name = "admin-coupons", description = "Admin: coupons."),
        (name = "admin-payments", description = "Admin: payments."),
        (name = "admin-orders", description = "Admin: orders: find, pack, ship, deliver, returns, refunds, bulk cancel."),
        (name = "admin-invoices", description = "Admin: GST tax invoices and credit notes, and a period's documents for GST returns (JSON or CSV)."),
        (name = "admin-users", description = "Admin: users and roles."),
        (name = "admin-audit", description = "Admin: the audit trail of every admin write."),
        (name = "admin-analytics", description = "Admin: sales analytics (summary, sales over time, top products, \
            categories) and stock alerts, over IST days."),
    ),
    components(schemas(api_types::ErrorEnvelope, api_types::ErrorCode))
)]
struct ApiDoc;

/// Each route module's operations.
fn parts() -> Vec<utoipa::openapi::OpenApi> {
    vec![
        routes::health::Api::openapi(),
        routes::auth::Api::openapi(),
        routes::addresses::Api::openapi(),
        routes::admin_users::Api::openapi(),
        routes::catalog::Api::openapi(),
        routes::admin_catalog::Api::openapi(),
        routes::admin_inventory::Api::openapi(),
        routes::builder::Api::openapi(),
        routes::cart::Api::openapi(),
        routes::orders::Api::openapi(),
        routes::admin_coupons::Api::openapi(),
        routes::admin_orders::Api::openapi(),
        routes::admin_payments::Api::openapi(),
        routes::admin_order_ops::Api::openapi(),
        routes::invoices::Api::openapi(),
        routes::admin_audit::Api::openapi(),
        routes::admin_analytics::Api::openapi(),
        routes::newsletter::Api::openapi(),
        routes::webhooks::Api::openapi(),
        DocumentApi::openapi(),
        crate::docs_ui::Api::openapi(),
    ]
}

/// The whole document.
pub fn document() -> Value {
    let mut doc = ApiDoc::openapi();
    for part in parts() {
        doc.merge(part);
    }
    let mut doc = serde_json::to_value(&doc).expect("the document serialises");
    add_shared_parts(&mut doc);
    doc
}

static DOCUMENT: LazyLock<Bytes> =
    LazyLock::new(|| Bytes::from(serde_json::to_vec(&document()).expect("the document serialises")));

/// This document: the OpenAPI 3.1 description of the API.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "health",
    operation_id = "openapi_document",
    responses((status = 200, description = "This document (OpenAPI 3.1).", content_type = "application/json", body = Object)),
)]
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(DOCUMENT.clone())
}

#[derive(OpenApi)]
#[openapi(paths(serve))]
struct DocumentApi;

/// The answers every operation may give, by name under `components/responses`.
const SHARED_RESPONSES: [(&str, &str, &str, bool); 10] = [
    // (status, name, description, carries Retry-After)
    (
        "400",
        "BadRequest",
        "`bad_request`: the request could not be understood (a body that is not JSON or not \
      sent as `application/json`, a control character in the path or query …).",
        false,
    ),
    ("401", "Unauthorized", "`unauthorized` (no or a bad token) or `token_expired`.", false),
    ("403", "Forbidden", "`forbidden`: the token's user may not do this (an admin operation).", false),
    ("404", "NotFound", "`not_found`: no such resource (or not the caller's).", false),
    ("413", "PayloadTooLarge", "`payload_too_large`: the body is over the size limit.", false),
    ("414", "UriTooLong", "`bad_request`: the URL is over 8 KiB.", false),
    ("422", "ValidationFailed", "`validation_failed`: `details` names every refused field or parameter.", false),
    (
        "429",
        "RateLimited",
        "`rate_limited`: too many requests of this kind from this client IP or customer in a minute; \
      nothing was done. `Retry-After` says when to try again.",
        true,
    ),
    ("500", "Internal", "`internal`: a failure on the server's side; quote `request_id` to support.", false),
    (
        "503",
        "ServiceUnavailable",
        "`service_unavailable`: the database is unreachable or busy; nothing was \
      done. `Retry-After` says when to try again.",
        true,
    ),
];

fn add_shared_parts(doc: &mut Value) {
    let components = doc["components"].as_object_mut().expect("components");
    components.insert(
        "securitySchemes".into(),
        json!({"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": "An access token from `POST /api/v1/auth/login`, `/register` or `/refresh`. \
                A requirement listing the role `admin` needs an admin's token."}}),
    );
    let mut responses = Map::new();
    for (_, name, description, retry_after) in SHARED_RESPONSES {
        let mut response = json!({
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
        });
        if retry_after {
            response["headers"] = json!({"Retry-After": {"description": "Seconds to wait before trying again.",
                "schema": {"type": "integer", "minimum": 0}}});
        }
        responses.insert(name.into(), response);
    }
    components.insert("responses".into(), Value::Object(responses));

    if let Some(Value::Object(schemas)) = components.get_mut("schemas") {
        schemas.values_mut().for_each(refuse_control_characters);
    }
    // From the router's own table, so the document cannot list a limit the router lacks.
    let limited: Vec<(String, String)> = routes::endpoints()
        .into_iter()
        .filter(|endpoint| endpoint.limit.is_some())
        .map(|endpoint| (endpoint.method.as_str().to_lowercase(), endpoint.path))
        .collect();
    let paths = doc["paths"].as_object_mut().expect("paths");
    for (path, item) in paths.iter_mut() {
        let item = item.as_object_mut().expect("a path item");
        for (method, operation) in item.iter_mut().filter(|(key, _)| OPERATIONS.contains(&key.as_str())) {
            let rate_limited = limited.iter().any(|(m, p)| m == method && p == path);
            add_shared_responses(path, operation, rate_limited);
            if let Some(Value::Array(parameters)) = operation.get_mut("parameters") {
                for schema in parameters.iter_mut().filter_map(|parameter| parameter.get_mut("schema")) {
                    refuse_control_characters(schema);
                }
            }
        }
    }
}

/// The keys of a path item that hold operations.
const OPERATIONS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// What every free-text string of the API matches: no control characters but tab, line
/// feed and carriage return (the server refuses them in the URL and in bodies, see
/// `http::control_chars`).
const NO_CONTROL_CHARACTERS: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// Writes [`NO_CONTROL_CHARACTERS`] into every free-text string of `schema` (passwords and
/// e-mails included; not into ids, times, enums or references), so that clients and fuzzers know the rule.
fn refuse_control_characters(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else { return };
    let is_string = match object.get("type") {
        Some(Value::String(kind)) => kind == "string",
        Some(Value::Array(kinds)) => kinds.contains(&json!("string")),
        _ => false,
    };
    let exact_format =
        object.get("format").is_some_and(|f| ["uuid", "date-time", "date"].contains(&f.as_str().unwrap_or("")));
    let constrained = exact_format || ["pattern", "enum", "const"].iter().any(|key| object.contains_key(*key));
    if is_string && !constrained {
        object.insert("pattern".into(), json!(NO_CONTROL_CHARACTERS));
    }
    for key in ["properties", "patternProperties"] {
        if let Some(Value::Object(properties)) = object.get_mut(key) {
            properties.values_mut().for_each(refuse_control_characters);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(inner) = object.get_mut(key) {
            refuse_control_characters(inner);
        }
    }
    for key in ["allOf", "oneOf", "anyOf", "prefixItems"] {
        if let Some(Value::Array(variants)) = object.get_mut(key) {
            variants.iter_mut().for_each(refuse_control_characters);
        }
    }
}

/// Adds the shared error answers that apply to this operation, unless it documents that
/// status itself.
fn add_shared_responses(path: &str, operation: &mut Value, rate_limited: bool) {
    let security = operation["security"].as_array().cloned().unwrap_or_default();
    let secured = security.iter().any(|requirement| requirement.get("bearer").is_some());
    let anonymous_allowed = security.is_empty() || security.iter().any(|r| r.as_object().is_some_and(Map::is_empty));
    let admin = security.iter().any(|r| r["bearer"].as_array().is_some_and(|roles| roles.contains(&json!("admin"))));
    let has_body = operation.get("requestBody").is_some();
    let has_query = operation["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
    let api = path.starts_with("/api/v1/");

    let mut statuses = vec!["400", "414", "500"];
    if api {
        statuses.push("503");
    }
    if secured {
        statuses.push("401");
    }
    if admin && !anonymous_allowed {
        statuses.push("403");
    }
    if path.contains('{') {
        statuses.push("404");
    }
    if has_body {
        statuses.extend(["413", "422"]);
    }
    if has_query {
        statuses.push("422");
    }
    if rate_limited {
        statuses.push("429");
    }
    let responses = operation["responses"].as_object_mut().expect("responses");
    for status in statuses {
        let (_, name, _, _) = SHARED_RESPONSES.iter().find(|(s, ..)| *s == status).expect("a shared response");
        responses.entry(status).or_insert_with(|| json!({"$ref": format!("#/components/responses/{name}")}));
    }
}
