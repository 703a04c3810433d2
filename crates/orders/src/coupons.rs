//! Coupons: the rules (pure), admin management, and the atomic count of uses.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::audit::{AuditLog, Change};
use kernel::{Cursor, InvalidCursor, InvalidInput, Limit, Money, Page};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::postgres::{PgStores, Tx};
use crate::stores::{CouponStore as _, Stores};

const WHOLE_BPS: i64 = 10_000;

/// A coupon code: 3–40 letters, digits, `-` or `_`, compared case-insensitively (kept
/// upper-cased).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CouponCode(String);

impl CouponCode {
    pub fn parse(raw: &str, field: &str) -> Result<Self, InvalidInput> {
        let code = raw.trim().to_uppercase();
        let valid = (3..=40).contains(&code.len())
            && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if valid {
            Ok(CouponCode(code))
        } else {
            Err(InvalidInput::field(field, "must be 3 to 40 letters, digits, - or _"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A code as it was stored (checked when it was written).
    pub(crate) fn stored(code: String) -> Self {
        CouponCode(code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouponKind {
    /// Basis points off the subtotal (1–10000).
    Percentage {
        bps: i64,
    },
    Flat {
        amount: Money,
    },
}

impl CouponKind {
    pub fn type_name(self) -> &'static str {
        match self {
            CouponKind::Percentage { .. } => "percentage",
            CouponKind::Flat { .. } => "flat",
        }
    }

    pub fn value(self) -> i64 {
        match self {
            CouponKind::Percentage { bps } => bps,
            CouponKind::Flat { amount } => amount.paise(),
        }
    }

    /// Parses a type name and value; errors name `value` or `type`.
    pub fn parse(type_name: &str, value: i64) -> Result<Self, InvalidInput> {
        match type_name {
            "percentage" if (1..=WHOLE_BPS).contains(&value) => Ok(CouponKind::Percentage { bps: value }),
            "percentage" => Err(InvalidInput::field("value", "a percentage is 1 to 10000 basis points")),
            "flat" if value > 0 => Ok(CouponKind::Flat { amount: Money::from_paise(value) }),
            "flat" => Err(InvalidInput::field("value", "a flat discount is at least 1 paisa")),
            _ => Err(InvalidInput::field("type", "must be percentage or flat")),
        }
    }
}

/// The rules of a coupon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponRules {
    pub kind: CouponKind,
    pub min_order: Option<Money>,
    pub max_discount: Option<Money>,
    pub starts_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub usage_limit: Option<i64>,
    pub per_user_limit: Option<i64>,
    pub is_active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coupon {
    pub id: Uuid,
    pub code: CouponCode,
    pub rules: CouponRules,
    /// Orders holding or having used it (not those that failed or were cancelled unpaid).
    pub used_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Where an order's use of a coupon stands. Held and used uses count against the
/// coupon's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouponUseStatus {
    /// The order waits for payment.
    Held,
    /// The order is paid or confirmed.
    Used,
    /// The order failed, expired or was cancelled before payment.
    Released,
}

/// Why a coupon does not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CouponRejection {
    #[error("this coupon code is not valid")]
    Invalid,
    #[error("this coupon has expired")]
    Expired,
    #[error("this coupon needs an order of at least {min} paise", min = min.paise())]
    MinOrderNotMet { min: Money },
    #[error("this coupon has been used as often as it may be")]
    UsageExhausted,
}

impl CouponRules {
    /// The discount on a basket worth `subtotal` (before tax) at `now`, or why none.
    /// Usage limits are not checked here: they are counted under a lock at checkout.
    pub fn discount(&self, subtotal: Money, now: DateTime<Utc>) -> Result<Money, CouponRejection> {
        if !self.is_active || self.starts_at.is_some_and(|starts| now < starts) {
            return Err(CouponRejection::Invalid);
        }
        if self.expires_at.is_some_and(|expires| now >= expires) {
            return Err(CouponRejection::Expired);
        }
        if let Some(min) = self.min_order
            && subtotal < min
        {
            return Err(CouponRejection::MinOrderNotMet { min });
        }
        let off = match self.kind {
            CouponKind::Percentage { bps } => {
                subtotal.mul_ratio_round_half_up(bps, WHOLE_BPS).map_err(|_| CouponRejection::Invalid)?
            }
            CouponKind::Flat { amount } => amount,
        };
        let capped = self.max_discount.map_or(off, |max| off.min(max));
        Ok(capped.min(subtotal).max(Money::ZERO))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CouponWriteError {
    #[error("the code {0} is taken")]
    CodeTaken(String),
    #[error("no such coupon")]
    NotFound,
    #[error("{0}")]
    Invalid(InvalidInput),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Changes to a coupon; `Some(None)` clears an optional rule.
#[derive(Debug, Clone, Default)]
pub struct CouponChanges {
    pub code: Option<CouponCode>,
    pub kind: Option<CouponKind>,
    pub min_order: Option<Option<Money>>,
    pub max_discount: Option<Option<Money>>,
    pub starts_at: Option<Option<DateTime<Utc>>>,
    pub expires_at: Option<Option<DateTime<Utc>>>,
    pub usage_limit: Option<Option<i64>>,
    pub per_user_limit: Option<Option<i64>>,
    pub is_active: Option<bool>,
}

/// A coupon as the audit trail keeps it: its code and rules, money in paise (its use
/// count is not an admin's to change).
fn audit_fields(code: &CouponCode, rules: &CouponRules) -> Value {
    json!({
        "code": code.as_str(),
        "type": rules.kind.type_name(),
        "value": rules.kind.value(),
        "min_order_paise": rules.min_order.map(Money::paise),
        "max_discount_paise": rules.max_discount.map(Money::paise),
        "starts_at": rules.starts_at,
        "expires_at": rules.expires_at,
        "usage_limit": rules.usage_limit,
        "per_user_limit": rules.per_user_limit,
        "is_active": rules.is_active,
    })
}

fn rules_are_consistent(rules: &CouponRules) -> Result<(), InvalidInput> {
    if let (Some(starts), Some(expires)) = (rules.starts_at, rules.expires_at)
        && starts >= expires
    {
        return Err(InvalidInput::field("expires_at", "must be after starts_at"));
    }
    let positive = |value: Option<i64>, field: &str| match value {
        Some(n) if n < 1 => Err(InvalidInput::field(field, "must be at least 1")),
        _ => Ok(()),
    };
    positive(rules.usage_limit, "usage_limit")?;
    positive(rules.per_user_limit, "per_user_limit")?;
    positive(rules.max_discount.map(Money::paise), "max_discount_paise")?;
    if rules.min_order.is_some_and(Money::is_negative) {
        return Err(InvalidInput::field("min_order_paise", "must not be negative"));
    }
    Ok(())
}

/// Admin management of coupons.
#[derive(Debug, Clone)]
pub struct Coupons<S = PgStores> {
    stores: S,
}

impl<S: Stores> Coupons<S> {
    pub fn new(stores: S) -> Self {
        Coupons { stores }
    }

    /// `audit` records the creation (`coupon.create`) in the same transaction.
    /// Errors: `CodeTaken`, `Invalid` (inconsistent rules), `Unexpected`.
    #[tracing::instrument(name = "coupons.create", skip(self, audit))]
    pub async fn create(
        &self,
        code: CouponCode,
        rules: CouponRules,
        audit: &impl AuditLog<Tx>,
    ) -> Result<Coupon, CouponWriteError> {
        rules_are_consistent(&rules).map_err(CouponWriteError::Invalid)?;
        let id = Uuid::now_v7();
        let mut tx = self.stores.begin().await.context("starting a coupon insert")?;
        self.stores.coupons().insert(&mut tx, id, &code, &rules).await?;
        audit.record(&mut tx, Change::created("coupon.create", "coupon", id, audit_fields(&code, &rules))).await?;
        tx.commit().await.context("committing a coupon insert")?;
        self.get(id).await?.ok_or(CouponWriteError::NotFound)
    }

    /// `audit` records the fields that changed (`coupon.update`) in the same transaction.
    /// Errors: `NotFound`, `CodeTaken`, `Invalid`, `Unexpected`.
    #[tracing::instrument(name = "coupons.change", skip(self, audit))]
    pub async fn change(
        &self,
        id: Uuid,
        changes: CouponChanges,
        audit: &impl AuditLog<Tx>,
    ) -> Result<Coupon, CouponWriteError> {
        let mut tx = self.stores.begin().await.context("starting a coupon change")?;
        let current = self.stores.coupons().lock_for_change(&mut tx, id).await?.ok_or(CouponWriteError::NotFound)?;
        let rules = CouponRules {
            kind: changes.kind.unwrap_or(current.rules.kind),
            min_order: changes.min_order.unwrap_or(current.rules.min_order),
            max_discount: changes.max_discount.unwrap_or(current.rules.max_discount),
            starts_at: changes.starts_at.unwrap_or(current.rules.starts_at),
            expires_at: changes.expires_at.unwrap_or(current.rules.expires_at),
            usage_limit: changes.usage_limit.unwrap_or(current.rules.usage_limit),
            per_user_limit: changes.per_user_limit.unwrap_or(current.rules.per_user_limit),
            is_active: changes.is_active.unwrap_or(current.rules.is_active),
        };
        rules_are_consistent(&rules).map_err(CouponWriteError::Invalid)?;
        let before = audit_fields(&current.code, &current.rules);
        let code = changes.code.unwrap_or(current.code);
        self.stores.coupons().update(&mut tx, id, &code, &rules).await?;
        let change = Change::updated("coupon.update", "coupon", id, &before, &audit_fields(&code, &rules));
        if !change.changes_nothing() {
            audit.record(&mut tx, change).await?;
        }
        tx.commit().await.context("committing a coupon change")?;
        self.get(id).await?.ok_or(CouponWriteError::NotFound)
    }

    #[tracing::instrument(name = "coupons.get", skip(self))]
    pub async fn get(&self, id: Uuid) -> anyhow::Result<Option<Coupon>> {
        self.stores.coupons().get(id).await
    }

    /// Newest first, by keyset.
    #[tracing::instrument(name = "coupons.list", skip(self))]
    pub async fn list(&self, limit: Limit, after: Option<&Cursor>) -> Result<Page<Coupon>, ListCouponsError> {
        let after: Option<(DateTime<Utc>, Uuid)> = after.map(|c| Cursor::decode_after(c.as_str())).transpose()?;
        Ok(self.stores.coupons().list(limit, after).await?)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ListCouponsError {
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Whether `user` may use the coupon once more, counting live uses (not locked: a cart
/// shows this; checkout counts again under the lock).
pub(crate) async fn uses_left<S: Stores>(
    stores: &S,
    conn: &mut Tx,
    coupon: &Coupon,
    user: Uuid,
) -> anyhow::Result<bool> {
    let (all, mine) = stores.coupons().live_uses(conn, coupon.id, user).await?;
    Ok(coupon.rules.usage_limit.is_none_or(|limit| all < limit)
        && coupon.rules.per_user_limit.is_none_or(|limit| mine < limit))
}

/// Holds one use of the coupon for `order`, or says why not. Locks the coupon row, so
/// that uses of one coupon are counted one checkout at a time: a coupon with a limit of
/// N is never held N+1 times. Locks are taken coupon first, stock after (deadlock-free).
pub(crate) async fn hold_use<S: Stores>(
    stores: &S,
    tx: &mut Tx,
    code: &CouponCode,
    order: Uuid,
    user: Uuid,
    subtotal: Money,
    now: DateTime<Utc>,
) -> Result<(Coupon, Money), HoldCouponError> {
    if !stores.coupons().lock_code(tx, code).await? {
        return Err(CouponRejection::Invalid.into());
    }
    let coupon = stores.coupons().find_by_code(tx, code).await?.ok_or(CouponRejection::Invalid)?;
    let discount = coupon.rules.discount(subtotal, now)?;
    if !uses_left(stores, tx, &coupon, user).await? {
        return Err(CouponRejection::UsageExhausted.into());
    }
    stores.coupons().hold_use(tx, order, coupon.id, user).await?;
    Ok((coupon, discount))
}

/// Holds the order's coupon use again after it was released (a retry or a late
/// payment), if the limits still allow it; `false` when they do not. Under the coupon
/// row's lock, like [`hold_use`].
pub(crate) async fn hold_again<S: Stores>(
    stores: &S,
    tx: &mut Tx,
    coupon_id: Uuid,
    order: Uuid,
    user: Uuid,
) -> anyhow::Result<bool> {
    let Some(code) = stores.coupons().lock_id(tx, coupon_id).await? else { return Ok(false) };
    if stores.coupons().has_live_use(tx, order).await? {
        return Ok(true);
    }
    let coupon = stores.coupons().find_by_code(tx, &code).await?.context("a locked coupon vanished")?;
    if !uses_left(stores, tx, &coupon, user).await? {
        return Ok(false);
    }
    stores.coupons().set_use(tx, order, CouponUseStatus::Held).await?;
    Ok(true)
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum HoldCouponError {
    #[error(transparent)]
    Rejected(#[from] CouponRejection),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0).unwrap()
    }

    fn rules(kind: CouponKind) -> CouponRules {
        CouponRules {
            kind,
            min_order: None,
            max_discount: None,
            starts_at: None,
            expires_at: None,
            usage_limit: None,
            per_user_limit: None,
            is_active: true,
        }
    }

    #[test]
    fn a_percentage_rounds_half_up_and_respects_its_cap() {
        let ten = rules(CouponKind::Percentage { bps: 1000 });
        assert_eq!(ten.discount(Money::from_paise(12_345), at(1)), Ok(Money::from_paise(1_235)));
        let capped = CouponRules { max_discount: Some(Money::from_paise(500)), ..ten };
        assert_eq!(capped.discount(Money::from_paise(12_345), at(1)), Ok(Money::from_paise(500)));
    }

    #[test]
    fn a_flat_discount_never_exceeds_the_subtotal() {
        let flat = rules(CouponKind::Flat { amount: Money::from_paise(50_000) });
        assert_eq!(flat.discount(Money::from_paise(20_000), at(1)), Ok(Money::from_paise(20_000)));
        assert_eq!(flat.discount(Money::from_paise(90_000), at(1)), Ok(Money::from_paise(50_000)));
    }

    #[test]
    fn the_window_the_minimum_and_the_switch_are_enforced() {
        let base = rules(CouponKind::Flat { amount: Money::from_paise(100) });
        let window = CouponRules { starts_at: Some(at(10)), expires_at: Some(at(20)), ..base.clone() };
        assert_eq!(window.discount(Money::from_paise(1000), at(9)), Err(CouponRejection::Invalid));
        assert_eq!(window.discount(Money::from_paise(1000), at(15)), Ok(Money::from_paise(100)));
        assert_eq!(window.discount(Money::from_paise(1000), at(20)), Err(CouponRejection::Expired));
        let minimum = CouponRules { min_order: Some(Money::from_paise(5000)), ..base.clone() };
        assert_eq!(
            minimum.discount(Money::from_paise(4999), at(1)),
            Err(CouponRejection::MinOrderNotMet { min: Money::from_paise(5000) })
        );
        let off = CouponRules { is_active: false, ..base };
        assert_eq!(off.discount(Money::from_paise(1000), at(1)), Err(CouponRejection::Invalid));
    }

    #[test]
    fn codes_are_case_insensitive_and_plain() {
        assert_eq!(CouponCode::parse(" save10 ", "code").unwrap().as_str(), "SAVE10");
        assert!(CouponCode::parse("ab", "code").is_err());
        assert!(CouponCode::parse("SAVE 10", "code").is_err());
        assert!(CouponCode::parse("ДИСКОНТ", "code").is_err());
    }
}
