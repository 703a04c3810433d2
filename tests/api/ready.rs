use std::time::{Duration, Instant};

use reqwest::StatusCode;
use rigmaster_tests::app::{assert_error, start};
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
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut status = app.get("/ready").await.status();
    while status != StatusCode::OK && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        status = app.get("/ready").await.status();
    }
    assert_eq!(status, StatusCode::OK, "ready again once the database is back");
}
