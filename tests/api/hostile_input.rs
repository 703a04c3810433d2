//! Every route tried with hostile input, as an attacker or a broken client would send it:
//! NUL and other control characters in every text field and parameter, wrong types, huge
//! and negative numbers, malformed JSON, invalid UTF-8, bad ids. Each answer must be a 4xx
//! (or a success) in the contract's envelope, never a 5xx, never naming Rust types and never
//! echoing a huge input back.

use std::sync::Arc;

use api_types::addresses::NewAddress;
use api_types::builder::{Platform, SaveBuild, Slot};
use api_types::catalog::NewCategory;
use api_types::coupons::NewCoupon;
use reqwest::{Method, StatusCode};
use rigmaster_tests::app::{TestApp, TestUser};
use rigmaster_tests::coupons::percentage_coupon;
use rigmaster_tests::shop::{all_at_once, new_key, spawn_shop};
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Customer,
    Admin,
}

/// One route: how it is called, by whom, with a sample body and its query parameters.
struct Route {
    method: Method,
    /// With `{…}` placeholders filled from [`Ids`].
    path: &'static str,
    caller: Caller,
    body: Option<Value>,
    /// The route takes no body, an empty one or a JSON `null` as well as `body`.
    body_optional: bool,
    query: &'static [&'static str],
}

fn route(method: Method, path: &'static str, caller: Caller) -> Route {
    Route { method, path, caller, body: None, body_optional: false, query: &[] }
}

impl Route {
    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// A body the route may also go without (JSON `null` counts as none).
    fn optional_body(mut self, body: Value) -> Self {
        self.body_optional = true;
        self.body(body)
    }

    fn query(mut self, query: &'static [&'static str]) -> Self {
        self.query = query;
        self
    }
}

const LIST: &[&str] = &["limit", "cursor"];
const PRODUCT_LIST: &[&str] = &[
    "category",
    "brand",
    "q",
    "min_price_paise",
    "max_price_paise",
    "in_stock",
    "featured",
    "sort",
    "limit",
    "cursor",
    "include_inactive",
];

fn address_body() -> Value {
    json!({"name": "Asha Rao", "phone": "9876543210", "company": "Rao Systems", "line1": "12 MG Road",
           "line2": "Floor 2", "city": "Bengaluru", "state": "Karnataka", "pincode": "560001", "country": "IN",
           "is_default": false})
}

