//! `/admin/coupons`.

use api_types::Page;
use api_types::coupons::{Coupon, CouponChanges, NewCoupon};
use api_types::page::PageParams;
use reqwest::Method;
use uuid::Uuid;

use crate::{Client, Result};

impl Client {
    /// `GET /admin/coupons`: a page of the store's coupons (admin).
    pub async fn coupons(&self, page: &PageParams) -> Result<Page<Coupon>> {
        self.get_with("/admin/coupons", page).await
    }

    /// `POST /admin/coupons`: creates a coupon (admin).
    pub async fn create_coupon(&self, coupon: &NewCoupon) -> Result<Coupon> {
        self.with_body(Method::POST, "/admin/coupons", coupon).await
    }

    /// `PATCH /admin/coupons/{id}`: changes the fields given (admin); `Some(None)` clears
    /// a rule.
    pub async fn change_coupon(&self, id: Uuid, changes: &CouponChanges) -> Result<Coupon> {
        self.with_body(Method::PATCH, &format!("/admin/coupons/{id}"), changes).await
    }
}
