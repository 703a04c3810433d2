//! `Idempotency-Key`: the first response to a key is stored and replayed for repeats of
//! the same request; the same key with another request is refused; a repeat that
//! arrives while the first is still running is told so. Keys are scoped to the customer
//! and the operation.
//!
//! Stored HTTP responses are the application's concern, not a domain's: `bins/api` claims
//! a key around a request and stores its answer. What the request made is attached to
//! its key in the request's own transaction ([`Idempotency::attach`]); checkout does that
//! through the orders domain's `OrderPlacedHook` port, so the orders domain never knows
//! about keys. The table lives in the `idempotency` schema.

use anyhow::Context as _;
use kernel::InvalidInput;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

kernel::domain_schema!("idempotency", "../../migrations/idempotency");

/// 1–255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str, field: &str) -> Result<Self, InvalidInput> {
        if (1..=255).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(IdempotencyKey(raw.to_owned()))
        } else {
            Err(InvalidInput::field(field, "must be 1 to 255 visible characters"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The request's fingerprint: SHA-256 of its canonical JSON (object keys sorted, no
/// whitespace), so the same request written differently is still the same request.
pub fn fingerprint(operation: &str, request: &Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(operation.as_bytes());
    hasher.update([0]);
    // serde_json's map is ordered by key, so serialising is canonical.
    hasher.update(request.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

/// What to do with a request carrying a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// First time: do the work, then [`Idempotency::complete`] (or [`Idempotency::release`]).
    Proceed,
    /// An earlier request with this key made `resource` and then died before storing its
    /// response: answer from the resource as it is now, without doing the work again.
    Resume { resource: Uuid },
    /// Done before: answer exactly this.
    Replay { status: u16, body: Value },
    /// The first request with this key is still running.
    InProgress,
    /// The key was used with another request.
    Reused,
}

/// A claim with no response after this long is taken to be abandoned. Far longer than a
/// checkout takes (bounded by the gateway client's timeouts and retries).
const ABANDONED_AFTER_SECONDS: f64 = 120.0;

#[derive(Debug, Clone)]
pub struct Idempotency {
    pool: PgPool,
}

impl Idempotency {
    pub fn new(pool: PgPool) -> Self {
        Idempotency { pool }
    }

    /// Claims the key for this request. Errors: storage failures.
    #[tracing::instrument(name = "idempotency.claim", skip(self, key, fingerprint))]
    pub async fn claim(
        &self,
        user: Uuid,
        scope: &str,
        key: &IdempotencyKey,
        fingerprint: &str,
    ) -> anyhow::Result<Claim> {
        let inserted = sqlx::query(
            "INSERT INTO idempotency.idempotency_keys (user_id, scope, key, request_hash) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(user)
        .bind(scope)
        .bind(key.as_str())
        .bind(fingerprint)
        .execute(&self.pool)
        .await
        .context("claiming an idempotency key")?;
        if inserted.rows_affected() == 1 {
            return Ok(Claim::Proceed);
        }
        // A claim whose request never finished (the client went away mid-request, the
        // process died) is taken over after a while, so the key is not stuck for ever.
        let taken_over: Option<Option<Uuid>> = sqlx::query_scalar(
            "UPDATE idempotency.idempotency_keys SET created_at = now()
             WHERE user_id = $1 AND scope = $2 AND key = $3 AND request_hash = $4 AND response_status IS NULL
               AND created_at < now() - make_interval(secs => $5)
             RETURNING resource_id",
        )
        .bind(user)
        .bind(scope)
        .bind(key.as_str())
        .bind(fingerprint)
        .bind(ABANDONED_AFTER_SECONDS)
        .fetch_optional(&self.pool)
        .await
        .context("taking over an abandoned idempotency key")?;
        match taken_over {
            Some(Some(resource)) => return Ok(Claim::Resume { resource }),
            Some(None) => return Ok(Claim::Proceed),
            None => {}
        }
        let stored: Option<(String, Option<i32>, Option<Value>)> = sqlx::query_as(
            "SELECT request_hash, response_status, response_body FROM idempotency.idempotency_keys
             WHERE user_id = $1 AND scope = $2 AND key = $3",
        )
        .bind(user)
        .bind(scope)
        .bind(key.as_str())
        .fetch_optional(&self.pool)
        .await
        .context("reading an idempotency key")?;
        Ok(match stored {
            // Released between the two statements: the caller may simply try again.
            None => Claim::InProgress,
            Some((hash, _, _)) if hash != fingerprint => Claim::Reused,
            Some((_, Some(status), Some(body))) => Claim::Replay { status: u16::try_from(status).unwrap_or(500), body },
            Some(_) => Claim::InProgress,
        })
    }

    /// Records, in the caller's transaction, what the claimed request made. Errors:
    /// storage failures.
    pub async fn attach(
        conn: &mut PgConnection,
        user: Uuid,
        scope: &str,
        key: &IdempotencyKey,
        resource: Uuid,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE idempotency.idempotency_keys SET resource_id = $4 WHERE user_id = $1 AND scope = $2 AND key = $3",
        )
        .bind(user)
        .bind(scope)
        .bind(key.as_str())
        .bind(resource)
        .execute(conn)
        .await
        .context("attaching an order to its idempotency key")?;
        Ok(())
    }

    /// Stores the response for replays. Errors: storage failures.
    pub async fn complete(
        &self,
        user: Uuid,
        scope: &str,
        key: &IdempotencyKey,
        status: u16,
        body: &Value,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE idempotency.idempotency_keys SET response_status = $4, response_body = $5
             WHERE user_id = $1 AND scope = $2 AND key = $3",
        )
        .bind(user)
        .bind(scope)
        .bind(key.as_str())
        .bind(i32::from(status))
        .bind(body)
        .execute(&self.pool)
        .await
        .context("storing an idempotent response")?;
        Ok(())
    }

    /// Deletes the keys claimed more than `retention` ago, `batch` at a time: a key is
    /// answered for `retention` and then forgotten. Several processes may purge at once
    /// (rows another holds are skipped). Returns how many went. Errors: storage failures.
    #[tracing::instrument(name = "idempotency.purge_expired", skip(self))]
    pub async fn purge_expired(&self, retention: std::time::Duration, batch: i64) -> anyhow::Result<u64> {
        kernel::batches::until_short_batch(batch, || async {
            let deleted = sqlx::query(
                "DELETE FROM idempotency.idempotency_keys WHERE ctid = ANY(ARRAY(
                   SELECT ctid FROM idempotency.idempotency_keys
                   WHERE created_at < now() - make_interval(secs => $1)
                   LIMIT $2 FOR UPDATE SKIP LOCKED))",
            )
            .bind(retention.as_secs_f64())
            .bind(batch)
            .execute(&self.pool)
            .await
            .context("purging expired idempotency keys")?;
            Ok(deleted.rows_affected())
        })
        .await
    }

    /// Forgets the key (the work failed in a way worth retrying). Errors: storage failures.
    pub async fn release(&self, user: Uuid, scope: &str, key: &IdempotencyKey) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM idempotency.idempotency_keys WHERE user_id = $1 AND scope = $2 AND key = $3")
            .bind(user)
            .bind(scope)
            .bind(key.as_str())
            .execute(&self.pool)
            .await
            .context("releasing an idempotency key")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_same_request_written_differently_has_one_fingerprint() {
        let a: Value =
            serde_json::from_str(r#"{"items":[{"product_id":"p","quantity":1}],"payment_method":"cod"}"#).unwrap();
        let b: Value =
            serde_json::from_str(r#"{ "payment_method" : "cod", "items" : [ { "quantity":1, "product_id":"p" } ] }"#)
                .unwrap();
        assert_eq!(fingerprint("orders.place", &a), fingerprint("orders.place", &b));
        assert_ne!(
            fingerprint("orders.place", &a),
            fingerprint("orders.place", &json!({"payment_method": "razorpay"}))
        );
        assert_ne!(fingerprint("orders.place", &a), fingerprint("orders.retry", &a));
    }

    #[test]
    fn keys_are_short_visible_text() {
        assert!(IdempotencyKey::parse("a7f3-01", "Idempotency-Key").is_ok());
        assert!(IdempotencyKey::parse("", "Idempotency-Key").is_err());
        assert!(IdempotencyKey::parse("has space", "Idempotency-Key").is_err());
        assert!(IdempotencyKey::parse(&"k".repeat(256), "Idempotency-Key").is_err());
    }
}
