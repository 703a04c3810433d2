//! HTTP routes: thin handlers that parse the request into domain types, call a domain
//! service, and shape its answer for the wire.

pub(crate) mod addresses;
pub(crate) mod admin_analytics;
pub(crate) mod admin_audit;
pub(crate) mod admin_catalog;
pub(crate) mod admin_coupons;
pub(crate) mod admin_inventory;
pub(crate) mod admin_order_ops;
pub(crate) mod admin_orders;
pub(crate) mod admin_payments;
pub(crate) mod admin_users;
pub(crate) mod auth;
pub(crate) mod builder;
pub(crate) mod cart;
pub(crate) mod catalog;
pub(crate) mod health;
pub(crate) mod invoices;
pub(crate) mod newsletter;
pub(crate) mod orders;
pub(crate) mod webhooks;

use actix_web::dev::HttpServiceFactory;
use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::{FromRequest, Handler, HttpResponse, Resource, Responder, web};

use crate::error::ApiError;
use crate::http::limits::{self, Limit};
use crate::read_cache;

/// One route of the router: a method and the full path, written as the OpenAPI document
/// writes it (`/api/v1/products/{id_or_slug}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    pub method: Method,
    pub path: String,
    /// The rate limit it counts against, if any (the document lists 429 for these).
    pub limit: Option<Limit>,
}

/// Every route [`configure`] registers, in order (the router-versus-document test reads it).
pub fn endpoints() -> Vec<Endpoint> {
    let mut seen = Vec::new();
    let _ = actix_web::App::new().configure(|config| register(config, &mut seen));
    seen
}

pub fn configure(config: &mut web::ServiceConfig) {
    register(config, &mut Vec::new());
}

fn register(config: &mut web::ServiceConfig, seen: &mut Vec<Endpoint>) {
    let mut root = Routes { prefix: "", seen };
    config
        .service(root.at("/health").get(health::health).done())
        .service(root.at("/ready").get(health::ready).done())
        .service(root.at("/metrics").get(health::metrics).done())
        // Outside the scope below: the document does not need the database.
        .service(root.at("/api/v1/openapi.json").get(crate::openapi::serve).done())
        .service(root.at("/docs").get(crate::docs_ui::page).done())
        .service(root.at("/docs/{file}").get(crate::docs_ui::file).done());
    let mut api = Routes { prefix: "/api/v1", seen: root.seen };
    config.service(
        web::scope("/api/v1")
            // Inside the database gate: checking a token reads the database.
            .wrap(from_fn(crate::http::auth::admin_gate))
            .wrap(from_fn(crate::db_health::gate))
            .service(api.at("/newsletter").post_limited(Limit::Newsletter, newsletter::subscribe).done())
            .service(api.at("/webhooks/razorpay").post(webhooks::razorpay).done())
            .service(api.at("/auth/register").post_limited(Limit::Register, auth::register).done())
            .service(api.at("/auth/login").post_limited(Limit::Login, auth::login).done())
            .service(api.at("/auth/refresh").post_limited(Limit::Refresh, auth::refresh).done())
            .service(api.at("/auth/logout").post_limited(Limit::Logout, auth::logout).done())
            .service(api.at("/me").get(auth::me).patch(auth::update_me).done())
            .service(api.at("/me/addresses").get(addresses::list).post(addresses::add).done())
            .service(api.at("/me/addresses/{id}").patch(addresses::change).delete(addresses::remove).done())
            .service(api.at("/admin/users").get(admin_users::list).done())
            .service(api.at("/admin/users/{id}").patch(admin_users::set_role).done())
            .service(cached(api.at("/categories").get(catalog::list_categories).done()))
            .service(cached(api.at("/products").get(catalog::list_products).done()))
            .service(cached(api.at("/products/{id_or_slug}").get(catalog::get_product).done()))
            .service(api.at("/search/suggest").get(catalog::suggest).done())
            .service(api.at("/builder/validate").post(builder::validate).done())
            .service(api.at("/builder/builds").post_limited(Limit::SavedBuilds, builder::save_build).done())
            // Before `/builder/{platform}/…`, which would take `builds` for a platform.
            .service(api.at("/builder/builds/{id}").get(builder::get_build).done())
            .service(cached(api.at("/builder/{platform}/slots").get(builder::slots).done()))
            .service(cached(api.at("/builder/{platform}/options").get(builder::options).done()))
            .service(catalog_write(
                api.at("/admin/products").get(admin_catalog::list_products).post(admin_catalog::create_product).done(),
            ))
            .service(catalog_write(
                api.at("/admin/products/{id}")
                    .get(admin_catalog::get_product)
                    .patch(admin_catalog::change_product)
                    .delete(admin_catalog::delete_product)
                    .done(),
            ))
            .service(catalog_write(api.at("/admin/categories").post(admin_catalog::create_category).done()))
            .service(api.at("/cart").get(cart::get).delete(cart::clear).done())
            .service(api.at("/cart/items").post(cart::add_item).done())
            .service(api.at("/cart/builds").post(cart::add_build).done())
            .service(api.at("/cart/builds/{id}").delete(cart::remove_build).done())
            .service(api.at("/cart/items/{product_id}").patch(cart::set_item).delete(cart::remove_item).done())
            .service(
                api.at("/cart/coupon")
                    .post_limited(Limit::Coupon, cart::apply_coupon)
                    .delete(cart::remove_coupon)
                    .done(),
            )
            .service(api.at("/orders").get(orders::list).post_limited(Limit::Orders, orders::place).done())
            .service(api.at("/orders/{id}").get(orders::get).done())
            .service(api.at("/orders/{id}/payment/verify").post_limited(Limit::Payments, orders::verify_payment).done())
            .service(api.at("/orders/{id}/payment/retry").post_limited(Limit::Payments, orders::retry_payment).done())
            .service(api.at("/orders/{id}/cancel").post(orders::cancel).done())
            .service(api.at("/orders/{id}/invoice").get(invoices::customer_invoice).done())
            .service(api.at("/admin/coupons").get(admin_coupons::list).post(admin_coupons::create).done())
            .service(api.at("/admin/coupons/{id}").patch(admin_coupons::change).done())
            .service(api.at("/admin/inventory").get(admin_inventory::list).done())
            .service(api.at("/admin/payments").get(admin_payments::list).done())
            // Before any `/admin/orders/{id}`: a resource that matches the path answers 405
            // for a method it lacks instead of letting the next one try.
            .service(api.at("/admin/orders/bulk-cancel").post(admin_order_ops::bulk_cancel).done())
            .service(api.at("/admin/orders/{id}/status").post(admin_order_ops::change_status).done())
            .service(api.at("/admin/orders/{id}/ship").post(admin_order_ops::ship).done())
            .service(api.at("/admin/orders/{id}/returns").post(admin_order_ops::record_return).done())
            .service(api.at("/admin/orders/{id}/refund").post(admin_order_ops::refund).done())
            .service(api.at("/admin/orders/{id}/invoice").get(invoices::admin_invoice).done())
            .service(api.at("/admin/orders/{id}/credit-notes").get(invoices::credit_notes).done())
            .service(api.at("/admin/invoices").get(invoices::list).done())
            .service(api.at("/admin/orders").get(admin_orders::list).done())
            .service(api.at("/admin/orders/{id}").get(admin_orders::get).done())
            .service(api.at("/admin/audit").get(admin_audit::list).done())
            .service(api.at("/admin/analytics/summary").get(admin_analytics::summary).done())
            .service(api.at("/admin/analytics/sales").get(admin_analytics::sales).done())
            .service(api.at("/admin/analytics/top-products").get(admin_analytics::top_products).done())
            .service(api.at("/admin/analytics/categories").get(admin_analytics::categories).done())
            .service(api.at("/admin/analytics/stock-alerts").get(admin_analytics::stock_alerts).done())
            .service(catalog_write(api.at("/admin/inventory/{product_id}").put(admin_inventory::set).done()))
            .service(catalog_write(
                api.at("/admin/inventory/{product_id}/adjustments").post(admin_inventory::adjust).done(),
            ))
            .service(api.at("/admin/inventory/{product_id}/ledger").get(admin_inventory::ledger).done())
            .service(catalog_write(
                api.at("/admin/categories/{id}")
                    .patch(admin_catalog::change_category)
                    .delete(admin_catalog::delete_category)
                    .done(),
            )),
    );
}

