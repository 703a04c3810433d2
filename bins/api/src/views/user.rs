//! `User` on the wire: `/me`, the auth responses and the admin's user list.

use chrono::{DateTime, Utc};
use identity::accounts::User;
use identity::tokens::Role;
use serde::Serialize;
use uuid::Uuid;

/// `User` on the wire.
#[derive(Debug, Serialize)]
pub struct UserView {
    id: Uuid,
    name: String,
    email: String,
    phone: Option<String>,
    role: Role,
    created_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        UserView {
            id: user.id,
            name: user.name,
            email: user.email,
            phone: user.phone,
            role: user.role,
            created_at: user.created_at,
        }
    }
}
