//! The PC builder: `/builder/…`, and `/cart/builds`.

use api_types::Page;
use api_types::builder::{
    AddBuildToCart, BuildRequest, BuildVerdict, BuilderOptionsQuery, BuilderSlots, Platform, SaveBuild, SavedBuild,
};
use api_types::cart::Cart;
use api_types::catalog::ProductSummary;
use reqwest::Method;
use uuid::Uuid;

use crate::{Client, Result};

impl Client {
    /// `GET /builder/{platform}/slots`.
    pub async fn builder_slots(&self, platform: Platform) -> Result<BuilderSlots> {
        self.get(&format!("/builder/{}/slots", platform.as_str())).await
    }

    /// `GET /builder/{platform}/options`: the in-stock products of `query.slot` that fit
    /// the parts already chosen.
    pub async fn builder_options(
        &self,
        platform: Platform,
        query: &BuilderOptionsQuery,
    ) -> Result<Page<ProductSummary>> {
        self.get_with(&format!("/builder/{}/options", platform.as_str()), query).await
    }

    /// `POST /builder/validate`: every issue of the build, its wattage and its price.
    pub async fn validate_build(&self, build: &BuildRequest) -> Result<BuildVerdict> {
        self.with_body(Method::POST, "/builder/validate", build).await
    }

    /// `POST /builder/builds`: saves a build to share.
    pub async fn save_build(&self, build: &SaveBuild) -> Result<SavedBuild> {
        self.with_body(Method::POST, "/builder/builds", build).await
    }

    /// `GET /builder/builds/{id}`: a saved build, checked and priced now.
    pub async fn saved_build(&self, id: Uuid) -> Result<SavedBuild> {
        self.get(&format!("/builder/builds/{id}")).await
    }

    /// `POST /cart/builds`: adds a compatible build to the cart as one group.
    pub async fn add_build_to_cart(&self, build: &AddBuildToCart) -> Result<Cart> {
        self.with_body(Method::POST, "/cart/builds", build).await
    }

    /// `DELETE /cart/builds/{id}`: removes a build (every line of it) from the cart.
    pub async fn remove_build_from_cart(&self, id: Uuid) -> Result<Cart> {
        self.without_body(Method::DELETE, &format!("/cart/builds/{id}")).await
    }
}