/// Every route of the API, with the caller each is meant for.
fn routes() -> Vec<Route> {
    use Caller::{Admin, Anonymous, Customer};
    let product = json!({
        "sku": "HOSTILE-1", "slug": "hostile-one", "name": "Hostile One", "brand": "RigMaster", "category": "cpu",
        "base_price_paise": 100_000, "discount": {"type": "percentage", "value": 1000}, "tax_rate_bps": 1800,
        "hsn_code": "854231", "short_description": "short", "description": "long\ntext", "specifications": {"cores": "8", "socket": "AM5"},
        "images": ["https://img.example.in/a.png"], "is_active": true, "is_featured": false, "initial_stock": 5,
        "low_stock_threshold": 1,
    });
    let coupon = json!({"code": "HOSTILE10", "type": "percentage", "value": 1000, "min_order_paise": 1000,
        "max_discount_paise": 50_000, "starts_at": "2026-01-01T00:00:00Z", "expires_at": "2030-01-01T00:00:00Z",
        "usage_limit": 10, "per_user_limit": 1, "is_active": true});
    vec![
        route(Method::GET, "/health", Anonymous),
        route(Method::GET, "/ready", Anonymous),
        route(Method::GET, "/metrics", Anonymous),
        route(Method::POST, "/api/v1/newsletter", Anonymous).body(json!({"email": "news@example.in"})),
        route(Method::POST, "/api/v1/webhooks/razorpay", Anonymous).body(json!({"event": "payment.captured"})),
        route(Method::POST, "/api/v1/auth/register", Anonymous).body(
            json!({"name": "Hostile Tester", "email": "hostile@example.in", "password": "a long password", "phone": "9876543210"}),
        ),
        route(Method::POST, "/api/v1/auth/login", Anonymous)
            .body(json!({"email": "hostile@example.in", "password": "a long password"})),
        route(Method::POST, "/api/v1/auth/refresh", Anonymous).body(json!({"refresh_token": "not-a-token"})),
        route(Method::POST, "/api/v1/auth/logout", Anonymous).body(json!({"refresh_token": "not-a-token"})),
        route(Method::GET, "/api/v1/me", Customer),
        route(Method::PATCH, "/api/v1/me", Customer).body(json!({"name": "Asha", "phone": "9876543210"})),
        route(Method::GET, "/api/v1/me/addresses", Customer),
        route(Method::POST, "/api/v1/me/addresses", Customer).body(address_body()),
        route(Method::PATCH, "/api/v1/me/addresses/{address}", Customer).body(address_body()),
        route(Method::DELETE, "/api/v1/me/addresses/{random}", Customer),
        route(Method::GET, "/api/v1/categories", Anonymous),
        route(Method::GET, "/api/v1/products", Anonymous).query(PRODUCT_LIST),
        route(Method::GET, "/api/v1/products/{product}", Anonymous),
        route(Method::GET, "/api/v1/search/suggest", Anonymous).query(&["q"]),
        route(Method::GET, "/api/v1/builder/{platform}/slots", Anonymous),
        route(Method::GET, "/api/v1/builder/{platform}/options", Anonymous).query(&[
            "slot", "cpu", "motherboard", "memory", "gpu", "storage", "psu", "case", "cooler", "sort", "limit", "cursor",
        ]),
        route(Method::POST, "/api/v1/builder/validate", Anonymous)
            .body(json!({"platform": "amd", "components": {"cpu": "{product}", "storage": "{random}"}})),
        route(Method::POST, "/api/v1/builder/builds", Anonymous)
            .body(json!({"platform": "amd", "components": {"cpu": "{product}"}, "name": "My rig"})),
        route(Method::GET, "/api/v1/builder/builds/{build}", Anonymous),
        route(Method::POST, "/api/v1/cart/builds", Customer)
            .body(json!({"platform": "amd", "components": {"cpu": "{product}"}, "name": "My rig"})),
        route(Method::POST, "/api/v1/cart/builds", Customer).body(json!({"build_id": "{build}"})),
        route(Method::DELETE, "/api/v1/cart/builds/{random}", Customer),
        route(Method::GET, "/api/v1/cart", Customer),
        route(Method::DELETE, "/api/v1/cart", Customer),
        route(Method::POST, "/api/v1/cart/items", Customer).body(json!({"product_id": "{product}", "quantity": 1})),
        route(Method::PATCH, "/api/v1/cart/items/{product}", Customer).body(json!({"quantity": 2})),
        route(Method::DELETE, "/api/v1/cart/items/{random}", Customer),
        route(Method::POST, "/api/v1/cart/coupon", Customer).body(json!({"code": "HOSTILE10"})),
        route(Method::DELETE, "/api/v1/cart/coupon", Customer),
        route(Method::GET, "/api/v1/orders", Customer).query(LIST),
        route(Method::POST, "/api/v1/orders", Customer).body(json!({
            "items": [{"product_id": "{product}", "quantity": 1}], "address_id": "{address}",
            "shipping_address": address_body(), "payment_method": "cod", "coupon_code": "HOSTILE10",
            "billing": {"gstin": "27AAPFU0939F1ZV", "legal_name": "Hostile Systems LLP"},
        })),
        route(Method::GET, "/api/v1/orders/{order}", Customer),
        route(Method::POST, "/api/v1/orders/{order}/payment/verify", Customer).body(
            json!({"razorpay_order_id": "order_X", "razorpay_payment_id": "pay_X", "razorpay_signature": "abc"}),
        ),
        route(Method::POST, "/api/v1/orders/{order}/payment/retry", Customer).optional_body(json!({})),
        route(Method::POST, "/api/v1/orders/{order}/cancel", Customer).optional_body(json!({"reason": "changed my mind"})),
        route(Method::GET, "/api/v1/orders/{order}/invoice", Customer),
        route(Method::GET, "/api/v1/admin/users", Admin).query(&["role", "q", "limit", "cursor"]),
        route(Method::PATCH, "/api/v1/admin/users/{customer}", Admin).body(json!({"role": "customer"})),
        route(Method::GET, "/api/v1/admin/products", Admin).query(PRODUCT_LIST),
        route(Method::POST, "/api/v1/admin/products", Admin).body(product.clone()),
        route(Method::GET, "/api/v1/admin/products/{product}", Admin),
        route(Method::PATCH, "/api/v1/admin/products/{product}", Admin).body(product),
        route(Method::DELETE, "/api/v1/admin/products/{random}", Admin),
        route(Method::POST, "/api/v1/admin/categories", Admin)
            .body(json!({"slug": "hostile", "name": "Hostile", "parent_id": "{category}", "position": 1})),
        route(Method::PATCH, "/api/v1/admin/categories/{category}", Admin)
            .body(json!({"slug": "hostile-2", "name": "Hostile 2", "parent_id": null, "position": 2})),
        route(Method::DELETE, "/api/v1/admin/categories/{random}", Admin),
        route(Method::GET, "/api/v1/admin/coupons", Admin).query(LIST),
        route(Method::POST, "/api/v1/admin/coupons", Admin).body(coupon.clone()),
        route(Method::PATCH, "/api/v1/admin/coupons/{coupon}", Admin).body(coupon),
        route(Method::GET, "/api/v1/admin/inventory", Admin).query(&["low_stock", "category", "limit", "cursor"]),
        route(Method::PUT, "/api/v1/admin/inventory/{product}", Admin)
            .body(json!({"on_hand": 50, "low_stock_threshold": 2})),
        route(Method::POST, "/api/v1/admin/inventory/{product}/adjustments", Admin)
            .body(json!({"delta": 1, "reason": "recount"})),
        route(Method::GET, "/api/v1/admin/inventory/{product}/ledger", Admin).query(LIST),
        route(Method::GET, "/api/v1/admin/payments", Admin).query(&["status", "flagged", "limit", "cursor"]),
        route(Method::POST, "/api/v1/admin/orders/{order}/status", Admin)
            .body(json!({"status": "packed", "note": "packed at the warehouse"})),
        route(Method::POST, "/api/v1/admin/orders/{order}/ship", Admin).body(json!({
            "carrier": "Delhivery", "tracking_number": "DL123", "tracking_url": "https://track.example.in/DL123",
            "description": "1 box",
        })),
        route(Method::POST, "/api/v1/admin/orders/{order}/returns", Admin).body(json!({
            "items": [{"product_id": "{product}", "quantity": 1}], "restock": true, "reason": "damaged",
            "refund_paise": 1000,
        })),
        route(Method::POST, "/api/v1/admin/orders/{order}/refund", Admin)
            .body(json!({"amount_paise": 1000, "reason": "goodwill"})),
        route(Method::POST, "/api/v1/admin/orders/bulk-cancel", Admin)
            .body(json!({"order_ids": ["{random}"], "reason": "fraud"})),
        route(Method::GET, "/api/v1/admin/orders", Admin)
            .query(&["status", "q", "from", "to", "payment_method", "attention", "limit", "cursor"]),
        route(Method::GET, "/api/v1/admin/orders/{order}", Admin),
        route(Method::GET, "/api/v1/admin/orders/{order}/invoice", Admin),
        route(Method::GET, "/api/v1/admin/orders/{order}/credit-notes", Admin),
        route(Method::GET, "/api/v1/admin/invoices", Admin).query(&["from", "to", "limit", "cursor"]),
        route(Method::GET, "/api/v1/admin/audit", Admin).query(&["entity", "entity_id", "actor_id", "limit", "cursor"]),
        route(Method::GET, "/api/v1/admin/analytics/summary", Admin).query(&["from", "to"]),
        route(Method::GET, "/api/v1/admin/analytics/sales", Admin).query(&["from", "to", "interval"]),
        route(Method::GET, "/api/v1/admin/analytics/top-products", Admin).query(&["from", "to", "limit", "sort"]),
        route(Method::GET, "/api/v1/admin/analytics/categories", Admin).query(&["from", "to"]),
        route(Method::GET, "/api/v1/admin/analytics/stock-alerts", Admin).query(&["limit", "cursor"]),
    ]
}

