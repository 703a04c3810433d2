//! `/me` and `/admin/users`.

use api_types::Page;
use api_types::users::{Role, RoleChange, UpdateMe, User, UserQuery};
use reqwest::Method;
use uuid::Uuid;

use crate::{Client, Result};

impl Client {
    /// `GET /me`: the signed-in user.
    pub async fn me(&self) -> Result<User> {
        self.get("/me").await
    }

    /// `PATCH /me`: changes the signed-in user's name or phone.
    pub async fn update_me(&self, changes: &UpdateMe) -> Result<User> {
        self.with_body(Method::PATCH, "/me", changes).await
    }

    /// `GET /admin/users`: a page of users, newest first (admin).
    pub async fn users(&self, query: &UserQuery) -> Result<Page<User>> {
        self.get_with("/admin/users", query).await
    }

    /// `PATCH /admin/users/{id}`: changes a user's role (admin).
    pub async fn set_user_role(&self, id: Uuid, role: Role) -> Result<User> {
        self.with_body(Method::PATCH, &format!("/admin/users/{id}"), &RoleChange { role }).await
    }
}
