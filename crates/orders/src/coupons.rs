//! Coupons: the rules (pure), admin management, and the atomic count of uses.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::{Cursor, InvalidCursor, InvalidInput, Limit, Money, Page};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{PgConnection, PgPool, Postgres};
use uuid::Uuid;

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

#[derive(sqlx::FromRow)]
struct CouponRow {
    id: Uuid,
    code: String,
    kind: String,
    value: i64,
    min_order_paise: Option<i64>,
    max_discount_paise: Option<i64>,
    starts_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    usage_limit: Option<i64>,
    per_user_limit: Option<i64>,
    is_active: bool,
    used_count: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl CouponRow {
    fn into_coupon(self) -> anyhow::Result<Coupon> {
        Ok(Coupon {
            id: self.id,
            code: CouponCode(self.code),
            rules: CouponRules {
                kind: CouponKind::parse(&self.kind, self.value).map_err(|e| anyhow::anyhow!("stored coupon: {e}"))?,
                min_order: self.min_order_paise.map(Money::from_paise),
                max_discount: self.max_discount_paise.map(Money::from_paise),
                starts_at: self.starts_at,
                expires_at: self.expires_at,
                usage_limit: self.usage_limit,
                per_user_limit: self.per_user_limit,
                is_active: self.is_active,
            },
            used_count: self.used_count,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A coupon's columns with its live use count; completed with `FROM orders.coupons c …`.
macro_rules! coupon_select {
    ($rest:literal) => {
        concat!(
            "SELECT c.id, c.code, c.kind, c.value, c.min_order_paise, c.max_discount_paise, c.starts_at, ",
            "c.expires_at, c.usage_limit, c.per_user_limit, c.is_active, c.created_at, c.updated_at, ",
            "(SELECT count(*) FROM orders.coupon_uses u WHERE u.coupon_id = c.id AND u.status <> 'released') ",
            "AS used_count FROM orders.coupons c ",
            $rest
        )
    };
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

/// Binds a coupon's columns in table order (`code` … `is_active`), after its id.
fn bind_coupon<'q>(
    query: Query<'q, Postgres, PgArguments>,
    code: &'q CouponCode,
    rules: &CouponRules,
) -> Query<'q, Postgres, PgArguments> {
    query
        .bind(code.as_str())
        .bind(rules.kind.type_name())
        .bind(rules.kind.value())
        .bind(rules.min_order.map(Money::paise))
        .bind(rules.max_discount.map(Money::paise))
        .bind(rules.starts_at)
        .bind(rules.expires_at)
        .bind(rules.usage_limit)
        .bind(rules.per_user_limit)
        .bind(rules.is_active)
}

fn write_error(error: sqlx::Error, code: &CouponCode) -> CouponWriteError {
    match error.as_database_error() {
        Some(db) if db.code().as_deref() == Some("23505") => CouponWriteError::CodeTaken(code.as_str().to_owned()),
        _ => CouponWriteError::Unexpected(anyhow::Error::new(error).context("writing a coupon")),
    }
}

/// Admin management of coupons.
#[derive(Debug, Clone)]
pub struct Coupons {
    pool: PgPool,
}

impl Coupons {
    pub fn new(pool: PgPool) -> Self {
        Coupons { pool }
    }

    /// Errors: `CodeTaken`, `Invalid` (inconsistent rules), `Unexpected`.
    #[tracing::instrument(name = "coupons.create", skip(self))]
    pub async fn create(&self, code: CouponCode, rules: CouponRules) -> Result<Coupon, CouponWriteError> {
        rules_are_consistent(&rules).map_err(CouponWriteError::Invalid)?;
        let id = Uuid::now_v7();
        let insert = sqlx::query(
            "INSERT INTO orders.coupons (id, code, kind, value, min_order_paise, max_discount_paise, starts_at,
                 expires_at, usage_limit, per_user_limit, is_active)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id);
        bind_coupon(insert, &code, &rules).execute(&self.pool).await.map_err(|error| write_error(error, &code))?;
        self.get(id).await?.ok_or(CouponWriteError::NotFound)
    }

    /// Errors: `NotFound`, `CodeTaken`, `Invalid`, `Unexpected`.
    #[tracing::instrument(name = "coupons.change", skip(self))]
    pub async fn change(&self, id: Uuid, changes: CouponChanges) -> Result<Coupon, CouponWriteError> {
        let mut tx = self.pool.begin().await.context("starting a coupon change")?;
        let current: Option<CouponRow> = sqlx::query_as(coupon_select!("WHERE c.id = $1 FOR UPDATE"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .context("loading a coupon")?;
        let current = current.ok_or(CouponWriteError::NotFound)?.into_coupon()?;
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
        let code = changes.code.unwrap_or(current.code);
        let update = sqlx::query(
            "UPDATE orders.coupons SET code = $2, kind = $3, value = $4, min_order_paise = $5,
                 max_discount_paise = $6, starts_at = $7, expires_at = $8, usage_limit = $9, per_user_limit = $10,
                 is_active = $11, updated_at = now()
             WHERE id = $1",
        )
        .bind(id);
        bind_coupon(update, &code, &rules).execute(&mut *tx).await.map_err(|error| write_error(error, &code))?;
        tx.commit().await.context("committing a coupon change")?;
        self.get(id).await?.ok_or(CouponWriteError::NotFound)
    }

    #[tracing::instrument(name = "coupons.get", skip(self))]
    pub async fn get(&self, id: Uuid) -> anyhow::Result<Option<Coupon>> {
        let row: Option<CouponRow> = sqlx::query_as(coupon_select!("WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .context("loading a coupon")?;
        row.map(CouponRow::into_coupon).transpose()
    }

    /// Newest first, by keyset.
    #[tracing::instrument(name = "coupons.list", skip(self))]
    pub async fn list(&self, limit: Limit, after: Option<&Cursor>) -> Result<Page<Coupon>, ListCouponsError> {
        let after: Option<(DateTime<Utc>, Uuid)> = after.map(|c| Cursor::decode(c.as_str())).transpose()?;
        let rows: Vec<CouponRow> = sqlx::query_as(coupon_select!(
            "WHERE ($1::timestamptz IS NULL OR (c.created_at, c.id) < ($1, $2))
             ORDER BY c.created_at DESC, c.id DESC LIMIT $3"
        ))
        .bind(after.map(|(at, _)| at))
        .bind(after.map(|(_, id)| id))
        .bind(limit.fetch_size())
        .fetch_all(&self.pool)
        .await
        .context("listing coupons")?;
        let coupons = rows.into_iter().map(CouponRow::into_coupon).collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Page::from_rows(coupons, limit, |c| (c.created_at, c.id)))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ListCouponsError {
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The coupon with this code, if any (not locked).
pub(crate) async fn find_by_code(conn: &mut PgConnection, code: &CouponCode) -> anyhow::Result<Option<Coupon>> {
    let row: Option<CouponRow> = sqlx::query_as(coupon_select!("WHERE c.code = $1"))
        .bind(code.as_str())
        .fetch_optional(conn)
        .await
        .context("finding a coupon")?;
    row.map(CouponRow::into_coupon).transpose()
}

/// Whether `user` may use the coupon once more, counting live uses (not locked: a cart
/// shows this; checkout counts again under the lock).
pub(crate) async fn uses_left(conn: &mut PgConnection, coupon: &Coupon, user: Uuid) -> anyhow::Result<bool> {
    let (all, mine): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE user_id = $2) FROM orders.coupon_uses
         WHERE coupon_id = $1 AND status <> 'released'",
    )
    .bind(coupon.id)
    .bind(user)
    .fetch_one(conn)
    .await
    .context("counting a coupon's uses")?;
    Ok(coupon.rules.usage_limit.is_none_or(|limit| all < limit)
        && coupon.rules.per_user_limit.is_none_or(|limit| mine < limit))
}

/// Holds one use of the coupon for `order`, or says why not. Locks the coupon row, so
/// that uses of one coupon are counted one checkout at a time: a coupon with a limit of
/// N is never held N+1 times. Locks are taken coupon first, stock after (deadlock-free).
pub(crate) async fn hold_use(
    conn: &mut PgConnection,
    code: &CouponCode,
    order: Uuid,
    user: Uuid,
    subtotal: Money,
    now: DateTime<Utc>,
) -> Result<(Coupon, Money), HoldCouponError> {
    let locked: Option<Uuid> = sqlx::query_scalar("SELECT id FROM orders.coupons WHERE code = $1 FOR UPDATE")
        .bind(code.as_str())
        .fetch_optional(&mut *conn)
        .await
        .context("locking a coupon")?;
    if locked.is_none() {
        return Err(CouponRejection::Invalid.into());
    }
    let coupon = find_by_code(conn, code).await?.ok_or(CouponRejection::Invalid)?;
    let discount = coupon.rules.discount(subtotal, now)?;
    if !uses_left(conn, &coupon, user).await? {
        return Err(CouponRejection::UsageExhausted.into());
    }
    sqlx::query(
        "INSERT INTO orders.coupon_uses (order_id, coupon_id, user_id, status) VALUES ($1, $2, $3, 'held')
         ON CONFLICT (order_id) DO UPDATE SET status = 'held', updated_at = now()",
    )
    .bind(order)
    .bind(coupon.id)
    .bind(user)
    .execute(&mut *conn)
    .await
    .context("holding a coupon use")?;
    Ok((coupon, discount))
}

/// Holds the order's coupon use again after it was released (a retry or a late
/// payment), if the limits still allow it; `false` when they do not. Under the coupon
/// row's lock, like [`hold_use`].
pub(crate) async fn hold_again(
    conn: &mut PgConnection,
    coupon_id: Uuid,
    order: Uuid,
    user: Uuid,
) -> anyhow::Result<bool> {
    let code: Option<String> = sqlx::query_scalar("SELECT code FROM orders.coupons WHERE id = $1 FOR UPDATE")
        .bind(coupon_id)
        .fetch_optional(&mut *conn)
        .await
        .context("locking a coupon")?;
    let Some(code) = code else { return Ok(false) };
    let live: Option<String> =
        sqlx::query_scalar("SELECT status FROM orders.coupon_uses WHERE order_id = $1 AND status <> 'released'")
            .bind(order)
            .fetch_optional(&mut *conn)
            .await
            .context("reading a coupon use")?;
    if live.is_some() {
        return Ok(true);
    }
    let coupon = find_by_code(conn, &CouponCode(code)).await?.context("a locked coupon vanished")?;
    if !uses_left(conn, &coupon, user).await? {
        return Ok(false);
    }
    set_use(conn, order, "held").await?;
    Ok(true)
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum HoldCouponError {
    #[error(transparent)]
    Rejected(#[from] CouponRejection),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Moves the order's coupon use to `status` (`used` or `released`), if it has one.
pub(crate) async fn set_use(conn: &mut PgConnection, order: Uuid, status: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE orders.coupon_uses SET status = $2, updated_at = now() WHERE order_id = $1")
        .bind(order)
        .bind(status)
        .execute(conn)
        .await
        .context("settling a coupon use")?;
    Ok(())
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
