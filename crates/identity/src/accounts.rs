//! Accounts: registration, login, rotating refresh tokens and profiles.

pub mod directory;
mod postgres;

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use kernel::audit::AuditLog;
use kernel::{Clock, Cursor, Email, Limit, Page, PersonName, Phone};
use sqlx::PgConnection;
use uuid::Uuid;

pub use postgres::PgAccountStore;

use crate::password::{Password, PasswordHasher};
use crate::tokens::{AccessTokenError, AccessTokens, RefreshToken, Role};

/// A user as the rest of the system sees it (never with the password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

/// What registration needs, already parsed.
#[derive(Debug)]
pub struct Registration {
    pub name: PersonName,
    pub email: Email,
    pub phone: Option<Phone>,
    pub password: Password,
}

/// Who is calling, as the accounts store knows them now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub id: Uuid,
    /// The account's current role, not the one its token was issued with.
    pub role: Role,
}

/// An enabled account as [`Accounts::authenticate`] checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveAccount {
    pub role: Role,
    /// Bumped whenever every session of the account is ended; access tokens from an
    /// older version are refused.
    pub session_version: i32,
}

/// A signed-in session: what login, registration and refresh hand back.
#[derive(Debug)]
pub struct Session {
    pub user: User,
    pub access_token: String,
    pub refresh_token: RefreshToken,
    pub expires_in: Duration,
}

/// The outcome of presenting a refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was current; it is now rotated and `new` belongs to the same family.
    Rotated { user: User, disabled: bool, session_version: i32 },
    /// The token had already been rotated: the whole family is now revoked.
    Reused,
    /// Unknown, expired, or revoked (logged out, or revoked after a reuse).
    Rejected,
}

/// Where accounts and refresh tokens are kept. Every error is an unexpected storage
/// failure unless a variant says otherwise.
pub trait AccountStore: Send + Sync {
    /// Inserts a user. Errors: [`RegisterError::EmailTaken`] when the e-mail is in use.
    fn insert_user(
        &self,
        id: Uuid,
        registration: &Registration,
        password_hash: &str,
        role: Role,
    ) -> impl Future<Output = Result<User, RegisterError>> + Send;

    /// The user with this e-mail, their password hash and whether they are disabled.
    fn credentials(&self, email: &Email) -> impl Future<Output = anyhow::Result<Option<(User, String, bool)>>> + Send;

    fn user(&self, id: Uuid) -> impl Future<Output = anyhow::Result<Option<User>>> + Send;

    /// The role and session version of the user with this id; `None` when there is no
    /// such user or it is disabled.
    fn active_account(&self, id: Uuid) -> impl Future<Output = anyhow::Result<Option<ActiveAccount>>> + Send;

    /// Changes the given fields; `None` leaves a field as it is. `None` if no such user.
    fn update_profile(
        &self,
        id: Uuid,
        name: Option<&PersonName>,
        phone: Option<&Phone>,
    ) -> impl Future<Output = anyhow::Result<Option<User>>> + Send;