/// Real ids for the placeholders, so that requests reach past the lookups.
struct Ids {
    product: String,
    category: String,
    coupon: String,
    order: String,
    address: String,
    customer: String,
    build: String,
}

struct Shop {
    app: Arc<TestApp>,
    customer: TestUser,
    admin: TestUser,
    ids: Ids,
}

async fn hostile_shop() -> Shop {
    let app = Arc::new(spawn_shop().await);
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = app.create_stocked_product(&admin, 100_000, 1_000).await;
    let spare = NewCategory { slug: None, name: "Spare".into(), parent_id: None, position: None };
    let category = admin.api.create_category(&spare).await.unwrap().id;
    let coupon = NewCoupon { is_active: Some(true), ..percentage_coupon("HOSTILE10", 1000) };
    let coupon = admin.api.create_coupon(&coupon).await.unwrap().id;
    let address = serde_json::from_value::<NewAddress>(address_body()).unwrap();
    let address = customer.api.add_address(&address).await.unwrap().id;
    let order = app.buy(&customer, product, 1).await.order.id;
    let build = SaveBuild {
        platform: Platform::Amd,
        components: std::collections::BTreeMap::from([(Slot::Cpu, product)]),
        name: None,
    };
    let build = customer.api.save_build(&build).await.unwrap().id;
    let ids = Ids {
        product: product.to_string(),
        category: category.to_string(),
        coupon: coupon.to_string(),
        order: order.to_string(),
        address: address.to_string(),
        customer: customer.id.to_string(),
        build: build.to_string(),
    };
    Shop { app, customer, admin, ids }
}

