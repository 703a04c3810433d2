//! `/api/v1/cart`: the customer's server-side cart.

use actix_web::{HttpResponse, web};
use garde::Validate;
use kernel::Quantity;
use orders::cart::{Cart, CartLine};
use orders::coupons::CouponCode;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{ApiError, ErrorCode};
use crate::http::auth::AuthUser;
use crate::http::extract::ValidJson;
use crate::state::CartService;

/// `Cart` on the wire.
#[derive(Debug, Serialize)]
pub struct CartView {
    items: Vec<CartLineView>,
    coupon: Option<CartCouponView>,
    subtotal_paise: i64,
    discount_paise: i64,
    tax_paise: i64,
    total_paise: i64,
    item_count: i64,
}

#[derive(Debug, Serialize)]
struct CartLineView {
    product_id: Uuid,
    sku: String,
    name: String,
    image: Option<String>,
    unit_price_paise: i64,
    /// GST on one unit.
    tax_paise: i64,
    quantity: i64,
    discount_paise: i64,
    /// GST on the whole line, after its share of the discount.
    line_tax_paise: i64,
    line_total_paise: i64,
    availability: &'static str,
    available: i64,
}

#[derive(Debug, Serialize)]
struct CartCouponView {
    code: String,
    discount_paise: i64,
    /// Why the coupon gives nothing now (it is re-checked on every read), else null.
    problem: Option<ErrorCode>,
}

fn problem_code(rejection: orders::coupons::CouponRejection) -> ErrorCode {
    ApiError::from(rejection).code()
}

impl From<CartLine> for CartLineView {
    fn from(line: CartLine) -> Self {
        CartLineView {
            product_id: line.product_id,
            sku: line.sku,
            name: line.name,
            image: line.image,
            unit_price_paise: line.unit_price.paise(),
            tax_paise: line.unit_tax.paise(),
            quantity: line.quantity,
            discount_paise: line.discount.paise(),
            line_tax_paise: line.tax.paise(),
            line_total_paise: line.line_total.paise(),
            availability: line.availability.as_str(),
            available: line.available,
        }
    }
}

impl From<Cart> for CartView {
    fn from(cart: Cart) -> Self {
        CartView {
            items: cart.items.into_iter().map(CartLineView::from).collect(),
            coupon: cart.coupon.map(|coupon| CartCouponView {
                code: coupon.code,
                discount_paise: coupon.discount.paise(),
                problem: coupon.problem.map(problem_code),
            }),
            subtotal_paise: cart.totals.subtotal.paise(),
            discount_paise: cart.totals.discount.paise(),
            tax_paise: cart.totals.tax.paise(),
            total_paise: cart.totals.total.paise(),
            item_count: cart.item_count,
        }
    }
}

fn cart_response(cart: Cart) -> HttpResponse {
    HttpResponse::Ok().json(CartView::from(cart))
}

#[derive(Debug, Deserialize, Validate)]
pub struct AddBody {
    #[garde(skip)]
    product_id: Uuid,
    #[garde(range(min = 1, max = orders::cart::MAX_LINE_QUANTITY))]
    quantity: i64,
}

#[derive(Debug, Deserialize, Validate)]
pub struct QuantityBody {
    #[garde(range(min = 0, max = orders::cart::MAX_LINE_QUANTITY))]
    quantity: i64,
}

#[derive(Debug, Deserialize, Validate)]
pub struct CouponBody {
    #[garde(length(min = 1, max = 100))]
    code: String,
}

#[tracing::instrument(name = "cart.get", skip_all, fields(user = %user.id))]
pub async fn get(user: AuthUser, carts: web::Data<CartService>) -> Result<HttpResponse, ApiError> {
    Ok(cart_response(carts.view(user.id).await?))
}

#[tracing::instrument(name = "cart.add_item", skip_all, fields(user = %user.id))]
pub async fn add_item(
    user: AuthUser,
    carts: web::Data<CartService>,
    body: ValidJson<AddBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let quantity = Quantity::new(body.quantity, "quantity")?;
    Ok(cart_response(carts.add(user.id, body.product_id, quantity).await?))
}

#[tracing::instrument(name = "cart.set_item", skip_all, fields(user = %user.id))]
pub async fn set_item(
    user: AuthUser,
    carts: web::Data<CartService>,
    product_id: web::Path<Uuid>,
    body: ValidJson<QuantityBody>,
) -> Result<HttpResponse, ApiError> {
    Ok(cart_response(carts.set(user.id, product_id.into_inner(), body.0.quantity).await?))
}

#[tracing::instrument(name = "cart.remove_item", skip_all, fields(user = %user.id))]
pub async fn remove_item(
    user: AuthUser,
    carts: web::Data<CartService>,
    product_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(cart_response(carts.remove(user.id, product_id.into_inner()).await?))
}

#[tracing::instrument(name = "cart.clear", skip_all, fields(user = %user.id))]
pub async fn clear(user: AuthUser, carts: web::Data<CartService>) -> Result<HttpResponse, ApiError> {
    carts.clear(user.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[tracing::instrument(name = "cart.apply_coupon", skip_all, fields(user = %user.id))]
pub async fn apply_coupon(
    user: AuthUser,
    carts: web::Data<CartService>,
    body: ValidJson<CouponBody>,
) -> Result<HttpResponse, ApiError> {
    // A code that cannot exist is simply not a valid coupon.
    let code = CouponCode::parse(&body.0.code, "code").map_err(|_| orders::coupons::CouponRejection::Invalid)?;
    Ok(cart_response(carts.apply_coupon(user.id, &code).await?))
}

#[tracing::instrument(name = "cart.remove_coupon", skip_all, fields(user = %user.id))]
pub async fn remove_coupon(user: AuthUser, carts: web::Data<CartService>) -> Result<HttpResponse, ApiError> {
    Ok(cart_response(carts.remove_coupon(user.id).await?))
}
