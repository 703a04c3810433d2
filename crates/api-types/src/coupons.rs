//! `/admin/coupons`: the store's coupons, as admins manage them.

use chrono::{DateTime, Utc};
use garde::Validate;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// How a coupon discounts an order, and so what its `value` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CouponKind {
    /// `value` basis points off the subtotal (1 to 10000: 1000 is 10 %).
    Percentage,
    /// `value` paise off the subtotal (at least 1).
    Flat,
}

/// A coupon. Codes are compared case-insensitively and kept upper-cased. A use is counted
/// once per order holding it or paid with it, atomically: a coupon with `usage_limit` N is
/// never used N+1 times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Coupon {
    pub id: Uuid,
    pub code: String,
    #[serde(rename = "type")]
    pub kind: CouponKind,
    /// Basis points for `percentage`, paise for `flat`.
    pub value: i64,
    /// The least subtotal the coupon applies to.
    pub min_order_paise: Option<i64>,
    /// The most a `percentage` coupon takes off.
    pub max_discount_paise: Option<i64>,
    pub starts_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Uses over all customers; `null` for no limit.
    pub usage_limit: Option<i64>,
    /// Uses per customer; `null` for no limit.
    pub per_user_limit: Option<i64>,
    /// Orders holding or having used it (not those that failed or were cancelled unpaid).
    pub used_count: i64,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The body of `POST /admin/coupons`.
///
/// `code`: 3 to 40 letters, digits, `-` or `_` (case-insensitive). `starts_at` must be
/// before `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"code": "DIWALI10", "type": "percentage", "value": 1000, "max_discount_paise": 200000,
    "expires_at": "2026-11-15T18:29:59Z", "usage_limit": 500, "per_user_limit": 1}))]
pub struct NewCoupon {
    #[garde(skip)]
    pub code: String,
    #[serde(rename = "type")]
    #[garde(skip)]
    pub kind: CouponKind,
    /// Basis points (1 to 10000) for `percentage`, paise (at least 1) for `flat`.
    #[garde(skip)]
    pub value: i64,
    #[garde(range(min = 0))]
    #[schema(minimum = 0)]
    pub min_order_paise: Option<i64>,
    #[garde(range(min = 1))]
    #[schema(minimum = 1)]
    pub max_discount_paise: Option<i64>,
    #[garde(skip)]
    pub starts_at: Option<DateTime<Utc>>,
    #[garde(skip)]
    pub expires_at: Option<DateTime<Utc>>,
    #[garde(range(min = 1))]
    #[schema(minimum = 1)]
    pub usage_limit: Option<i64>,
    #[garde(range(min = 1))]
    #[schema(minimum = 1)]
    pub per_user_limit: Option<i64>,
    /// Default `true`.
    #[garde(skip)]
    pub is_active: Option<bool>,
}

/// The body of `PATCH /admin/coupons/{id}`: only the fields given change. For the fields
/// that may be cleared, `null` clears the rule (no minimum, no limit …), while an absent
/// field leaves it as it is. A new `type` or `value` is checked against the other, as
/// stored when not given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"expires_at": "2026-12-31T18:29:59Z", "usage_limit": null}))]
pub struct CouponChanges {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(skip)]
    pub code: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    #[garde(skip)]
    pub kind: Option<CouponKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(skip)]
    pub value: Option<i64>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    #[garde(skip)]
    pub min_order_paise: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    #[garde(skip)]
    pub max_discount_paise: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    #[garde(skip)]
    pub starts_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    #[garde(skip)]
    pub expires_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    #[garde(skip)]
    pub usage_limit: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    #[garde(skip)]
    pub per_user_limit: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(skip)]
    pub is_active: Option<bool>,
}

/// Tells an absent field (`None`) from `null` (`Some(None)`).
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_tells_an_absent_field_from_null_both_ways() {
        let changes: CouponChanges = serde_json::from_str(r#"{"usage_limit": null, "value": 500}"#).unwrap();
        assert_eq!(changes.usage_limit, Some(None));
        assert_eq!(changes.per_user_limit, None);
        assert_eq!(changes.value, Some(500));
        let written = serde_json::to_value(&changes).unwrap();
        assert_eq!(written, serde_json::json!({"usage_limit": null, "value": 500}));
    }
}
