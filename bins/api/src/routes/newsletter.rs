//! `POST /api/v1/newsletter`.

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Api;

use actix_web::{HttpResponse, web};
use garde::Validate;
use kernel::Email;
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiError;
use crate::http::extract::ValidJson;
use crate::state::NewsletterService;

#[derive(Debug, Deserialize, Validate)]
pub struct SubscribeBody {
    #[garde(length(chars, min = 1, max = 254))]
    email: String,
}

/// Subscribes an address; 202 whether or not it was already on the list.
#[tracing::instrument(name = "newsletter.subscribe_route", skip_all)]
pub async fn subscribe(
    body: ValidJson<SubscribeBody>,
    newsletter: web::Data<NewsletterService>,
) -> Result<HttpResponse, ApiError> {
    let email = Email::try_from(body.0.email.as_str())?;
    newsletter.subscribe(&email).await?;
    Ok(HttpResponse::Accepted().json(json!({ "status": "subscribed" })))
}
