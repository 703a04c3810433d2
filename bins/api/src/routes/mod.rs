//! HTTP routes: thin handlers that parse the request into domain types, call a domain
//! service, and shape its answer for the wire.

mod addresses;
mod admin_catalog;
mod admin_coupons;
mod admin_inventory;
mod admin_payments;
mod admin_users;
mod auth;
mod cart;
mod catalog;
mod health;
mod newsletter;
mod orders;
mod webhooks;

use actix_web::dev::HttpServiceFactory;
use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, Resource, web};

use crate::error::{ApiError, ErrorCode};
use crate::read_cache;

pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(resource("/health").route(web::get().to(health::health)))
        .service(resource("/ready").route(web::get().to(health::ready)))
        .service(resource("/metrics").route(web::get().to(health::metrics)))
        .configure(crate::docs_ui::configure)
        .service(
            web::scope("/api/v1")
                .wrap(from_fn(crate::db_health::gate))
                .service(resource("/newsletter").route(web::post().to(newsletter::subscribe)))
                .service(resource("/webhooks/razorpay").route(web::post().to(webhooks::razorpay)))
                .service(resource("/auth/register").route(web::post().to(auth::register)))
                .service(resource("/auth/login").route(web::post().to(auth::login)))
                .service(resource("/auth/refresh").route(web::post().to(auth::refresh)))
                .service(resource("/auth/logout").route(web::post().to(auth::logout)))
                .service(resource("/me").route(web::get().to(auth::me)).route(web::patch().to(auth::update_me)))
                .service(
                    resource("/me/addresses")
                        .route(web::get().to(addresses::list))
                        .route(web::post().to(addresses::add)),
                )
                .service(
                    resource("/me/addresses/{id}")
                        .route(web::patch().to(addresses::change))
                        .route(web::delete().to(addresses::remove)),
                )
                .service(resource("/admin/users").route(web::get().to(admin_users::list)))
                .service(resource("/admin/users/{id}").route(web::patch().to(admin_users::set_role)))
                .service(cached(resource("/categories").route(web::get().to(catalog::list_categories))))
                .service(cached(resource("/products").route(web::get().to(catalog::list_products))))
                .service(cached(resource("/products/{id_or_slug}").route(web::get().to(catalog::get_product))))
                .service(resource("/search/suggest").route(web::get().to(catalog::suggest)))
                .service(catalog_write(
                    resource("/admin/products")
                        .route(web::get().to(admin_catalog::list_products))
                        .route(web::post().to(admin_catalog::create_product)),
                ))
                .service(catalog_write(
                    resource("/admin/products/{id}")
                        .route(web::get().to(admin_catalog::get_product))
                        .route(web::patch().to(admin_catalog::change_product))
                        .route(web::delete().to(admin_catalog::delete_product)),
                ))
                .service(catalog_write(
                    resource("/admin/categories").route(web::post().to(admin_catalog::create_category)),
                ))
                .service(resource("/cart").route(web::get().to(cart::get)).route(web::delete().to(cart::clear)))
                .service(resource("/cart/items").route(web::post().to(cart::add_item)))
                .service(
                    resource("/cart/items/{product_id}")
                        .route(web::patch().to(cart::set_item))
                        .route(web::delete().to(cart::remove_item)),
                )
                .service(
                    resource("/cart/coupon")
                        .route(web::post().to(cart::apply_coupon))
                        .route(web::delete().to(cart::remove_coupon)),
                )
                .service(resource("/orders").route(web::get().to(orders::list)).route(web::post().to(orders::place)))
                .service(resource("/orders/{id}").route(web::get().to(orders::get)))
                .service(resource("/orders/{id}/payment/verify").route(web::post().to(orders::verify_payment)))
                .service(resource("/orders/{id}/payment/retry").route(web::post().to(orders::retry_payment)))
                .service(resource("/orders/{id}/cancel").route(web::post().to(orders::cancel)))
                .service(
                    resource("/admin/coupons")
                        .route(web::get().to(admin_coupons::list))
                        .route(web::post().to(admin_coupons::create)),
                )
                .service(resource("/admin/coupons/{id}").route(web::patch().to(admin_coupons::change)))
                .service(resource("/admin/inventory").route(web::get().to(admin_inventory::list)))
                .service(resource("/admin/payments").route(web::get().to(admin_payments::list)))
                .service(catalog_write(
                    resource("/admin/inventory/{product_id}").route(web::put().to(admin_inventory::set)),
                ))
                .service(catalog_write(
                    resource("/admin/inventory/{product_id}/adjustments")
                        .route(web::post().to(admin_inventory::adjust)),
                ))
                .service(resource("/admin/inventory/{product_id}/ledger").route(web::get().to(admin_inventory::ledger)))
                .service(catalog_write(
                    resource("/admin/categories/{id}")
                        .route(web::patch().to(admin_catalog::change_category))
                        .route(web::delete().to(admin_catalog::delete_category)),
                )),
        );
}

/// A resource that answers 405 to a method it has no route for (without this, Actix
/// would fall through to the app's 404).
pub(crate) fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

/// A shopper catalog resource, answered from the in-process cache when it can be
/// ([`crate::read_cache`]).
fn cached(resource: Resource) -> impl HttpServiceFactory {
    resource.wrap(from_fn(read_cache::serve))
}

/// An admin resource whose writes change what shoppers see: each write drops this
/// process's catalog cache when done (other processes hear of it by notification).
fn catalog_write(resource: Resource) -> impl HttpServiceFactory {
    resource.wrap(from_fn(read_cache::invalidate_after_write))
}

/// Any path no route matches.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found())
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "This method is not allowed on this resource.",
    ))
}
