//! PostgreSQL adapter for [`AddressStore`](super::AddressStore).

use anyhow::Context as _;
use kernel::{PersonName, Phone, Pincode};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{Address, AddressChanges, AddressError, AddressStore, NewAddress};

#[derive(Debug, Clone)]
pub struct PgAddressStore {
    pool: PgPool,
}

impl PgAddressStore {
    pub fn new(pool: PgPool) -> Self {
        PgAddressStore { pool }
    }
}

#[derive(sqlx::FromRow)]
struct AddressRow {
    id: Uuid,
    name: String,
    phone: String,
    company: Option<String>,
    line1: String,
    line2: Option<String>,
    city: String,
    state: String,
    pincode: String,
    country: String,
    is_default: bool,
}

impl From<AddressRow> for Address {
    fn from(row: AddressRow) -> Self {
        Address {
            id: row.id,
            name: row.name,
            phone: row.phone,
            company: row.company,
            line1: row.line1,
            line2: row.line2,
            city: row.city,
            state: row.state,
            pincode: row.pincode,
            country: row.country,
            is_default: row.is_default,
        }
    }
}

/// Serialises one user's address writes, so "one default" holds under concurrency.
async fn lock_owner(conn: &mut PgConnection, owner: Uuid) -> anyhow::Result<()> {
    sqlx::query("SELECT 1 FROM identity.users WHERE id = $1 FOR UPDATE")
        .bind(owner)
        .execute(conn)
        .await
        .context("locking the owner")?;
    Ok(())
}

async fn clear_default(conn: &mut PgConnection, owner: Uuid) -> anyhow::Result<()> {
    sqlx::query("UPDATE identity.addresses SET is_default = false WHERE user_id = $1 AND is_default")
        .bind(owner)
        .execute(conn)
        .await
        .context("clearing the default address")?;
    Ok(())
}

/// An owner deleted since the request was authenticated is a business error, not a 500.
fn insert_error(error: sqlx::Error) -> AddressError {
    match error.as_database_error() {
        Some(db) if db.code().as_deref() == Some("23503") && db.constraint() == Some("addresses_user_id_fkey") => {
            AddressError::UnknownOwner
        }
        _ => AddressError::Unexpected(anyhow::Error::new(error).context("inserting an address")),
    }
}

impl AddressStore for PgAddressStore {
    #[tracing::instrument(name = "addresses.rows", skip(self))]
    async fn list(&self, owner: Uuid) -> anyhow::Result<Vec<Address>> {
        let rows: Vec<AddressRow> = sqlx::query_as(
            "SELECT id, name, phone, company, line1, line2, city, state, pincode, country, is_default
             FROM identity.addresses WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(owner)
        .fetch_all(&self.pool)
        .await
        .context("listing addresses")?;
        Ok(rows.into_iter().map(Address::from).collect())
    }

    #[tracing::instrument(name = "addresses.insert", skip(self, address))]
    async fn insert(&self, owner: Uuid, id: Uuid, address: &NewAddress, max: u32) -> Result<Address, AddressError> {
        let mut tx = self.pool.begin().await.context("starting an address insert")?;
        lock_owner(&mut tx, owner).await?;
        let saved: i64 = sqlx::query_scalar("SELECT count(*) FROM identity.addresses WHERE user_id = $1")
            .bind(owner)
            .fetch_one(&mut *tx)
            .await
            .context("counting addresses")?;
        if saved >= i64::from(max) {
            return Err(AddressError::LimitReached { max });
        }
        let is_default = address.is_default || saved == 0;
        if is_default {
            clear_default(&mut tx, owner).await?;
        }
        let row: AddressRow = sqlx::query_as(
            "INSERT INTO identity.addresses
               (id, user_id, name, phone, company, line1, line2, city, state, pincode, country, is_default)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             RETURNING id, name, phone, company, line1, line2, city, state, pincode, country, is_default",
        )
        .bind(id)
        .bind(owner)
        .bind(address.name.as_str())
        .bind(address.phone.as_str())
        .bind(&address.company)
        .bind(&address.line1)
        .bind(&address.line2)
        .bind(&address.city)
        .bind(&address.state)
        .bind(address.pincode.as_str())
        .bind(&address.country)
        .bind(is_default)
        .fetch_one(&mut *tx)
        .await
        .map_err(insert_error)?;
        tx.commit().await.context("committing an address insert")?;
        Ok(row.into())
    }

    #[tracing::instrument(name = "addresses.update", skip(self, changes))]
    async fn update(&self, owner: Uuid, id: Uuid, changes: &AddressChanges) -> anyhow::Result<Option<Address>> {
        let mut tx = self.pool.begin().await.context("starting an address update")?;
        lock_owner(&mut tx, owner).await?;
        if changes.is_default == Some(true) {
            clear_default(&mut tx, owner).await?;
        }
        let row: Option<AddressRow> = sqlx::query_as(
            "UPDATE identity.addresses SET
               name = COALESCE($3, name), phone = COALESCE($4, phone), company = CASE WHEN $5::text IS NULL THEN company ELSE NULLIF($5, '') END,
               line1 = COALESCE($6, line1), line2 = CASE WHEN $7::text IS NULL THEN line2 ELSE NULLIF($7, '') END, city = COALESCE($8, city),
               state = COALESCE($9, state), pincode = COALESCE($10, pincode), country = COALESCE($11, country),
               is_default = COALESCE($12, is_default)
             WHERE id = $1 AND user_id = $2
             RETURNING id, name, phone, company, line1, line2, city, state, pincode, country, is_default",
        )
        .bind(id)
        .bind(owner)
        .bind(changes.name.as_ref().map(PersonName::as_str))
        .bind(changes.phone.as_ref().map(Phone::as_str))
        .bind(&changes.company)
        .bind(&changes.line1)
        .bind(&changes.line2)
        .bind(&changes.city)
        .bind(&changes.state)
        .bind(changes.pincode.as_ref().map(Pincode::as_str))
        .bind(&changes.country)
        .bind(changes.is_default)
        .fetch_optional(&mut *tx)
        .await
        .context("updating an address")?;
        // Not the owner's: undo the cleared default along with everything else.
        if row.is_none() {
            return Ok(None);
        }
        tx.commit().await.context("committing an address update")?;
        Ok(row.map(Address::from))
    }

    #[tracing::instrument(name = "addresses.delete", skip(self))]
    async fn delete(&self, owner: Uuid, id: Uuid) -> anyhow::Result<bool> {
        let mut tx = self.pool.begin().await.context("starting an address delete")?;
        lock_owner(&mut tx, owner).await?;
        let deleted: Option<bool> =
            sqlx::query_scalar("DELETE FROM identity.addresses WHERE id = $1 AND user_id = $2 RETURNING is_default")
                .bind(id)
                .bind(owner)
                .fetch_optional(&mut *tx)
                .await
                .context("deleting an address")?;
        let Some(was_default) = deleted else { return Ok(false) };
        if was_default {
            sqlx::query(
                "UPDATE identity.addresses SET is_default = true
                 WHERE id = (SELECT id FROM identity.addresses WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1)",
            )
            .bind(owner)
            .execute(&mut *tx)
            .await
            .context("promoting the next default address")?;
        }
        tx.commit().await.context("committing an address delete")?;
        Ok(true)
    }
}