impl Ids {
    fn fill(&self, text: &str) -> String {
        text.replace("{product}", &self.product)
            .replace("{category}", &self.category)
            .replace("{coupon}", &self.coupon)
            .replace("{order}", &self.order)
            .replace("{address}", &self.address)
            .replace("{customer}", &self.customer)
            .replace("{build}", &self.build)
            .replace("{platform}", "amd")
            .replace("{random}", &uuid::Uuid::new_v4().to_string())
    }

    fn fill_json(&self, value: &Value) -> Value {
        match value {
            Value::String(text) => Value::String(self.fill(text)),
            Value::Array(items) => Value::Array(items.iter().map(|item| self.fill_json(item)).collect()),
            Value::Object(members) => {
                Value::Object(members.iter().map(|(name, member)| (name.clone(), self.fill_json(member))).collect())
            }
            other => other.clone(),
        }
    }
}

/// One hostile request: what it is, for the report.
#[derive(Debug, Clone)]
struct Probe {
    what: String,
    method: Method,
    caller: Caller,
    path: String,
    body: Option<Vec<u8>>,
    content_type: &'static str,
    /// No route may take this as valid (a malformed body, a control character).
    must_refuse: bool,
}

/// The probe sent as its caller, with a fresh `Idempotency-Key`.
async fn sent(shop: &Shop, probe: &Probe) -> reqwest::Response {
    let app = &shop.app;
    let mut request = app.client.request(probe.method.clone(), app.url(&probe.path));
    request = match probe.caller {
        Caller::Anonymous => request,
        Caller::Customer => request.bearer_auth(&shop.customer.access_token),
        Caller::Admin => request.bearer_auth(&shop.admin.access_token),
    };
    if let Some(body) = &probe.body {
        request = request.header("content-type", probe.content_type).body(body.clone());
    }
    request.header("Idempotency-Key", new_key()).send().await.expect("request sent")
}

/// What one answer broke, if anything.
async fn send(shop: &Shop, probe: Probe) -> Option<String> {
    let response = sent(shop, &probe).await;
    let status = response.status();
    let header_id = response.headers().get("x-request-id").map(|v| v.to_str().unwrap_or("").to_owned());
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_owned());
    let text = response.text().await.unwrap_or_default();
    let broke = |why: &str| {
        Some(format!(
            "{} {} [{}]: {why}: {status} {}",
            probe.method,
            probe.path_for_report(),
            probe.what,
            prefix(&text)
        ))
    };
    if status.is_server_error() {
        return broke("a server error");
    }
    if probe.must_refuse && status.is_success() {
        return broke("taken as valid");
    }
    if status.is_client_error() {
        if content_type.as_deref() != Some("application/json") {
            return broke("an error that is not JSON");
        }
        let Ok(body) = serde_json::from_str::<Value>(&text) else { return broke("an error that does not parse") };
        let error = &body["error"];
        let envelope = error["code"].is_string()
            && error["message"].as_str().is_some_and(|m| !m.is_empty())
            && error["details"].is_array()
            && error["request_id"].as_str().is_some()
            && error["request_id"].as_str() == header_id.as_deref();
        if !envelope {
            return broke("not the envelope");
        }
        if text.len() > 4096 {
            return broke("an error body echoing the input");
        }
        let lowered = text.to_lowercase();
        if let Some(leak) = LEAKS.iter().find(|leak| lowered.contains(*leak)) {
            return broke(&format!("an error naming internals ({leak})"));
        }
    }
    None
}

