//! `/api/v1/orders`: checkout, payment verification and retries, cancellation, and the
//! customer's own orders.

use std::future::Future;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use garde::Validate;
use idempotency::{Claim, Idempotency, IdempotencyKey, fingerprint};
use identity::addresses::NewAddress;
use kernel::{Cursor, FieldError, InvalidInput, Limit, Quantity};
use orders::checkout::{LineRequest, PlaceOrder};
use orders::coupons::CouponCode;
use orders::model::{Order, PaymentMethod, PlacedOrder, ShippingAddress};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::adapters::AttachToIdempotencyKey;
use crate::error::{ApiError, ErrorCode};
use crate::http::auth::AuthUser;
use crate::http::extract::{NoFields, OptionalValidJson, Query, ValidJson};
use crate::state::{AddressService, OrdersService};
use crate::views::address::AddressBody;

/// `Order` on the wire.
#[derive(Debug, Serialize)]
pub struct OrderView {
    id: Uuid,
    order_number: String,
    status: &'static str,
    items: Vec<OrderItemView>,
    subtotal_paise: i64,
    discount_paise: i64,
    tax_paise: i64,
    shipping_paise: i64,
    total_paise: i64,
    currency: String,
    coupon_code: Option<String>,
    shipping_address: Option<ShippingAddress>,
    payment: PaymentView,
    shipment: Option<ShipmentView>,
    reservation_expires_at: Option<DateTime<Utc>>,
    history: Vec<HistoryView>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
struct OrderItemView {
    product_id: Uuid,
    sku: String,
    name: String,
    brand: String,
    image: Option<String>,
    unit_price_paise: i64,
    /// GST on one unit.
    tax_paise: i64,
    quantity: i64,
    discount_paise: i64,
    /// GST on the whole line, after its share of the discount.
    line_tax_paise: i64,
    line_total_paise: i64,
}

#[derive(Debug, Serialize)]
struct PaymentView {
    method: &'static str,
    status: &'static str,
    razorpay_order_id: Option<String>,
    razorpay_payment_id: Option<String>,
    paid_at: Option<DateTime<Utc>>,
    refunded_paise: i64,
}

#[derive(Debug, Serialize)]
struct ShipmentView {
    carrier: String,
    tracking_number: String,
    description: Option<String>,
    shipped_at: Option<DateTime<Utc>>,
    delivered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
struct HistoryView {
    status: &'static str,
    at: DateTime<Utc>,
    note: Option<String>,
}

impl From<Order> for OrderView {
    fn from(order: Order) -> Self {
        OrderView {
            id: order.id,
            order_number: order.order_number,
            status: order.status.as_str(),
            items: order
                .items
                .into_iter()
                .map(|item| OrderItemView {
                    product_id: item.product_id,
                    sku: item.sku,
                    name: item.name,
                    brand: item.brand,
                    image: item.image,
                    unit_price_paise: item.unit_price.paise(),
                    tax_paise: item.unit_tax.paise(),
                    quantity: item.quantity,
                    discount_paise: item.discount.paise(),
                    line_tax_paise: item.tax.paise(),
                    line_total_paise: item.line_total.paise(),
                })
                .collect(),
            subtotal_paise: order.subtotal.paise(),
            discount_paise: order.discount.paise(),
            tax_paise: order.tax.paise(),
            shipping_paise: order.shipping.paise(),
            total_paise: order.total.paise(),
            currency: order.currency,
            coupon_code: order.coupon_code,
            shipping_address: order.shipping_address,
            payment: PaymentView {
                method: order.payment.method.as_str(),
                status: order.payment.status.as_str(),
                razorpay_order_id: order.payment.razorpay_order_id,
                razorpay_payment_id: order.payment.razorpay_payment_id,
                paid_at: order.payment.paid_at,
                refunded_paise: order.payment.refunded.paise(),
            },
            shipment: order.shipment.map(|s| ShipmentView {
                carrier: s.carrier,
                tracking_number: s.tracking_number,
                description: s.description,
                shipped_at: s.shipped_at,
                delivered_at: s.delivered_at,
            }),
            reservation_expires_at: order.reservation_expires_at,
            history: order
                .history
                .into_iter()
                .map(|h| HistoryView { status: h.status.as_str(), at: h.at, note: h.note })
                .collect(),
            created_at: order.created_at,
            updated_at: order.updated_at,
        }
    }
}

/// `{order, payment}`: an order just placed or retried.
fn placed_json(placed: PlacedOrder) -> Value {
    let payment = placed.payment.map(|p| {
        json!({
            "provider": "razorpay",
            "key_id": p.key_id,
            "razorpay_order_id": p.razorpay_order_id,
            "amount_paise": p.amount.paise(),
            "currency": p.currency,
        })
    });
    json!({ "order": OrderView::from(placed.order), "payment": payment })
}

#[derive(Debug, Serialize, Deserialize, Validate)]
pub struct LineBody {
    #[garde(skip)]
    product_id: Uuid,
    #[garde(range(min = 1, max = orders::cart::MAX_LINE_QUANTITY))]
    quantity: i64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentMethodBody {
    Razorpay,
    Cod,
}

/// The body of `POST /orders`. Serialised again (without any unknown fields, such as
/// prices a client sent) for the idempotency fingerprint.
#[derive(Debug, Serialize, Deserialize, Validate)]
pub struct PlaceOrderBody {
    #[garde(length(min = 1, max = 50), dive)]
    items: Option<Vec<LineBody>>,
    #[garde(skip)]
    address_id: Option<Uuid>,
    #[garde(dive)]
    shipping_address: Option<AddressBody>,
    #[garde(skip)]
    payment_method: PaymentMethodBody,
    #[garde(length(min = 1, max = 100))]
    coupon_code: Option<String>,
}

#[derive(Debug, Deserialize, Validate)]
pub struct VerifyBody {
    #[garde(length(min = 1, max = 100))]
    razorpay_order_id: String,
    #[garde(length(min = 1, max = 100))]
    razorpay_payment_id: String,
    #[garde(length(min = 1, max = 200))]
    razorpay_signature: String,
}

#[derive(Debug, Default, Deserialize, Validate)]
pub struct CancelBody {
    #[garde(length(chars, max = 500))]
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    limit: Option<u32>,
    cursor: Option<String>,
}

const KEY_HEADER: &str = "Idempotency-Key";

/// The idempotency scope of placing an order.
const PLACE_SCOPE: &str = "orders.place";

fn idempotency_key(request: &HttpRequest) -> Result<IdempotencyKey, ApiError> {
    let raw = request.headers().get(KEY_HEADER).and_then(|value| value.to_str().ok()).unwrap_or("");
    IdempotencyKey::parse(raw, KEY_HEADER).map_err(|_| {
        ApiError::bad_request("This request needs an Idempotency-Key header (1 to 255 visible characters).")
            .with_details(vec![FieldError::new(KEY_HEADER, "must be 1 to 255 visible characters")])
    })
}

/// Runs `work` once per (customer, operation, key): a repeat of the same request gets
/// the first response again; a repeat while it runs gets 409; the key with another
/// request gets 422. `work` is given what an earlier, abandoned run made (if it made
/// anything), to answer from instead of doing it again. Only a success is kept for replay: a refused request changed
/// nothing, so its key is released and the client may send it again.
async fn idempotent<Fut>(
    idempotency: &Idempotency,
    user: Uuid,
    operation: &str,
    key: &IdempotencyKey,
    request: &Value,
    work: impl FnOnce(Option<Uuid>) -> Fut,
) -> Result<HttpResponse, ApiError>
where
    Fut: Future<Output = Result<(StatusCode, Value), ApiError>>,
{
    let resume = match idempotency.claim(user, operation, key, &fingerprint(operation, request)).await? {
        Claim::Proceed => None,
        Claim::Resume { resource } => Some(resource),
        Claim::Replay { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            return Ok(HttpResponse::build(status).json(body));
        }
        Claim::InProgress => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::IdempotencyInProgress,
                "A request with this Idempotency-Key is still being processed.",
            ));
        }
        Claim::Reused => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::IdempotencyKeyReused,
                "This Idempotency-Key was used with a different request.",
            )
            .with_details(vec![FieldError::new(KEY_HEADER, "was used with a different request")]));
        }
    };
    match work(resume).await {
        Ok((status, body)) => {
            if let Err(error) = idempotency.complete(user, operation, key, status.as_u16(), &body).await {
                // The work is done; the client gets its answer. A repeat of the key is
                // answered 409 until the claim counts as abandoned.
                tracing::warn!(error = %format!("{error:#}"), "storing an idempotent response failed");
            }
            Ok(HttpResponse::build(status).json(body))
        }
        Err(error) => {
            if let Err(release) = idempotency.release(user, operation, key).await {
                tracing::warn!(error = %format!("{release:#}"), "releasing an idempotency key failed");
            }
            Err(error)
        }
    }
}

