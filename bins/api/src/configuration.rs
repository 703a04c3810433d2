//! Settings, layered: built-in defaults → `config/default.toml` → `config/{APP_ENV}.toml`
//! → `RIGMASTER__SECTION__KEY` variables → the documented plain variables (`DATABASE_URL` …).
//!
//! Settings are loaded once in `main` (or by a test) and passed into constructors; nothing
//! else reads the environment.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use config::{Config, Environment, File, FileFormat};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::http::client_ip::ClientIpRule;

const BUILT_IN_DEFAULTS: &str = include_str!("../../../config/default.toml");
/// Production's own defaults (metrics off the public listener, Razorpay itself, JSON logs),
/// compiled in too: a production start whose working folder has no `config/` must not fall
/// back to development's choices.
const BUILT_IN_PRODUCTION: &str = include_str!("../../../config/production.toml");

/// Marks the shipped development secrets; a production start refuses them.
const INSECURE_MARKER: &str = "insecure-dev";

/// The private cluster of `make run`; a production database is never there.
const DEVELOPMENT_CLUSTER: &str = "127.0.0.1:55432";

/// The shortest production secret we choose ourselves: 32 characters, 256 bits when
/// random (HMAC-SHA256 keys).
pub const MIN_SECRET_CHARS: usize = 32;

/// The shortest Razorpay API key secret: Razorpay issues them (24 characters), so they
/// cannot be made 32 long; this refuses placeholders without refusing real keys.
pub const MIN_RAZORPAY_KEY_SECRET_CHARS: usize = 20;

/// The longest anything is kept, or a sign-in lasts (a century).
const MAX_RETENTION_DAYS: u64 = 36_500;

/// The smallest catalog cache that holds a few pages in each of its shards.
const MIN_CATALOG_CACHE_BYTES: u64 = 1024 * 1024;

/// The documented plain variables and the setting each one sets. They win over the
/// `RIGMASTER__…` form when both are given.
pub const PLAIN_VARIABLES: &[(&str, &str)] = &[
    ("APP_ENV", "app.env"),
    ("STOREFRONT_URL", "app.storefront_url"),
    ("STORE_LEGAL_NAME", "store.legal_name"),
    ("STORE_ADDRESS", "store.address"),
    ("STORE_STATE", "store.state"),
    ("STORE_GSTIN", "store.gstin"),
    ("INVOICE_PREFIX", "store.invoice_prefix"),
    ("HTTP_ADDR", "http.addr"),
    ("DATABASE_URL", "database.url"),
    ("DATABASE_MAX_CONNECTIONS", "database.max_connections"),
    ("JWT_ACCESS_SECRET", "jwt.access_secret"),
    ("RAZORPAY_KEY_ID", "razorpay.key_id"),
    ("RAZORPAY_KEY_SECRET", "razorpay.key_secret"),
    ("RAZORPAY_WEBHOOK_SECRET", "razorpay.webhook_secret"),
    ("RAZORPAY_API_BASE", "razorpay.api_base"),
    ("RESERVATION_TTL_SECONDS", "inventory.reservation_ttl_seconds"),
    ("RESERVATION_EXPIRY_INTERVAL_SECONDS", "inventory.expiry_interval_seconds"),
    ("RECONCILE_INTERVAL_SECONDS", "orders.reconcile_interval_seconds"),
    ("RECONCILE_AFTER_SECONDS", "orders.reconcile_after_seconds"),
    ("REFUND_RETRY_SECONDS", "orders.refund_retry_seconds"),
    ("CHECKOUT_CONCURRENCY", "orders.checkout_concurrency"),
    ("METRICS_ADDR", "metrics.addr"),
    ("METRICS_TOKEN", "metrics.token"),
    ("CATALOG_CACHE_TTL_MS", "catalog_cache.ttl_ms"),
    ("CATALOG_CACHE_MAX_BYTES", "catalog_cache.max_bytes"),
    ("ANALYTICS_CACHE_SECONDS", "analytics.cache_seconds"),
    ("LOG_FORMAT", "log.format"),
    ("RUST_LOG", "log.filter"),
];

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub app: AppSettings,
    pub store: StoreSettings,
    pub http: HttpSettings,
    pub database: DatabaseSettings,
    pub jwt: JwtSettings,
    pub passwords: PasswordSettings,
    pub rate_limit: RateLimitSettings,
    pub limits: LimitSettings,
    pub security: SecuritySettings,
    pub metrics: MetricsSettings,
    pub retention: RetentionSettings,
    pub razorpay: RazorpaySettings,
    pub inventory: InventorySettings,
    pub orders: OrderSettings,
    pub catalog_cache: CatalogCacheSettings,
    pub analytics: AnalyticsSettings,
    pub log: LogSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AppSettings {
    pub env: AppEnv,
    /// The storefront's address, for links the API hands out (a saved build's `share_url`).
    pub storefront_url: String,
}

/// The store as its tax invoices name it.
#[derive(Debug, Clone, Deserialize)]
pub struct StoreSettings {
    /// The registered (legal) name.
    pub legal_name: String,
    /// The registered address, on one line.
    pub address: String,
    /// The state the store is registered in: a name ("Karnataka") or GST state code.
    pub state: String,
    /// The store's GSTIN; its state code must be the state's.
    pub gstin: String,
    /// What every invoice and credit note number starts with (one or two capitals or digits).
    pub invoice_prefix: String,
}

/// The development store's GSTIN (well-formed, not anyone's): refused in production.
pub const DEMO_STORE_GSTIN: &str = "29AABCR1234M1Z9";