/// Words an answer must never contain: Rust types and internals.
const LEAKS: &[&str] =
    &["i64", "u32", "i32", "u64", "usize", "struct ", "deserialize", "serde", "sqlx", "select ", "panicked", "\\u0000"];

impl Probe {
    fn path_for_report(&self) -> String {
        prefix(&self.path)
    }
}

fn prefix(text: &str) -> String {
    text.chars().take(160).collect()
}

/// Values that are wrong for any field: each replaces one field of a sample body.
fn wrong_values() -> Vec<(&'static str, Value)> {
    vec![
        ("NUL", json!("a\u{0}b")),
        ("ESC sequence", json!("\u{1b}[31mred")),
        ("C1 control", json!("x\u{85}y")),
        ("blank", json!("   ")),
        ("empty", json!("")),
        ("huge text", json!("x".repeat(20_000))),
        ("right-to-left override", json!("abc\u{202e}def")),
        ("huge number", json!(9_223_372_036_854_775_807_i64)),
        ("past i64", serde_json::from_str::<Value>("92233720368547758070").unwrap()),
        ("negative", json!(-1)),
        ("fraction", json!(1.5)),
        ("true", json!(true)),
        ("null", Value::Null),
        ("list", json!(["a", 1])),
        ("object", json!({"a": "\u{0}"})),
        ("not a uuid", json!("00000000-0000-0000-0000-00000000000g")),
    ]
}

