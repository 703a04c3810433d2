//! A customer's address book; exactly one address is the default while any exist.

mod postgres;

use std::future::Future;

use kernel::{PersonName, Phone, Pincode};
use uuid::Uuid;

pub use postgres::PgAddressStore;

/// A stored address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub id: Uuid,
    pub name: String,
    pub phone: String,
    pub company: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: String,
    pub pincode: String,
    pub country: String,
    pub is_default: bool,
}

/// A new address, parsed. Free-text lines are trimmed and bounded at the edge.
#[derive(Debug, Clone)]
pub struct NewAddress {
    pub name: PersonName,
    pub phone: Phone,
    pub company: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: String,
    pub pincode: Pincode,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    pub is_default: bool,
}

/// Changes to an address; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AddressChanges {
    pub name: Option<PersonName>,
    pub phone: Option<Phone>,
    pub company: Option<String>,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub pincode: Option<Pincode>,
    pub country: Option<String>,
    pub is_default: Option<bool>,
}

/// Where addresses are kept. Every method is scoped to its owner: another user's
/// address is "not found". Errors are unexpected storage failures unless a method says
/// otherwise.
pub trait AddressStore: Send + Sync {
    fn list(&self, owner: Uuid) -> impl Future<Output = anyhow::Result<Vec<Address>>> + Send;

    /// Inserts unless the owner already has `max` addresses; the first address, or one
    /// marked default, becomes the default. Counting and inserting hold the owner's lock,
    /// so concurrent inserts never exceed `max`. Errors: [`AddressError::UnknownOwner`]
    /// when the owner's account is gone, [`AddressError::LimitReached`] at `max`.
    fn insert(
        &self,
        owner: Uuid,
        id: Uuid,
        address: &NewAddress,
        max: u32,
    ) -> impl Future<Output = Result<Address, AddressError>> + Send;

    /// `None` when the owner has no such address.
    fn update(
        &self,
        owner: Uuid,
        id: Uuid,
        changes: &AddressChanges,
    ) -> impl Future<Output = anyhow::Result<Option<Address>>> + Send;

    /// Deletes; when the default goes, the newest remaining address becomes the default.
    /// `false` when the owner has no such address.
    fn delete(&self, owner: Uuid, id: Uuid) -> impl Future<Output = anyhow::Result<bool>> + Send;
}

#[derive(Debug, thiserror::Error)]
pub enum AddressError {
    #[error("no such address")]
    NotFound,
    #[error("the owner's account does not exist")]
    UnknownOwner,
    /// The owner already has the most addresses one customer may save.
    #[error("a customer may save at most {max} addresses")]
    LimitReached { max: u32 },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The address-book service.
#[derive(Debug, Clone)]
pub struct AddressBook<S> {
    store: S,
    max_per_owner: u32,
}

impl<S: AddressStore> AddressBook<S> {
    /// An address book where each owner keeps at most `max_per_owner` addresses.
    pub fn new(store: S, max_per_owner: u32) -> Self {
        AddressBook { store, max_per_owner }
    }

    #[tracing::instrument(name = "addresses.list", skip(self))]
    pub async fn list(&self, owner: Uuid) -> Result<Vec<Address>, AddressError> {
        Ok(self.store.list(owner).await?)
    }

    #[tracing::instrument(name = "addresses.add", skip(self, address))]
    pub async fn add(&self, owner: Uuid, address: NewAddress) -> Result<Address, AddressError> {
        self.store.insert(owner, Uuid::now_v7(), &address, self.max_per_owner).await
    }

    #[tracing::instrument(name = "addresses.change", skip(self, changes))]
    pub async fn change(&self, owner: Uuid, id: Uuid, changes: AddressChanges) -> Result<Address, AddressError> {
        self.store.update(owner, id, &changes).await?.ok_or(AddressError::NotFound)
    }

    #[tracing::instrument(name = "addresses.remove", skip(self))]
    pub async fn remove(&self, owner: Uuid, id: Uuid) -> Result<(), AddressError> {
        if self.store.delete(owner, id).await? { Ok(()) } else { Err(AddressError::NotFound) }
    }
}
