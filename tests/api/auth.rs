//! Registration, login, rotating refresh tokens, logout and bearer authentication.

use std::time::Duration;

use api_types::auth::{Login, Registration, Session, TokenType};
use api_types::cart::AddCartItem;
use api_types::users::UpdateMe;
use api_types::{ErrorBody, ErrorCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{TimeZone as _, Utc};
use identity::accounts::{AccountStore as _, PgAccountStore, RefreshLifetime, Rotation};
use identity::tokens::{AccessTokens, RefreshToken, Role};
use reqwest::{Method, StatusCode};
use rigmaster_tests::app::TestUser;
use rigmaster_tests::orders::order_of;
use rigmaster_tests::shop::new_key;
use rigmaster_tests::{TestApp, assert_refused, spawn_app, test_settings};
use secrecy::ExposeSecret as _;
use serde_json::{Value, json};

use crate::addresses::home;

/// The access-token secret the test app signs with.
fn dev_access_secret() -> String {
    test_settings("postgres://unused@127.0.0.1:1/x").jwt.access_secret.expose_secret().to_owned()
}

/// The session's `(access, refresh)` tokens, checking it is a 15-minute bearer session.
fn tokens_of(session: Session) -> (String, String) {
    assert_eq!(session.token_type, TokenType::Bearer);
    assert_eq!(session.expires_in, 900);
    (session.access_token, session.refresh_token)
}

fn login_of(user: &TestUser) -> Login {
    Login { email: user.email.clone(), password: user.password.clone() }
}

fn fields_of(error: &ErrorBody) -> Vec<&str> {
    error.details.iter().map(|d| d.field.as_str()).collect()
}

#[tokio::test]
async fn register_login_refresh_reuse_and_logout() {
    let app = spawn_app().await;
    let user = app.register_customer().await;

    // Login starts a new token family.
    let (_, first) = tokens_of(app.api.login(&login_of(&user)).await.unwrap());
    let (access, second) = tokens_of(app.api.refresh(&first).await.unwrap());
    let (_, third) = tokens_of(app.api.refresh(&second).await.unwrap());
    app.api.authorized(&access).me().await.unwrap();

    // Presenting a rotated token revokes the whole family, the newest token included.
    assert_refused(app.api.refresh(&first).await, StatusCode::UNAUTHORIZED, ErrorCode::RefreshTokenReused);
    assert_refused(app.api.refresh(&third).await, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);

    // The registration's own family was untouched; logging it out ends it.
    app.api.logout(&user.refresh_token).await.unwrap();
    assert_refused(app.api.refresh(&user.refresh_token).await, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
}

#[tokio::test]
async fn registration_answers_with_the_user_and_a_session() {
    let app = spawn_app().await;

    // Raw: a `role` the typed registration has no field for, and the wire form of times.
    let response = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"name": " Asha Rao ", "email": "Asha@Example.IN", "password": "long enough", "phone": "98765 43210", "role": "admin"}),
        )
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    let user = &body["user"];
    assert_eq!(user["name"], "Asha Rao");
    assert_eq!(user["email"], "asha@example.in");
    assert_eq!(user["phone"], "+919876543210");
    assert_eq!(user["role"], "customer", "a client cannot choose its role");
    assert!(user["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["token_type"], "Bearer");
}

#[tokio::test]
async fn login_fails_the_same_way_for_an_unknown_email_and_a_wrong_password() {
    let app = spawn_app().await;
    let user = app.register_customer().await;

    let wrong_password = app.api.login(&Login { password: "not the one".into(), ..login_of(&user) }).await;
    let unknown = app.api.login(&Login { email: "nobody@example.in".into(), password: "not the one".into() }).await;

    let a = assert_refused(wrong_password, StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials);
    let b = assert_refused(unknown, StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials);
    assert_eq!(a.message, b.message);
}

#[tokio::test]
async fn a_duplicate_email_in_any_case_is_taken() {
    let app = spawn_app().await;
    let user = app.register_customer().await;

    let again = app
        .api
        .register(&Registration {
            name: "Other".into(),
            email: user.email.to_uppercase(),
            password: "long enough".into(),
            phone: None,
        })
        .await;

    assert_refused(again, StatusCode::CONFLICT, ErrorCode::EmailTaken);
}

#[tokio::test]
async fn each_invalid_field_is_named_and_nothing_is_written() {
    let app = spawn_app().await;
    let invalid = Registration {
        name: String::new(),
        email: "not-an-email".into(),
        password: "short".into(),
        phone: Some("12345".into()),
    };

    let registered = app.api.register(&invalid).await;

    let error = assert_refused(registered, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    let mut fields = fields_of(&error);
    fields.sort();
    fields.dedup();
    // garde catches the lengths; the e-mail and phone formats are caught when parsing.
    assert!(fields.contains(&"name") && fields.contains(&"password"), "{error:?}");
    let users: i64 =
        sqlx::query_scalar("SELECT count(*) FROM identity.users").fetch_one(&app.db.pool().await).await.unwrap();
    assert_eq!(users, 0);

    let registered =
        app.api.register(&Registration { name: "Fine".into(), password: "long enough".into(), ..invalid }).await;
    let error = assert_refused(registered, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    assert_eq!(fields_of(&error), ["email", "phone"], "{error:?}");
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id_phc_strings() {
    let app = spawn_app().await;
    let user = app.register_customer().await;

    let hash: String = sqlx::query_scalar("SELECT password_hash FROM identity.users WHERE email = $1")
        .bind(&user.email)
        .fetch_one(&app.db.pool().await)
        .await
        .unwrap();

    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    assert!(!hash.contains(&user.password));
}

#[tokio::test]
async fn missing_expired_tampered_and_unsigned_tokens_are_refused() {
    let app = spawn_app().await;
    let user = app.register_customer().await;
    let tokens = AccessTokens::new(dev_access_secret().as_bytes(), Duration::from_secs(900));
    let expired = tokens.issue(user.id, Role::Customer, 0, Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap());
    let (header, rest) = user.access_token.split_once('.').unwrap();
    let (claims, _) = rest.split_once('.').unwrap();
    let unsigned = format!("{}.{claims}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#));
    let tampered = format!("{header}.{claims}.{}", "A".repeat(43));
    let me_with = async |token: &str| app.api.authorized(token).me().await;

    assert_refused(app.api.me().await, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
    assert_refused(me_with(&expired).await, StatusCode::UNAUTHORIZED, ErrorCode::TokenExpired);
    assert_refused(me_with(&tampered).await, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
    assert_refused(me_with(&unsigned).await, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
    user.api.me().await.unwrap();
}

#[tokio::test]
async fn a_customer_reads_and_changes_only_its_own_profile() {
    let app = spawn_app().await;
    let user = app.register_customer().await;

    // Raw: an `email` the typed change has no field for, which the server ignores.
    let changed = app
        .send_json_as(
            Method::PATCH,
            "/api/v1/me",
            &user.access_token,
            &json!({"name": "New Name", "phone": "+14155552671", "email": "x@y.in"}),
        )
        .await;

    assert_eq!(changed.status(), StatusCode::OK);
    let body: Value = changed.json().await.unwrap();
    assert_eq!((body["name"].as_str(), body["phone"].as_str()), (Some("New Name"), Some("+14155552671")));
    assert_eq!(body["email"], user.email.as_str(), "the e-mail is not a profile field");
    assert_eq!(user.api.me().await.unwrap().name, "New Name");
}

/// Runs `sql` with the user's id as `$1`.
async fn change_user(app: &TestApp, user: &TestUser, sql: &'static str) {
    sqlx::query(sql).bind(user.id).execute(&app.db.pool().await).await.unwrap();
}

async fn count_for(app: &TestApp, user: &TestUser, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).bind(user.id).fetch_one(&app.db.pool().await).await.unwrap()
}

#[tokio::test]
async fn a_token_of_a_deleted_user_is_refused_everywhere_and_nothing_is_written() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let product = app.create_stocked_product(&admin, 100_000, 5).await;
    let user = app.register_customer().await;
    change_user(&app, &user, "DELETE FROM identity.users WHERE id = $1").await;

    let address = user.api.add_address(&home()).await.map(drop);
    let cart = user.api.add_to_cart(&AddCartItem { product_id: product, quantity: 1 }).await.map(drop);
    let order = user.api.place_order(&order_of(product, 1), &new_key()).await.map(drop);
    let me = user.api.me().await.map(drop);

    for (what, refused) in [("address", address), ("cart", cart), ("order", order), ("me", me)] {
        let error = assert_refused(refused, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
        assert!(error.message.contains("no longer exists"), "{what}: {error:?}");
    }
    assert_eq!(count_for(&app, &user, "SELECT count(*) FROM identity.addresses WHERE user_id = $1").await, 0);
    assert_eq!(count_for(&app, &user, "SELECT count(*) FROM orders.cart_items WHERE user_id = $1").await, 0);
    assert_eq!(count_for(&app, &user, "SELECT count(*) FROM orders.orders WHERE user_id = $1").await, 0);
    assert_eq!(count_for(&app, &user, "SELECT count(*) FROM idempotency.idempotency_keys WHERE user_id = $1").await, 0);
    assert_eq!(app.stock_levels(product).await, (5, 0), "nothing reserved");
}

#[tokio::test]
async fn a_token_of_a_disabled_user_is_refused_at_once() {
    let app = spawn_app().await;
    let user = app.register_customer().await;
    user.api.me().await.unwrap();

    change_user(&app, &user, "UPDATE identity.users SET is_disabled = true WHERE id = $1").await;

    let me = user.api.me().await;
    let address = user.api.add_address(&home()).await;
    assert_refused(me, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
    assert_refused(address, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
    assert_eq!(count_for(&app, &user, "SELECT count(*) FROM identity.addresses WHERE user_id = $1").await, 0);
}

#[tokio::test]
async fn a_refused_registration_names_every_invalid_field_at_once() {
    let app = spawn_app().await;

    let registered = app
        .api
        .register(&Registration {
            name: String::new(),
            email: "not-an-email".into(),
            password: "short".into(),
            phone: None,
        })
        .await;

    let error = assert_refused(registered, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    let mut fields = fields_of(&error);
    fields.sort_unstable();
    assert_eq!(fields, ["email", "name", "password"], "{error:?}");
}

#[tokio::test]
async fn a_refused_profile_change_names_every_invalid_field_at_once() {
    let app = spawn_app().await;
    let user = app.register_customer().await;

    let changed = user.api.update_me(&UpdateMe { name: Some(String::new()), phone: Some("12345".into()) }).await;

    let error = assert_refused(changed, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    let mut fields = fields_of(&error);
    fields.sort_unstable();
    assert_eq!(fields, ["name", "phone"], "{error:?}");
    let me = user.api.me().await.unwrap();
    assert_eq!((me.name.as_str(), me.phone), ("Test Customer", None), "nothing changed");
}

#[tokio::test]
async fn a_logout_racing_a_refresh_never_leaves_a_live_token() {
    // Eighty sign-in requests a minute from one address: not what this test is about.
    let app = rigmaster_tests::spawn_app_with(|settings| settings.rate_limit.auth_per_minute = 10_000).await;
    let user = app.register_customer().await;
    app.api.logout(&user.refresh_token).await.unwrap();

    for _ in 0..20 {
        let (_, token) = tokens_of(app.api.login(&login_of(&user)).await.unwrap());
        let (refreshed, logged_out) = tokio::join!(app.api.refresh(&token), app.api.logout(&token));
        logged_out.unwrap();
        if let Ok(session) = refreshed {
            let after = app.api.refresh(&session.refresh_token).await;
            assert_refused(after, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
        }
    }

    let live = "SELECT count(*) FROM identity.refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL";
    assert_eq!(count_for(&app, &user, live).await, 0, "every sign-in was logged out");
}

#[tokio::test]
async fn a_sign_in_ends_at_its_absolute_lifetime_however_often_it_is_refreshed() {
    let app = rigmaster_tests::spawn_app_with(|settings| {
        settings.jwt.refresh_ttl_days = 30;
        settings.jwt.refresh_absolute_days = 90;
    })
    .await;
    let user = app.register_customer().await;
    let signed_in_ago = "UPDATE identity.refresh_families SET started_at = now() - $2::interval WHERE user_id = $1";
    set_sign_in_age(&app, &user, signed_in_ago, "89 days 23 hours").await;

    let renewed = app.api.refresh(&user.refresh_token).await.expect("still within 90 days");

    let capped = "SELECT count(*) FROM identity.refresh_tokens t JOIN identity.refresh_families f ON f.id = t.family_id
                  WHERE t.user_id = $1 AND t.rotated_at IS NULL AND t.expires_at <= f.started_at + interval '90 days'";
    assert_eq!(count_for(&app, &user, capped).await, 1, "the new token ends with the sign-in, not 30 days on");
    set_sign_in_age(&app, &user, signed_in_ago, "90 days 1 minute").await;
    assert_refused(app.api.refresh(&renewed.refresh_token).await, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
}

async fn set_sign_in_age(app: &TestApp, user: &TestUser, sql: &'static str, age: &str) {
    sqlx::query(sql).bind(user.id).bind(age).execute(&app.db.pool().await).await.unwrap();
}

/// Waits until a statement of this test's database waits for a row lock.
async fn until_a_statement_waits_for_a_lock(pool: &sqlx::PgPool) {
    rigmaster_tests::eventually("a statement waiting for a row lock", async || {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        (waiting > 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_sign_in_whose_password_changes_while_it_is_checked_starts_no_session() {
    let app = spawn_app().await;
    let user = app.register_customer().await;
    let pool = app.db.pool().await;
    let store = PgAccountStore::new(pool.clone());
    let checked: String = sqlx::query_scalar("SELECT password_hash FROM identity.users WHERE id = $1")
        .bind(user.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    // A promotion in flight: the new password written, not yet committed.
    let mut promotion = pool.begin().await.unwrap();
    sqlx::query(
        "UPDATE identity.users SET password_hash = 'the new one', session_version = session_version + 1 WHERE id = $1",
    )
    .bind(user.id)
    .execute(&mut *promotion)
    .await
    .unwrap();

    let now = Utc::now();
    let (id, ends) = (user.id, now + chrono::Duration::days(30));
    let started = tokio::spawn(async move { store.start_family(id, &checked, "a new token's hash", now, ends).await });
    until_a_statement_waits_for_a_lock(&pool).await;
    promotion.commit().await.unwrap();

    assert_eq!(started.await.unwrap().unwrap(), None, "the old password no longer signs in");
    let families = "SELECT count(*) FROM identity.refresh_families WHERE user_id = $1";
    assert_eq!(count_for(&app, &user, families).await, 1, "only the registration's sign-in");
}

#[tokio::test]
async fn a_refresh_whose_token_is_purged_while_it_waits_is_refused_not_failed() {
    let app = spawn_app().await;
    let user = app.register_customer().await;
    let pool = app.db.pool().await;
    let store = PgAccountStore::new(pool.clone());
    let presented = RefreshToken::presented(user.refresh_token.clone()).hash();
    // A logout holds the family while the cleanup job deletes the token (it takes no family lock).
    let mut holder = pool.begin().await.unwrap();
    sqlx::query("SELECT id FROM identity.refresh_families WHERE user_id = $1 FOR UPDATE")
        .bind(user.id)
        .execute(&mut *holder)
        .await
        .unwrap();

    let next = RefreshToken::generate().hash();
    let rotation =
        tokio::spawn(async move { store.rotate(&presented, &next, Utc::now(), RefreshLifetime::days(30, 90)).await });
    until_a_statement_waits_for_a_lock(&pool).await;
    sqlx::query("DELETE FROM identity.refresh_tokens WHERE user_id = $1").bind(user.id).execute(&pool).await.unwrap();
    holder.commit().await.unwrap();

    assert_eq!(rotation.await.unwrap().unwrap(), Rotation::Rejected);
}