/// Whole bodies that are wrong before any field is looked at.
fn wrong_bodies() -> Vec<(&'static str, Vec<u8>)> {
    let nested = format!("{}{}", "[".repeat(300), "]".repeat(300));
    vec![
        ("unclosed", b"{".to_vec()),
        ("invalid UTF-8", b"{\"name\":\"\xff\xfe\"}".to_vec()),
        ("lone surrogate", br#"{"name":"\ud800"}"#.to_vec()),
        ("raw NUL", b"{\"name\":\"a\x00b\"}".to_vec()),
        ("escaped NUL member name", br#"{"\u0000":"x"}"#.to_vec()),
        ("list body", b"[]".to_vec()),
        ("null body", b"null".to_vec()),
        ("string body", br#""text""#.to_vec()),
        ("empty", Vec::new()),
        ("deeply nested", nested.into_bytes()),
        ("trailing garbage", br#"{} x"#.to_vec()),
    ]
}

/// Probes no route may answer with a success: control characters, bodies that are not JSON.
const MUST_REFUSE: &[&str] = &[
    "NUL",
    "ESC sequence",
    "C1 control",
    "unclosed",
    "invalid UTF-8",
    "lone surrogate",
    "raw NUL",
    "escaped NUL member name",
    "list body",
    "null body",
    "string body",
    "deeply nested",
    "trailing garbage",
];

/// Path ids that are wrong in every way.
const WRONG_IDS: &[(&str, &str)] = &[
    ("NUL", "%00"),
    ("ESC", "%1B%5B31m"),
    ("not a uuid", "not-a-uuid"),
    ("huge", "9999999999999999999999999999999999"),
    ("long", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("invalid UTF-8", "%FF%FE"),
    ("nil uuid", "00000000-0000-0000-0000-000000000000"),
    ("dots", ".."),
];

/// Query values that are wrong in every way.
const WRONG_PARAMS: &[(&str, &str)] = &[
    ("NUL", "%00"),
    ("ESC", "%1B%5B31m"),
    ("negative", "-1"),
    ("huge", "99999999999999999999999"),
    ("word", "abc"),
    ("empty", ""),
    ("invalid UTF-8", "%FF%FE"),
    ("fraction", "1.5"),
    ("long", "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"),
];

/// Every leaf path of a JSON value (`a`, `a.b`, `items[0].product_id`).
fn leaves(value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(members) if !members.is_empty() => {
            for (name, member) in members {
                let child = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                leaves(member, &child, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (index, item) in items.iter().enumerate() {
                leaves(item, &format!("{path}[{index}]"), out);
            }
        }
        _ => out.push(path.to_owned()),
    }
}

/// `value` with the leaf at `path` replaced by `replacement`.
fn replaced(value: &Value, path: &str, replacement: &Value) -> Value {
    let mut value = value.clone();
    let mut slot = &mut value;
    for part in path.split('.') {
        let (name, indexes) = part.split_once('[').unwrap_or((part, ""));
        if !name.is_empty() {
            slot = slot.as_object_mut().and_then(|m| m.get_mut(name)).expect("a member");
        }
        for index in indexes.split('[').filter(|i| !i.is_empty()) {
            let index: usize = index.trim_end_matches(']').parse().unwrap();
            slot = slot.as_array_mut().and_then(|a| a.get_mut(index)).expect("an item");
        }
    }
    *slot = replacement.clone();
    value
}

fn probes_for(route: &Route, ids: &Ids) -> Vec<Probe> {
    let probe = |what: String, path: String, body: Option<Vec<u8>>, content_type| Probe {
        must_refuse: MUST_REFUSE.iter().any(|marker| what.ends_with(marker))
            && !(route.body_optional && what.ends_with("null body")),
        what,
        method: route.method.clone(),
        caller: route.caller,
        path,
        body,
        content_type,
    };
    let path = ids.fill(route.path);
    let mut probes = Vec::new();
    if let Some(sample) = &route.body {
        let sample = ids.fill_json(sample);
        let mut paths = Vec::new();
        leaves(&sample, "", &mut paths);
        for field in paths.iter().filter(|p| !p.is_empty()) {
            for (what, value) in wrong_values() {
                let body = serde_json::to_vec(&replaced(&sample, field, &value)).unwrap();
                probes.push(probe(format!("{field} = {what}"), path.clone(), Some(body), "application/json"));
            }
        }
        let mut unknown = sample.as_object().cloned().unwrap_or_else(Map::new);
        unknown.insert("price_paise".into(), json!(1));
        probes.push(probe(
            "unknown field".into(),
            path.clone(),
            Some(serde_json::to_vec(&unknown).unwrap()),
            "application/json",
        ));
        for (what, body) in wrong_bodies() {
            probes.push(probe(what.into(), path.clone(), Some(body), "application/json"));
        }
        let body = serde_json::to_vec(&sample).unwrap();
        probes.push(probe("form content type".into(), path.clone(), Some(body), "application/x-www-form-urlencoded"));
    }
    for name in route.query {
        for (what, value) in WRONG_PARAMS {
            probes.push(probe(format!("?{name} = {what}"), format!("{path}?{name}={value}"), None, ""));
        }
    }
    if !route.query.is_empty() {
        probes.push(probe("unknown parameter".into(), format!("{path}?%00name=1&zzz=%00"), None, ""));
    }
    let segments: Vec<&str> = route.path.split('/').collect();
    for (position, segment) in segments.iter().enumerate().filter(|(_, s)| s.starts_with('{')) {
        for (what, wrong) in WRONG_IDS {
            let mut parts: Vec<String> = segments.iter().map(|s| ids.fill(s)).collect();
            parts[position] = (*wrong).to_owned();
            let body = route.body.as_ref().map(|b| serde_json::to_vec(&ids.fill_json(b)).unwrap());
            probes.push(probe(format!("{segment} = {what}"), parts.join("/"), body, "application/json"));
        }
    }
    probes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_route_answers_hostile_input_with_a_server_error_or_outside_the_envelope() {
    let shop = Arc::new(hostile_shop().await);
    let probes: Vec<Probe> = routes().iter().flat_map(|route| probes_for(route, &shop.ids)).collect();
    let total = probes.len();

    let mut broken = Vec::new();
    for batch in probes.chunks(16) {
        let answers = all_at_once(batch.iter().cloned().map(|probe| {
            let shop = shop.clone();
            async move { send(&shop, probe).await }
        }))
        .await;
        broken.extend(answers.into_iter().flatten());
    }

    assert!(total > 2500, "a real run: {total} requests");
    assert!(broken.is_empty(), "{} of {total} hostile requests were mishandled:\n{}", broken.len(), broken.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_nul_in_any_text_field_or_parameter_is_refused_naming_it() {
    let shop = Arc::new(hostile_shop().await);
    let mut wrong = Vec::new();
    for route in routes() {
        let path = shop.ids.fill(route.path);
        if let Some(sample) = &route.body
            && !route.path.contains("webhooks")
        {
            let sample = shop.ids.fill_json(sample);
            let mut fields = Vec::new();
            leaves(&sample, "", &mut fields);
            for field in fields.iter().filter(|f| value_at(&sample, f).is_some_and(Value::is_string)) {
                let body = replaced(&sample, field, &json!("before\u{0}after"));
                let probe = Probe {
                    what: format!("NUL in {field}"),
                    method: route.method.clone(),
                    caller: route.caller,
                    path: path.clone(),
                    body: Some(serde_json::to_vec(&body).unwrap()),
                    content_type: "application/json",
                    must_refuse: true,
                };
                let (status, error) = answer(&shop, &probe).await;
                let named = error["details"].as_array().is_some_and(|d| d.iter().any(|d| d["field"] == field.as_str()));
                if status != StatusCode::UNPROCESSABLE_ENTITY || !named {
                    wrong.push(format!("{} {path} NUL in {field}: {status} {error}", route.method));
                }
            }
        }
        for name in route.query {
            let probe = Probe {
                what: format!("NUL in ?{name}"),
                method: route.method.clone(),
                caller: route.caller,
                path: format!("{path}?{name}=before%00after"),
                body: None,
                content_type: "",
                must_refuse: true,
            };
            let (status, error) = answer(&shop, &probe).await;
            let named = error["details"].as_array().is_some_and(|d| d.iter().any(|d| d["field"] == *name));
            if status != StatusCode::BAD_REQUEST || !named {
                wrong.push(format!("{} {path} NUL in ?{name}: {status} {error}", route.method));
            }
        }
    }
    for path in ["/api/v1/products/a%00b", "/api/v1/orders/%00", "/api/v1/admin/products/%00"] {
        let probe = Probe {
            what: "NUL in the path".into(),
            method: Method::GET,
            caller: Caller::Admin,
            path: path.into(),
            body: None,
            content_type: "",
            must_refuse: true,
        };
        let (status, error) = answer(&shop, &probe).await;
        if status != StatusCode::BAD_REQUEST || error["details"][0]["field"] != "path" {
            wrong.push(format!("GET {path}: {status} {error}"));
        }
    }
    assert!(wrong.is_empty(), "{} NULs not refused as they should be:\n{}", wrong.len(), wrong.join("\n"));
}

/// The value at a leaf path (`a.b`, `items[0].product_id`).
fn value_at<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let mut slot = value;
    for part in path.split('.') {
        let (name, indexes) = part.split_once('[').unwrap_or((part, ""));
        if !name.is_empty() {
            slot = slot.get(name)?;
        }
        for index in indexes.split('[').filter(|i| !i.is_empty()) {
            slot = slot.get(index.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
    }
    Some(slot)
}

/// The status and `error` object of one probe's answer.
async fn answer(shop: &Shop, probe: &Probe) -> (StatusCode, Value) {
    let response = sent(shop, probe).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["error"].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_protected_route_refuses_a_caller_without_the_right_token() {
    let shop = Arc::new(hostile_shop().await);
    let mut wrong = Vec::new();
    for route in routes().into_iter().filter(|route| route.caller != Caller::Anonymous) {
        let mut callers = vec![(Caller::Anonymous, StatusCode::UNAUTHORIZED, "unauthorized")];
        if route.caller == Caller::Admin {
            callers.push((Caller::Customer, StatusCode::FORBIDDEN, "forbidden"));
        }
        for (caller, status, code) in callers {
            let probe = Probe {
                what: format!("as {caller:?}"),
                method: route.method.clone(),
                caller,
                path: shop.ids.fill(route.path),
                body: route.body.as_ref().map(|body| serde_json::to_vec(&shop.ids.fill_json(body)).unwrap()),
                content_type: "application/json",
                must_refuse: true,
            };
            let (answered, error) = answer(&shop, &probe).await;
            if answered != status || error["code"] != code {
                wrong.push(format!("{} {} as {caller:?}: {answered} {error}", route.method, route.path));
            }
        }
    }
    assert!(wrong.is_empty(), "routes that let the wrong caller in:\n{}", wrong.join("\n"));
}
