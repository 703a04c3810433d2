//! Coupons made for a test, and finding one again.

use api_types::coupons::{Coupon, CouponKind, NewCoupon};
use api_types::page::PageParams;

use crate::app::{TestApp, TestUser};

/// A coupon taking `paise` off the subtotal, with no other rule; add rules with
/// `NewCoupon { usage_limit: Some(3), ..flat_coupon(…) }`.
pub fn flat_coupon(code: &str, paise: i64) -> NewCoupon {
    coupon(code, CouponKind::Flat, paise)
}

/// A coupon taking `bps` basis points (1000 is 10 %) off the subtotal, with no other rule.
pub fn percentage_coupon(code: &str, bps: i64) -> NewCoupon {
    coupon(code, CouponKind::Percentage, bps)
}

fn coupon(code: &str, kind: CouponKind, value: i64) -> NewCoupon {
    NewCoupon {
        code: code.to_owned(),
        kind,
        value,
        min_order_paise: None,
        max_discount_paise: None,
        starts_at: None,
        expires_at: None,
        usage_limit: None,
        per_user_limit: None,
        is_active: None,
    }
}

impl TestApp {
    /// The coupon with this code (any case), as `GET /admin/coupons` lists it.
    pub async fn coupon_by_code(&self, admin: &TestUser, code: &str) -> Coupon {
        let page = admin.api.coupons(&PageParams { limit: Some(100), cursor: None }).await.expect("the coupons");
        let found = page.items.iter().find(|coupon| coupon.code.eq_ignore_ascii_case(code)).cloned();
        found.unwrap_or_else(|| panic!("no coupon {code} in {:?}", page.items))
    }
}
