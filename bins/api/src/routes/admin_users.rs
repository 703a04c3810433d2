//! `/api/v1/admin/users`.

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Api;

use actix_web::{HttpResponse, web};
use garde::Validate;
use identity::accounts::UserFilter;
use identity::tokens::Role;
use kernel::Limit;
use serde::Deserialize;
use uuid::Uuid;

use crate::error::ApiError;
use crate::http::auth::AdminUser;
use crate::http::extract::{Query, ValidJson};
use crate::http::pagination::page_response;
use crate::state::AccountsService;
use crate::views::user::UserView;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    role: Option<Role>,
    q: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

#[tracing::instrument(name = "route.admin_list_users", skip_all)]
pub async fn list(
    _admin: AdminUser,
    query: Query<ListQuery>,
    accounts: web::Data<AccountsService>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = Limit::new(query.limit)?;
    let filter = UserFilter { role: query.role, query: query.q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty()) };
    let page = accounts.list_users(&filter, limit, query.cursor.as_deref()).await?;
    Ok(page_response(page, UserView::from))
}

#[derive(Debug, Deserialize, Validate)]
pub struct RoleBody {
    #[garde(skip)]
    role: Role,
}

#[tracing::instrument(name = "route.admin_set_role", skip_all)]
pub async fn set_role(
    _admin: AdminUser,
    id: web::Path<Uuid>,
    body: ValidJson<RoleBody>,
    accounts: web::Data<AccountsService>,
) -> Result<HttpResponse, ApiError> {
    let user = accounts.set_role(id.into_inner(), body.0.role).await?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}
