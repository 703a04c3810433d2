//! Every test has a database of its own.

use rigmaster_tests::{TestDatabase, spawn_app};
use sqlx::{Connection as _, PgPool};

async fn subscriber_emails(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT email FROM identity.newsletter_subscribers ORDER BY email")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn rows_written_in_one_database_are_invisible_in_another_made_at_the_same_time() {
    let (first, second) = tokio::join!(TestDatabase::create(), TestDatabase::create());
    assert_ne!(first.name(), second.name());
    let (first_pool, second_pool) = (first.pool().await, second.pool().await);

    sqlx::query("INSERT INTO identity.newsletter_subscribers (email) VALUES ('only-in-first@example.in')")
        .execute(&first_pool)
        .await
        .unwrap();

    assert_eq!(subscriber_emails(&first_pool).await, vec!["only-in-first@example.in"]);
    assert!(subscriber_emails(&second_pool).await.is_empty());
}

/// Two apps side by side, each writing through its own API: neither sees the other's row.
#[tokio::test]
async fn parallel_apps_never_share_rows() {
    let (left, right) = tokio::join!(spawn_app(), spawn_app());

    let (a, b) = tokio::join!(
        left.api.subscribe_newsletter("left@example.in"),
        right.api.subscribe_newsletter("right@example.in"),
    );
    a.unwrap();
    b.unwrap();

    assert_eq!(subscriber_emails(&left.db.pool().await).await, vec!["left@example.in"]);
    assert_eq!(subscriber_emails(&right.db.pool().await).await, vec!["right@example.in"]);
}

#[tokio::test]
async fn a_dropped_test_database_is_gone() {
    let db = TestDatabase::create().await;
    let name = db.name().to_owned();
    drop(db);

    let mut admin = sqlx::PgConnection::connect(&rigmaster_tests::database::admin_url()).await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_one(&mut admin)
        .await
        .unwrap();
    assert_eq!(left, 0);
}
