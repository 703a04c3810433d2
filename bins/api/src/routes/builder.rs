//! `/api/v1/builder`: the PC builder (Intel and AMD custom builds).

use actix_web::{HttpResponse, web};
use api_types::builder::{
    BuildRequest as BuildRequestWire, BuildVerdict, BuilderOptionsQuery, BuilderSlots, SaveBuild,
    SavedBuild as SavedBuildWire,
};
use api_types::catalog::ProductSummary as ProductSummaryWire;
use api_types::{ErrorEnvelope, Page};
use catalog::builder::{Platform, SavedBuild};
use utoipa::OpenApi;
use uuid::Uuid;

use crate::app::builder::PcBuilder;
use crate::error::ApiError;
use crate::http::auth::AuthUser;
use crate::http::extract::{Query, ValidJson};
use crate::views::ToWire;
use crate::views::builder::{OptionsParams, build_request, slots as builder_slots};
use crate::views::catalog::list_response;

#[derive(OpenApi)]
#[openapi(paths(slots, options, validate, save_build, get_build))]
pub struct Api;

/// The platform of the path; any other is not a builder page (404).
fn platform(raw: &str) -> Result<Platform, ApiError> {
    Platform::parse(raw).ok_or_else(ApiError::not_found)
}

/// The slots of a builder page.
///
/// The same eight slots on both platforms, in the order a builder page offers them, with
/// whether each is required and the catalog category whose products fill it.
#[utoipa::path(
    get, path = "/api/v1/builder/{platform}/slots", tag = "builder", operation_id = "builder_slots",
    params(("platform" = String, Path, description = "`intel` or `amd`.")),
    responses(
        (status = 200, description = "The slots.", body = BuilderSlots),
        (status = 404, description = "`not_found`: not a platform.", body = ErrorEnvelope),
    ),
)]
#[tracing::instrument(name = "route.builder_slots", skip_all)]
pub async fn slots(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    platform(&path)?;
    Ok(HttpResponse::Ok().json(BuilderSlots { items: builder_slots() }))
}

/// The products that fit a slot.
///
/// Only active, in-stock products of the slot's category that fit every part already
/// chosen (the other slots' parameters) by every compatibility rule: the socket, the
/// memory type and slots, the form factor, the graphics card's length, the power supply's
/// headroom (1.3 × (CPU TDP + GPU TDP + 75 W)), the cooler's sockets; a CPU of the
/// platform's vendor. In the demo store, choosing the first option of each slot in turn
/// always ends in a compatible build. Cheapest first unless `sort` says otherwise; page with `next_cursor`,
/// keeping the same parts and sort. May be served from a cache up to 1 s old.
#[utoipa::path(
    get, path = "/api/v1/builder/{platform}/options", tag = "builder", operation_id = "builder_options",
    params(("platform" = String, Path, description = "`intel` or `amd`."), BuilderOptionsQuery),
    responses(
        (status = 200, description = "One page of products that fit.", body = Page<ProductSummaryWire>),
        (status = 404, description = "`not_found`: not a platform.", body = ErrorEnvelope),
    ),
)]
#[tracing::instrument(name = "route.builder_options", skip_all)]
pub async fn options(
    path: web::Path<String>,
    params: Query<OptionsParams>,
    builder: web::Data<PcBuilder>,
) -> Result<HttpResponse, ApiError> {
    let query = params.into_inner().into_query(platform(&path)?)?;
    let page = builder.builder.options(&query).await?;
    list_response(&page.to_wire())
}

/// Check and price a build.
///
/// Every issue at once, each with the slot to change, a code and a sentence for the
/// customer: the compatibility rules' (a required slot empty, a part that does not fit),
/// then parts out of stock or no longer sold. `compatible` says the parts fit together;
/// `purchasable` that it can also be bought now. The price is the server's: each part's
/// catalog price today, one unit each.
#[utoipa::path(
    post, path = "/api/v1/builder/validate", tag = "builder", operation_id = "validate_build",
    request_body = BuildRequestWire,
    responses((status = 200, description = "The build's issues, wattage and price.", body = BuildVerdict)),
)]
#[tracing::instrument(name = "route.validate_build", skip_all)]
pub async fn validate(
    builder: web::Data<PcBuilder>,
    body: ValidJson<BuildRequestWire>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let verdict = builder.builder.validate(&build_request(body.platform, body.components)).await?;
    Ok(HttpResponse::Ok().json(verdict.to_wire()))
}

fn saved_wire(builder: &PcBuilder, build: SavedBuild) -> SavedBuildWire {
    SavedBuildWire {
        id: build.id,
        share_url: builder.share_url(&build),
        name: build.name,
        created_at: build.created_at,
        verdict: build.verdict.to_wire(),
    }
}

/// Save a build to open again or share.
///
/// No account needed; a signed-in customer's builds are kept as theirs. The build is kept
/// as chosen (it need not be complete or compatible) and answered checked and priced, with
/// its `share_url`: anyone with the link can open it, and add it to their cart.
#[utoipa::path(
    post, path = "/api/v1/builder/builds", tag = "builder", operation_id = "save_build",
    request_body = SaveBuild,
    responses((status = 201, description = "The saved build.", body = SavedBuildWire)),
)]
#[tracing::instrument(name = "route.save_build", skip_all)]
pub async fn save_build(
    // A token that is missing, or not valid, saves the build as a guest's.
    user: Option<AuthUser>,
    builder: web::Data<PcBuilder>,
    body: ValidJson<SaveBuild>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let request = build_request(body.platform, body.components);
    let saved = builder.builder.save(request, body.name, user.map(|user| user.id)).await?;
    Ok(HttpResponse::Created().json(saved_wire(&builder, saved)))
}

/// Open a saved build.
///
/// Checked and priced again now: a part that changed price shows today's price, and a part
/// that went out of stock (or is no longer sold) is reported in `issues`.
#[utoipa::path(
    get, path = "/api/v1/builder/builds/{id}", tag = "builder", operation_id = "get_saved_build",
    params(("id" = Uuid, Path, description = "The saved build's id.")),
    responses(
        (status = 200, description = "The build, checked and priced now.", body = SavedBuildWire),
        (status = 404, description = "`not_found`: no such build.", body = ErrorEnvelope),
    ),
)]
#[tracing::instrument(name = "route.get_saved_build", skip_all)]
pub async fn get_build(id: web::Path<Uuid>, builder: web::Data<PcBuilder>) -> Result<HttpResponse, ApiError> {
    let build = builder.builder.open(id.into_inner()).await?.ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(saved_wire(&builder, build)))
}
