//! `/admin/users`: listing users and changing their role, for admins only; and the rate
//! limit on logins.

use api_types::ErrorCode;
use api_types::auth::Login;
use api_types::users::{Role, UserQuery};
use client::Client;
use reqwest::StatusCode;
use rigmaster_tests::app::with_store_limits;
use rigmaster_tests::{TestApp, assert_refused, spawn_app, spawn_app_with};

async fn admin_session(app: &TestApp) -> Client {
    app.register_admin().await.api
}

fn everyone() -> UserQuery {
    UserQuery::default()
}

#[tokio::test]
async fn admin_routes_need_a_token_and_the_admin_role() {
    let app = spawn_app().await;
    let customer = app.register_customer().await;
    let admin = admin_session(&app).await;

    assert_refused(app.api.users(&everyone()).await, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
    assert_refused(customer.api.users(&everyone()).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    admin.users(&everyone()).await.unwrap();
}

#[tokio::test]
async fn admins_list_users_by_role_and_search_and_page_through_them() {
    let app = spawn_app().await;
    let admin = admin_session(&app).await;
    for _ in 0..3 {
        app.register_customer().await;
    }

    let customers = UserQuery { role: Some(Role::Customer), limit: Some(2), ..UserQuery::default() };
    let first = admin.users(&customers).await.unwrap();
    assert_eq!(first.items.len(), 2);
    let cursor = first.next_cursor.clone().expect("a second page");
    let rest = admin.users(&UserQuery { cursor: Some(cursor), ..customers }).await.unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.next_cursor, None);

    let admins = admin.users(&UserQuery { role: Some(Role::Admin), ..UserQuery::default() }).await.unwrap();
    assert_eq!(admins.items.len(), 1);
    let email = &first.items[0].email;
    let found = admin.users(&UserQuery { q: Some(email[..20].to_owned()), ..UserQuery::default() }).await.unwrap();
    assert_eq!(&found.items[0].email, email);
}

#[tokio::test]
async fn a_role_change_takes_effect_at_the_next_request() {
    let app = spawn_app().await;
    let admin = admin_session(&app).await;
    let user = app.register_customer().await;

    admin.set_user_role(user.id, Role::Admin).await.unwrap();
    // The access token still says customer, but the stored role is the one that counts.
    user.api.users(&everyone()).await.unwrap();
    let refreshed = app.api.refresh(&user.refresh_token).await.unwrap();
    assert_eq!(refreshed.user.role, Role::Admin);
    app.api.authorized(&refreshed.access_token).users(&everyone()).await.unwrap();

    let unknown = admin.set_user_role(uuid::Uuid::nil(), Role::Admin).await;
    assert_refused(unknown, StatusCode::NOT_FOUND, ErrorCode::NotFound);
    // A role the typed change cannot name: a raw request.
    let bad_role = app
        .send_json_as(
            reqwest::Method::PATCH,
            &format!("/api/v1/admin/users/{}", user.id),
            admin.access_token().unwrap(),
            &serde_json::json!({"role": "owner"}),
        )
        .await;
    rigmaster_tests::assert_error(bad_role, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn an_admin_cannot_take_away_their_own_admin_role_but_another_admin_can() {
    let app = spawn_app().await;
    let first = app.register_admin().await;
    let second = app.register_admin().await;

    let refused = first.api.set_user_role(first.id, Role::Customer).await;

    assert_refused(refused, StatusCode::CONFLICT, ErrorCode::Conflict);
    first.api.users(&everyone()).await.expect("still an admin");
    let demoted = second.api.set_user_role(first.id, Role::Customer).await.unwrap();
    assert_eq!(demoted.role, Role::Customer);
    assert_refused(first.api.users(&everyone()).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden);
}

#[tokio::test]
async fn an_admin_demoted_in_the_database_is_refused_at_once_with_a_still_valid_token() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    admin.api.users(&everyone()).await.unwrap();

    sqlx::query("UPDATE identity.users SET role = 'customer' WHERE email = $1")
        .bind(&admin.email)
        .execute(&app.db.pool().await)
        .await
        .unwrap();

    assert_refused(admin.api.users(&everyone()).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    admin.api.me().await.expect("still a customer");
}

#[tokio::test]
async fn the_sixth_login_in_a_minute_from_one_ip_for_one_email_is_rate_limited() {
    // Counted per client IP and e-mail (and per IP): a victim elsewhere is not locked out
    // (tests/api/rate_limits.rs).
    let app = spawn_app_with(with_store_limits).await;
    let user = app.register_customer().await;
    let attempt = Login { email: user.email.clone(), password: "wrong password".into() };

    for n in 1..=5 {
        let refused = app.api.login(&attempt).await;
        assert_eq!(refused.unwrap_err().status(), Some(StatusCode::UNAUTHORIZED), "attempt {n}");
    }
    let sixth = app.api.login(&attempt).await;

    let retry_after = sixth.as_ref().err().and_then(|error| error.retry_after()).expect("a Retry-After");
    assert!((1..=60).contains(&retry_after));
    assert_refused(sixth, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited);
    // Even the right password waits out the window.
    let right = app.api.login(&Login { email: user.email.clone(), password: user.password.clone() }).await;
    assert_eq!(right.unwrap_err().status(), Some(StatusCode::TOO_MANY_REQUESTS));
}

#[tokio::test]
async fn a_disabled_admins_next_admin_request_is_refused_with_a_still_valid_token() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    admin.api.users(&everyone()).await.unwrap();

    sqlx::query("UPDATE identity.users SET is_disabled = true WHERE id = $1")
        .bind(admin.id)
        .execute(&app.db.pool().await)
        .await
        .unwrap();

    assert_refused(admin.api.users(&everyone()).await, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
}
