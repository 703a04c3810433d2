//! [`CouponStore`] on `orders.coupons` and `orders.coupon_uses`.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::{Limit, Money, Page};
use sqlx::Postgres;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use uuid::Uuid;

use super::{Pool, Tx, coupon_use_status_value};
use crate::coupons::{Coupon, CouponCode, CouponKind, CouponRules, CouponUseStatus, CouponWriteError};
use crate::stores::CouponStore;

#[derive(Debug, Clone)]
pub struct PgCoupons {
    pool: Pool,
}

impl PgCoupons {
    pub fn new(pool: Pool) -> Self {
        PgCoupons { pool }
    }
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
            code: CouponCode::stored(self.code),
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

/// The code's unique index refuses a code another coupon has.
fn write_error(error: sqlx::Error, code: &CouponCode) -> CouponWriteError {
    match error.as_database_error() {
        Some(db) if db.code().as_deref() == Some("23505") => CouponWriteError::CodeTaken(code.as_str().to_owned()),
        _ => CouponWriteError::Unexpected(anyhow::Error::new(error).context("writing a coupon")),
    }
}

impl CouponStore for PgCoupons {
    async fn insert(
        &self,
        tx: &mut Tx,
        id: Uuid,
        code: &CouponCode,
        rules: &CouponRules,
    ) -> Result<(), CouponWriteError> {
        let insert = sqlx::query(
            "INSERT INTO orders.coupons (id, code, kind, value, min_order_paise, max_discount_paise, starts_at,
                 expires_at, usage_limit, per_user_limit, is_active)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id);
        bind_coupon(insert, code, rules).execute(tx).await.map_err(|error| write_error(error, code))?;
        Ok(())
    }

    async fn lock_for_change(&self, tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<Coupon>> {
        let row: Option<CouponRow> = sqlx::query_as(coupon_select!("WHERE c.id = $1 FOR UPDATE"))
            .bind(id)
            .fetch_optional(tx)
            .await
            .context("loading a coupon")?;
        row.map(CouponRow::into_coupon).transpose()
    }

    async fn update(
        &self,
        tx: &mut Tx,
        id: Uuid,
        code: &CouponCode,
        rules: &CouponRules,
    ) -> Result<(), CouponWriteError> {
        let update = sqlx::query(
            "UPDATE orders.coupons SET code = $2, kind = $3, value = $4, min_order_paise = $5,
                 max_discount_paise = $6, starts_at = $7, expires_at = $8, usage_limit = $9, per_user_limit = $10,
                 is_active = $11, updated_at = now()
             WHERE id = $1",
        )
        .bind(id);
        bind_coupon(update, code, rules).execute(tx).await.map_err(|error| write_error(error, code))?;
        Ok(())
    }

    async fn get(&self, id: Uuid) -> anyhow::Result<Option<Coupon>> {
        let row: Option<CouponRow> = sqlx::query_as(coupon_select!("WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .context("loading a coupon")?;
        row.map(CouponRow::into_coupon).transpose()
    }

    async fn list(&self, limit: Limit, after: Option<(DateTime<Utc>, Uuid)>) -> anyhow::Result<Page<Coupon>> {
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

    async fn find_by_code(&self, conn: &mut Tx, code: &CouponCode) -> anyhow::Result<Option<Coupon>> {
        let row: Option<CouponRow> = sqlx::query_as(coupon_select!("WHERE c.code = $1"))
            .bind(code.as_str())
            .fetch_optional(conn)
            .await
            .context("finding a coupon")?;
        row.map(CouponRow::into_coupon).transpose()
    }

    async fn lock_code(&self, tx: &mut Tx, code: &CouponCode) -> anyhow::Result<bool> {
        let locked: Option<Uuid> = sqlx::query_scalar("SELECT id FROM orders.coupons WHERE code = $1 FOR UPDATE")
            .bind(code.as_str())
            .fetch_optional(tx)
            .await
            .context("locking a coupon")?;
        Ok(locked.is_some())
    }

    async fn lock_id(&self, tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<CouponCode>> {
        let code: Option<String> = sqlx::query_scalar("SELECT code FROM orders.coupons WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(tx)
            .await
            .context("locking a coupon")?;
        Ok(code.map(CouponCode::stored))
    }

    async fn live_uses(&self, conn: &mut Tx, coupon: Uuid, user: Uuid) -> anyhow::Result<(i64, i64)> {
        sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE user_id = $2) FROM orders.coupon_uses
             WHERE coupon_id = $1 AND status <> 'released'",
        )
        .bind(coupon)
        .bind(user)
        .fetch_one(conn)
        .await
        .context("counting a coupon's uses")
    }

    async fn hold_use(&self, tx: &mut Tx, order: Uuid, coupon: Uuid, user: Uuid) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO orders.coupon_uses (order_id, coupon_id, user_id, status) VALUES ($1, $2, $3, $4)
             ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, updated_at = now()",
        )
        .bind(order)
        .bind(coupon)
        .bind(user)
        .bind(coupon_use_status_value(CouponUseStatus::Held))
        .execute(tx)
        .await
        .context("holding a coupon use")?;
        Ok(())
    }

    async fn has_live_use(&self, tx: &mut Tx, order: Uuid) -> anyhow::Result<bool> {
        let live: Option<String> =
            sqlx::query_scalar("SELECT status FROM orders.coupon_uses WHERE order_id = $1 AND status <> 'released'")
                .bind(order)
                .fetch_optional(tx)
                .await
                .context("reading a coupon use")?;
        Ok(live.is_some())
    }

    async fn set_use(&self, tx: &mut Tx, order: Uuid, status: CouponUseStatus) -> anyhow::Result<()> {
        sqlx::query("UPDATE orders.coupon_uses SET status = $2, updated_at = now() WHERE order_id = $1")
            .bind(order)
            .bind(coupon_use_status_value(status))
            .execute(tx)
            .await
            .context("settling a coupon use")?;
        Ok(())
    }
}
