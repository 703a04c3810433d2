//! `/admin/audit`.

use api_types::Page;
use api_types::audit::{AuditEntry, AuditQuery};

use crate::{Client, Result};

impl Client {
    /// `GET /admin/audit`: a page of the audit trail, newest first, filtered by entity,
    /// entity id or actor (admin).
    pub async fn audit_entries(&self, query: &AuditQuery) -> Result<Page<AuditEntry>> {
        self.get_with("/admin/audit", query).await
    }
}
