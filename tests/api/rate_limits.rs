//! Rate limits: shared by every process of the store, counted per client IP (the
//! `X-Forwarded-For` of a trusted proxy, the TCP peer otherwise) and per customer, and
//! never aimable at someone else's e-mail.

use api_types::ErrorCode;
use api_types::auth::Login;
use client::{Client, Error};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use rigmaster_api::http::limits::WINDOW;
use rigmaster_api::rate_limit::PgRateLimiter;
use rigmaster_tests::app::with_store_limits;
use rigmaster_tests::orders::cart_order;
use rigmaster_tests::shop::{all_at_once, new_key};
use rigmaster_tests::{TestApp, TestUser, assert_refused, spawn_app_with};
use uuid::Uuid;

const LIMIT: u32 = 3;

/// The typed client of someone behind the store's proxy at `client_ip`: the proxy (the
/// test, on 127.0.0.1) says so in `X-Forwarded-For`.
fn behind_proxy(app: &TestApp, forwarded_for: &str) -> Client {
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-for", HeaderValue::from_str(forwarded_for).unwrap());
    let http = reqwest::Client::builder().default_headers(headers).build().unwrap();
    Client::with_http(http, &app.address)
}

fn unique_email() -> String {
    format!("reader-{}@example.in", Uuid::new_v4().simple())
}

/// The status a refused request got (`None` when it succeeded).
fn refusal<T>(result: &Result<T, Error>) -> Option<StatusCode> {
    result.as_ref().err().and_then(Error::status)
}

async fn subscribe(api: &Client) -> Result<api_types::newsletter::Subscription, Error> {
    api.subscribe_newsletter(&unique_email()).await
}

/// Subscribes `LIMIT` times, each accepted.
async fn use_up_the_newsletter_limit(api: &Client) {
    for n in 1..=LIMIT {
        subscribe(api).await.unwrap_or_else(|error| panic!("subscription {n} of {LIMIT}: {error}"));
    }
}

fn assert_rate_limited<T: std::fmt::Debug>(result: Result<T, Error>) {
    let retry_after = result.as_ref().err().and_then(Error::retry_after).expect("a Retry-After");
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    assert_refused(result, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited);
}

fn newsletter_limit(settings: &mut rigmaster_api::Settings) {
    with_store_limits(settings);
    settings.rate_limit.newsletter_per_minute = LIMIT;
}

fn behind_a_trusted_proxy(settings: &mut rigmaster_api::Settings) {
    settings.rate_limit.trusted_proxies = vec!["127.0.0.1".into()];
}

#[tokio::test]
async fn two_processes_on_one_database_share_one_limit() {
    let first = spawn_app_with(newsletter_limit).await;
    let second = first.spawn_beside(newsletter_limit).await;

    for n in 0..LIMIT {
        let app = if n % 2 == 0 { &first } else { &second };
        subscribe(&app.api).await.unwrap_or_else(|error| panic!("subscription {n}: {error}"));
    }

    assert_rate_limited(subscribe(&second.api).await);
    assert_rate_limited(subscribe(&first.api).await);
}

