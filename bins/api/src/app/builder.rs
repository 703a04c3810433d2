//! The PC builder beside the cart: a build (saved, or given whole) checked by the
//! catalog's rules, then added to the customer's cart by orders as one group of lines.
//! The builder also makes a saved build's share link from the storefront's address.

use catalog::builder::{BuildError, BuildRequest, Issue, SavedBuild, Slot};
use orders::cart::{Cart, CartError, NewCartBuild};
use uuid::Uuid;

use crate::state::{BuilderService, CartService};

/// Where a build to add to a cart comes from.
#[derive(Debug, Clone)]
pub enum BuildSource {
    /// A saved build, by its id.
    Saved(Uuid),
    /// A build given whole, with an optional name.
    Given { request: BuildRequest, name: Option<String> },
}

#[derive(Debug, thiserror::Error)]
pub enum AddBuildError {
    /// No saved build has this id.
    #[error("no such saved build")]
    BuildNotFound,
    /// The product chosen for `slot` does not exist.
    #[error("no such product for the {slot}")]
    UnknownProduct { slot: Slot },
    /// The build does not fit together, or is not complete.
    #[error("the build is not compatible")]
    Incompatible { issues: Vec<Issue> },
    #[error(transparent)]
    Cart(#[from] CartError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<BuildError> for AddBuildError {
    fn from(error: BuildError) -> Self {
        match error {
            BuildError::UnknownProduct { slot } => AddBuildError::UnknownProduct { slot },
            BuildError::Unexpected(cause) => AddBuildError::Unexpected(cause),
        }
    }
}

/// The builder service and the storefront's address for share links.
#[derive(Debug, Clone)]
pub struct PcBuilder {
    pub builder: BuilderService,
    storefront_url: String,
}

impl PcBuilder {
    pub fn new(builder: BuilderService, storefront_url: &str) -> Self {
        PcBuilder { builder, storefront_url: storefront_url.trim_end_matches('/').to_owned() }
    }

    /// The storefront's page of a saved build.
    pub fn share_url(&self, build: &SavedBuild) -> String {
        format!("{}/builds/{}", self.storefront_url, build.id)
    }

    /// Checks the build by every rule and, when it is complete and compatible, adds it to
    /// the customer's cart as one group (one unit of each part; each must be in stock).
    /// Errors: `BuildNotFound`, `UnknownProduct`, `Incompatible` with every compatibility
    /// issue, `Cart` (`BuildOutOfStock`, `TooManyBuilds`), `Unexpected`.
    #[tracing::instrument(name = "builder.add_to_cart", skip(self, carts, source))]
    pub async fn add_to_cart(
        &self,
        carts: &CartService,
        user: Uuid,
        source: BuildSource,
    ) -> Result<Cart, AddBuildError> {
        let (verdict, name, saved_build_id) = match source {
            BuildSource::Saved(id) => {
                let saved = self.builder.open(id).await?.ok_or(AddBuildError::BuildNotFound)?;
                (saved.verdict, saved.name, Some(saved.id))
            }
            BuildSource::Given { request, name } => {
                let verdict = self.builder.validate(&request).await?;
                (verdict, name.unwrap_or_else(|| catalog::builder::default_name(request.platform)), None)
            }
        };
        if !verdict.compatible() {
            let issues = verdict.issues.into_iter().filter(|issue| issue.code.is_compatibility()).collect();
            return Err(AddBuildError::Incompatible { issues });
        }
        let build = NewCartBuild {
            platform: verdict.platform.as_str().to_owned(),
            name,
            saved_build_id,
            products: verdict.product_ids(),
        };
        Ok(carts.add_build(user, build).await?)
    }
}
