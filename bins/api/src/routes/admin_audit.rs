//! `/api/v1/admin/audit`: the audit trail, one entry per admin write.

use actix_web::{HttpResponse, web};
use api_types::audit::{AuditEntity, AuditEntry, AuditQuery};
use api_types::{ErrorEnvelope, Page};
use audit::{AuditFilter, AuditTrail};
use kernel::{Cursor, Limit};
use utoipa::OpenApi;

use crate::app::audit_log::{self, AttributedEntry};
use crate::error::ApiError;
use crate::http::auth::AdminUser;
use crate::http::extract::Query;
use crate::http::pagination::cursor_unless_blank;
use crate::state::AccountsService;
use crate::views::catalog::list_response;

/// This module's operations in the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(list))]
pub struct Api;

/// Every entity the trail knows, for reading stored names back.
const ENTITIES: [AuditEntity; 8] = [
    AuditEntity::Order,
    AuditEntity::Refund,
    AuditEntity::Return,
    AuditEntity::Product,
    AuditEntity::Category,
    AuditEntity::Stock,
    AuditEntity::Coupon,
    AuditEntity::User,
];

/// The entity's name as the domains record it.
fn entity_name(entity: AuditEntity) -> &'static str {
    match entity {
        AuditEntity::Order => "order",
        AuditEntity::Refund => "refund",
        AuditEntity::Return => "return",
        AuditEntity::Product => "product",
        AuditEntity::Category => "category",
        AuditEntity::Stock => "stock",
        AuditEntity::Coupon => "coupon",
        AuditEntity::User => "user",
    }
}

fn entry(attributed: AttributedEntry) -> Result<AuditEntry, ApiError> {
    let AttributedEntry { entry: e, actor_email } = attributed;
    let Some(entity) = ENTITIES.into_iter().find(|known| entity_name(*known) == e.entity) else {
        return Err(ApiError::internal(anyhow::anyhow!("an audit entry about an unknown entity {:?}", e.entity)));
    };
    Ok(AuditEntry {
        id: e.id,
        at: e.at,
        actor_id: e.actor_id,
        actor_email,
        action: e.action,
        entity,
        entity_id: e.entity_id,
        before: e.before,
        after: e.after,
        request_id: e.request_id,
    })
}

/// The audit trail.
///
/// Every admin write (products, categories, stock, coupons, users' roles, orders, refunds,
/// returns) leaves one entry per changed entity, committed with the change itself: who made
/// it, in which request (`x-request-id`), and the fields that changed, before and after.
/// Newest first, keyset pages; filter by `entity`, `entity_id` and `actor_id`.
#[utoipa::path(
    get, path = "/api/v1/admin/audit", tag = "admin-audit", operation_id = "list_audit_entries",
    params(AuditQuery),
    responses(
        (status = 200, description = "One page of audit entries, newest first.", body = Page<AuditEntry>),
        (status = 422, description = "`validation_failed`: `details` names the refused parameter (an \
            `entity` the trail does not know, an id that is not a UUID, a `limit` out of range, a `cursor` \
            not made by this list).", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_list_audit", skip_all)]
pub async fn list(
    _admin: AdminUser,
    params: Query<AuditQuery>,
    trail: web::Data<AuditTrail>,
    accounts: web::Data<AccountsService>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let limit = Limit::new(params.limit)?;
    let filter = AuditFilter {
        entity: params.entity.map(|entity| entity_name(entity).to_owned()),
        entity_id: params.entity_id,
        actor_id: params.actor_id,
    };
    let cursor = cursor_unless_blank(params.cursor);
    let page = audit_log::list(&trail, &accounts, &filter, limit, cursor.as_ref()).await?;
    let items = page.items.into_iter().map(entry).collect::<Result<Vec<_>, _>>()?;
    list_response(&Page { items, next_cursor: page.next_cursor.map(Cursor::into_string) })
}
