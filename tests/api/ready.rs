use std::time::{Duration, Instant};

use api_types::ErrorCode;
use api_types::auth::Login;
use api_types::users::UpdateMe;
use reqwest::StatusCode;
use rigmaster_tests::app::{TestUser, start};
use rigmaster_tests::shop::all_at_once;
use rigmaster_tests::{TcpProxy, TestDatabase, assert_refused, eventually, test_settings};
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

    // Raw: the exact body of a ready answer.
    let up = app.get("/ready").await;
    assert_eq!(up.status(), StatusCode::OK);
    assert_eq!(up.json::<Value>().await.unwrap(), json!({"status": "ready", "database": "ok"}));

    proxy.cut();
    let down = app.api.ready().await;
    let error = assert_refused(down, StatusCode::SERVICE_UNAVAILABLE, ErrorCode::ServiceUnavailable);
    assert!(error.message.contains("database"), "{error:?}");
    // Liveness does not depend on the database.
    app.api.health().await.unwrap();

    proxy.restore();
    eventually("ready again once the database is back", async || app.api.ready().await.ok()).await;
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
    let app = start(db, settings).await;
    let customer = app.register_customer().await;
    let load = || writes_at_once(&customer);
    assert!(load().await.iter().all(|write| write.refused.is_none()), "served while the database is up");

    proxy.stop();
    let stopped = Instant::now();
    let during_outage = load().await;
    // Writes already under way when the database went: a 503 (or, sent just before, a
    // success), and never a wait for the pool's 10 s: new connections fail at once.
    assert!(
        during_outage.iter().all(|write| matches!(write.refused, None | Some(StatusCode::SERVICE_UNAVAILABLE))
            && write.took < Duration::from_secs(5)),
        "{during_outage:?}"
    );
    eventually("ready reports the outage", async || {
        (app.api.ready().await.err()?.status() == Some(StatusCode::SERVICE_UNAVAILABLE)).then_some(())
    })
    .await;
    let detected = stopped.elapsed();
    let refused = load().await;
    let slowest = refused.iter().map(|write| write.took).max().unwrap();
    let first = during_outage.iter().map(|write| write.took).max().unwrap();
    eprintln!("outage: first writes answered in {first:?}; known down after {detected:?}; then in {slowest:?}");
    for write in refused {
        assert_eq!(write.refused, Some(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(write.retry_after, Some(2), "with Retry-After");
        assert!(write.took < Duration::from_secs(5), "answered without waiting for the pool: {:?}", write.took);
    }
    let refused = app.api.login(&Login { email: customer.email.clone(), password: "x".into() }).await;
    assert_refused(refused, StatusCode::SERVICE_UNAVAILABLE, ErrorCode::ServiceUnavailable);
    app.api.health().await.expect("liveness does not need the database");

    proxy.restore();
    eventually("writes work again without a restart", async || {
        load().await.iter().all(|write| write.refused.is_none()).then_some(())
    })
    .await;
    app.api.ready().await.unwrap();
}

/// One profile change of [`writes_at_once`].
#[derive(Debug)]
struct Write {
    /// The status it was refused with; `None` when it succeeded.
    refused: Option<StatusCode>,
    /// The refusal's `Retry-After`, in seconds.
    retry_after: Option<u64>,
    took: Duration,
}

/// Eight profile changes at once, as `customer`.
async fn writes_at_once(customer: &TestUser) -> Vec<Write> {
    all_at_once((0..8).map(|n| {
        let api = customer.api.clone();
        async move {
            let started = Instant::now();
            let changes = UpdateMe { name: Some(format!("Load Tester {n}")), phone: None };
            let changed = api.update_me(&changes).await;
            let took = started.elapsed();
            match changed {
                Ok(_) => Write { refused: None, retry_after: None, took },
                Err(error) => {
                    let refused = Some(error.status().expect("an answer"));
                    Write { refused, retry_after: error.retry_after(), took }
                }
            }
        }
    }))
    .await
}
