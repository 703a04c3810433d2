//! The PC builder's service: a slot's options, a build checked and priced, and saved builds
//! anyone with the link can open (checked and priced again on every read).

use std::collections::BTreeMap;
use std::future::Future;

use chrono::{DateTime, Utc};
use kernel::{Cursor, InvalidCursor, Limit, Money, Page};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::fit::fits;
use super::{Build, Component, Issue, IssueCode, Platform, Slot, check};
use crate::categories::CategoryKey;
use crate::products::{Availability, ForSale, ListProductsError, ProductQuery, ProductStore, ProductSummary, Sort};

/// A product offered for a slot, as the rules read it and as the store sells it.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub product: ForSale,
    pub specifications: Map<String, Value>,
}

/// What a customer asks the builder about: a platform and a product per slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildRequest {
    pub platform: Platform,
    pub components: BTreeMap<Slot, Uuid>,
}

/// The products that fit a slot, given the parts chosen so far.
#[derive(Debug, Clone)]
pub struct OptionsQuery {
    pub platform: Platform,
    pub slot: Slot,
    pub chosen: BTreeMap<Slot, Uuid>,
    /// `None`: cheapest first, what a builder's drop-down shows.
    pub sort: Option<Sort>,
    pub limit: Limit,
    pub after: Option<Cursor>,
}

/// A chosen part, as the builder shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChosenPart {
    pub slot: Slot,
    pub product: ProductSummary,
    pub available: i64,
}

/// The build's price now: each part's catalog price, one unit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildPricing {
    pub subtotal: Money,
    pub tax: Money,
    pub total: Money,
}

/// A build checked and priced: every issue at once.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub platform: Platform,
    pub parts: Vec<ChosenPart>,
    /// Compatibility issues first (in the rules' order), then parts that cannot be bought
    /// now (`out_of_stock`, `discontinued`).
    pub issues: Vec<Issue>,
    pub estimated_wattage: i64,
    pub pricing: BuildPricing,
}

impl Verdict {
    /// No rule finds anything wrong (every required slot is filled, every part fits).
    pub fn compatible(&self) -> bool {
        self.issues.iter().all(|issue| !issue.code.is_compatibility())
    }

    /// Compatible, and every part can be bought now.
    pub fn purchasable(&self) -> bool {
        self.issues.is_empty()
    }

    /// The chosen products, in slot order.
    pub fn product_ids(&self) -> Vec<Uuid> {
        self.parts.iter().map(|part| part.product.id).collect()
    }
}

/// A build saved to be opened again or shared.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedBuild {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub verdict: Verdict,
}

/// A build as its store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBuild {
    pub id: Uuid,
    pub name: String,
    pub request: BuildRequest,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// The longest name a saved build may have.
pub const MAX_BUILD_NAME_CHARS: usize = 100;