    /// Records a new family (a sign-in at `now`) and its first token, but only if the
    /// account is enabled and its password hash is still `password_hash` (the one the
    /// password was checked against), and returns its session version then; `None`, and
    /// nothing recorded, otherwise. The check holds a share lock on the account's row until
    /// the family is in, so a promotion (new hash, sessions ended) either comes first and
    /// this sign-in is refused, or waits and then ends it.
    fn start_family(
        &self,
        user: Uuid,
        password_hash: &str,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> impl Future<Output = anyhow::Result<Option<i32>>> + Send;

    /// Atomically rotates `old_hash` to `new_hash` if it is current and its family is
    /// younger than `lifetime.absolute`; revokes its family if it was already rotated.
    /// The new token expires `lifetime.ttl` from `now`, but never after the family's end.
    /// Runs under the family's lock, as [`Self::revoke_family`] does.
    fn rotate(
        &self,
        old_hash: &str,
        new_hash: &str,
        now: DateTime<Utc>,
        lifetime: RefreshLifetime,
    ) -> impl Future<Output = anyhow::Result<Rotation>> + Send;

    /// Users, newest first, after the cursor key `after`, optionally of one role and
    /// matching `query` in e-mail, name or phone.
    fn list_users(
        &self,
        filter: &UserFilter,
        limit: Limit,
        after: Option<(DateTime<Utc>, Uuid)>,
    ) -> impl Future<Output = anyhow::Result<Vec<User>>> + Send;

    /// Sets a user's role, recording a change of role in `audit` in the same transaction;
    /// `None` if no such user.
    fn set_role(
        &self,
        id: Uuid,
        role: Role,
        audit: &impl AuditLog<PgConnection>,
    ) -> impl Future<Output = anyhow::Result<Option<User>>> + Send;

    /// The e-mail of each of these users that exists.
    fn emails(&self, ids: &[Uuid]) -> impl Future<Output = anyhow::Result<Vec<(Uuid, String)>>> + Send;

    /// In one transaction: gives the user with this e-mail the admin role and
    /// `password_hash`, enables them, bumps their session version (their access tokens
    /// stop working) and revokes every refresh token they hold. Answers the user and
    /// whether they had been disabled; `None` if no such user.
    fn promote_to_admin(
        &self,
        email: &Email,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = anyhow::Result<Option<(User, bool)>>> + Send;

    /// Revokes the family of this token (logout), under the family's lock. Unknown tokens
    /// are ignored.
    fn revoke_family(&self, token_hash: &str, now: DateTime<Utc>) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Deletes, at most `batch` rows at a time, the refresh tokens that expired or were
    /// revoked before `cutoff`, and the families revoked before `cutoff` or started before
    /// `started_before` (past their absolute lifetime). Safe to run from several processes
    /// at once. Returns how many rows went.
    fn purge_refresh_tokens(
        &self,
        cutoff: DateTime<Utc>,
        started_before: DateTime<Utc>,
        batch: i64,
    ) -> impl Future<Output = anyhow::Result<u64>> + Send;
}

/// How long refresh tokens live: each token `ttl` from its issue, and every token of a
/// family at most `absolute` from the family's sign-in, however often it is rotated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshLifetime {
    pub ttl: chrono::Duration,
    pub absolute: chrono::Duration,
}

impl RefreshLifetime {
    /// From whole days, as configured. Each is capped at a century: timestamps far beyond
    /// that are out of chrono's and PostgreSQL's range.
    pub fn days(ttl_days: u64, absolute_days: u64) -> RefreshLifetime {
        let days = |n: u64| chrono::Duration::days(n.min(36_500) as i64);
        RefreshLifetime { ttl: days(ttl_days), absolute: days(absolute_days) }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("the e-mail address is already registered")]
    EmailTaken,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown e-mail, wrong password, or a disabled account: indistinguishable on purpose.
    #[error("the e-mail or password is wrong")]
    InvalidCredentials,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error("the refresh token is not valid")]
    Invalid,
    #[error("the refresh token was already used; every token of this login is revoked")]
    Reused,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum AuthenticateError {
    #[error("the access token has expired")]
    TokenExpired,
    #[error("the access token is not valid")]
    InvalidToken,
    /// The token is genuine but its account was deleted or disabled since it was issued.
    #[error("the account no longer exists or is disabled")]
    AccountClosed,
    /// The token is genuine but every session of its account was ended since it was issued.
    #[error("the sessions of this account were ended")]
    SessionEnded,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<AccessTokenError> for AuthenticateError {
    fn from(error: AccessTokenError) -> Self {
        match error {
            AccessTokenError::Expired => AuthenticateError::TokenExpired,
            AccessTokenError::Invalid => AuthenticateError::InvalidToken,
        }
    }
}

/// Which users an admin lists.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    /// A fragment of the e-mail, name or phone.
    pub query: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ListUsersError {
    #[error(transparent)]
    InvalidCursor(#[from] kernel::InvalidCursor),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("no such user")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why [`Accounts::set_role`] failed.
#[derive(Debug, thiserror::Error)]
pub enum SetRoleError {
    #[error("no such user")]
    NotFound,
    #[error("an admin may not take away their own admin role")]
    OwnAdminRole,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What `create_admin` does when the e-mail is already registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExistingAccount {
    /// Change nothing and answer [`CreateAdminError::EmailTaken`].
    Refuse,
    /// Make that account an admin with the new password, enable it and end its sign-ins.
    Promote,
}

/// What `create_admin` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminCreated {
    Created(User),
    /// An existing account: now an admin, with the new password, every session ended;
    /// `re_enabled` when it had been disabled.
    Promoted {
        admin: User,
        re_enabled: bool,
    },
}

/// Why [`Accounts::create_admin`] failed.
#[derive(Debug, thiserror::Error)]
pub enum CreateAdminError {
    /// The e-mail belongs to an account and promoting it was not asked for.
    #[error("the e-mail address is already registered")]
    EmailTaken,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The accounts service.
#[derive(Debug, Clone)]
pub struct Accounts<S, C> {
    store: S,
    clock: C,
    hasher: PasswordHasher,
    access_tokens: AccessTokens,
    refresh: RefreshLifetime,
}

impl<S: AccountStore, C: Clock> Accounts<S, C> {
    pub fn new(
        store: S,
        clock: C,
        hasher: PasswordHasher,
        access_tokens: AccessTokens,
        refresh: RefreshLifetime,
    ) -> Self {
        Accounts { store, clock, hasher, access_tokens, refresh }
    }

    pub fn access_tokens(&self) -> &AccessTokens {
        &self.access_tokens
    }

    /// The caller behind an access token. A valid signature is not enough: the account must
    /// still exist and be enabled, and its stored role is the one that counts, so deleting,
    /// disabling or demoting a user takes effect at their next request, and so does ending
    /// every session of an account (a token from an older session version is refused). One
    /// primary-key read per call.
    #[tracing::instrument(name = "accounts.authenticate", skip_all)]
    pub async fn authenticate(&self, access_token: &str) -> Result<Caller, AuthenticateError> {
        let claims = self.access_tokens.verify(access_token)?;
        let account = self.store.active_account(claims.sub).await?.ok_or(AuthenticateError::AccountClosed)?;
        if claims.sv != account.session_version {
            return Err(AuthenticateError::SessionEnded);
        }
        Ok(Caller { id: claims.sub, role: account.role })
    }

    /// Creates a customer account and signs it in.
    #[tracing::instrument(name = "accounts.register", skip_all)]
    pub async fn register(&self, registration: Registration) -> Result<Session, RegisterError> {
        let hash = self.hasher.hash(registration.password.clone()).await?;
        let user = self.store.insert_user(Uuid::now_v7(), &registration, &hash, Role::Customer).await?;
        // `None`: taken over by `create-admin --promote-existing` in the meantime.
        self.start_session(user, &hash).await?.ok_or(RegisterError::EmailTaken)
    }

    /// Signs in; every failure is the same [`LoginError::InvalidCredentials`].
    #[tracing::instrument(name = "accounts.login", skip_all)]
    pub async fn login(&self, email: &Email, password: Password) -> Result<Session, LoginError> {
        let found = self.store.credentials(email).await?;
        let (user, hash, disabled) = match found {
            Some((user, hash, disabled)) => (Some(user), Some(hash), disabled),
            None => (None, None, false),
        };
        let matches = self.hasher.verify(password, hash.clone()).await?;
        match (user, hash) {
            // `None` from start_session: the password changed (a promotion) while this one
            // was being checked, so it no longer signs in.
            (Some(user), Some(hash)) if matches && !disabled => {
                self.start_session(user, &hash).await?.ok_or(LoginError::InvalidCredentials)
            }
            _ => Err(LoginError::InvalidCredentials),
        }
    }

    /// Exchanges a refresh token for a new pair, re-reading the user's role.
    #[tracing::instrument(name = "accounts.refresh", skip_all)]
    pub async fn refresh(&self, presented: &RefreshToken) -> Result<Session, RefreshError> {
        let now = self.clock.now();
        let next = RefreshToken::generate();
        match self.store.rotate(&presented.hash(), &next.hash(), now, self.refresh).await? {
            Rotation::Rotated { disabled: true, .. } | Rotation::Rejected => Err(RefreshError::Invalid),
            Rotation::Reused => Err(RefreshError::Reused),
            Rotation::Rotated { user, session_version, .. } => Ok(self.session(user, session_version, next)),
        }
    }

    /// Ends the login this refresh token belongs to.
    #[tracing::instrument(name = "accounts.logout", skip_all)]
    pub async fn logout(&self, presented: &RefreshToken) -> anyhow::Result<()> {
        self.store.revoke_family(&presented.hash(), self.clock.now()).await
    }

    #[tracing::instrument(name = "accounts.profile", skip(self))]
    pub async fn profile(&self, user: Uuid) -> Result<User, ProfileError> {
        self.store.user(user).await?.ok_or(ProfileError::NotFound)
    }

    #[tracing::instrument(name = "accounts.update_profile", skip_all, fields(user = %user))]
    pub async fn update_profile(
        &self,
        user: Uuid,
        name: Option<PersonName>,
        phone: Option<Phone>,
    ) -> Result<User, ProfileError> {
        self.store.update_profile(user, name.as_ref(), phone.as_ref()).await?.ok_or(ProfileError::NotFound)
    }

    /// Users for the admin panel, newest first.
    #[tracing::instrument(name = "accounts.list_users", skip(self))]
    pub async fn list_users(
        &self,
        filter: &UserFilter,
        limit: Limit,
        cursor: Option<&str>,
    ) -> Result<Page<User>, ListUsersError> {
        let after: Option<(DateTime<Utc>, Uuid)> = cursor.map(Cursor::decode_after).transpose()?;
        let rows = self.store.list_users(filter, limit, after).await?;
        Ok(Page::from_rows(rows, limit, |user| (user.created_at, user.id)))
    }

    /// Changes a user's role, as the admin `by`. It applies from their next request
    /// ([`Self::authenticate`]). An admin may not take away their own admin role: the store
    /// would be left without an admin whenever they were the last, and only the command
    /// line could make one again.
    /// `audit` records a change of role (`user.role`) in the same transaction.
    #[tracing::instrument(name = "accounts.set_role", skip(self, audit))]
    pub async fn set_role(
        &self,
        by: Uuid,
        user: Uuid,
        role: Role,
        audit: &impl AuditLog<PgConnection>,
    ) -> Result<User, SetRoleError> {
        if user == by && role != Role::Admin {
            return Err(SetRoleError::OwnAdminRole);
        }
        self.store.set_role(user, role, audit).await?.ok_or(SetRoleError::NotFound)
    }

    /// The e-mail of each of these users, as their accounts read now (users since deleted
    /// are left out).
    #[tracing::instrument(name = "accounts.emails_of", skip_all, fields(count = ids.len()))]
    pub async fn emails_of(&self, ids: &[Uuid]) -> anyhow::Result<HashMap<Uuid, String>> {
        Ok(self.store.emails(ids).await?.into_iter().collect())
    }

    /// Creates an admin. An e-mail already registered is refused unless `existing` is
    /// [`ExistingAccount::Promote`]: then, in one transaction, that account becomes an
    /// enabled admin with this password and every one of its sessions ends, access tokens
    /// included. Whoever registered the e-mail first must never keep a password or a session
    /// of their own on an admin account.
    #[tracing::instrument(name = "accounts.create_admin", skip_all)]
    pub async fn create_admin(
        &self,
        email: &Email,
        name: &PersonName,
        password: Password,
        existing: ExistingAccount,
    ) -> Result<AdminCreated, CreateAdminError> {
        let registration = Registration { name: name.clone(), email: email.clone(), phone: None, password };
        let hash = self.hasher.hash(registration.password.clone()).await?;
        match self.store.insert_user(Uuid::now_v7(), &registration, &hash, Role::Admin).await {
            Ok(user) => Ok(AdminCreated::Created(user)),
            Err(RegisterError::Unexpected(error)) => Err(error.into()),
            Err(RegisterError::EmailTaken) if existing == ExistingAccount::Refuse => Err(CreateAdminError::EmailTaken),
            Err(RegisterError::EmailTaken) => {
                let promoted = self.store.promote_to_admin(email, &hash, self.clock.now()).await?;
                // Deleted between the two statements: nothing to promote, so nothing was changed.
                let promoted = promoted.map(|(admin, re_enabled)| AdminCreated::Promoted { admin, re_enabled });
                promoted.ok_or(CreateAdminError::EmailTaken)
            }
        }
    }

    /// Deletes refresh tokens and sign-ins finished more than `retention` ago, in batches
    /// of `batch` rows; returns how many rows went.
    #[tracing::instrument(name = "accounts.purge_sessions", skip(self))]
    pub async fn purge_sessions(&self, retention: Duration, batch: i64) -> anyhow::Result<u64> {
        let cutoff = self.clock.now() - chrono::Duration::from_std(retention)?;
        self.store.purge_refresh_tokens(cutoff, cutoff - self.refresh.absolute, batch).await
    }

    /// A new sign-in for `user`, whose password was checked against `password_hash`;
    /// `None` if that is no longer their hash, or they were disabled, since.
    async fn start_session(&self, user: User, password_hash: &str) -> anyhow::Result<Option<Session>> {
        let token = RefreshToken::generate();
        let now = self.clock.now();
        let expires_at = now + self.refresh.ttl.min(self.refresh.absolute);
        let started = self.store.start_family(user.id, password_hash, &token.hash(), now, expires_at).await?;
        Ok(started.map(|session_version| self.session(user, session_version, token)))
    }

    fn session(&self, user: User, session_version: i32, refresh_token: RefreshToken) -> Session {
        let access_token = self.access_tokens.issue(user.id, user.role, session_version, self.clock.now());
        Session { user, access_token, refresh_token, expires_in: self.access_tokens.ttl() }
    }
}