/// Registers resources under a prefix, noting each route it adds.
struct Routes<'a> {
    prefix: &'static str,
    seen: &'a mut Vec<Endpoint>,
}

impl Routes<'_> {
    fn at(&mut self, path: &'static str) -> ResourceRoutes<'_> {
        ResourceRoutes {
            resource: web::resource(path),
            path: format!("{}{path}", self.prefix),
            methods: Vec::new(),
            seen: self.seen,
        }
    }
}

/// One resource's routes, one per method.
struct ResourceRoutes<'a> {
    resource: Resource,
    path: String,
    methods: Vec<Method>,
    seen: &'a mut Vec<Endpoint>,
}

impl ResourceRoutes<'_> {
    fn to<F, Args>(self, method: Method, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(method, None, handler)
    }

    /// The route for `method`, counting each request against `limit` (before its body is
    /// read) when one is given.
    fn route<F, Args>(mut self, method: Method, limit: Option<Limit>, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.seen.push(Endpoint { method: method.clone(), path: self.path.clone(), limit });
        self.methods.push(method.clone());
        let route = web::route().method(method).to(handler);
        let route = match limit {
            Some(limit) => route.wrap(from_fn(move |request, next| limits::enforce(limit, request, next))),
            None => route,
        };
        self.resource = self.resource.route(route);
        self
    }

    fn get<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.to(Method::GET, handler)
    }

    fn post<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.to(Method::POST, handler)
    }

    /// A `POST` counted against a rate limit ([`crate::http::limits`]).
    fn post_limited<F, Args>(self, limit: Limit, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::POST, Some(limit), handler)
    }

    fn put<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.to(Method::PUT, handler)
    }

    fn patch<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.to(Method::PATCH, handler)
    }

    fn delete<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.to(Method::DELETE, handler)
    }

    /// The resource, answering any other method 405 with `Allow` naming the ones it
    /// serves (without a default service, Actix would fall through to the app's 404).
    fn done(self) -> Resource {
        let allow: std::sync::Arc<str> = self.methods.iter().map(Method::as_str).collect::<Vec<_>>().join(", ").into();
        self.resource.default_service(web::to(move || {
            let allow = allow.clone();
            async move { Err::<HttpResponse, _>(ApiError::method_not_allowed(&allow)) }
        }))
    }
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
