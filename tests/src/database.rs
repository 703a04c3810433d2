//! A fresh database per test, made from a template that holds every migration.

use std::time::Duration;

use anyhow::Context as _;
use sha2::{Digest as _, Sha256};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection as _, Executor as _, PgConnection, PgPool};
use uuid::Uuid;

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:55432/postgres";
/// Serialises template builds across test processes (nextest runs one per test).
const TEMPLATE_LOCK_KEY: i64 = 7_220_112_601;
/// Test databases are named with this prefix so `make test` can sweep leftovers.
pub const TEST_DATABASE_PREFIX: &str = "rmtest_";

/// A database that exists for one test and is dropped with it. When the test fails it is
/// kept for inspection (its name is printed) and swept by the next `make test`.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: String,
    /// False for a [`Self::share`]: only the original drops the database.
    owned: bool,
}

impl TestDatabase {
    /// Creates a fresh database holding every migration and no rows.
    pub async fn create() -> TestDatabase {
        Self::try_create(true).await.expect(
            "could not create a test database: is the test cluster running? \
             Run the tests with `make test` (it starts PostgreSQL under .data/).",
        )
    }

    /// Creates an empty database: no schemas, no migrations (to test migrating itself).
    pub async fn create_empty() -> TestDatabase {
        Self::try_create(false).await.expect("could not create a test database: run the tests with `make test`")
    }

    async fn try_create(migrated: bool) -> anyhow::Result<TestDatabase> {
        let admin_url = admin_url();
        let mut admin =
            PgConnection::connect(&admin_url).await.with_context(|| format!("connecting to {admin_url}"))?;
        let name = format!("{TEST_DATABASE_PREFIX}{}", Uuid::new_v4().simple());
        let statement = if migrated {
            let template = ensure_template(&mut admin, &admin_url).await?;
            format!(r#"CREATE DATABASE "{name}" TEMPLATE "{template}""#)
        } else {
            format!(r#"CREATE DATABASE "{name}""#)
        };
        run(&mut admin, statement).await.with_context(|| format!("creating {name}"))?;
        admin.close().await.ok();
        Ok(TestDatabase { url: database_url(&admin_url, &name), name, owned: true })
    }

    /// The same database, for a second app on it (several processes serving one store);
    /// dropping the share leaves the database to the original.
    pub fn share(&self) -> TestDatabase {
        TestDatabase { name: self.name.clone(), url: self.url.clone(), owned: false }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL of this database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The host and port of the cluster, for tests that put something in between.
    pub fn server_addr(&self) -> String {
        let options: PgConnectOptions = self.url.parse().expect("a valid URL");
        format!("{}:{}", options.get_host(), options.get_port())
    }

    /// A small pool on this database, for a test to arrange or check rows directly.
    pub async fn pool(&self) -> PgPool {
        self.pool_of(4).await
    }

    /// A pool of `size` connections, for tests that run many transactions at once.
    pub async fn pool_of(&self, size: u32) -> PgPool {
        PgPoolOptions::new()
            .max_connections(size)
            .acquire_timeout(std::time::Duration::from_secs(60))
            .connect(&self.url)
            .await
            .expect("connecting to the test database")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        if std::thread::panicking() {
            eprintln!("test database kept for inspection: {}", self.name);
            return;
        }
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which cannot be blocked on; a thread with a
        // runtime of its own does the work and is waited for.
        let dropper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url()).await?;
                run(&mut admin, format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#)).await?;
                admin.close().await
            })?;
            anyhow::Ok(())
        });
        if let Ok(Err(error)) = dropper.join() {
            eprintln!("could not drop test database {}: {error:#}", self.name);
        }
    }
}

/// Runs a statement built at run time (database names cannot be bind parameters; every
/// name here is made by this module).
async fn run(admin: &mut PgConnection, statement: String) -> Result<(), sqlx::Error> {
    admin.execute(sqlx::raw_sql(AssertSqlSafe(statement))).await.map(|_| ())
}

/// The maintenance database URL of the test cluster.
pub fn admin_url() -> String {
    std::env::var("RIGMASTER_TEST_ADMIN_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

fn database_url(admin_url: &str, database: &str) -> String {
    let (base, query) = admin_url.split_once('?').map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

/// A name that changes whenever any migration changes, so a stale template is never used.
fn template_name() -> String {
    let mut hash = Sha256::new();
    for (schema, migrator) in rigmaster_api::db::migrators() {
        hash.update(schema.as_bytes());
        for migration in migrator.iter() {
            hash.update(migration.version.to_le_bytes());
            hash.update(&migration.checksum);
        }
    }
    let digest = hash.finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("rmtemplate_{hex}")
}

/// Builds the template once (the first test process to get the lock does it) and marks it
/// complete; a half-built template left by a crash is rebuilt.
async fn ensure_template(admin: &mut PgConnection, admin_url: &str) -> anyhow::Result<String> {
    let name = template_name();
    sqlx::query("SELECT pg_advisory_lock($1)").bind(TEMPLATE_LOCK_KEY).execute(&mut *admin).await?;
    let result = build_template_if_missing(admin, admin_url, &name).await;
    sqlx::query("SELECT pg_advisory_unlock($1)").bind(TEMPLATE_LOCK_KEY).execute(&mut *admin).await?;
    result.map(|()| name)
}

const TEMPLATE_READY: &str = "rigmaster test template: complete";

async fn build_template_if_missing(admin: &mut PgConnection, admin_url: &str, name: &str) -> anyhow::Result<()> {
    let comment: Option<Option<String>> =
        sqlx::query_scalar("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1")
            .bind(name)
            .fetch_optional(&mut *admin)
            .await?;
    match comment {
        Some(Some(comment)) if comment == TEMPLATE_READY => return Ok(()),
        Some(_) => {
            run(admin, format!(r#"DROP DATABASE "{name}" WITH (FORCE)"#)).await?;
        }
        None => {}
    }
    run(admin, format!(r#"CREATE DATABASE "{name}""#)).await?;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect(&database_url(admin_url, name))
        .await?;
    rigmaster_api::db::migrate(&pool).await?;
    pool.close().await;
    // No session may sit in a template: CREATE DATABASE … TEMPLATE would refuse to copy it.
    run(admin, format!(r#"ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false"#)).await?;
    run(admin, format!(r#"COMMENT ON DATABASE "{name}" IS '{TEMPLATE_READY}'"#)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swaps_the_database_in_a_url() {
        assert_eq!(database_url("postgres://u@h:1/postgres", "x"), "postgres://u@h:1/x");
        assert_eq!(
            database_url("postgres://u@h:1/postgres?sslmode=disable", "x"),
            "postgres://u@h:1/x?sslmode=disable"
        );
    }
}