#[tokio::test]
async fn the_limit_is_counted_before_the_body_is_read() {
    let app = spawn_app_with(newsletter_limit).await;
    use_up_the_newsletter_limit(&app.api).await;

    let malformed = app.post_raw("/api/v1/newsletter", Some("application/json"), "{not json").await;

    assert_eq!(malformed.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(malformed.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_quota() {
    let app = spawn_app_with(|settings| {
        newsletter_limit(settings);
        behind_a_trusted_proxy(settings);
    })
    .await;

    let first = behind_proxy(&app, "198.51.100.1");
    use_up_the_newsletter_limit(&first).await;
    assert_rate_limited(subscribe(&first).await);

    subscribe(&behind_proxy(&app, "198.51.100.2")).await.expect("another client has a quota of its own");
}

#[tokio::test]
async fn behind_a_trusted_proxy_what_a_client_writes_into_the_header_itself_does_not_make_it_another_client() {
    let app = spawn_app_with(|settings| {
        newsletter_limit(settings);
        behind_a_trusted_proxy(settings);
    })
    .await;

    // The client makes up an address on each request; the proxy appends the one it saw.
    for n in 1..=LIMIT {
        let api = behind_proxy(&app, &format!("203.0.113.{n}, 198.51.100.1"));
        subscribe(&api).await.unwrap_or_else(|error| panic!("subscription {n}: {error}"));
    }
    let made_up_again = behind_proxy(&app, "203.0.113.99, 198.51.100.1");

    assert_rate_limited(subscribe(&made_up_again).await);
}

#[tokio::test]
async fn without_a_trusted_proxy_the_forwarded_header_is_ignored() {
    let app = spawn_app_with(newsletter_limit).await;

    for n in 1..=LIMIT {
        let api = behind_proxy(&app, &format!("198.51.100.{n}"));
        subscribe(&api).await.unwrap_or_else(|error| panic!("subscription {n}: {error}"));
    }
    let rotated_again = behind_proxy(&app, "198.51.100.99");

    assert_rate_limited(subscribe(&rotated_again).await);
}

#[tokio::test]
async fn failed_logins_for_a_victims_email_from_one_ip_do_not_lock_the_victim_out_elsewhere() {
    let app = spawn_app_with(|settings| {
        with_store_limits(settings);
        settings.rate_limit.auth_per_minute = LIMIT;
        behind_a_trusted_proxy(settings);
    })
    .await;
    let victim = app.register_customer().await;
    let attacker = behind_proxy(&app, "198.51.100.66");
    let guess = Login { email: victim.email.clone(), password: "a wrong guess".into() };
    for n in 1..=LIMIT {
        assert_eq!(refusal(&attacker.login(&guess).await), Some(StatusCode::UNAUTHORIZED), "guess {n}");
    }
    assert_rate_limited(attacker.login(&guess).await);

    let from_home = behind_proxy(&app, "198.51.100.7");
    let session = from_home.login(&Login { email: victim.email.clone(), password: victim.password.clone() }).await;

    assert_eq!(session.expect("the victim signs in from their own address").user.id, victim.id);
}

/// Registers a customer from `forwarded_for`, acting from there.
async fn customer_at(app: &TestApp, forwarded_for: &str) -> Client {
    let customer: TestUser = app.register_customer().await;
    behind_proxy(app, forwarded_for).authorized(&customer.access_token)
}

#[tokio::test]
async fn a_customer_over_the_order_limit_is_refused_while_another_from_the_same_ip_is_not() {
    let app = spawn_app_with(|settings| {
        with_store_limits(settings);
        settings.rate_limit.orders_per_minute = LIMIT;
        behind_a_trusted_proxy(settings);
    })
    .await;
    let hoarder = app.register_customer().await;
    let neighbour = customer_at(&app, "198.51.100.1").await;
    // The hoarder moves between addresses, so no one address reaches its limit.
    for n in 1..=LIMIT {
        let api = behind_proxy(&app, &format!("198.51.100.{n}")).authorized(&hoarder.access_token);
        let placed = api.place_order(&cart_order(), &new_key()).await;
        assert_ne!(refusal(&placed), Some(StatusCode::TOO_MANY_REQUESTS), "order {n}: {placed:?}");
    }
    let elsewhere = behind_proxy(&app, "198.51.100.50").authorized(&hoarder.access_token);

    assert_rate_limited(elsewhere.place_order(&cart_order(), &new_key()).await);
    let placed = neighbour.place_order(&cart_order(), &new_key()).await;
    assert_ne!(refusal(&placed), Some(StatusCode::TOO_MANY_REQUESTS), "{placed:?}");
}

#[tokio::test]
async fn of_thirty_logins_at_once_exactly_the_limit_get_through_the_rate_limit() {
    let limit = 10;
    let app = spawn_app_with(|settings| {
        with_store_limits(settings);
        settings.rate_limit.auth_per_minute = limit;
    })
    .await;

    // A different e-mail each time (password spraying): the per-IP count binds.
    let answers = all_at_once((0..30).map(|_| {
        let (api, guess) = (app.api.clone(), Login { email: unique_email(), password: "a wrong guess".into() });
        async move { api.login(&guess).await }
    }))
    .await;

    let limited = answers.iter().filter(|answer| refusal(answer) == Some(StatusCode::TOO_MANY_REQUESTS)).count();
    assert_eq!(answers.len() - limited, limit as usize, "{answers:?}");
}

/// Moves every window of `app`'s rate limits back by `seconds`, as if that much time had passed.
async fn age_windows(app: &TestApp, seconds: i64) {
    sqlx::query("UPDATE edge.rate_limit_windows SET started_at = started_at - $1 * interval '1 second'")
        .bind(seconds)
        .execute(&app.db.pool().await)
        .await
        .unwrap();
}

#[tokio::test]
async fn once_its_minute_is_over_a_client_starts_afresh() {
    let app = spawn_app_with(newsletter_limit).await;
    use_up_the_newsletter_limit(&app.api).await;
    assert_rate_limited(subscribe(&app.api).await);

    age_windows(&app, 61).await;

    use_up_the_newsletter_limit(&app.api).await;
    assert_rate_limited(subscribe(&app.api).await);
}

#[tokio::test]
async fn ended_windows_are_swept_and_running_ones_kept() {
    let app = spawn_app_with(|settings| {
        newsletter_limit(settings);
        behind_a_trusted_proxy(settings);
    })
    .await;
    subscribe(&behind_proxy(&app, "198.51.100.1")).await.unwrap();
    age_windows(&app, 61).await;
    subscribe(&app.api).await.unwrap();
    let pool = app.db.pool().await;

    let swept = PgRateLimiter::new(pool.clone(), WINDOW).sweep().await.unwrap();

    assert_eq!(swept, 1);
    let left: Vec<String> =
        sqlx::query_scalar("SELECT key FROM edge.rate_limit_windows").fetch_all(&pool).await.unwrap();
    assert_eq!(left, ["newsletter:ip:127.0.0.1"]);
}

#[tokio::test]
async fn when_the_count_cannot_be_taken_the_request_goes_through() {
    let app = spawn_app_with(newsletter_limit).await;
    sqlx::query("ALTER TABLE edge.rate_limit_windows RENAME TO rate_limit_windows_gone")
        .execute(&app.db.pool().await)
        .await
        .unwrap();

    for n in 1..=LIMIT + 1 {
        subscribe(&app.api).await.unwrap_or_else(|error| panic!("subscription {n}: {error}"));
    }
}
