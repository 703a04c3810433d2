//! `/me/addresses`.

use api_types::addresses::{Address, AddressChanges, AddressList, NewAddress};
use reqwest::Method;
use uuid::Uuid;

use crate::{Client, Result};

impl Client {
    /// `GET /me/addresses`: every saved address.
    pub async fn addresses(&self) -> Result<AddressList> {
        self.get("/me/addresses").await
    }

    /// `POST /me/addresses`: saves an address.
    pub async fn add_address(&self, address: &NewAddress) -> Result<Address> {
        self.with_body(Method::POST, "/me/addresses", address).await
    }

    /// `PATCH /me/addresses/{id}`: changes the fields set in `changes`.
    pub async fn change_address(&self, id: Uuid, changes: &AddressChanges) -> Result<Address> {
        self.with_body(Method::PATCH, &format!("/me/addresses/{id}"), changes).await
    }

    /// `DELETE /me/addresses/{id}`.
    pub async fn remove_address(&self, id: Uuid) -> Result<()> {
        self.without_body(Method::DELETE, &format!("/me/addresses/{id}")).await
    }
}
