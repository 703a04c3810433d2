//! [`CartStore`] on `orders.cart_items` and `orders.cart_coupons`.

use anyhow::Context as _;
use uuid::Uuid;

use super::{Pool, Tx};
use crate::coupons::CouponCode;
use crate::stores::{CartStore, StoredCart, StoredCartBuild, StoredLine};

#[derive(Debug, Clone)]
pub struct PgCarts {
    pool: Pool,
}

impl PgCarts {
    pub fn new(pool: Pool) -> Self {
        PgCarts { pool }
    }
}

/// The table's CHECK on a line's quantity, as PostgreSQL reports it.
const CHECK_VIOLATION: &str = "23514";

impl CartStore for PgCarts {
    async fn stored(&self, conn: &mut Tx, user: Uuid) -> anyhow::Result<StoredCart> {
        // One statement, one snapshot: a build added or removed meanwhile is in the answer
        // whole or not at all.
        type Row = (Uuid, i64, Option<Uuid>, Option<String>, Option<String>, Option<Uuid>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT i.product_id, i.quantity, i.build_id, b.platform, b.name, b.saved_build_id
             FROM orders.cart_items i LEFT JOIN orders.cart_builds b ON b.id = i.build_id
             WHERE i.user_id = $1 ORDER BY i.added_at, i.product_id",
        )
        .bind(user)
        .fetch_all(&mut *conn)
        .await
        .context("reading a cart")?;
        let mut lines = Vec::with_capacity(rows.len());
        let mut builds: Vec<StoredCartBuild> = Vec::new();
        for (product_id, quantity, build_id, platform, name, saved_build_id) in rows {
            lines.push(StoredLine { product_id, quantity, build_id });
            if let (Some(id), Some(platform), Some(name)) = (build_id, platform, name)
                && !builds.iter().any(|build| build.id == id)
            {
                builds.push(StoredCartBuild { id, platform, name, saved_build_id });
            }
        }
        let coupon: Option<String> = sqlx::query_scalar("SELECT code FROM orders.cart_coupons WHERE user_id = $1")
            .bind(user)
            .fetch_optional(&mut *conn)
            .await
            .context("reading a cart's coupon")?;
        Ok(StoredCart { lines, builds, coupon })
    }

    async fn add(&self, tx: &mut Tx, user: Uuid, product: Uuid, quantity: i64) -> anyhow::Result<Option<i64>> {
        let added = sqlx::query_scalar(
            "INSERT INTO orders.cart_items (user_id, product_id, quantity) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, product_id) WHERE build_id IS NULL DO UPDATE
                 SET quantity = orders.cart_items.quantity + EXCLUDED.quantity
             RETURNING quantity",
        )
        .bind(user)
        .bind(product)
        .bind(quantity)
        .fetch_one(tx)
        .await;
        match added {
            Ok(total) => Ok(Some(total)),
            Err(error) if error.as_database_error().and_then(|db| db.code()).as_deref() == Some(CHECK_VIOLATION) => {
                Ok(None)
            }
            Err(error) => Err(anyhow::Error::new(error).context("adding to a cart")),
        }
    }

    async fn add_build(
        &self,
        tx: &mut Tx,
        user: Uuid,
        build: &StoredCartBuild,
        products: &[Uuid],
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO orders.cart_builds (id, user_id, platform, name, saved_build_id) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(build.id)
        .bind(user)
        .bind(&build.platform)
        .bind(&build.name)
        .bind(build.saved_build_id)
        .execute(&mut *tx)
        .await
        .context("adding a build to a cart")?;
        // One statement, one `added_at`: the build's lines keep the builder's slot order.
        sqlx::query(
            "INSERT INTO orders.cart_items (user_id, product_id, quantity, build_id, added_at)
             SELECT $1, product, 1, $2, clock_timestamp() + make_interval(secs => position / 1e6)
             FROM unnest($3::uuid[]) WITH ORDINALITY AS chosen (product, position)",
        )
        .bind(user)
        .bind(build.id)
        .bind(products)
        .execute(&mut *tx)
        .await
        .context("adding a build's lines to a cart")?;
        Ok(())
    }

