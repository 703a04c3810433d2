//! `/api/v1/admin/coupons`.

use actix_web::{HttpResponse, web};
use api_types::ErrorEnvelope;
use api_types::coupons::{
    Coupon as CouponWire, CouponChanges as CouponChangesWire, CouponKind as CouponKindWire, NewCoupon,
};
use api_types::page::PageParams;
use kernel::{FieldError, InvalidInput, Limit, Money};
use orders::coupons::{Coupon, CouponChanges, CouponCode, CouponKind, CouponRules, Coupons};
use utoipa::OpenApi;
use uuid::Uuid;

use crate::error::ApiError;
use crate::http::auth::{AdminUser, AuditedAdmin};
use crate::http::extract::{Query, ValidJson};
use crate::http::pagination::cursor_unless_blank;
use crate::http::params::keep;
use crate::views::ToWire;

/// This module's operations in the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(create, change, list))]
pub struct Api;

impl ToWire for CouponKind {
    type Wire = CouponKindWire;

    fn to_wire(self) -> CouponKindWire {
        match self {
            CouponKind::Percentage { .. } => CouponKindWire::Percentage,
            CouponKind::Flat { .. } => CouponKindWire::Flat,
        }
    }
}

/// The domain's name of a coupon type (it parses the type with its value).
fn type_name(kind: CouponKindWire) -> &'static str {
    match kind {
        CouponKindWire::Percentage => "percentage",
        CouponKindWire::Flat => "flat",
    }
}

impl ToWire for Coupon {
    type Wire = CouponWire;

    fn to_wire(self) -> CouponWire {
        CouponWire {
            id: self.id,
            code: self.code.as_str().to_owned(),
            kind: self.rules.kind.to_wire(),
            value: self.rules.kind.value(),
            min_order_paise: self.rules.min_order.map(Money::paise),
            max_discount_paise: self.rules.max_discount.map(Money::paise),
            starts_at: self.rules.starts_at,
            expires_at: self.rules.expires_at,
            usage_limit: self.rules.usage_limit,
            per_user_limit: self.rules.per_user_limit,
            used_count: self.used_count,
            is_active: self.rules.is_active,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

fn done<T>(parsed: Option<T>, errors: Vec<FieldError>) -> Result<T, ApiError> {
    match parsed {
        Some(value) if errors.is_empty() => Ok(value),
        _ => Err(InvalidInput(errors).into()),
    }
}

/// Create a coupon.
#[utoipa::path(
    post, path = "/api/v1/admin/coupons", tag = "admin-coupons", operation_id = "create_coupon",
    request_body = NewCoupon,
    responses(
        (status = 201, description = "The coupon.", body = CouponWire),
        (status = 409, description = "`conflict`: another coupon has this code (codes are compared \
            case-insensitively); `details` names `code`.", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: `details` names each refused field (a code that is \
            not 3 to 40 letters, digits, `-` or `_`; a `value` out of range for its `type`; `expires_at` not \
            after `starts_at` …).", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "admin.coupons.create", skip_all)]
pub async fn create(
    admin: AuditedAdmin,
    coupons: web::Data<Coupons>,
    body: ValidJson<NewCoupon>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let mut errors = Vec::new();
    let code = keep(CouponCode::parse(&body.code, "code"), &mut errors);
    let kind = keep(CouponKind::parse(type_name(body.kind), body.value), &mut errors);
    let parsed = code.zip(kind);
    let (code, kind) = done(parsed, errors)?;
    let rules = CouponRules {
        kind,
        min_order: body.min_order_paise.map(Money::from_paise),
        max_discount: body.max_discount_paise.map(Money::from_paise),
        starts_at: body.starts_at,
        expires_at: body.expires_at,
        usage_limit: body.usage_limit,
        per_user_limit: body.per_user_limit,
        is_active: body.is_active.unwrap_or(true),
    };
    let coupon = coupons.create(code, rules, &admin.recorder).await?;
    Ok(HttpResponse::Created().json(coupon.to_wire()))
}

/// Change a coupon.
///
/// Only the fields given change; `null` clears a rule that may be cleared (no minimum
/// order, no limit …). A new `type` or `value` is checked against the other, as stored when
/// not given.
#[utoipa::path(
    patch, path = "/api/v1/admin/coupons/{id}", tag = "admin-coupons", operation_id = "change_coupon",
    params(("id" = Uuid, Path, description = "The coupon.")),
    request_body = CouponChangesWire,
    responses(
        (status = 200, description = "The coupon, changed.", body = CouponWire),
        (status = 409, description = "`conflict`: another coupon has this code; `details` names `code`.",
            body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: `details` names each refused field (as for \
            creating a coupon; the rules are checked as they would stand after the change).",
            body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "admin.coupons.change", skip_all)]
pub async fn change(
    admin: AuditedAdmin,
    coupons: web::Data<Coupons>,
    id: web::Path<Uuid>,
    body: ValidJson<CouponChangesWire>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.0;
    let mut errors = Vec::new();
    let code = body.code.as_deref().map(|raw| keep(CouponCode::parse(raw, "code"), &mut errors));
    // A new value or type is checked against the other, as stored when not sent.
    let kind = match (body.kind.map(type_name), body.value) {
        (None, None) => None,
        (kind, value) => {
            let current = coupons.get(id).await?.ok_or_else(ApiError::not_found)?;
            let kind = kind.unwrap_or(current.rules.kind.type_name());
            let value = value.unwrap_or(current.rules.kind.value());
            Some(keep(CouponKind::parse(kind, value), &mut errors))
        }
    };
    let changes = CouponChanges {
        code: code.flatten(),
        kind: kind.flatten(),
        min_order: body.min_order_paise.map(|v| v.map(Money::from_paise)),
        max_discount: body.max_discount_paise.map(|v| v.map(Money::from_paise)),
        starts_at: body.starts_at,
        expires_at: body.expires_at,
        usage_limit: body.usage_limit,
        per_user_limit: body.per_user_limit,
        is_active: body.is_active,
    };
    let changes = done(Some(changes), errors)?;
    let coupon = coupons.change(id, changes, &admin.recorder).await?;
    Ok(HttpResponse::Ok().json(coupon.to_wire()))
}

/// The store's coupons.
#[utoipa::path(
    get, path = "/api/v1/admin/coupons", tag = "admin-coupons", operation_id = "list_coupons",
    params(PageParams),
    responses((status = 200, description = "A page of coupons.", body = api_types::Page<CouponWire>)),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "admin.coupons.list", skip_all)]
pub async fn list(
    _: AdminUser,
    coupons: web::Data<Coupons>,
    params: Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let limit = Limit::new(params.limit)?;
    let cursor = cursor_unless_blank(params.cursor);
    let page = coupons.list(limit, cursor.as_ref()).await?;
    Ok(HttpResponse::Ok().json(page.to_wire()))
}
