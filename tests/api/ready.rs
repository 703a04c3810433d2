use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use rigmaster_tests::app::{TestApp, assert_error, start};
use rigmaster_tests::shop::{all_at_once, eventually};
use rigmaster_tests::{TcpProxy, TestDatabase, test_settings};
use serde_json::{Value, json};

#[tokio::test]
async fn ready_follows_the_database_down_and_back_up_in_the_same_process() {
    // The app reaches its database through a proxy the test can cut, so the shared
    // cluster keeps serving every other test.
    let db = TestDatabase::create().await;
    let proxy = TcpProxy::start(db.server_addr()).await;
    let via_proxy = db.url().replace(&db.server_addr(), &proxy.addr().to_string());
    let mut settings = test_settings(&via_proxy);
    settings.database.acquire_timeout_ms = 500;
    let app = start(db, settings).await;

    let up = app.get("/ready").await;
    assert_eq!(up.status(), StatusCode::OK);
    assert_eq!(up.json::<Value>().await.unwrap(), json!({"status": "ready", "database": "ok"}));

    proxy.cut();
    let down = app.get("/ready").await;
    let error = assert_error(down, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;
    assert!(error["message"].as_str().unwrap().contains("database"), "{error}");
    // Liveness does not depend on the database.
    assert_eq!(app.get("/health").await.status(), StatusCode::OK);

    proxy.restore();
    eventually("ready again once the database is back", async || {
        (app.get("/ready").await.status() == StatusCode::OK).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_answer_503_with_retry_after_at_once_while_the_database_is_stopped_and_work_again_after() {
    // The database is reached through a proxy that can stop listening, so new connections
    // are refused as they are by a stopped PostgreSQL. The pool would wait 10 s for one:
    // only the gate answers quickly.
    let db = TestDatabase::create().await;
    let proxy = TcpProxy::start(db.server_addr()).await;
    let via_proxy = db.url().replace(&db.server_addr(), &proxy.addr().to_string());
    let mut settings = test_settings(&via_proxy);
    settings.database.acquire_timeout_ms = 10_000;
    let app = Arc::new(start(db, settings).await);
    let customer = app.register_customer().await;
    let token = customer.access_token.clone();
    let load = |app: &Arc<TestApp>| writes_at_once(app.clone(), token.clone());
    assert!(load(&app).await.iter().all(|(status, _, _)| status.is_success()), "served while the database is up");

    proxy.stop();
    let stopped = Instant::now();
    let during_outage = load(&app).await;
    // Writes already under way when the database went: a 503 (or, sent just before, a
    // success), and never a wait for the pool's 10 s: new connections fail at once.
    assert!(
        during_outage
            .iter()
            .all(|(s, _, took)| (s.is_success() || *s == StatusCode::SERVICE_UNAVAILABLE)
                && *took < Duration::from_secs(5)),
        "{during_outage:?}"
    );
    eventually("ready reports the outage", async || {
        (app.get("/ready").await.status() == StatusCode::SERVICE_UNAVAILABLE).then_some(())
    })
    .await;
    let detected = stopped.elapsed();
    let refused = load(&app).await;
    let slowest = refused.iter().map(|(_, _, took)| *took).max().unwrap();
    let first = during_outage.iter().map(|(_, _, took)| *took).max().unwrap();
    eprintln!("outage: first writes answered in {first:?}; known down after {detected:?}; then in {slowest:?}");
    for (status, retry_after, took) in refused {
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry_after.as_deref(), Some("2"), "with Retry-After");
        assert!(took < Duration::from_secs(5), "answered without waiting for the pool: {took:?}");
    }
    let refused = app.post_json("/api/v1/auth/login", &json!({"email": customer.email, "password": "x"})).await;
    assert_error(refused, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;
    assert_eq!(app.get("/health").await.status(), StatusCode::OK, "liveness does not need the database");

    proxy.restore();
    eventually("writes work again without a restart", async || {
        load(&app).await.iter().all(|(status, _, _)| status.is_success()).then_some(())
    })
    .await;
    assert_eq!(app.get("/ready").await.status(), StatusCode::OK);
}

/// Eight profile changes at once: each answer's status, `Retry-After` and time taken.
async fn writes_at_once(app: Arc<TestApp>, token: String) -> Vec<(StatusCode, Option<String>, Duration)> {
    all_at_once((0..8).map(|n| {
        let (app, token) = (app.clone(), token.clone());
        async move {
            let started = Instant::now();
            let body = json!({"name": format!("Load Tester {n}")});
            let response = app.send_json_as(Method::PATCH, "/api/v1/me", &token, &body).await;
            let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
            (response.status(), retry_after, started.elapsed())
        }
    }))
    .await
}
