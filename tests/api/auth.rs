//! Registration, login, rotating refresh tokens, logout and bearer authentication.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{TimeZone as _, Utc};
use identity::tokens::{AccessTokens, Role};
use reqwest::{Method, StatusCode};
use rigmaster_tests::app::{TestUser, assert_error};
use rigmaster_tests::shop::{new_key, order_of};
use rigmaster_tests::{TestApp, spawn_app, test_settings};
use secrecy::ExposeSecret as _;
use serde_json::{Value, json};

/// The access-token secret the test app signs with.
fn dev_access_secret() -> String {
    test_settings("postgres://unused@127.0.0.1:1/x").jwt.access_secret.expose_secret().to_owned()
}

use crate::addresses::home;

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": token})).await
}

async fn tokens_of(response: reqwest::Response) -> (String, String) {
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    (body["access_token"].as_str().unwrap().to_owned(), body["refresh_token"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn register_login_refresh_reuse_and_logout() {
    let app = spawn_app().await;
    let user = app.register_customer().await;

    // Login starts a new token family.
    let login = app.post_json("/api/v1/auth/login", &json!({"email": user.email, "password": user.password})).await;
    let (_, first) = tokens_of(login).await;
    let (access, second) = tokens_of(refresh(&app, &first).await).await;
    let (_, third) = tokens_of(refresh(&app, &second).await).await;
    assert_eq!(app.get_as("/api/v1/me", &access).await.status(), StatusCode::OK);

    // Presenting a rotated token revokes the whole family, the newest token included.
    assert_error(refresh(&app, &first).await, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;
    assert_error(refresh(&app, &third).await, StatusCode::UNAUTHORIZED, "unauthorized").await;

    // The registration's own family was untouched; logging it out ends it.
    let logout = app.post_json("/api/v1/auth/logout", &json!({"refresh_token": user.refresh_token})).await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_error(refresh(&app, &user.refresh_token).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn registration_answers_with_the_user_and_a_session() {
    let app = spawn_app().await;

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

    let wrong_password =
        app.post_json("/api/v1/auth/login", &json!({"email": user.email, "password": "not the one"})).await;
    let unknown =
        app.post_json("/api/v1/auth/login", &json!({"email": "nobody@example.in", "password": "not the one"})).await;

    let a = assert_error(wrong_password, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let b = assert_error(unknown, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(a["message"], b["message"]);
}

#[tokio::test]
async fn a_duplicate_email_in_any_case_is_taken() {
    let app = spawn_app().await;
    let user = app.register_customer().await;

    let again = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"name": "Other", "email": user.email.to_uppercase(), "password": "long enough"}),
        )
        .await;

    assert_error(again, StatusCode::CONFLICT, "email_taken").await;
}

#[tokio::test]
async fn each_invalid_field_is_named_and_nothing_is_written() {
    let app = spawn_app().await;

    let response = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"name": "", "email": "not-an-email", "password": "short", "phone": "12345"}),
        )
        .await;

    let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let mut fields: Vec<&str> =
        error["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    fields.sort();
    fields.dedup();
    // garde catches the lengths; the e-mail and phone formats are caught when parsing.
    assert!(fields.contains(&"name") && fields.contains(&"password"), "{error}");
    let users: i64 =
        sqlx::query_scalar("SELECT count(*) FROM identity.users").fetch_one(&app.db.pool().await).await.unwrap();
    assert_eq!(users, 0);

    let response = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"name": "Fine", "email": "not-an-email", "password": "long enough", "phone": "12345"}),
        )
        .await;
    let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let fields: Vec<&str> = error["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["email", "phone"], "{error}");
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
    let expired =
        tokens.issue(user.id.parse().unwrap(), Role::Customer, Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap());
    let (header, rest) = user.access_token.split_once('.').unwrap();
    let (claims, _) = rest.split_once('.').unwrap();
    let unsigned = format!("{}.{claims}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#));
    let tampered = format!("{header}.{claims}.{}", "A".repeat(43));

    let missing = app.get("/api/v1/me").await;
    assert_error(missing, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_error(app.get_as("/api/v1/me", &expired).await, StatusCode::UNAUTHORIZED, "token_expired").await;
    assert_error(app.get_as("/api/v1/me", &tampered).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_error(app.get_as("/api/v1/me", &unsigned).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_eq!(app.get_as("/api/v1/me", &user.access_token).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_customer_reads_and_changes_only_its_own_profile() {
    let app = spawn_app().await;
    let user = app.register_customer().await;

    let changed = app
        .send_json_as(
            reqwest::Method::PATCH,
            "/api/v1/me",
            &user.access_token,
            &json!({"name": "New Name", "phone": "+14155552671", "email": "x@y.in"}),
        )
        .await;

    assert_eq!(changed.status(), StatusCode::OK);
    let body: Value = changed.json().await.unwrap();
    assert_eq!((body["name"].as_str(), body["phone"].as_str()), (Some("New Name"), Some("+14155552671")));
    assert_eq!(body["email"], user.email.as_str(), "the e-mail is not a profile field");
    let me: Value = app.get_as("/api/v1/me", &user.access_token).await.json().await.unwrap();
    assert_eq!(me["name"], "New Name");
}

/// Runs `sql` with the user's id as `$1`.
async fn change_user(app: &TestApp, user: &TestUser, sql: &'static str) {
    sqlx::query(sql).bind(uuid::Uuid::parse_str(&user.id).unwrap()).execute(&app.db.pool().await).await.unwrap();
}

async fn count_for(app: &TestApp, user: &TestUser, sql: &'static str) -> i64 {
    let id = uuid::Uuid::parse_str(&user.id).unwrap();
    sqlx::query_scalar(sql).bind(id).fetch_one(&app.db.pool().await).await.unwrap()
}

#[tokio::test]
async fn a_token_of_a_deleted_user_is_refused_everywhere_and_nothing_is_written() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let product = app.create_stocked_product(&admin, 100_000, 5).await;
    let user = app.register_customer().await;
    change_user(&app, &user, "DELETE FROM identity.users WHERE id = $1").await;

    let address = app.send_json_as(Method::POST, "/api/v1/me/addresses", &user.access_token, &home()).await;
    let cart = app.add_to_cart(&user, &product, 1).await;
    let order = app.place_order(&user, &new_key(), &order_of(&product, 1)).await;
    let me = app.get_as("/api/v1/me", &user.access_token).await;

    for (what, response) in [("address", address), ("cart", cart), ("order", order), ("me", me)] {
        let error = assert_error(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
        assert!(error["message"].as_str().unwrap().contains("no longer exists"), "{what}: {error}");
    }
    assert_eq!(count_for(&app, &user, "SELECT count(*) FROM identity.addresses WHERE user_id = $1").await, 0);
    assert_eq!(count_for(&app, &user, "SELECT count(*) FROM orders.cart_items WHERE user_id = $1").await, 0);
    assert_eq!(count_for(&app, &user, "SELECT count(*) FROM orders.orders WHERE user_id = $1").await, 0);
    assert_eq!(count_for(&app, &user, "SELECT count(*) FROM idempotency.idempotency_keys WHERE user_id = $1").await, 0);
    assert_eq!(app.stock_levels(&product).await, (5, 0), "nothing reserved");
}

#[tokio::test]
async fn a_token_of_a_disabled_user_is_refused_at_once() {
    let app = spawn_app().await;
    let user = app.register_customer().await;
    assert_eq!(app.get_as("/api/v1/me", &user.access_token).await.status(), StatusCode::OK);

    change_user(&app, &user, "UPDATE identity.users SET is_disabled = true WHERE id = $1").await;

    let me = app.get_as("/api/v1/me", &user.access_token).await;
    let address = app.send_json_as(Method::POST, "/api/v1/me/addresses", &user.access_token, &home()).await;
    assert_error(me, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_error(address, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_eq!(count_for(&app, &user, "SELECT count(*) FROM identity.addresses WHERE user_id = $1").await, 0);
}

#[tokio::test]
async fn a_refused_registration_names_every_invalid_field_at_once() {
    let app = spawn_app().await;

    let response = app
        .post_json("/api/v1/auth/register", &json!({"name": "", "email": "not-an-email", "password": "short"}))
        .await;

    let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let mut fields: Vec<&str> =
        error["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["email", "name", "password"], "{error}");
}

#[tokio::test]
async fn a_refused_profile_change_names_every_invalid_field_at_once() {
    let app = spawn_app().await;
    let user = app.register_customer().await;

    let response =
        app.send_json_as(Method::PATCH, "/api/v1/me", &user.access_token, &json!({"name": "", "phone": "12345"})).await;

    let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let mut fields: Vec<&str> =
        error["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["name", "phone"], "{error}");
    let me: Value = app.get_as("/api/v1/me", &user.access_token).await.json().await.unwrap();
    assert_eq!((me["name"].as_str(), &me["phone"]), (Some("Test Customer"), &Value::Null), "nothing changed");
}