    async fn remove_build(&self, user: Uuid, build: Uuid) -> anyhow::Result<bool> {
        // Its lines go with it (ON DELETE CASCADE).
        let removed = sqlx::query("DELETE FROM orders.cart_builds WHERE user_id = $1 AND id = $2")
            .bind(user)
            .bind(build)
            .execute(&self.pool)
            .await
            .context("removing a build from a cart")?;
        Ok(removed.rows_affected() > 0)
    }

    async fn set_quantity(&self, user: Uuid, product: Uuid, quantity: i64) -> anyhow::Result<bool> {
        let changed = sqlx::query(
            "UPDATE orders.cart_items SET quantity = $3 WHERE user_id = $1 AND product_id = $2 AND build_id IS NULL",
        )
        .bind(user)
        .bind(product)
        .bind(quantity)
        .execute(&self.pool)
        .await
        .context("changing a cart line")?;
        Ok(changed.rows_affected() > 0)
    }

    async fn remove_line(&self, user: Uuid, product: Uuid) -> anyhow::Result<bool> {
        let removed =
            sqlx::query("DELETE FROM orders.cart_items WHERE user_id = $1 AND product_id = $2 AND build_id IS NULL")
                .bind(user)
                .bind(product)
                .execute(&self.pool)
                .await
                .context("removing a cart line")?;
        Ok(removed.rows_affected() > 0)
    }

    async fn clear(&self, user: Uuid) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await.context("clearing a cart")?;
        // Builds (and their lines, by cascade) before loose lines: the order every cart
        // removal keeps (see `remove_ordered`), so that two never wait on each other.
        for sql in [
            "DELETE FROM orders.cart_builds WHERE user_id = $1",
            "DELETE FROM orders.cart_items WHERE user_id = $1",
            "DELETE FROM orders.cart_coupons WHERE user_id = $1",
        ] {
            sqlx::query(sql).bind(user).execute(&mut *tx).await.context("clearing a cart")?;
        }
        tx.commit().await.context("clearing a cart")?;
        Ok(())
    }

    async fn set_coupon(&self, conn: &mut Tx, user: Uuid, code: &CouponCode) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO orders.cart_coupons (user_id, code) VALUES ($1, $2)
             ON CONFLICT (user_id) DO UPDATE SET code = EXCLUDED.code",
        )
        .bind(user)
        .bind(code.as_str())
        .execute(conn)
        .await
        .context("applying a coupon")?;
        Ok(())
    }

    async fn remove_coupon(&self, user: Uuid) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM orders.cart_coupons WHERE user_id = $1")
            .bind(user)
            .execute(&self.pool)
            .await
            .context("removing a coupon")?;
        Ok(())
    }

    async fn remove_ordered(
        &self,
        tx: &mut Tx,
        user: Uuid,
        products: &[Uuid],
        builds: &[Uuid],
        coupon: Option<&str>,
    ) -> anyhow::Result<()> {
        // The order's builds leave whole (their lines with them: ON DELETE CASCADE), before
        // the loose lines: every cart removal takes build rows, then lines (see `clear`).
        sqlx::query("DELETE FROM orders.cart_builds WHERE user_id = $1 AND id = ANY($2)")
            .bind(user)
            .bind(builds)
            .execute(&mut *tx)
            .await
            .context("removing the cart's ordered builds")?;
        sqlx::query("DELETE FROM orders.cart_items WHERE user_id = $1 AND build_id IS NULL AND product_id = ANY($2)")
            .bind(user)
            .bind(products)
            .execute(&mut *tx)
            .await
            .context("emptying the cart")?;
        if let Some(code) = coupon {
            sqlx::query("DELETE FROM orders.cart_coupons WHERE user_id = $1 AND code = $2")
                .bind(user)
                .bind(code)
                .execute(&mut *tx)
                .await
                .context("removing the cart's coupon")?;
        }
        Ok(())
    }
}