/// An address as the order's snapshot.
fn snapshot(address: NewAddress) -> ShippingAddress {
    ShippingAddress {
        name: address.name.as_str().to_owned(),
        phone: address.phone.as_str().to_owned(),
        company: address.company,
        line1: address.line1,
        line2: address.line2,
        city: address.city,
        state: address.state,
        pincode: address.pincode.as_str().to_owned(),
        country: address.country,
    }
}

async fn shipping_address(
    user: Uuid,
    address_id: Option<Uuid>,
    inline: Option<AddressBody>,
    addresses: &AddressService,
    errors: &mut Vec<FieldError>,
) -> Result<Option<ShippingAddress>, ApiError> {
    if let Some(body) = inline {
        return Ok(NewAddress::try_from(body)
            .map_err(|invalid| errors.extend(invalid.0.into_iter().map(|e| e.under("shipping_address"))))
            .ok()
            .map(snapshot));
    }
    let Some(id) = address_id else { return Ok(None) };
    let found = addresses.list(user).await?.into_iter().find(|address| address.id == id);
    match found {
        Some(a) => Ok(Some(ShippingAddress {
            name: a.name,
            phone: a.phone,
            company: a.company,
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            state: a.state,
            pincode: a.pincode,
            country: a.country,
        })),
        None => {
            errors.push(FieldError::new("address_id", "no such address of yours"));
            Ok(None)
        }
    }
}

