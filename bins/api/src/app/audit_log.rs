//! The audit trail as admins read it: the audit crate's entries, each with the e-mail of
//! the admin who made the change, read from identity once per page. The two are read one
//! after the other; the e-mail is the account's as it reads now, for display only.

use std::collections::HashMap;

use audit::{AuditFilter, AuditTrail, Entry, ListAuditError};
use kernel::{Cursor, Limit, Page};
use uuid::Uuid;

use crate::state::AccountsService;

/// An audit entry and its actor's e-mail (`None` for an account that no longer exists).
#[derive(Debug)]
pub struct AttributedEntry {
    pub entry: Entry,
    pub actor_email: Option<String>,
}

/// One page of the trail, newest first, each entry with its actor's e-mail.
#[tracing::instrument(name = "app.audit_log.list", skip(trail, accounts))]
pub async fn list(
    trail: &AuditTrail,
    accounts: &AccountsService,
    filter: &AuditFilter,
    limit: Limit,
    after: Option<&Cursor>,
) -> Result<Page<AttributedEntry>, ListAuditError> {
    let page = trail.list(filter, limit, after).await?;
    let mut actors: Vec<Uuid> = page.items.iter().map(|entry| entry.actor_id).collect();
    actors.sort_unstable();
    actors.dedup();
    let emails: HashMap<Uuid, String> = accounts.emails_of(&actors).await?;
    Ok(page.map(|entry| {
        let actor_email = emails.get(&entry.actor_id).cloned();
        AttributedEntry { entry, actor_email }
    }))
}
