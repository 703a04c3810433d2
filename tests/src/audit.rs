//! The audit trail as a test reads it, and requests that carry a chosen `x-request-id`.

use api_types::audit::{AuditEntity, AuditEntry, AuditQuery};
use client::Client;
use reqwest::header::{HeaderMap, HeaderValue};
use uuid::Uuid;

use crate::app::TestUser;

impl TestUser {
    /// This user's typed client, sending `request_id` as `x-request-id` with every request.
    pub fn in_request(&self, request_id: &str) -> Client {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", HeaderValue::from_str(request_id).expect("a header-safe request id"));
        let http = reqwest::Client::builder().default_headers(headers).build().expect("an HTTP client");
        Client::with_http(http, self.api.base_url()).authorized(&self.access_token)
    }

    /// Every audit entry about one entity, newest first, as this admin reads them.
    pub async fn audit_of(&self, entity: AuditEntity, id: Uuid) -> Vec<AuditEntry> {
        let query = AuditQuery { entity: Some(entity), entity_id: Some(id), limit: Some(100), ..AuditQuery::default() };
        self.api.audit_entries(&query).await.expect("the audit trail").items
    }
}

/// A request id no other test sends.
pub fn fresh_request_id() -> String {
    format!("audit-test-{}", Uuid::new_v4().simple())
}
