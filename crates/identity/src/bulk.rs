//! Customer accounts made in bulk, for the demo store's history (`rigmaster seed-demo
//! --orders`): one INSERT … SELECT FROM UNNEST a batch, every account with the same
//! password hash (computed once by the caller: demo accounts, not people).

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// A customer account to make.
#[derive(Debug, Clone)]
pub struct BulkCustomer {
    pub id: Uuid,
    /// Lower-case.
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Makes these customers, each with `password_hash`, in the caller's transaction, and
/// returns each one's id by e-mail: an e-mail already registered keeps its account (and
/// its id is returned), so a second run makes no one twice. Errors: storage failures.
#[tracing::instrument(name = "identity.bulk_customers", skip_all, fields(customers = customers.len()))]
pub async fn insert_customers(
    conn: &mut PgConnection,
    customers: &[BulkCustomer],
    password_hash: &str,
) -> anyhow::Result<Vec<(String, Uuid)>> {
    if customers.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(
        "INSERT INTO identity.users AS u (id, email, name, phone, role, password_hash, created_at, updated_at)
         SELECT id, email, name, phone, 'customer', $6, created_at, created_at
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
                AS c(id, email, name, phone, created_at)
          ORDER BY email
         ON CONFLICT (email) DO UPDATE SET email = u.email
         RETURNING email, id",
    )
    .bind(customers.iter().map(|c| c.id).collect::<Vec<_>>())
    .bind(customers.iter().map(|c| c.email.as_str()).collect::<Vec<_>>())
    .bind(customers.iter().map(|c| c.name.as_str()).collect::<Vec<_>>())
    .bind(customers.iter().map(|c| c.phone.as_deref()).collect::<Vec<_>>())
    .bind(customers.iter().map(|c| c.created_at).collect::<Vec<_>>())
    .bind(password_hash)
    .fetch_all(conn)
    .await
    .context("making customers in bulk")
}
