//! `/api/v1/admin/users`.

use actix_web::{HttpResponse, web};
use api_types::users::{RoleChange, User as UserWire, UserQuery};
use api_types::{ErrorEnvelope, Page};
use identity::accounts::UserFilter;
use kernel::Limit;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::error::ApiError;
use crate::http::auth::{AdminUser, AuditedAdmin};
use crate::http::extract::{Query, ValidJson};
use crate::state::AccountsService;
use crate::views::ToWire;
use crate::views::user::role_from_wire;

/// This module's operations in the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(list, set_role))]
pub struct Api;

/// List users, newest first.
///
/// Filter by role and by a fragment of the e-mail, name or phone (`q`, case-insensitive).
#[utoipa::path(
    get, path = "/api/v1/admin/users", tag = "admin-users", operation_id = "list_admin_users",
    params(UserQuery),
    responses((status = 200, description = "A page of users.", body = Page<UserWire>)),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_list_users", skip_all)]
pub async fn list(
    _admin: AdminUser,
    query: Query<UserQuery>,
    accounts: web::Data<AccountsService>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = Limit::new(query.limit)?;
    let filter = UserFilter {
        role: query.role.map(role_from_wire),
        query: query.q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty()),
    };
    // A blank cursor asks for the first page, as on every list.
    let cursor = query.cursor.as_deref().filter(|cursor| !cursor.trim().is_empty());
    let page = accounts.list_users(&filter, limit, cursor).await?;
    Ok(HttpResponse::Ok().json(page.to_wire()))
}

/// Change a user's role.
///
/// The new role applies from the user's next request: the stored role, not the one in
/// the token, decides what a caller may do. An admin cannot take away their own admin
/// role (409); another admin can.
#[utoipa::path(
    patch, path = "/api/v1/admin/users/{id}", tag = "admin-users", operation_id = "set_user_role",
    params(("id" = Uuid, Path, description = "The user.")),
    request_body = RoleChange,
    responses(
        (status = 200, description = "The user, with the new role.", body = UserWire),
        (status = 409, description = "`conflict`: an admin cannot take away their own admin role.",
            body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_set_role", skip_all)]
pub async fn set_role(
    admin: AuditedAdmin,
    id: web::Path<Uuid>,
    body: ValidJson<RoleChange>,
    accounts: web::Data<AccountsService>,
) -> Result<HttpResponse, ApiError> {
    let role = role_from_wire(body.0.role);
    let user = accounts.set_role(admin.admin.id, id.into_inner(), role, &admin.recorder).await?;
    Ok(HttpResponse::Ok().json(user.to_wire()))
}
