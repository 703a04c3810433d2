//! The cleanup job: rows past their retention go, fresh ones stay, and passes in several
//! processes at once share the work without failing.

use api_types::ErrorCode;
use api_types::auth::Login;
use reqwest::StatusCode;
use rigmaster_api::jobs::cleanup::{Cleanup, CleanupReport};
use rigmaster_tests::{TestApp, TestUser, assert_refused, eventually, spawn_app, test_settings};
use sqlx::PgPool;
use uuid::Uuid;

/// The job with the shipped retention (72 h keys, 7 d tokens, 90 d events) on its own pool.
async fn cleanup_for(app: &TestApp) -> Cleanup {
    let mut settings = test_settings(app.db.url());
    settings.retention.cleanup_interval_seconds = 3_600;
    Cleanup::new(app.db.pool().await, &settings).unwrap().expect("the job is on")
}

/// Idempotency keys of a made-up customer, claimed `age` ago; returns the customer.
async fn idempotency_keys_aged(pool: &PgPool, count: i32, age: &str) -> Uuid {
    let user = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO idempotency.idempotency_keys (user_id, scope, key, request_hash, created_at)
         SELECT $1, 'orders.place', 'key-' || n, 'hash', now() - $3::interval FROM generate_series(1, $2) AS n",
    )
    .bind(user)
    .bind(count)
    .bind(age)
    .execute(pool)
    .await
    .unwrap();
    user
}

/// Webhook events received `age` ago, with ids starting `prefix`.
async fn webhook_events_aged(pool: &PgPool, prefix: &str, count: i32, age: &str) {
    sqlx::query(
        "INSERT INTO payments.webhook_events (event_id, event_type, body, received_at)
         SELECT $1 || n, 'payment.captured', '{}', now() - $3::interval FROM generate_series(1, $2) AS n",
    )
    .bind(prefix)
    .bind(count)
    .bind(age)
    .execute(pool)
    .await
    .unwrap();
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.unwrap()
}

fn login_of(user: &TestUser) -> Login {
    Login { email: user.email.clone(), password: user.password.clone() }
}

#[tokio::test]
async fn rows_past_their_retention_go_and_fresh_ones_stay() {
    let app = spawn_app().await;
    let pool = app.db.pool().await;
    let fresh_keys = idempotency_keys_aged(&pool, 2, "71 hours").await;
    idempotency_keys_aged(&pool, 3, "73 hours").await;
    webhook_events_aged(&pool, "evt_fresh_", 2, "89 days").await;
    webhook_events_aged(&pool, "evt_old_", 3, "91 days").await;
    let user = app.register_customer().await;
    // A sign-in logged out 8 days ago: it goes with its token.
    let logged_out = app.api.login(&login_of(&user)).await.unwrap();
    app.api.logout(&logged_out.refresh_token).await.unwrap();
    for table in ["identity.refresh_families", "identity.refresh_tokens"] {
        let backdate =
            format!("UPDATE {table} SET revoked_at = now() - interval '8 days' WHERE revoked_at IS NOT NULL");
        sqlx::query(sqlx::AssertSqlSafe(backdate)).execute(&pool).await.unwrap();
    }
    // A live sign-in whose rotated-away token expired 8 days ago: only that token goes.
    let live = app.api.login(&login_of(&user)).await.unwrap();
    let rotated = app.api.refresh(&live.refresh_token).await.unwrap();
    sqlx::query(
        "UPDATE identity.refresh_tokens SET expires_at = now() - interval '8 days' WHERE rotated_at IS NOT NULL",
    )
    .execute(&pool)
    .await
    .unwrap();

    let report = cleanup_for(&app).await.run_pass().await.unwrap();

    assert_eq!(report, CleanupReport { idempotency_keys: 3, refresh_tokens: 3, webhook_events: 3 });
    let keys_left = count(&pool, "SELECT count(*) FROM idempotency.idempotency_keys").await;
    assert_eq!(keys_left, 2);
    let fresh_left = format!("SELECT count(*) FROM idempotency.idempotency_keys WHERE user_id = '{fresh_keys}'");
    assert_eq!(count(&pool, &fresh_left).await, 2, "the keys within 72 hours stay");
    assert_eq!(count(&pool, "SELECT count(*) FROM payments.webhook_events WHERE event_id LIKE 'evt_fresh_%'").await, 2);
    assert_eq!(count(&pool, "SELECT count(*) FROM payments.webhook_events").await, 2);
    assert_eq!(count(&pool, "SELECT count(*) FROM identity.refresh_families").await, 2, "registration and live");
    app.api.refresh(&user.refresh_token).await.expect("the registration's sign-in is untouched");
    app.api.refresh(&rotated.refresh_token).await.expect("the live sign-in is untouched");
    assert_refused(app.api.refresh(&live.refresh_token).await, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
}

#[tokio::test]
async fn two_passes_at_once_both_succeed_and_share_the_work() {
    let app = spawn_app().await;
    let pool = app.db.pool().await;
    idempotency_keys_aged(&pool, 2_500, "80 hours").await;
    webhook_events_aged(&pool, "evt_", 2_500, "100 days").await;
    let (first, second) = (cleanup_for(&app).await, cleanup_for(&app).await);

    let (a, b) = tokio::join!(first.run_pass(), second.run_pass());

    let (a, b) = (a.expect("the first pass succeeds"), b.expect("the second pass succeeds"));
    assert_eq!(a.idempotency_keys + b.idempotency_keys, 2_500);
    assert_eq!(a.webhook_events + b.webhook_events, 2_500);
    assert_eq!(count(&pool, "SELECT count(*) FROM idempotency.idempotency_keys").await, 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM payments.webhook_events").await, 0);
}

#[tokio::test]
async fn every_process_started_with_the_job_on_runs_it() {
    let app = spawn_app().await;
    let pool = app.db.pool().await;
    idempotency_keys_aged(&pool, 1_500, "73 hours").await;
    idempotency_keys_aged(&pool, 1, "1 hour").await;

    let with_the_job = |settings: &mut rigmaster_api::Settings| settings.retention.cleanup_interval_seconds = 3_600;
    let _first = app.spawn_beside(with_the_job).await;
    let _second = app.spawn_beside(with_the_job).await;

    eventually("the old keys are purged", async || {
        (count(&pool, "SELECT count(*) FROM idempotency.idempotency_keys").await == 1).then_some(())
    })
    .await;
}
