use reqwest::{Method, StatusCode};
use rigmaster_tests::app::assert_error;
use rigmaster_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

async fn admin_session(app: &TestApp) -> String {
    app.register_admin().await.access_token
}

#[tokio::test]
async fn admin_routes_need_a_token_and_the_admin_role() {
    let app = spawn_app().await;
    let customer = app.register_customer().await;
    let admin = admin_session(&app).await;

    assert_error(app.get("/api/v1/admin/users").await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_error(app.get_as("/api/v1/admin/users", &customer.access_token).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    assert_eq!(app.get_as("/api/v1/admin/users", &admin).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn admins_list_users_by_role_and_search_and_page_through_them() {
    let app = spawn_app().await;
    let admin = admin_session(&app).await;
    for _ in 0..3 {
        app.register_customer().await;
    }

    let customers: Value = app.get_as("/api/v1/admin/users?role=customer&limit=2", &admin).await.json().await.unwrap();
    assert_eq!(customers["items"].as_array().unwrap().len(), 2);
    let cursor = customers["next_cursor"].as_str().expect("a second page");
    let rest: Value = app
        .get_as(&format!("/api/v1/admin/users?role=customer&limit=2&cursor={cursor}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["next_cursor"], Value::Null);

    let admins: Value = app.get_as("/api/v1/admin/users?role=admin", &admin).await.json().await.unwrap();
    assert_eq!(admins["items"].as_array().unwrap().len(), 1);
    let email = customers["items"][0]["email"].as_str().unwrap();
    let found: Value =
        app.get_as(&format!("/api/v1/admin/users?q={}", &email[..20]), &admin).await.json().await.unwrap();
    assert_eq!(found["items"][0]["email"], email);
}

#[tokio::test]
async fn a_role_change_takes_effect_at_the_next_request() {
    let app = spawn_app().await;
    let admin = admin_session(&app).await;
    let user = app.register_customer().await;

    let promoted = app
        .send_json_as(Method::PATCH, &format!("/api/v1/admin/users/{}", user.id), &admin, &json!({"role": "admin"}))
        .await;
    assert_eq!(promoted.status(), StatusCode::OK);
    // The access token still says customer, but the stored role is the one that counts.
    assert_eq!(app.get_as("/api/v1/admin/users", &user.access_token).await.status(), StatusCode::OK);
    let refreshed: Value = app
        .post_json("/api/v1/auth/refresh", &json!({"refresh_token": user.refresh_token}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(refreshed["user"]["role"], "admin");
    let token = refreshed["access_token"].as_str().unwrap();
    assert_eq!(app.get_as("/api/v1/admin/users", token).await.status(), StatusCode::OK);

    let unknown = app
        .send_json_as(
            Method::PATCH,
            "/api/v1/admin/users/00000000-0000-0000-0000-000000000000",
            &admin,
            &json!({"role": "admin"}),
        )
        .await;
    assert_error(unknown, StatusCode::NOT_FOUND, "not_found").await;
    let bad_role = app
        .send_json_as(Method::PATCH, &format!("/api/v1/admin/users/{}", user.id), &admin, &json!({"role": "owner"}))
        .await;
    assert_error(bad_role, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn an_admin_demoted_in_the_database_is_refused_at_once_with_a_still_valid_token() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    assert_eq!(app.get_as("/api/v1/admin/users", &admin.access_token).await.status(), StatusCode::OK);

    sqlx::query("UPDATE identity.users SET role = 'customer' WHERE email = $1")
        .bind(&admin.email)
        .execute(&app.db.pool().await)
        .await
        .unwrap();

    let listed = app.get_as("/api/v1/admin/users", &admin.access_token).await;
    assert_error(listed, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(app.get_as("/api/v1/me", &admin.access_token).await.status(), StatusCode::OK, "still a customer");
}

#[tokio::test]
async fn the_eleventh_login_in_a_minute_for_one_email_is_rate_limited() {
    let app = spawn_app().await;
    let user = app.register_customer().await;
    let attempt = json!({"email": user.email, "password": "wrong password"});

    for n in 1..=10 {
        let response = app.post_json("/api/v1/auth/login", &attempt).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    let eleventh = app.post_json("/api/v1/auth/login", &attempt).await;

    let retry_after: u64 = eleventh.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_error(eleventh, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Even the right password waits out the window.
    let right = app.post_json("/api/v1/auth/login", &json!({"email": user.email, "password": user.password})).await;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
}
