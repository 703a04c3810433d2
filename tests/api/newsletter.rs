use reqwest::StatusCode;
use rigmaster_tests::app::assert_error;
use rigmaster_tests::spawn_app;
use serde_json::json;

#[tokio::test]
async fn subscribing_twice_keeps_one_normalised_row() {
    let app = spawn_app().await;

    let first = app.post_json("/api/v1/newsletter", &json!({"email": " Priya@Example.IN "})).await;
    let again = app.post_json("/api/v1/newsletter", &json!({"email": "priya@example.in"})).await;

    assert_eq!(first.status(), StatusCode::ACCEPTED);
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    let rows: Vec<String> = sqlx::query_scalar("SELECT email FROM identity.newsletter_subscribers")
        .fetch_all(&app.db.pool().await)
        .await
        .unwrap();
    assert_eq!(rows, vec!["priya@example.in"]);
}

#[tokio::test]
async fn an_invalid_address_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;

    let response = app.post_json("/api/v1/newsletter", &json!({"email": "not-an-address"})).await;

    let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error["details"][0]["field"], "email");
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

    let response = app.post_json("/api/v1/newsletter", &json!({"email": email})).await;

    let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error["details"][0]["field"], "email");
}
