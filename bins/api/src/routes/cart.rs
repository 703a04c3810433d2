//! `/api/v1/cart`: the customer's server-side cart.

use actix_web::{HttpResponse, web};
use api_types::ErrorEnvelope;
use api_types::builder::AddBuildToCart;
use api_types::cart::{
    AddCartItem, ApplyCoupon, Cart as CartWire, CartBuild as CartBuildWire, CartCoupon, CartLine as CartLineWire,
    SetCartQuantity,
};
use api_types::catalog::Availability;
use catalog::builder::Platform;
use kernel::{FieldError, Quantity};
use orders::cart::{Cart, CartBuild, CartLine, LineAvailability};
use orders::coupons::CouponCode;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::app::builder::{BuildSource, PcBuilder};
use crate::error::ApiError;
use crate::http::auth::AuthUser;
use crate::http::extract::ValidJson;
use crate::state::CartService;
use crate::views::ToWire;
use crate::views::builder::build_request;

#[derive(OpenApi)]
#[openapi(paths(get, add_item, set_item, remove_item, clear, apply_coupon, remove_coupon, add_build, remove_build))]
pub struct Api;

// The wire's limits are the domain's (and the documented 5 builds).
const _: () = assert!(api_types::cart::MAX_LINE_QUANTITY == orders::cart::MAX_LINE_QUANTITY);
const _: () = assert!(orders::cart::MAX_CART_BUILDS == 5);
const _: () = assert!(api_types::builder::MAX_BUILD_NAME_CHARS == catalog::builder::MAX_BUILD_NAME_CHARS);

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
            build_id: self.build_id,
        }
    }
}

impl ToWire for Cart {
    type Wire = CartWire;

    fn to_wire(self) -> CartWire {
        CartWire {
            items: self.items.to_wire(),
            builds: self.builds.into_iter().map(build_wire).collect(),
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

fn build_wire(build: CartBuild) -> CartBuildWire {
    // The table allows only the builder's platforms.
    let platform = Platform::parse(&build.platform).unwrap_or_else(|| {
        tracing::error!(build = %build.id, platform = %build.platform, "a cart build of no known platform");
        Platform::Intel
    });
    CartBuildWire {
        id: build.id,
        platform: platform.to_wire(),
        name: build.name,
        saved_build_id: build.saved_build_id,
        total_paise: build.total.paise(),
        item_count: build.item_count,
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

/// Add a PC build to the cart, as one group.
///
/// Either a saved build (`build_id`) or a build given whole (`platform` and `components`,
/// with an optional `name`). The build is checked by every compatibility rule: only a
/// complete, compatible build is added (422 `build_incompatible` with every issue in
/// `issues`), and every part must be in stock (409 `out_of_stock` listing the short parts).
/// Each part becomes a line of one unit carrying the build's `build_id`; the build is
/// removed whole (`DELETE /cart/builds/{id}`), and checked out with the rest of the cart:
/// every part reserved together, or none. A cart holds at most 5 builds (409 `conflict`),
/// and no more units than an order may (422 naming `components`). Stock is counted per
/// product over the whole cart: a part also on a loose line, or in another build, needs
/// units for each.
#[utoipa::path(
    post, path = "/api/v1/cart/builds", tag = "cart", operation_id = "add_build_to_cart",
    request_body = AddBuildToCart,
    responses(
        (status = 200, description = "The cart, with the build.", body = CartWire),
        (status = 404, description = "`not_found`: no saved build has this `build_id`.", body = ErrorEnvelope),
        (status = 409, description = "`out_of_stock`: a part cannot be bought now; or `conflict`: the cart \
            holds 5 builds already.", body = ErrorEnvelope),
        (status = 422, description = "`build_incompatible` (with `issues`), or `validation_failed`.",
            body = ErrorEnvelope),
    ),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "cart.add_build", skip_all, fields(user = %user.id))]
pub async fn add_build(
    user: AuthUser,
    carts: web::Data<CartService>,
    builder: web::Data<PcBuilder>,
    body: ValidJson<AddBuildToCart>,
) -> Result<HttpResponse, ApiError> {
    let source = build_source(body.0)?;
    Ok(cart_response(builder.add_to_cart(&carts, user.id, source).await?))
}

/// A saved build's id, or a whole build; never both, never neither.
fn build_source(body: AddBuildToCart) -> Result<BuildSource, ApiError> {
    match (body.build_id, body.platform, body.components) {
        (Some(id), None, None) if body.name.is_none() => Ok(BuildSource::Saved(id)),
        (None, Some(platform), Some(components)) => {
            Ok(BuildSource::Given { request: build_request(platform, components), name: body.name })
        }
        (Some(_), ..) => Err(ApiError::validation(vec![FieldError::new(
            "build_id",
            "give either build_id alone, or platform and components",
        )])),
        (None, platform, components) => {
            let mut missing = Vec::new();
            if platform.is_none() {
                missing.push(FieldError::new("platform", "is required without build_id"));
            }
            if components.is_none() {
                missing.push(FieldError::new("components", "is required without build_id"));
            }
            Err(ApiError::validation(missing))
        }
    }
}

/// Remove a PC build from the cart: every line of it.
#[utoipa::path(
    delete, path = "/api/v1/cart/builds/{id}", tag = "cart", operation_id = "remove_build_from_cart",
    params(("id" = Uuid, Path, description = "The cart build's id (`builds[].id`).")),
    responses(
        (status = 200, description = "The cart, without the build.", body = CartWire),
        (status = 404, description = "`not_found`: the cart has no such build.", body = ErrorEnvelope),
    ),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "cart.remove_build", skip_all, fields(user = %user.id))]
pub async fn remove_build(
    user: AuthUser,
    carts: web::Data<CartService>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(cart_response(carts.remove_build(user.id, id.into_inner()).await?))
}