impl StoreSettings {
    /// The details every tax invoice prints, with their variables.
    fn identity(&self) -> [(&'static str, &str); 4] {
        [
            ("STORE_LEGAL_NAME", &self.legal_name),
            ("STORE_ADDRESS", &self.address),
            ("STORE_STATE", &self.state),
            ("STORE_GSTIN", &self.gstin),
        ]
    }

    /// The invoicing service for this store, or why the store's details will not do.
    pub fn invoicing(&self) -> Result<invoicing::Invoicing, ConfigError> {
        let invalid = |variable: &'static str, reason: String| ConfigError::Invalid { variable, reason };
        let gstin = kernel::gstin::Gstin::parse(&self.gstin, "STORE_GSTIN")
            .map_err(|refusal| invalid("STORE_GSTIN", refusal.to_string()))?;
        let state = kernel::gstin::state_code_of(&self.state)
            .ok_or_else(|| invalid("STORE_STATE", "must be an Indian state or union territory".into()))?;
        if state != gstin.state_code() {
            return Err(invalid("STORE_STATE", format!("must be the GSTIN's state (code {:02})", gstin.state_code())));
        }
        for (variable, value, max) in
            [("STORE_LEGAL_NAME", &self.legal_name, 200), ("STORE_ADDRESS", &self.address, 400)]
        {
            let chars = value.trim().chars().count();
            if chars == 0 || chars > max || value.chars().any(char::is_control) {
                return Err(invalid(variable, format!("must be 1 to {max} characters on one line")));
            }
        }
        let prefix = invoicing::SeriesPrefix::parse(&self.invoice_prefix, "INVOICE_PREFIX")
            .map_err(|refusal| invalid("INVOICE_PREFIX", refusal.to_string()))?;
        let seller = invoicing::Seller::new(self.legal_name.trim().to_owned(), self.address.trim().to_owned(), &gstin);
        Ok(invoicing::Invoicing::new(seller, prefix))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppEnv {
    Development,
    Production,
}

impl AppEnv {
    pub fn as_str(self) -> &'static str {
        match self {
            AppEnv::Development => "development",
            AppEnv::Production => "production",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct HttpSettings {
    /// `host:port`; port 0 picks a free port (tests).
    pub addr: String,
    pub body_limit_bytes: usize,
    pub shutdown_timeout_seconds: u64,
    /// Worker threads; 0 means one per CPU core.
    pub workers: usize,
    /// The longest reading a request body may take, in milliseconds (503 beyond it).
    pub body_read_timeout_ms: u64,
    /// The longest one request may take, body and handler, in milliseconds (503 beyond it).
    pub handler_timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub max_connections: u32,
    pub min_connections: u32,
    pub acquire_timeout_ms: u64,
    pub migrate_on_start: bool,
    /// Production refuses a `DATABASE_URL` that does not ask for TLS
    /// (`sslmode=require|verify-ca|verify-full`) unless this is set.
    pub allow_plaintext: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct JwtSettings {
    pub access_secret: SecretString,
    pub access_ttl_seconds: u64,
    pub refresh_ttl_days: u64,
    /// A refresh family (one sign-in and its rotations) ends this many days after the
    /// sign-in, however often it is rotated.
    pub refresh_absolute_days: u64,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct PasswordSettings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Password hashes computed at once by each process; 0 means one per CPU core.
    pub max_concurrent_hashes: usize,
    /// The longest a sign-in or sign-up waits for a hashing turn, in milliseconds (503
    /// beyond it).
    pub hash_wait_ms: u64,
}

/// Request rates per client IP and per customer, shared by every process of the store
/// (`[rate_limit]`). Each `*_per_minute` is the most requests of that kind one key may
/// make in a minute.
#[derive(Debug, Clone, Deserialize)]
pub struct RateLimitSettings {
    /// `POST /auth/register` and `/auth/login`, per client IP.
    pub auth_per_minute: u32,
    /// `POST /auth/register` and `/auth/login` per client IP and e-mail: guesses at one
    /// account from one address (never per e-mail alone, which anyone could aim at a victim).
    pub auth_per_email_per_minute: u32,
    /// `POST /auth/refresh` and `/auth/logout`, per client IP: every signed-in customer
    /// refreshes now and then, so this is higher than the sign-in limit.
    pub sessions_per_minute: u32,
    /// `POST /orders`.
    pub orders_per_minute: u32,
    /// `POST /orders/{id}/payment/verify` and `…/payment/retry`.
    pub payments_per_minute: u32,
    /// `POST /cart/coupon`.
    pub coupon_per_minute: u32,
    /// `POST /newsletter` (and guest routes when they exist).
    pub newsletter_per_minute: u32,
    /// `POST /builder/builds`, which anyone may call.
    pub saved_builds_per_minute: u32,
    /// Peers (IP addresses or CIDR ranges) whose `X-Forwarded-For` is believed; the
    /// client IP of anyone else is the TCP peer. A list, or one comma-separated string.
    #[serde(deserialize_with = "list_or_comma_separated")]
    pub trusted_proxies: Vec<String>,
    /// IPv6 clients are counted per network of this prefix length (a /64 is one customer).
    pub ipv6_prefix_len: u8,
}

/// Caps on what one customer may do (`[limits]`).
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct LimitSettings {
    /// Units in one order, all lines together (each line is at most 10).
    pub max_units_per_order: u32,
    /// Orders one customer may have in `payment_pending` at once.
    pub max_pending_orders: u32,
    /// The largest total payable cash on delivery, in paise.
    pub cod_max_paise: i64,
    /// Cash-on-delivery orders one customer may have open (`confirmed`, `packed` or
    /// `shipped`: not yet delivered and paid) at once.
    pub max_open_cod_orders: u32,
    /// A `payment_failed` or expired order may be retried this long after it was placed.
    pub retry_window_hours: u64,
    /// Saved addresses per customer.
    pub max_addresses_per_customer: u32,
    /// The longest a checkout waits for its turn, in milliseconds (503 beyond it).
    pub checkout_turn_wait_ms: u64,
}

/// Response headers and cross-origin access (`[security]`).
#[derive(Debug, Clone, Deserialize)]
pub struct SecuritySettings {
    /// `Strict-Transport-Security: max-age=…` on every response; 0 sends none (set it
    /// when the store is reached over https only).
    pub hsts_max_age_seconds: u64,
    /// Origins allowed to call the API from a browser (CORS), e.g.
    /// `https://shop.example.in`; none by default. A list, or one comma-separated string.
    #[serde(deserialize_with = "list_or_comma_separated")]
    pub cors_allowed_origins: Vec<String>,
}

/// Where `/metrics` is served (`[metrics]`).
#[derive(Debug, Clone, Deserialize)]
pub struct MetricsSettings {
    /// A listener of its own for `/metrics` (`host:port`); empty for none.
    pub addr: String,
    /// Serve `/metrics` on the public listener too (development); production turns it off.
    pub on_public_listener: bool,
    /// When set, `/metrics` (wherever served) needs `Authorization: Bearer <token>`.
    pub token: SecretString,
}

/// The cleanup job (`[retention]`): what is kept, and how long.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct RetentionSettings {
    /// Seconds between cleanup passes in each process; 0 turns the job off.
    pub cleanup_interval_seconds: u64,
    /// `Idempotency-Key` answers are kept this many hours.
    pub idempotency_key_hours: u64,
    /// Expired or revoked refresh tokens are kept this many days (for reuse detection).
    pub refresh_token_days: u64,
    /// Razorpay webhook events are kept this many days.
    pub webhook_event_days: u64,
}

/// Accepts `["a", "b"]` from a file or `a,b` from one environment variable.
fn list_or_comma_separated<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrString {
        List(Vec<String>),
        String(String),
    }
    let items = match ListOrString::deserialize(deserializer)? {
        ListOrString::List(items) => items,
        ListOrString::String(joined) => joined.split(',').map(str::to_owned).collect(),
    };
    Ok(items.into_iter().map(|item| item.trim().to_owned()).filter(|item| !item.is_empty()).collect())
}

#[derive(Debug, Clone, Deserialize)]
pub struct RazorpaySettings {
    pub key_id: String,
    pub key_secret: SecretString,
    pub webhook_secret: SecretString,
    pub api_base: String,
    /// The whole of one call to Razorpay: connect, send, read the answer.
    pub timeout_ms: u64,
    pub connect_timeout_ms: u64,
    /// Tries per call, the first included; writes are repeated only when unsent.
    pub max_attempts: u32,
    /// The pause before the second try; it doubles before each further one.
    pub first_backoff_ms: u64,
}

impl RazorpaySettings {
    pub fn client_settings(&self) -> payments_razorpay::RazorpayClientSettings {
        payments_razorpay::RazorpayClientSettings {
            api_base: self.api_base.clone(),
            key_id: self.key_id.clone(),
            key_secret: self.key_secret.clone(),
            connect_timeout: Duration::from_millis(self.connect_timeout_ms),
            request_timeout: Duration::from_millis(self.timeout_ms),
            max_attempts: self.max_attempts,
            first_backoff: Duration::from_millis(self.first_backoff_ms),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct InventorySettings {
    pub reservation_ttl_seconds: u64,
    /// Seconds between passes of the expiry job; 0 turns it off.
    pub expiry_interval_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OrderSettings {
    /// Seconds between passes of the payment reconciliation job; 0 turns it off.
    pub reconcile_interval_seconds: u64,
    /// An order waiting for payment this long is checked with Razorpay (webhooks may
    /// never have arrived).
    pub reconcile_after_seconds: u64,
    /// A refund the gateway did not take is tried again after this pause.
    pub refund_retry_seconds: u64,
    /// Checkout transactions one process runs at once; the rest queue in memory.
    pub checkout_concurrency: usize,
}

/// The in-process cache of shopper catalog pages ([`crate::read_cache`]).
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct CatalogCacheSettings {
    /// The longest a cached page is served, in milliseconds: it bounds how stale
    /// availability changed by orders can be. 0 turns the cache off.
    pub ttl_ms: u64,
    /// Memory for cached bodies, in bytes.
    pub max_bytes: u64,
}

/// The in-process cache of the admin analytics answers.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct AnalyticsSettings {
    /// How long an answer is served again, in seconds; 0 turns the cache off.
    pub cache_seconds: u64,
    /// How many answers are kept at most (the least used are dropped beyond it).
    pub cache_max_entries: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub format: LogFormat,
    pub filter: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Why the settings could not be used. Each message is one line naming what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{variable} is not set; it is required when APP_ENV=production")]
    MissingSecret { variable: &'static str },
    #[error("{variable} still holds the insecure development value; set a real secret when APP_ENV=production")]
    InsecureSecret { variable: &'static str },
    #[error("{variable} is too short: use at least {min} characters when APP_ENV=production")]
    WeakSecret { variable: &'static str, min: usize },
    #[error(
        "{variable} still holds the insecure development value, refused on HTTP_ADDR {addr} (not loopback); \
         set a real secret or listen on 127.0.0.1"
    )]
    DevelopmentValueExposed { variable: &'static str, addr: String },
    #[error("{variable} is not valid: {reason}")]
    Invalid { variable: &'static str, reason: String },
    #[error("{0}")]
    Load(#[from] config::ConfigError),
}

impl Settings {
    /// Loads the layered settings. `config_dir` holds `default.toml` and
    /// `{APP_ENV}.toml` (both optional); `env` is the process environment, or a
    /// test's own map.
    pub fn load(config_dir: Option<&Path>, env: &HashMap<String, String>) -> Result<Settings, ConfigError> {
        let app_env = Self::app_env(env)?;
        let mut builder = Config::builder().add_source(File::from_str(BUILT_IN_DEFAULTS, FileFormat::Toml));
        if app_env == AppEnv::Production {
            builder = builder.add_source(File::from_str(BUILT_IN_PRODUCTION, FileFormat::Toml));
        }
        if let Some(dir) = config_dir {
            builder = builder
                .add_source(File::from(dir.join("default.toml")).required(false))
                .add_source(File::from(dir.join(format!("{}.toml", app_env.as_str()))).required(false));
        }
        builder = builder.add_source(
            Environment::with_prefix("RIGMASTER")
                .prefix_separator("__")
                .separator("__")
                .source(Some(env.clone().into_iter().collect())),
        );
        for (variable, key) in PLAIN_VARIABLES {
            // An empty variable (`RAZORPAY_API_BASE=` in an env file) counts as unset.
            if let Some(value) = env.get(*variable).filter(|value| !value.trim().is_empty()) {
                builder = builder.set_override(*key, value.as_str())?;
            }
        }
        let settings: Settings = builder.build()?.try_deserialize().map_err(name_the_variable)?;
        settings.check_shape()?;
        Ok(settings)
    }

    fn app_env(env: &HashMap<String, String>) -> Result<AppEnv, ConfigError> {
        let raw =
            env.get("APP_ENV").or_else(|| env.get("RIGMASTER__APP__ENV")).map(String::as_str).unwrap_or("development");
        match raw {
            "development" => Ok(AppEnv::Development),
            "production" => Ok(AppEnv::Production),
            other => Err(ConfigError::Invalid {
                variable: "APP_ENV",
                reason: format!("{other:?} is neither \"development\" nor \"production\""),
            }),
        }
    }

    /// Checks that hold in every environment.
    fn check_shape(&self) -> Result<(), ConfigError> {
        if self.http.addr.parse::<SocketAddr>().is_err() {
            return Err(ConfigError::Invalid {
                variable: "HTTP_ADDR",
                reason: "expected host:port, e.g. 127.0.0.1:8080".into(),
            });
        }
        for (variable, millis) in [
            ("RIGMASTER__HTTP__BODY_READ_TIMEOUT_MS", self.http.body_read_timeout_ms),
            ("RIGMASTER__HTTP__HANDLER_TIMEOUT_MS", self.http.handler_timeout_ms),
        ] {
            if millis == 0 {
                return Err(ConfigError::Invalid {
                    variable,
                    reason: "must be at least 1 (a deadline is never off)".into(),
                });
            }
        }
        if !self.metrics.addr.is_empty() && self.metrics.addr.parse::<SocketAddr>().is_err() {
            return Err(ConfigError::Invalid {
                variable: "METRICS_ADDR",
                reason: "expected host:port, e.g. 127.0.0.1:9091, or nothing".into(),
            });
        }
        if self.database.url.expose_secret().trim().is_empty() {
            return Err(ConfigError::Invalid { variable: "DATABASE_URL", reason: "it is empty".into() });
        }
        if self.database.max_connections == 0 {
            return Err(ConfigError::Invalid {
                variable: "DATABASE_MAX_CONNECTIONS",
                reason: "must be at least 1".into(),
            });
        }
        if self.inventory.reservation_ttl_seconds == 0 {
            return Err(ConfigError::Invalid {
                variable: "RESERVATION_TTL_SECONDS",
                reason: "must be at least 1".into(),
            });
        }
        if self.orders.checkout_concurrency == 0 {
            return Err(ConfigError::Invalid { variable: "CHECKOUT_CONCURRENCY", reason: "must be at least 1".into() });
        }
        let rates = &self.rate_limit;
        for (variable, per_minute) in [
            ("RIGMASTER__RATE_LIMIT__AUTH_PER_MINUTE", rates.auth_per_minute),
            ("RIGMASTER__RATE_LIMIT__AUTH_PER_EMAIL_PER_MINUTE", rates.auth_per_email_per_minute),
            ("RIGMASTER__RATE_LIMIT__SESSIONS_PER_MINUTE", rates.sessions_per_minute),
            ("RIGMASTER__RATE_LIMIT__ORDERS_PER_MINUTE", rates.orders_per_minute),
            ("RIGMASTER__RATE_LIMIT__PAYMENTS_PER_MINUTE", rates.payments_per_minute),
            ("RIGMASTER__RATE_LIMIT__COUPON_PER_MINUTE", rates.coupon_per_minute),
            ("RIGMASTER__RATE_LIMIT__NEWSLETTER_PER_MINUTE", rates.newsletter_per_minute),
            ("RIGMASTER__RATE_LIMIT__SAVED_BUILDS_PER_MINUTE", rates.saved_builds_per_minute),
        ] {
            if per_minute == 0 {
                return Err(ConfigError::Invalid {
                    variable,
                    reason: "must be at least 1 (a limit of 0 would refuse every request)".into(),
                });
            }
        }
        let retention = &self.retention;
        // An answer kept for less than an hour could be purged while its request still runs
        // (a claim is abandoned only after two minutes), and a retention of centuries
        // overflows the date arithmetic: both are typos, not choices.
        if retention.idempotency_key_hours == 0 || retention.idempotency_key_hours > MAX_RETENTION_DAYS * 24 {
            return Err(ConfigError::Invalid {
                variable: "RIGMASTER__RETENTION__IDEMPOTENCY_KEY_HOURS",
                reason: format!("must be 1 to {}", MAX_RETENTION_DAYS * 24),
            });
        }
        for (variable, days) in [
            ("RIGMASTER__RETENTION__REFRESH_TOKEN_DAYS", retention.refresh_token_days),
            ("RIGMASTER__RETENTION__WEBHOOK_EVENT_DAYS", retention.webhook_event_days),
            ("RIGMASTER__JWT__REFRESH_TTL_DAYS", self.jwt.refresh_ttl_days),
            ("RIGMASTER__JWT__REFRESH_ABSOLUTE_DAYS", self.jwt.refresh_absolute_days),
        ] {
            if days == 0 || days > MAX_RETENTION_DAYS {
                return Err(ConfigError::Invalid {
                    variable,
                    reason: format!("must be 1 to {MAX_RETENTION_DAYS} days"),
                });
            }
        }
        if self.limits.max_addresses_per_customer == 0 {
            return Err(ConfigError::Invalid {
                variable: "RIGMASTER__LIMITS__MAX_ADDRESSES_PER_CUSTOMER",
                reason: "must be at least 1 (cash on delivery needs an address)".into(),
            });
        }
        if self.rate_limit.ipv6_prefix_len == 0 || self.rate_limit.ipv6_prefix_len > 128 {
            return Err(ConfigError::Invalid {
                variable: "RIGMASTER__RATE_LIMIT__IPV6_PREFIX_LEN",
                reason: "must be 1 to 128".into(),
            });
        }
        if let Err(reason) = ClientIpRule::parse(&self.rate_limit.trusted_proxies, self.rate_limit.ipv6_prefix_len) {
            return Err(ConfigError::Invalid { variable: "RIGMASTER__RATE_LIMIT__TRUSTED_PROXIES", reason });
        }
        if self.limits.max_units_per_order == 0 {
            return Err(ConfigError::Invalid {
                variable: "RIGMASTER__LIMITS__MAX_UNITS_PER_ORDER",
                reason: "must be at least 1".into(),
            });
        }
        if self.limits.cod_max_paise < 0 {
            return Err(ConfigError::Invalid {
                variable: "RIGMASTER__LIMITS__COD_MAX_PAISE",
                reason: "must not be negative (0 turns cash on delivery off)".into(),
            });
        }
        if let Some(origin) =
            self.security.cors_allowed_origins.iter().find(|origin| !crate::security_headers::is_origin(origin))
        {
            return Err(ConfigError::Invalid {
                variable: "RIGMASTER__SECURITY__CORS_ALLOWED_ORIGINS",
                reason: format!(
                    "{origin:?} is not an origin: expected scheme://host[:port], e.g. https://shop.example.in"
                ),
            });
        }
        if self.catalog_cache.ttl_ms > 0 && self.catalog_cache.max_bytes < MIN_CATALOG_CACHE_BYTES {
            return Err(ConfigError::Invalid {
                variable: "CATALOG_CACHE_MAX_BYTES",
                reason: format!("must be at least {MIN_CATALOG_CACHE_BYTES} (or set CATALOG_CACHE_TTL_MS=0)"),
            });
        }
        Ok(())
    }

    /// Fails closed before serving. In every environment a development value is refused
    /// on an address other than loopback (whatever `APP_ENV` says, the public development
    /// secrets must never face a network). In production every secret and the database
    /// must be given explicitly, none may be a development value, secrets are at least
    /// [`MIN_SECRET_CHARS`] long, the database is reached over TLS and Razorpay over https.
    pub fn check_secrets(&self) -> Result<(), ConfigError> {
        self.check_development_values_stay_on_loopback()?;
        if self.app.env != AppEnv::Production {
            self.store.invoicing()?;
            return Ok(());
        }
        for (variable, value, min) in self.secrets() {
            if value.trim().is_empty() {
                return Err(ConfigError::MissingSecret { variable });
            }
            if value.contains(INSECURE_MARKER) {
                return Err(ConfigError::InsecureSecret { variable });
            }
            if value.chars().count() < min {
                return Err(ConfigError::WeakSecret { variable, min });
            }
        }
        if self.database.url.expose_secret().contains(DEVELOPMENT_CLUSTER) {
            return Err(ConfigError::MissingSecret { variable: "DATABASE_URL" });
        }
        if !self.database.allow_plaintext && !asks_for_tls(self.database.url.expose_secret()) {
            return Err(ConfigError::Invalid {
                variable: "DATABASE_URL",
                reason: "must ask for TLS (sslmode=require, verify-ca or verify-full) when APP_ENV=production, \
                         or set RIGMASTER__DATABASE__ALLOW_PLAINTEXT=true"
                    .into(),
            });
        }
        if !self.razorpay.api_base.starts_with("https://") {
            return Err(ConfigError::Invalid {
                variable: "RAZORPAY_API_BASE",
                reason: "must be an https:// URL when APP_ENV=production (unset it for Razorpay itself)".into(),
            });
        }
        // Share links go to customers: never the development default, never plain http.
        let host = self.app.storefront_url.strip_prefix("https://").and_then(|rest| rest.split('/').next());
        if !host.is_some_and(|host| !host.is_empty() && !host.contains(char::is_whitespace)) {
            return Err(ConfigError::Invalid {
                variable: "STOREFRONT_URL",
                reason: "must be the storefront's https:// address when APP_ENV=production".into(),
            });
        }
        self.check_store_identity()
    }

    /// Production prints the store's own details on every tax invoice: all given, valid,
    /// and never the development store's GSTIN.
    fn check_store_identity(&self) -> Result<(), ConfigError> {
        for (variable, value) in self.store.identity() {
            if value.trim().is_empty() {
                return Err(ConfigError::MissingSecret { variable });
            }
        }
        let invoicing = self.store.invoicing()?;
        if invoicing.seller().gstin == DEMO_STORE_GSTIN {
            return Err(ConfigError::Invalid {
                variable: "STORE_GSTIN",
                reason: "must be the store's own GSTIN when APP_ENV=production".into(),
            });
        }
        Ok(())
    }
}

impl Settings {
    /// Each secret with its variable and its least length in production. The key id
    /// names the account, it is not a secret: it only has to be there. The key secret is
    /// Razorpay's to choose; the webhook secret is ours.
    fn secrets(&self) -> [(&'static str, &str, usize); 4] {
        [
            ("JWT_ACCESS_SECRET", self.jwt.access_secret.expose_secret(), MIN_SECRET_CHARS),
            ("RAZORPAY_KEY_ID", self.razorpay.key_id.as_str(), 1),
            ("RAZORPAY_KEY_SECRET", self.razorpay.key_secret.expose_secret(), MIN_RAZORPAY_KEY_SECRET_CHARS),
            ("RAZORPAY_WEBHOOK_SECRET", self.razorpay.webhook_secret.expose_secret(), MIN_SECRET_CHARS),
        ]
    }

    fn check_development_values_stay_on_loopback(&self) -> Result<(), ConfigError> {
        let on_loopback = self.http.addr.parse::<SocketAddr>().is_ok_and(|addr| addr.ip().is_loopback());
        if on_loopback {
            return Ok(());
        }
        match self.secrets().into_iter().find(|(_, value, _)| value.contains(INSECURE_MARKER)) {
            Some((variable, _, _)) => {
                Err(ConfigError::DevelopmentValueExposed { variable, addr: self.http.addr.clone() })
            }
            None => Ok(()),
        }
    }
}

/// Whether a PostgreSQL URL insists on TLS: `prefer` (libpq's default) and `allow` fall
/// back to plain text, so only the three modes that refuse it count. Read by sqlx's own
/// parser, which the pool uses too: the last of repeated `sslmode`s wins, `ssl-mode` and
/// upper case are accepted, and `PGSSLMODE` applies when the URL names no mode.
fn asks_for_tls(url: &str) -> bool {
    use sqlx::postgres::{PgConnectOptions, PgSslMode};
    url.parse::<PgConnectOptions>().is_ok_and(|options| {
        matches!(options.get_ssl_mode(), PgSslMode::Require | PgSslMode::VerifyCa | PgSslMode::VerifyFull)
    })
}

/// A value of the wrong type is reported by its setting's key; name the variable the
/// operator actually sets instead.
fn name_the_variable(error: config::ConfigError) -> ConfigError {
    let message = error.to_string();
    PLAIN_VARIABLES
        .iter()
        .find(|(_, key)| message.contains(key))
        .map(|(variable, _)| ConfigError::Invalid { variable, reason: message.clone() })
        .unwrap_or(ConfigError::Load(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config")
    }

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn production_env() -> Vec<(&'static str, &'static str)> {
        vec![
            ("APP_ENV", "production"),
            ("JWT_ACCESS_SECRET", "a-production-access-secret-of-40-characters"),
            ("RAZORPAY_KEY_ID", "rzp_live_abc"),
            ("RAZORPAY_KEY_SECRET", "a-live-razorpay-key-secret-of-40-characters"),
            ("RAZORPAY_WEBHOOK_SECRET", "a-live-razorpay-webhook-secret-of-44-characters"),
            ("DATABASE_URL", "postgres://app@db.internal:5432/rigmaster?sslmode=verify-full"),
            ("RAZORPAY_API_BASE", "https://api.razorpay.com/v1"),
            ("STOREFRONT_URL", "https://shop.rigmaster.in"),
            ("STORE_LEGAL_NAME", "RigMaster Computers Private Limited"),
            ("STORE_ADDRESS", "14 Lamington Road, Mumbai, Maharashtra 400007"),
            ("STORE_STATE", "Maharashtra"),
            ("STORE_GSTIN", "27AAACR5055K1Z7"),
        ]
    }

    #[test]
    fn production_needs_the_stores_own_gst_identity() {
        for variable in ["STORE_LEGAL_NAME", "STORE_ADDRESS", "STORE_STATE", "STORE_GSTIN"] {
            let without: Vec<_> = production_env().into_iter().filter(|(k, _)| *k != variable).collect();
            let err = Settings::load(Some(&config_dir()), &env(&without)).unwrap().check_secrets().unwrap_err();
            assert!(matches!(err, ConfigError::MissingSecret { variable: v } if v == variable), "{variable}: {err}");
        }
        let mut demo: Vec<_> = production_env().into_iter().filter(|(k, _)| !k.starts_with("STORE_")).collect();
        demo.extend([("STORE_LEGAL_NAME", "Demo"), ("STORE_ADDRESS", "Bengaluru"), ("STORE_STATE", "Karnataka")]);
        demo.push(("STORE_GSTIN", DEMO_STORE_GSTIN));
        let err = Settings::load(Some(&config_dir()), &env(&demo)).unwrap().check_secrets().unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { variable: "STORE_GSTIN", .. }), "{err}");
    }

    #[test]
    fn the_stores_gstin_and_state_are_checked_in_every_environment() {
        let load = |vars: &[(&'static str, &'static str)]| Settings::load(Some(&config_dir()), &env(vars)).unwrap();
        Settings::load(Some(&config_dir()), &env(&[])).unwrap().check_secrets().unwrap();
        let cases: [(&[(&str, &str)], &str); 4] = [
            (&[("STORE_GSTIN", "29AABCR1234M1Z8")], "STORE_GSTIN"),
            (&[("STORE_STATE", "Maharashtra")], "STORE_STATE"),
            (&[("STORE_STATE", "Atlantis")], "STORE_STATE"),
            (&[("INVOICE_PREFIX", "RMX")], "INVOICE_PREFIX"),
        ];
        for (vars, named) in cases {
            let err = load(vars).check_secrets().unwrap_err();
            assert!(matches!(err, ConfigError::Invalid { variable, .. } if variable == named), "{vars:?}: {err}");
        }
        let other_state = load(&[("STORE_STATE", "maharashtra"), ("STORE_GSTIN", "27AAACR5055K1Z7")]);
        assert_eq!(other_state.store.invoicing().unwrap().seller().state_code, 27);
    }

    #[test]
    fn production_needs_the_storefronts_https_address_for_share_links() {
        let without: Vec<_> = production_env().into_iter().filter(|(k, _)| *k != "STOREFRONT_URL").collect();
        let err = Settings::load(Some(&config_dir()), &env(&without)).unwrap().check_secrets().unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { variable: "STOREFRONT_URL", .. }), "{err}");
        for wrong in ["http://shop.rigmaster.in", "https://", "https:///builds"] {
            let mut vars = without.clone();
            vars.push(("STOREFRONT_URL", wrong));
            let err = Settings::load(Some(&config_dir()), &env(&vars)).unwrap().check_secrets().unwrap_err();
            assert!(matches!(err, ConfigError::Invalid { variable: "STOREFRONT_URL", .. }), "{wrong}: {err}");
        }
        Settings::load(Some(&config_dir()), &env(&production_env())).unwrap().check_secrets().unwrap();
    }

    #[test]
    fn development_runs_on_built_in_defaults_alone() {
        let settings = Settings::load(None, &HashMap::new()).unwrap();
        assert_eq!(settings.app.env, AppEnv::Development);
        assert_eq!(settings.http.addr, "127.0.0.1:8080");
        assert_eq!(settings.inventory.reservation_ttl_seconds, 900);
        settings.check_secrets().unwrap();
    }

    #[test]
    fn plain_variables_override_files_and_prefixed_variables() {
        let settings = Settings::load(
            Some(&config_dir()),
            &env(&[
                ("HTTP_ADDR", "127.0.0.1:0"),
                ("RIGMASTER__HTTP__ADDR", "127.0.0.1:1"),
                ("RIGMASTER__DATABASE__MAX_CONNECTIONS", "7"),
                ("RESERVATION_TTL_SECONDS", "2"),
                ("LOG_FORMAT", "json"),
                ("DATABASE_URL", "postgres://u@h:1/db"),
            ]),
        )
        .unwrap();
        assert_eq!(settings.http.addr, "127.0.0.1:0");
        assert_eq!(settings.database.max_connections, 7);
        assert_eq!(settings.inventory.reservation_ttl_seconds, 2);
        assert_eq!(settings.log.format, LogFormat::Json);
        assert_eq!(settings.database.url.expose_secret(), "postgres://u@h:1/db");
    }

    #[test]
    fn analytics_answers_are_kept_thirty_seconds_unless_told() {
        let settings = Settings::load(None, &env(&[])).unwrap();
        assert_eq!((settings.analytics.cache_seconds, settings.analytics.cache_max_entries), (30, 1_000));
        let settings = Settings::load(None, &env(&[("ANALYTICS_CACHE_SECONDS", "0")])).unwrap();
        assert_eq!(settings.analytics.cache_seconds, 0);
    }

    #[test]
    fn the_catalog_cache_holds_pages_a_second_and_can_be_turned_off() {
        let settings = Settings::load(Some(&config_dir()), &HashMap::new()).unwrap();
        assert_eq!((settings.catalog_cache.ttl_ms, settings.catalog_cache.max_bytes), (1000, 32 * 1024 * 1024));
        let settings = Settings::load(
            None,
            &env(&[("CATALOG_CACHE_TTL_MS", "0"), ("RIGMASTER__CATALOG_CACHE__MAX_BYTES", "2097152")]),
        )
        .unwrap();
        assert_eq!((settings.catalog_cache.ttl_ms, settings.catalog_cache.max_bytes), (0, 2_097_152));
        let err = Settings::load(None, &env(&[("CATALOG_CACHE_MAX_BYTES", "1000")])).unwrap_err();
        assert!(err.to_string().starts_with("CATALOG_CACHE_MAX_BYTES"), "{err}");
        let err = Settings::load(None, &env(&[("CATALOG_CACHE_TTL_MS", "soon")])).unwrap_err();
        assert!(err.to_string().starts_with("CATALOG_CACHE_TTL_MS"), "{err}");
    }

    #[test]
    fn lists_come_from_a_file_or_one_comma_separated_variable() {
        let settings = Settings::load(Some(&config_dir()), &HashMap::new()).unwrap();
        assert!(settings.rate_limit.trusted_proxies.is_empty());
        assert!(settings.security.cors_allowed_origins.is_empty());
        let settings = Settings::load(
            None,
            &env(&[
                ("RIGMASTER__RATE_LIMIT__TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"),
                ("RIGMASTER__SECURITY__CORS_ALLOWED_ORIGINS", "https://shop.example.in"),
                ("RIGMASTER__LIMITS__MAX_PENDING_ORDERS", "5"),
            ]),
        )
        .unwrap();
        assert_eq!(settings.rate_limit.trusted_proxies, ["10.0.0.0/8", "127.0.0.1"]);
        assert_eq!(settings.security.cors_allowed_origins, ["https://shop.example.in"]);
        assert_eq!(settings.limits.max_pending_orders, 5);
    }

    #[test]
    fn a_trusted_proxy_that_is_not_an_address_or_range_is_refused_by_name() {
        let err =
            Settings::load(None, &env(&[("RIGMASTER__RATE_LIMIT__TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal")]))
                .unwrap_err();
        assert!(err.to_string().starts_with("RIGMASTER__RATE_LIMIT__TRUSTED_PROXIES"), "{err}");
        assert!(err.to_string().contains("proxy.internal"), "{err}");
    }

    #[test]
    fn production_file_switches_to_json_logs() {
        let settings = Settings::load(Some(&config_dir()), &env(&production_env())).unwrap();
        assert_eq!(settings.log.format, LogFormat::Json);
        settings.check_secrets().unwrap();
    }

    #[test]
    fn production_without_a_secret_names_the_missing_variable() {
        for missing in ["JWT_ACCESS_SECRET", "RAZORPAY_KEY_ID", "RAZORPAY_KEY_SECRET", "RAZORPAY_WEBHOOK_SECRET"] {
            let vars: Vec<_> = production_env().into_iter().filter(|(k, _)| *k != missing).collect();
            let settings = Settings::load(Some(&config_dir()), &env(&vars)).unwrap();
            let err = settings.check_secrets().unwrap_err();
            assert!(err.to_string().starts_with(missing), "{missing}: {err}");
        }
    }

    #[test]
    fn a_refresh_secret_left_in_the_environment_is_ignored() {
        // Refresh tokens are random and stored hashed, so no secret signs them; a
        // deployment that still sets JWT_REFRESH_SECRET (in either form) starts as before.
        for leftover in ["JWT_REFRESH_SECRET", "RIGMASTER__JWT__REFRESH_SECRET"] {
            let mut vars = production_env();
            vars.push((leftover, "insecure-dev-refresh-secret"));
            let settings = Settings::load(Some(&config_dir()), &env(&vars)).unwrap();
            settings.check_secrets().unwrap();
        }
    }

    #[test]
    fn production_refuses_development_and_short_secrets() {
        // Production's built-in values blank every secret; one copied from development is
        // refused even on loopback.
        let settings = Settings::load(None, &env(&[("APP_ENV", "production")])).unwrap();
        assert!(matches!(settings.check_secrets(), Err(ConfigError::MissingSecret { variable: "JWT_ACCESS_SECRET" })));
        let mut vars = production_env();
        vars.retain(|(k, _)| *k != "JWT_ACCESS_SECRET");
        vars.extend([
            ("JWT_ACCESS_SECRET", "insecure-dev-access-secret-0123456789abcdef"),
            ("HTTP_ADDR", "127.0.0.1:8080"),
        ]);
        let settings = Settings::load(None, &env(&vars)).unwrap();
        assert!(matches!(settings.check_secrets(), Err(ConfigError::InsecureSecret { variable: "JWT_ACCESS_SECRET" })));

        let mut vars = production_env();
        vars.retain(|(k, _)| *k != "JWT_ACCESS_SECRET");
        vars.push(("JWT_ACCESS_SECRET", "short"));
        let settings = Settings::load(Some(&config_dir()), &env(&vars)).unwrap();
        assert!(matches!(settings.check_secrets(), Err(ConfigError::WeakSecret { variable: "JWT_ACCESS_SECRET", .. })));
    }

    #[test]
    fn production_refuses_every_built_in_development_value() {
        // Without the config folder only the built-in values stand behind a variable that
        // is not given: each secret must be refused, by name.
        for (missing, _) in production_env().into_iter().filter(|(k, _)| !matches!(*k, "APP_ENV" | "RAZORPAY_API_BASE"))
        {
            let vars: Vec<_> = production_env().into_iter().filter(|(k, _)| *k != missing).collect();
            let err = Settings::load(None, &env(&vars)).unwrap().check_secrets().unwrap_err();
            assert!(err.to_string().starts_with(missing), "{missing}: {err}");
        }
    }

    #[test]
    fn production_without_its_config_folder_keeps_production_defaults() {
        let vars: Vec<_> = production_env().into_iter().filter(|(k, _)| *k != "RAZORPAY_API_BASE").collect();
        let settings = Settings::load(None, &env(&vars)).unwrap();
        settings.check_secrets().unwrap();
        assert!(!settings.metrics.on_public_listener, "metrics stay off the public listener");
        assert_eq!(settings.metrics.addr, "127.0.0.1:9091");
        assert_eq!(settings.razorpay.api_base, "https://api.razorpay.com/v1");
        assert_eq!(settings.log.format, LogFormat::Json);
    }

    #[test]
    fn production_needs_razorpay_over_https_and_a_real_database() {
        let mut vars = production_env();
        vars.push(("RAZORPAY_API_BASE", "http://127.0.0.1:9010/v1"));
        let err = Settings::load(Some(&config_dir()), &env(&vars)).unwrap().check_secrets().unwrap_err();
        assert!(err.to_string().starts_with("RAZORPAY_API_BASE"), "{err}");

        let vars: Vec<_> = production_env().into_iter().filter(|(k, _)| *k != "DATABASE_URL").collect();
        let err = Settings::load(Some(&config_dir()), &env(&vars)).unwrap().check_secrets().unwrap_err();
        assert!(err.to_string().starts_with("DATABASE_URL"), "{err}");
    }

    #[test]
    fn development_values_are_refused_off_loopback_whatever_app_env_says() {
        for addr in ["0.0.0.0:8080", "[::]:8080", "192.168.1.10:8080"] {
            let settings = Settings::load(None, &env(&[("HTTP_ADDR", addr)])).unwrap();
            let err = settings.check_secrets().unwrap_err();
            assert!(
                matches!(&err, ConfigError::DevelopmentValueExposed { variable: "JWT_ACCESS_SECRET", .. }),
                "{addr}: {err}"
            );
            assert!(err.to_string().contains(addr) && !err.to_string().contains('\n'), "{err}");
        }
        for addr in ["127.0.0.1:8080", "127.0.0.2:0", "[::1]:8080"] {
            Settings::load(None, &env(&[("HTTP_ADDR", addr)])).unwrap().check_secrets().unwrap();
        }
    }

    #[test]
    fn one_development_value_among_real_ones_is_refused_off_loopback() {
        let settings = Settings::load(
            None,
            &env(&[
                ("HTTP_ADDR", "0.0.0.0:8080"),
                ("JWT_ACCESS_SECRET", "a-real-access-secret-of-well-over-32-characters"),
                ("RAZORPAY_KEY_SECRET", "a-real-razorpay-key-secret-of-over-32-characters"),
            ]),
        )
        .unwrap();
        let err = settings.check_secrets().unwrap_err();
        assert!(matches!(err, ConfigError::DevelopmentValueExposed { variable: "RAZORPAY_KEY_ID", .. }), "{err}");
    }

    #[test]
    fn production_secrets_are_at_least_32_characters_and_the_key_id_is_not_a_secret() {
        for short in ["JWT_ACCESS_SECRET", "RAZORPAY_WEBHOOK_SECRET"] {
            let mut vars: Vec<_> = production_env().into_iter().filter(|(k, _)| *k != short).collect();
            vars.push((short, "thirty-one-characters-long-xxxx"));
            let err = Settings::load(Some(&config_dir()), &env(&vars)).unwrap().check_secrets().unwrap_err();
            assert!(matches!(err, ConfigError::WeakSecret { variable, min: 32 } if variable == short), "{err}");
        }
        // Razorpay issues 24-character key secrets: those start, a placeholder does not.
        let mut vars: Vec<_> = production_env().into_iter().filter(|(k, _)| *k != "RAZORPAY_KEY_SECRET").collect();
        vars.push(("RAZORPAY_KEY_SECRET", "EnLs21M47BllR3X8PSFtjtbd"));
        Settings::load(Some(&config_dir()), &env(&vars)).unwrap().check_secrets().unwrap();
        vars.retain(|(k, _)| *k != "RAZORPAY_KEY_SECRET");
        vars.push(("RAZORPAY_KEY_SECRET", "live-secret"));
        let err = Settings::load(Some(&config_dir()), &env(&vars)).unwrap().check_secrets().unwrap_err();
        assert!(matches!(err, ConfigError::WeakSecret { variable: "RAZORPAY_KEY_SECRET", min: 20 }), "{err}");
        let mut vars: Vec<_> = production_env().into_iter().filter(|(k, _)| *k != "RAZORPAY_KEY_ID").collect();
        vars.push(("RAZORPAY_KEY_ID", "rzp_live_x"));
        Settings::load(Some(&config_dir()), &env(&vars)).unwrap().check_secrets().unwrap();
    }

    #[test]
    fn production_reaches_its_database_over_tls_unless_plain_text_is_allowed() {
        for url in [
            "postgres://app@db.internal:5432/rigmaster",
            "postgres://app@db.internal:5432/rigmaster?sslmode=prefer",
            "postgres://app@db.internal:5432/rigmaster?application_name=sslmode%3Drequire",
            // The pool reads the last of repeated modes.
            "postgres://app@db.internal:5432/rigmaster?sslmode=require&sslmode=disable",
            "postgres://app@db.internal:5432/rigmaster?sslmode=verify-full&ssl-mode=disable",
        ] {
            let mut vars: Vec<_> = production_env().into_iter().filter(|(k, _)| *k != "DATABASE_URL").collect();
            vars.push(("DATABASE_URL", url));
            let err = Settings::load(Some(&config_dir()), &env(&vars)).unwrap().check_secrets().unwrap_err();
            assert!(err.to_string().starts_with("DATABASE_URL") && err.to_string().contains("TLS"), "{url}: {err}");
            vars.push(("RIGMASTER__DATABASE__ALLOW_PLAINTEXT", "true"));
            Settings::load(Some(&config_dir()), &env(&vars)).unwrap().check_secrets().unwrap();
        }
        for mode in
            ["sslmode=require", "sslmode=verify-ca", "sslmode=verify-full", "sslmode=REQUIRE", "ssl-mode=require"]
        {
            let url = format!("postgres://app@db.internal:5432/rigmaster?connect_timeout=5&{mode}");
            let mut vars: Vec<_> = production_env().into_iter().filter(|(k, _)| *k != "DATABASE_URL").collect();
            vars.push(("DATABASE_URL", &url));
            Settings::load(Some(&config_dir()), &env(&vars)).unwrap().check_secrets().unwrap();
        }
    }

    #[test]
    fn an_empty_variable_counts_as_unset() {
        let settings =
            Settings::load(Some(&config_dir()), &env(&[("RAZORPAY_API_BASE", ""), ("HTTP_ADDR", " ")])).unwrap();
        assert_eq!(settings.razorpay.api_base, "http://127.0.0.1:9010/v1");
        assert_eq!(settings.http.addr, "127.0.0.1:8080");
    }

    #[test]
    fn bad_values_name_their_variable() {
        let err = Settings::load(None, &env(&[("APP_ENV", "staging")])).unwrap_err();
        assert!(err.to_string().starts_with("APP_ENV"), "{err}");
        let err = Settings::load(None, &env(&[("HTTP_ADDR", "localhost")])).unwrap_err();
        assert!(err.to_string().starts_with("HTTP_ADDR"), "{err}");
        for (variable, value) in [
            ("RIGMASTER__RETENTION__IDEMPOTENCY_KEY_HOURS", "0"),
            ("RIGMASTER__RETENTION__REFRESH_TOKEN_DAYS", "99999999"),
            ("RIGMASTER__JWT__REFRESH_ABSOLUTE_DAYS", "0"),
            ("RIGMASTER__LIMITS__MAX_ADDRESSES_PER_CUSTOMER", "0"),
        ] {
            let err = Settings::load(None, &env(&[(variable, value)])).unwrap_err();
            assert!(err.to_string().starts_with(variable), "{err}");
        }
        let err = Settings::load(None, &env(&[("RIGMASTER__RATE_LIMIT__SESSIONS_PER_MINUTE", "0")])).unwrap_err();
        assert!(err.to_string().starts_with("RIGMASTER__RATE_LIMIT__SESSIONS_PER_MINUTE"), "{err}");
        let err = Settings::load(None, &env(&[("RESERVATION_TTL_SECONDS", "soon")])).unwrap_err();
        assert!(err.to_string().starts_with("RESERVATION_TTL_SECONDS"), "{err}");
        let err = Settings::load(None, &env(&[("RIGMASTER__HTTP__HANDLER_TIMEOUT_MS", "0")])).unwrap_err();
        assert!(err.to_string().starts_with("RIGMASTER__HTTP__HANDLER_TIMEOUT_MS"), "{err}");
        let err = Settings::load(None, &env(&[("METRICS_ADDR", "metrics")])).unwrap_err();
        assert!(err.to_string().starts_with("METRICS_ADDR"), "{err}");
        let err =
            Settings::load(None, &env(&[("RIGMASTER__SECURITY__CORS_ALLOWED_ORIGINS", "https://x.in/")])).unwrap_err();
        assert!(err.to_string().starts_with("RIGMASTER__SECURITY__CORS_ALLOWED_ORIGINS"), "{err}");
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let settings = Settings::load(None, &HashMap::new()).unwrap();
        let debug = format!("{settings:?}");
        for secret in [
            settings.jwt.access_secret.expose_secret(),
            settings.razorpay.key_secret.expose_secret(),
            settings.razorpay.webhook_secret.expose_secret(),
            settings.database.url.expose_secret(),
        ] {
            assert!(!debug.contains(secret), "{debug}");
        }
    }
}
