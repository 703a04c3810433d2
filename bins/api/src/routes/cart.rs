//! `/api/v1/cart`: the customer's server-side cart.

use actix_web::{HttpResponse, web};
use api_types::ErrorEnvelope;
use api_types::cart::{
    AddCartItem, ApplyCoupon, Cart as CartWire, CartCoupon, CartLine as CartLineWire, SetCartQuantity,
};
use api_types::catalog::Availability;
use kernel::Quantity;
use orders::cart::{Cart, CartLine, LineAvailability};
use orders::coupons::CouponCode;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::error::ApiError;
use crate::http::auth::AuthUser;
use crate::http::extract::ValidJson;
use crate::state::CartService;
use crate::views::ToWire;

#[derive(OpenApi)]
#[openapi(paths(get, add_item, set_item, remove_item, clear, apply_coupon, remove_coupon))]
pub struct Api;

// The wire's limit is the domain's.
const _: () = assert!(api_types::cart::MAX_LINE_QUANTITY == orders::cart::MAX_LINE_QUANTITY);

impl ToWire for LineAvailability {
    type Wire = Availability;

    fn to_wire(self) -> Availability {
        match self {
            LineAvailability::InStock => Availability::InStock,
            LineAvailability::OutOfStock => Availability::OutOfStock,
            LineAvailability::Discontinued => Availability::Discontinued,
        }
    }
}

impl ToWire for CartLine {
    type Wire = CartLineWire;

    fn to_wire(self) -> CartLineWire {
        CartLineWire {
            product_id: self.product_id,
            sku: self.sku,
            name: self.name,
            image: self.image,
            unit_price_paise: self.unit_price.paise(),
            tax_paise: self.unit_tax.paise(),
            quantity: self.quantity,
            discount_paise: self.discount.paise(),
            line_tax_paise: self.tax.paise(),
            line_total_paise: self.line_total.paise(),
            availability: self.availability.to_wire(),
            available: self.available,
        }
    }
}

impl ToWire for Cart {
    type Wire = CartWire;

    fn to_wire(self) -> CartWire {
        CartWire {
            items: self.items.to_wire(),
            coupon: self.coupon.map(|coupon| CartCoupon {
                code: coupon.code,
                discount_paise: coupon.discount.paise(),
                problem: coupon.problem.map(|rejection| ApiError::from(rejection).code()),
            }),
            subtotal_paise: self.totals.subtotal.paise(),
            discount_paise: self.totals.discount.paise(),
            tax_paise: self.totals.tax.paise(),
            total_paise: self.totals.total.paise(),
            item_count: self.item_count,
        }
    }
}

fn cart_response(cart: Cart) -> HttpResponse {
    HttpResponse::Ok().json(cart.to_wire())
}

/// The cart, priced now.
///
/// Prices, the coupon's discount and GST are computed on every read, so a cart shows
/// today's prices and says when a coupon no longer applies (`coupon.problem`).
#[utoipa::path(
    get, path = "/api/v1/cart", tag = "cart", operation_id = "get_cart",
    responses((status = 200, description = "The cart.", body = CartWire)),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "cart.get", skip_all, fields(user = %user.id))]
pub async fn get(user: AuthUser, carts: web::Data<CartService>) -> Result<HttpResponse, ApiError> {
    Ok(cart_response(carts.view(user.id).await?))
}

/// Add units of a product to the cart.
///
/// Adds to any units of it already in the cart; a line holds at most 10 units.
#[utoipa::path(
    post, path = "/api/v1/cart/items", tag = "cart", operation_id = "add_to_cart",
    request_body = AddCartItem,
    responses(
        (status = 200, description = "The cart, with the units added.", body = CartWire),
        (status = 404, description = "`not_found`: no such product on sale.", body = ErrorEnvelope),
        (status = 409, description = "`out_of_stock`: not that many units can be sold now.", body = ErrorEnvelope),
    ),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "cart.add_item", skip_all, fields(user = %user.id))]
pub async fn add_item(
    user: AuthUser,
    carts: web::Data<CartService>,
    body: ValidJson<AddCartItem>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let quantity = Quantity::new(body.quantity, "quantity")?;
    Ok(cart_response(carts.add(user.id, body.product_id, quantity).await?))
}

/// Set a line's quantity; 0 removes the line.
#[utoipa::path(
    patch, path = "/api/v1/cart/items/{product_id}", tag = "cart", operation_id = "set_cart_quantity",
    params(("product_id" = Uuid, Path, description = "The product of the line.")),
    request_body = SetCartQuantity,
    responses(
        (status = 200, description = "The cart, with the line changed.", body = CartWire),
        (status = 409, description = "`out_of_stock`: not that many units can be sold now.", body = ErrorEnvelope),
    ),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "cart.set_item", skip_all, fields(user = %user.id))]
pub async fn set_item(
    user: AuthUser,
    carts: web::Data<CartService>,
    product_id: web::Path<Uuid>,
    body: ValidJson<SetCartQuantity>,
) -> Result<HttpResponse, ApiError> {
    Ok(cart_response(carts.set(user.id, product_id.into_inner(), body.0.quantity).await?))
}

/// Remove a line.
#[utoipa::path(
    delete, path = "/api/v1/cart/items/{product_id}", tag = "cart", operation_id = "remove_from_cart",
    params(("product_id" = Uuid, Path, description = "The product of the line.")),
    responses((status = 200, description = "The cart, without the line.", body = CartWire)),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "cart.remove_item", skip_all, fields(user = %user.id))]
pub async fn remove_item(
    user: AuthUser,
    carts: web::Data<CartService>,
    product_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(cart_response(carts.remove(user.id, product_id.into_inner()).await?))
}

/// Empty the cart (lines and coupon).
#[utoipa::path(
    delete, path = "/api/v1/cart", tag = "cart", operation_id = "clear_cart",
    responses((status = 204, description = "The cart is empty.")),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "cart.clear", skip_all, fields(user = %user.id))]
pub async fn clear(user: AuthUser, carts: web::Data<CartService>) -> Result<HttpResponse, ApiError> {
    carts.clear(user.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Apply a coupon to the cart.
#[utoipa::path(
    post, path = "/api/v1/cart/coupon", tag = "cart", operation_id = "apply_coupon",
    request_body = ApplyCoupon,
    responses(
        (status = 200, description = "The cart, with the coupon's discount.", body = CartWire),
        (status = 422, description = "`coupon_invalid`, `coupon_expired`, `coupon_min_order_not_met`, \
            `coupon_usage_exhausted`, or `validation_failed`.", body = ErrorEnvelope),
    ),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "cart.apply_coupon", skip_all, fields(user = %user.id))]
pub async fn apply_coupon(
    user: AuthUser,
    carts: web::Data<CartService>,
    body: ValidJson<ApplyCoupon>,
) -> Result<HttpResponse, ApiError> {
    // A code that cannot exist is simply not a valid coupon.
    let code = CouponCode::parse(&body.0.code, "code").map_err(|_| orders::coupons::CouponRejection::Invalid)?;
    Ok(cart_response(carts.apply_coupon(user.id, &code).await?))
}

/// Take the coupon off the cart.
#[utoipa::path(
    delete, path = "/api/v1/cart/coupon", tag = "cart", operation_id = "remove_coupon",
    responses((status = 200, description = "The cart, without a coupon.", body = CartWire)),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "cart.remove_coupon", skip_all, fields(user = %user.id))]
pub async fn remove_coupon(user: AuthUser, carts: web::Data<CartService>) -> Result<HttpResponse, ApiError> {
    Ok(cart_response(carts.remove_coupon(user.id).await?))
}
