//! `/admin/audit`: the audit trail, one entry per admin write.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// What an audit entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditEntity {
    Order,
    Refund,
    Return,
    Product,
    Category,
    Stock,
    Coupon,
    User,
}

/// One admin write: who, what, when, in which request, and the fields it changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Uuid,
    /// The admin's e-mail as their account reads now.
    pub actor_email: Option<String>,
    /// Such as `product.update`, `order.ship`, `refund.create`.
    pub action: String,
    pub entity: AuditEntity,
    pub entity_id: Uuid,
    /// The fields that changed, as they were (`null` for a creation).
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    /// The fields that changed, as they became (`null` for a deletion).
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    /// The `x-request-id` of the request that made the change.
    pub request_id: Option<String>,
}

/// The query string of `GET /admin/audit`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<AuditEntity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<Uuid>,
    /// Only what this admin did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<Uuid>,
    /// Items per page: 1 to 100 (default 24).
    #[param(minimum = 1, maximum = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent or blank for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