#[tracing::instrument(name = "orders.place", skip_all, fields(user = %user.id))]
pub async fn place(
    request: HttpRequest,
    user: AuthUser,
    orders: web::Data<OrdersService>,
    addresses: web::Data<AddressService>,
    idempotency: web::Data<Idempotency>,
    body: ValidJson<PlaceOrderBody>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&request)?;
    let body = body.0;
    let fingerprinted = serde_json::to_value(&body).map_err(anyhow::Error::from)?;
    let claimed_key = key.clone();
    idempotent(&idempotency, user.id, PLACE_SCOPE, &key, &fingerprinted, |resume| async move {
        if let Some(order_id) = resume {
            let placed = orders.placed(user.id, order_id).await?.ok_or_else(ApiError::not_found)?;
            return Ok((StatusCode::CREATED, placed_json(placed)));
        }
        let mut errors = Vec::new();
        let items = body.items.map(|items| {
            items
                .iter()
                .enumerate()
                .filter_map(|(i, line)| {
                    let quantity = Quantity::new(line.quantity, &format!("items[{i}].quantity"));
                    quantity
                        .map_err(|e| errors.extend(e.0))
                        .ok()
                        .map(|quantity| LineRequest { product_id: line.product_id, quantity })
                })
                .collect::<Vec<_>>()
        });
        let coupon = body.coupon_code.as_deref().map(|raw| CouponCode::parse(raw, "coupon_code"));
        let coupon = match coupon {
            Some(Err(_)) => return Err(ApiError::from(orders::coupons::CouponRejection::Invalid)),
            Some(Ok(code)) => Some(code),
            None => None,
        };
        let address =
            shipping_address(user.id, body.address_id, body.shipping_address, &addresses, &mut errors).await?;
        if !errors.is_empty() {
            return Err(InvalidInput(errors).into());
        }
        let method = match body.payment_method {
            PaymentMethodBody::Razorpay => PaymentMethod::Razorpay,
            PaymentMethodBody::Cod => PaymentMethod::Cod,
        };
        // The order is attached to the key inside the checkout transaction.
        let attach = AttachToIdempotencyKey { user: user.id, scope: PLACE_SCOPE, key: &claimed_key };
        let request = PlaceOrder { user: user.id, items, coupon, method, shipping_address: address };
        let placed = orders.place(request, &attach).await?;
        Ok((StatusCode::CREATED, placed_json(placed)))
    })
    .await
}

