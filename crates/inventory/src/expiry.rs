//! The expiry job: releases reservations whose time is up and tells their owner.
//!
//! Any number of processes may run it against one database: a reservation is claimed with
//! `FOR UPDATE SKIP LOCKED` and its owner's advisory lock is only *tried*, so two workers
//! never release the same reservation and a worker never waits on a checkout.

use std::future::Future;

use anyhow::Context as _;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::reservations::{PgStockReserver, Settlement, StockReserver as _, try_lock_owner};

/// Told, in the releasing transaction, that an owner's reservation expired (the orders
/// domain cancels the order). Errors roll the release back; it is retried next pass.
pub trait ExpiryListener: Send + Sync {
    fn reservation_expired(
        &self,
        conn: &mut PgConnection,
        owner: Uuid,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// For tools (and tests) that only need the stock released.
#[derive(Debug, Clone, Copy, Default)]
pub struct NobodyListens;

impl ExpiryListener for NobodyListens {
    async fn reservation_expired(&self, _: &mut PgConnection, _: Uuid) -> anyhow::Result<()> {
        Ok(())
    }
}

/// The most owners one pass releases, so a backlog cannot hold one worker for long.
const MAX_PER_PASS: usize = 500;

/// Releases every expired reservation it can claim; returns how many owners it released.
#[tracing::instrument(name = "inventory.expire_reservations", skip_all)]
pub async fn release_expired<L: ExpiryListener>(pool: &PgPool, listener: &L) -> anyhow::Result<usize> {
    let mut released = 0;
    // Owners another worker (or a checkout) holds right now; skipped for this pass.
    let mut busy: Vec<Uuid> = Vec::new();
    while released + busy.len() < MAX_PER_PASS {
        let mut tx = pool.begin().await.context("starting an expiry")?;
        let claimed: Option<Uuid> = sqlx::query_scalar(
            "SELECT owner_id FROM inventory.reservations
             WHERE status = 'held' AND expires_at <= now() AND owner_id <> ALL($1)
             ORDER BY expires_at LIMIT 1
             FOR UPDATE SKIP LOCKED",
        )
        .bind(&busy)
        .fetch_optional(&mut *tx)
        .await
        .context("claiming an expired reservation")?;
        let Some(owner) = claimed else { break };
        if !try_lock_owner(&mut tx, owner).await? {
            busy.push(owner);
            continue;
        }
        if PgStockReserver.release(&mut tx, owner, "expired").await? == Settlement::Done {
            listener.reservation_expired(&mut tx, owner).await.context("telling the owner")?;
            released += 1;
        }
        tx.commit().await.context("committing an expiry")?;
    }
    Ok(released)
}