/// Why a build cannot be checked.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The product chosen for `slot` does not exist.
    #[error("no such product for the {slot}")]
    UnknownProduct { slot: Slot },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum OptionsError {
    #[error("no such product for the {slot}")]
    UnknownProduct { slot: Slot },
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<BuildError> for OptionsError {
    fn from(error: BuildError) -> Self {
        match error {
            BuildError::UnknownProduct { slot } => OptionsError::UnknownProduct { slot },
            BuildError::Unexpected(cause) => OptionsError::Unexpected(cause),
        }
    }
}

/// Where saved builds are kept.
pub trait SavedBuildStore: Send + Sync {
    /// Stores a new build. Errors: storage failures.
    fn insert(&self, build: &StoredBuild) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// One saved build, `None` when there is no such build. Errors: storage failures.
    fn find(&self, id: Uuid) -> impl Future<Output = anyhow::Result<Option<StoredBuild>>> + Send;
}

/// The builder service.
#[derive(Debug, Clone)]
pub struct Builder<P, B> {
    products: P,
    builds: B,
}

impl<P: ProductStore, B: SavedBuildStore> Builder<P, B> {
    pub fn new(products: P, builds: B) -> Self {
        Builder { products, builds }
    }

    /// The active, in-stock products of the slot that fit every part chosen so far (one
    /// query, sorted and paged like the product list). Errors: `UnknownProduct` for a
    /// chosen id that is not a product, `InvalidCursor`, `Unexpected`.
    #[tracing::instrument(name = "builder.options", skip(self))]
    pub async fn options(&self, query: &OptionsQuery) -> Result<Page<ProductSummary>, OptionsError> {
        let (build, _) = self.build_of(query.platform, &query.chosen).await?;
        let Some(category) = self.category(query.slot).await? else {
            return Ok(Page { items: Vec::new(), next_cursor: None });
        };
        let cpu_category = self.category(Slot::Cpu).await?.unwrap_or(Uuid::nil());
        let listing = ProductQuery {
            in_stock: Some(true),
            sort: Some(query.sort.unwrap_or(Sort::PriceAsc)),
            limit: query.limit,
            after: query.after.clone(),
            fits: fits(query.slot, &build, cpu_category),
            ..ProductQuery::default()
        };
        self.products.list(&listing, Some(&[category])).await.map_err(|error| match error {
            ListProductsError::InvalidCursor(invalid) => OptionsError::InvalidCursor(invalid),
            ListProductsError::UnknownCategory => OptionsError::Unexpected(anyhow::anyhow!("a slot lost its category")),
            ListProductsError::Unexpected(cause) => OptionsError::Unexpected(cause),
        })
    }

    /// The build checked by every rule, its parts' availability and its price now.
    /// Errors: `UnknownProduct`, `Unexpected`.
    #[tracing::instrument(name = "builder.validate", skip(self))]
    pub async fn validate(&self, request: &BuildRequest) -> Result<Verdict, BuildError> {
        let (build, parts) = self.build_of(request.platform, &request.components).await?;
        verdict(&build, parts).map_err(BuildError::Unexpected)
    }

    /// Saves the build as it is (a build need not be complete or compatible to be kept)
    /// and answers it checked and priced. Errors: `UnknownProduct`, `Unexpected`.
    #[tracing::instrument(name = "builder.save", skip(self))]
    pub async fn save(
        &self,
        request: BuildRequest,
        name: Option<String>,
        created_by: Option<Uuid>,
    ) -> Result<SavedBuild, BuildError> {
        let verdict = self.validate(&request).await?;
        let name = name.unwrap_or_else(|| default_name(request.platform));
        // Random, not time-ordered: the id is the link, and must not be guessable.
        let stored = StoredBuild { id: Uuid::new_v4(), name, request, created_by, created_at: Utc::now() };
        self.builds.insert(&stored).await?;
        Ok(SavedBuild { id: stored.id, name: stored.name, created_at: stored.created_at, verdict })
    }

    /// A saved build, checked and priced now: a part may have gone out of stock or
    /// changed price since it was saved. `None` when there is no such build.
    #[tracing::instrument(name = "builder.open", skip(self))]
    pub async fn open(&self, id: Uuid) -> anyhow::Result<Option<SavedBuild>> {
        let Some(stored) = self.builds.find(id).await? else { return Ok(None) };
        let verdict = match self.validate(&stored.request).await {
            Ok(verdict) => verdict,
            // Products are never deleted (only made inactive), so a saved part is always there.
            Err(BuildError::UnknownProduct { slot }) => anyhow::bail!("saved build {id} names a missing {slot}"),
            Err(BuildError::Unexpected(cause)) => return Err(cause),
        };
        Ok(Some(SavedBuild { id: stored.id, name: stored.name, created_at: stored.created_at, verdict }))
    }

    /// The chosen parts, read in one query, as a build.
    async fn build_of(
        &self,
        platform: Platform,
        chosen: &BTreeMap<Slot, Uuid>,
    ) -> Result<(Build, BTreeMap<Slot, Part>), BuildError> {
        let ids: Vec<Uuid> = chosen.values().copied().collect();
        let mut found: BTreeMap<Uuid, Part> =
            self.products.parts(&ids).await?.into_iter().map(|part| (part.product.summary.id, part)).collect();
        let mut parts = BTreeMap::new();
        for (&slot, id) in chosen {
            // The same product in two slots is refused by the category rule, so it is read once
            // and shown in each.
            let part = found.get(id).cloned().ok_or(BuildError::UnknownProduct { slot })?;
            parts.insert(slot, part);
        }
        found.clear();
        let components = parts
            .iter()
            .map(|(&slot, part)| {
                let summary = &part.product.summary;
                let component = Component {
                    product_id: summary.id,
                    name: summary.name.clone(),
                    category: summary.category.slug.clone(),
                    specifications: part.specifications.clone(),
                };
                (slot, component)
            })
            .collect();
        Ok((Build { platform, components }, parts))
    }

    async fn category(&self, slot: Slot) -> anyhow::Result<Option<Uuid>> {
        self.products.category_id(&CategoryKey::Slug(slot.category().to_owned())).await
    }
}

/// Every issue of the build (the rules', then availability's), its draw and its price.
fn verdict(build: &Build, parts: BTreeMap<Slot, Part>) -> anyhow::Result<Verdict> {
    let mut issues = check(build);
    issues.extend(parts.iter().filter_map(|(&slot, part)| availability_issue(slot, &part.product)));
    let mut pricing = BuildPricing { subtotal: Money::ZERO, tax: Money::ZERO, total: Money::ZERO };
    for part in parts.values() {
        let price = &part.product.summary.price;
        pricing = BuildPricing {
            subtotal: pricing.subtotal.checked_add(price.unit)?,
            tax: pricing.tax.checked_add(price.tax)?,
            total: pricing.total.checked_add(price.final_price)?,
        };
    }
    let parts = parts
        .into_iter()
        .map(|(slot, part)| ChosenPart { slot, product: part.product.summary, available: part.product.available })
        .collect();
    Ok(Verdict { platform: build.platform, parts, issues, estimated_wattage: build.estimated_wattage(), pricing })
}

fn availability_issue(slot: Slot, product: &ForSale) -> Option<Issue> {
    let name = &product.summary.name;
    let (code, message) = match product.summary.availability {
        Availability::InStock => return None,
        Availability::OutOfStock => (IssueCode::OutOfStock, format!("{name} is out of stock right now.")),
        Availability::Discontinued => (IssueCode::Discontinued, format!("{name} is no longer sold.")),
    };
    Some(Issue { slot, code, message })
}

/// What a build is called when its customer gives no name.
pub fn default_name(platform: Platform) -> String {
    match platform {
        Platform::Intel => "My Intel custom build".to_owned(),
        Platform::Amd => "My AMD custom build".to_owned(),
    }
}