#[tracing::instrument(name = "orders.retry_payment", skip_all, fields(user = %user.id))]
pub async fn retry_payment(
    request: HttpRequest,
    user: AuthUser,
    orders: web::Data<OrdersService>,
    idempotency: web::Data<Idempotency>,
    order_id: web::Path<Uuid>,
    _no_fields: OptionalValidJson<NoFields>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&request)?;
    let order_id = order_id.into_inner();
    idempotent(&idempotency, user.id, "orders.retry_payment", &key, &json!({ "order_id": order_id }), |_| async {
        let placed = orders.retry_payment(user.id, order_id).await?;
        Ok((StatusCode::OK, placed_json(placed)))
    })
    .await
}

#[tracing::instrument(name = "orders.verify_payment", skip_all, fields(user = %user.id))]
pub async fn verify_payment(
    user: AuthUser,
    orders: web::Data<OrdersService>,
    order_id: web::Path<Uuid>,
    body: ValidJson<VerifyBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let order = orders
        .verify_payment(
            user.id,
            order_id.into_inner(),
            &body.razorpay_order_id,
            &body.razorpay_payment_id,
            &body.razorpay_signature,
        )
        .await?;
    Ok(HttpResponse::Ok().json(OrderView::from(order)))
}

#[tracing::instrument(name = "orders.cancel", skip_all, fields(user = %user.id))]
pub async fn cancel(
    user: AuthUser,
    orders: web::Data<OrdersService>,
    order_id: web::Path<Uuid>,
    body: OptionalValidJson<CancelBody>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.0.and_then(|body| body.reason).filter(|reason| !reason.trim().is_empty());
    let order = orders.cancel(user.id, order_id.into_inner(), reason.as_deref()).await?;
    Ok(HttpResponse::Ok().json(OrderView::from(order)))
}

#[tracing::instrument(name = "orders.get", skip_all, fields(user = %user.id))]
pub async fn get(
    user: AuthUser,
    orders: web::Data<OrdersService>,
    order_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let order = orders.get_for(user.id, order_id.into_inner()).await?.ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(OrderView::from(order)))
}

#[tracing::instrument(name = "orders.list", skip_all, fields(user = %user.id))]
pub async fn list(
    user: AuthUser,
    orders: web::Data<OrdersService>,
    params: Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let limit = Limit::new(params.limit)?;
    let cursor = params.cursor.map(Cursor::from_token);
    let page = orders.list_for(user.id, limit, cursor.as_ref()).await?;
    let next_cursor = page.next_cursor.map(Cursor::into_string);
    let items: Vec<OrderView> = page.items.into_iter().map(OrderView::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items, "next_cursor": next_cursor })))
}
