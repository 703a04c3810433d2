//! `/api/v1/admin/coupons`.

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Api;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use garde::Validate;
use kernel::{Cursor, FieldError, InvalidInput, Limit, Money};
use orders::coupons::{Coupon, CouponChanges, CouponCode, CouponKind, CouponRules, Coupons};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ApiError;
use crate::http::auth::AdminUser;
use crate::http::extract::{Query, ValidJson};
use crate::http::pagination::{PageParams, page_response};
use crate::http::params::{keep, nullable};

/// `Coupon` on the wire.
#[derive(Debug, Serialize)]
struct CouponView {
    id: Uuid,
    code: String,
    #[serde(rename = "type")]
    kind: &'static str,
    value: i64,
    min_order_paise: Option<i64>,
    max_discount_paise: Option<i64>,
    starts_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    usage_limit: Option<i64>,
    per_user_limit: Option<i64>,
    used_count: i64,
    is_active: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Coupon> for CouponView {
    fn from(c: Coupon) -> Self {
        CouponView {
            id: c.id,
            code: c.code.as_str().to_owned(),
            kind: c.rules.kind.type_name(),
            value: c.rules.kind.value(),
            min_order_paise: c.rules.min_order.map(Money::paise),
            max_discount_paise: c.rules.max_discount.map(Money::paise),
            starts_at: c.rules.starts_at,
            expires_at: c.rules.expires_at,
            usage_limit: c.rules.usage_limit,
            per_user_limit: c.rules.per_user_limit,
            used_count: c.used_count,
            is_active: c.rules.is_active,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, Validate)]
pub struct CouponBody {
    #[garde(skip)]
    code: String,
    #[serde(rename = "type")]
    #[garde(skip)]
    kind: String,
    #[garde(skip)]
    value: i64,
    #[garde(range(min = 0))]
    min_order_paise: Option<i64>,
    #[garde(range(min = 1))]
    max_discount_paise: Option<i64>,
    #[garde(skip)]
    starts_at: Option<DateTime<Utc>>,
    #[garde(skip)]
    expires_at: Option<DateTime<Utc>>,
    #[garde(range(min = 1))]
    usage_limit: Option<i64>,
    #[garde(range(min = 1))]
    per_user_limit: Option<i64>,
    #[garde(skip)]
    is_active: Option<bool>,
}

#[derive(Debug, Deserialize, Validate)]
pub struct CouponPatch {
    #[garde(skip)]
    code: Option<String>,
    #[serde(rename = "type")]
    #[garde(skip)]
    kind: Option<String>,
    #[garde(skip)]
    value: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    #[garde(skip)]
    min_order_paise: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[garde(skip)]
    max_discount_paise: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[garde(skip)]
    starts_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[garde(skip)]
    expires_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[garde(skip)]
    usage_limit: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[garde(skip)]
    per_user_limit: Option<Option<i64>>,
    #[garde(skip)]
    is_active: Option<bool>,
}

fn done<T>(parsed: Option<T>, errors: Vec<FieldError>) -> Result<T, ApiError> {
    match parsed {
        Some(value) if errors.is_empty() => Ok(value),
        _ => Err(InvalidInput(errors).into()),
    }
}

#[tracing::instrument(name = "admin.coupons.create", skip_all)]
pub async fn create(
    _: AdminUser,
    coupons: web::Data<Coupons>,
    body: ValidJson<CouponBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let mut errors = Vec::new();
    let code = keep(CouponCode::parse(&body.code, "code"), &mut errors);
    let kind = keep(CouponKind::parse(&body.kind, body.value), &mut errors);
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
    let coupon = coupons.create(code, rules).await?;
    Ok(HttpResponse::Created().json(CouponView::from(coupon)))
}

#[tracing::instrument(name = "admin.coupons.change", skip_all)]
pub async fn change(
    _: AdminUser,
    coupons: web::Data<Coupons>,
    id: web::Path<Uuid>,
    body: ValidJson<CouponPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.0;
    let mut errors = Vec::new();
    let code = body.code.as_deref().map(|raw| keep(CouponCode::parse(raw, "code"), &mut errors));
    // A new value or type is checked against the other, as stored when not sent.
    let kind = match (body.kind.as_deref(), body.value) {
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
    let coupon = coupons.change(id, changes).await?;
    Ok(HttpResponse::Ok().json(CouponView::from(coupon)))
}

#[tracing::instrument(name = "admin.coupons.list", skip_all)]
pub async fn list(
    _: AdminUser,
    coupons: web::Data<Coupons>,
    params: Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let limit = Limit::new(params.limit)?;
    let cursor = params.cursor.map(Cursor::from_token);
    let page = coupons.list(limit, cursor.as_ref()).await?;
    Ok(page_response(page, CouponView::from))
}
