//! `POST /newsletter`: sign-ups kept once, normalised, and refused by field.

use api_types::ErrorCode;
use api_types::newsletter::{Subscribe, Subscription, SubscriptionStatus};
use reqwest::{Method, StatusCode};
use rigmaster_tests::{TestApp, assert_refused, spawn_app};

/// Signs `email` up, checking the answer is the route's 202 `subscribed`.
async fn subscribe(app: &TestApp, email: &str) {
    let request = app.api.request(Method::POST, "/newsletter").json(&Subscribe { email: email.to_owned() });
    let answer = app.api.send_answer::<Subscription>(request).await.unwrap();
    assert_eq!((answer.status, answer.body.status), (StatusCode::ACCEPTED, SubscriptionStatus::Subscribed));
}

#[tokio::test]
async fn subscribing_twice_keeps_one_normalised_row() {
    let app = spawn_app().await;

    subscribe(&app, " Priya@Example.IN ").await;
    subscribe(&app, "priya@example.in").await;

    let rows: Vec<String> = sqlx::query_scalar("SELECT email FROM identity.newsletter_subscribers")
        .fetch_all(&app.db.pool().await)
        .await
        .unwrap();
    assert_eq!(rows, vec!["priya@example.in"]);
}

#[tokio::test]
async fn an_invalid_address_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;

    let subscribed = app.api.subscribe_newsletter("not-an-address").await;

    let error = assert_refused(subscribed, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    assert_eq!(error.details[0].field, "email");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM identity.newsletter_subscribers")
        .fetch_one(&app.db.pool().await)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn an_overlong_address_is_refused_by_length() {
    let app = spawn_app().await;
    let email = format!("{}@example.in", "a".repeat(300));

    let subscribed = app.api.subscribe_newsletter(&email).await;

    let error = assert_refused(subscribed, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    assert_eq!(error.details[0].field, "email");
}
