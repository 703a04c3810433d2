//! `POST /api/v1/newsletter`.

use actix_web::{HttpResponse, web};
use api_types::newsletter::{Subscribe, Subscription, SubscriptionStatus};
use kernel::{Email, InvalidInput};
use utoipa::OpenApi;

use crate::error::ApiError;
use crate::http::extract::Parsed;
use crate::state::NewsletterService;
use crate::views::FromWire;

/// This module's operations in the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(subscribe))]
pub struct Api;

impl FromWire<Subscribe> for Email {
    fn from_wire(body: Subscribe) -> Result<Self, InvalidInput> {
        Email::try_from(body.email.as_str())
    }
}

/// Sign an e-mail address up for the newsletter.
///
/// Idempotent: 202 whether or not the address was already signed up (the answer does not
/// tell which). The address is normalised to lower case.
#[utoipa::path(
    post, path = "/api/v1/newsletter", tag = "newsletter", operation_id = "subscribe_newsletter",
    request_body = Subscribe,
    responses((status = 202, description = "The address is on the list.", body = Subscription)),
)]
#[tracing::instrument(name = "newsletter.subscribe_route", skip_all)]
pub async fn subscribe(
    body: Parsed<Subscribe, Email>,
    newsletter: web::Data<NewsletterService>,
) -> Result<HttpResponse, ApiError> {
    newsletter.subscribe(&body.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(Subscription { status: SubscriptionStatus::Subscribed }))
}
