//! An in-process cache of the shopper catalog's answers (`/products`, `/products/{id}`,
//! `/categories`), so that a popular page is served from memory instead of PostgreSQL.
//!
//! **The guarantee: no page older than the TTL (1 s by default), and admin changes at once.**
//! - Entries are serialized 200 bodies keyed by path and raw query. Each remembers when its
//!   fetch *started* and the cache's generation at that moment. A hit needs the same
//!   generation as now and a start less than the TTL ago; a fetch is kept only if the
//!   generation did not move while it ran, so a change announced mid-fetch is never cached.
//! - Every process `LISTEN`s on [`kernel::channels::CATALOG_CHANGES`] (catalog triggers and
//!   admin stock changes notify it) and bumps the generation on each notification; admin
//!   writes also bump it locally, so an admin reads their own change in this process even
//!   before the notification arrives. While the listener is not connected nothing is
//!   served from the cache (notifications could be missed), and reconnecting bumps.
//! - Availability changed by orders is not notified (far too frequent): the TTL bounds it.
//!
//! One fetch per page at a time: when an entry is missing or stale, the first request
//! fetches it and the others for the same page wait for that answer (at most
//! [`FOLLOW_WAIT`], then they fetch for themselves), so a popular page that expires costs
//! PostgreSQL one query, not one per connection.
//!
//! Errors are never cached: only 200 answers whose one header is `Content-Type` and whose
//! body is already in memory, replayed byte for byte with that header. Outer middleware
//! (request id, logs, metrics) runs as for any request.
//!
//! Storage is `quick_cache` weighted by bytes: a concurrent, sharded cache with eviction
//! built in, whose dependencies were already in the tree; a hand-written map would need its
//! own locking and eviction for the same bounded memory. A hit is one shard read lock,
//! two reference-count increments and an atomic load; the key is the request's own
//! `path?query` text, so looking up allocates nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::HttpResponse;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use quick_cache::sync::{Cache, DefaultLifecycle, PlaceholderGuard};
use quick_cache::{DefaultHashBuilder, OptionsBuilder, Weighter};
use sqlx::PgPool;
use sqlx::postgres::PgListener;

use crate::configuration::CatalogCacheSettings;

/// The pause before listening again after the listener's connection failed.
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);
/// What an entry costs beyond its key and body (the entry, its slot, the header value).
const ENTRY_OVERHEAD: u64 = 128;
/// How long a request waits for another request's fetch of the same page.
const FOLLOW_WAIT: Duration = Duration::from_millis(250);
/// A typical list page, to size the cache's tables.
const TYPICAL_BODY: u64 = 8 * 1024;

/// Shopper catalog answers held in memory; see the module documentation.
pub struct ReadCache {
    entries: Cache<Box<str>, Entry, ByLength>,
    ttl: Duration,
    generation: AtomicU64,
    /// Whether change notifications are being received; hits are served only then.
    listening: AtomicBool,
    hits: metrics::Counter,
    misses: metrics::Counter,
}

/// The right to fetch a page that other requests wait for.
type Lead<'a> = PlaceholderGuard<'a, Box<str>, Entry, ByLength, DefaultHashBuilder, DefaultLifecycle<Box<str>, Entry>>;

/// What a request that found no current entry does.
enum Miss<'a> {
    /// Another request's fetch finished meanwhile: its answer.
    Served(Entry),
    /// Fetch, and hand the answer to those waiting (or let the next one try).
    Lead(Lead<'a>),
    /// Fetch without waking anyone: not listening, or the leader took too long.
    Alone,
}

#[derive(Clone)]
struct Entry {
    body: Bytes,
    content_type: HeaderValue,
    fetch: Fetch,
}

/// When a fetch started, and the generation then.
#[derive(Debug, Clone, Copy)]
pub struct Fetch {
    generation: u64,
    started: Instant,
}

#[derive(Clone)]
struct ByLength;

impl Weighter<Box<str>, Entry> for ByLength {
    fn weight(&self, key: &Box<str>, entry: &Entry) -> u64 {
        (key.len() + entry.body.len()) as u64 + ENTRY_OVERHEAD
    }
}

impl ReadCache {
    /// The cache as configured, or `None` when `ttl_ms` is 0 (turned off).
    pub fn new(settings: &CatalogCacheSettings) -> anyhow::Result<Option<ReadCache>> {
        if settings.ttl_ms == 0 {
            return Ok(None);
        }
        let (hits, misses) = crate::metrics::catalog_cache_counters();
        Self::build(Duration::from_millis(settings.ttl_ms), settings.max_bytes, hits, misses).map(Some)
    }

    fn build(ttl: Duration, max_bytes: u64, hits: metrics::Counter, misses: metrics::Counter) -> anyhow::Result<Self> {
        let options = OptionsBuilder::new()
            .estimated_items_capacity(usize::try_from(max_bytes / TYPICAL_BODY).unwrap_or(usize::MAX).max(64))
            .weight_capacity(max_bytes)
            .build()
            .map_err(|error| anyhow::anyhow!("configuring the catalog cache: {error}"))?;
        Ok(ReadCache {
            entries: Cache::with_options(options, ByLength, Default::default(), Default::default()),
            ttl,
            generation: AtomicU64::new(0),
            listening: AtomicBool::new(false),
            hits,
            misses,
        })
    }

    /// Drops every entry, logically: none of them is served again.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn set_listening(&self, listening: bool) {
        self.listening.store(listening, Ordering::SeqCst);
    }

    /// Marks the start of a fetch, before it reads anything.
    fn begin(&self) -> Fetch {
        Fetch { generation: self.generation.load(Ordering::SeqCst), started: Instant::now() }
    }

    /// A fetch started now would still be current.
    fn is_current(&self, fetch: &Fetch) -> bool {
        self.listening.load(Ordering::SeqCst)
            && fetch.generation == self.generation.load(Ordering::SeqCst)
            && fetch.started.elapsed() < self.ttl
    }

    fn get(&self, key: &str) -> Option<Entry> {
        self.entries.get(key).filter(|entry| self.is_current(&entry.fetch))
    }

    /// Keeps `body` unless the catalog changed (or time ran out) since `fetch` began.
    fn put(&self, key: Box<str>, fetch: Fetch, body: Bytes, content_type: HeaderValue) {
        if self.is_current(&fetch) {
            self.entries.insert(key, Entry { body, content_type, fetch });
        }
    }

    /// Leads the fetch of `key`, or waits for the fetch already under way and takes its
    /// answer. A stale entry is dropped first (only that one: a fresh answer that
    /// replaced it meanwhile stays).
    // `&Box<str>`, not `&str`: the cache makes its own key from this one by `ToOwned`,
    // which for `str` would give a `String`.
    #[allow(clippy::borrowed_box)]
    async fn miss(&self, key: &Box<str>) -> Miss<'_> {
        if !self.listening.load(Ordering::SeqCst) {
            return Miss::Alone;
        }
        for _ in 0..2 {
            match tokio::time::timeout(FOLLOW_WAIT, self.entries.get_value_or_guard_async(key)).await {
                Err(_) => return Miss::Alone,
                Ok(Err(lead)) => return Miss::Lead(lead),
                Ok(Ok(entry)) if self.is_current(&entry.fetch) => return Miss::Served(entry),
                Ok(Ok(stale)) => {
                    self.entries.remove_if(key, |entry| entry.fetch.started == stale.fetch.started);
                }
            }
        }
        Miss::Alone
    }

    /// Hands the leader's answer to the requests waiting for it, if it may be kept;
    /// otherwise dropping the lead lets the next waiter fetch.
    fn settle(&self, lead: Lead<'_>, fetch: Fetch, body: Bytes, content_type: HeaderValue) {
        if self.is_current(&fetch) {
            let _ = lead.insert(Entry { body, content_type, fetch });
        }
    }
}

/// Where a fetched answer goes.
enum Keeper<'a> {
    Lead(&'a ReadCache, Lead<'a>),
    Plain(&'a ReadCache, Box<str>),
}

impl Keeper<'_> {
    fn keep(self, fetch: Fetch, body: Bytes, content_type: HeaderValue) {
        match self {
            Keeper::Lead(cache, lead) => cache.settle(lead, fetch, body, content_type),
            Keeper::Plain(cache, key) => cache.put(key, fetch, body, content_type),
        }
    }
}

/// Middleware for the shopper catalog's GET resources: answers from the cache, or lets
/// the handler answer and keeps a cacheable 200.
pub async fn serve(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let cache = match request.app_data::<web::Data<ReadCache>>() {
        Some(cache) if request.method() == Method::GET => Arc::clone(cache),
        _ => return Ok(next.call(request).await?.map_into_boxed_body()),
    };
    let key = request.uri().path_and_query().map_or(request.path(), |pq| pq.as_str());
    if let Some(entry) = cache.get(key) {
        cache.hits.increment(1);
        return Ok(request.into_response(replay(entry)));
    }
    let key: Box<str> = key.into();
    let keeper = match cache.miss(&key).await {
        Miss::Served(entry) => {
            cache.hits.increment(1);
            return Ok(request.into_response(replay(entry)));
        }
        Miss::Lead(lead) => Keeper::Lead(&cache, lead),
        Miss::Alone => Keeper::Plain(&cache, key),
    };
    cache.misses.increment(1);
    let fetch = cache.begin();
    let response = next.call(request).await?;
    Ok(keep(keeper, fetch, response))
}

fn replay(entry: Entry) -> HttpResponse {
    let mut response = HttpResponse::with_body(StatusCode::OK, BoxBody::new(entry.body));
    response.headers_mut().insert(CONTENT_TYPE, entry.content_type);
    response
}

/// Stores a 200 whose body is in memory and whose only header is its content type (what
/// `HttpResponse::json` gives), so the replay equals it; passes anything else through.
fn keep<B: MessageBody + 'static>(
    keeper: Keeper<'_>,
    fetch: Fetch,
    response: ServiceResponse<B>,
) -> ServiceResponse<BoxBody> {
    let Some(content_type) = only_content_type(response.status(), response.headers()) else {
        return response.map_into_boxed_body();
    };
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let body = match body.try_into_bytes() {
        Ok(bytes) => {
            keeper.keep(fetch, bytes.clone(), content_type);
            BoxBody::new(bytes)
        }
        Err(body) => BoxBody::new(body),
    };
    ServiceResponse::new(request, head.set_body(body))
}

fn only_content_type(status: StatusCode, headers: &HeaderMap) -> Option<HeaderValue> {
    if status != StatusCode::OK || headers.len() != 1 {
        return None;
    }
    headers.get(CONTENT_TYPE).cloned()
}

/// Middleware for admin catalog and stock writes: once a write is done, this process's
/// cache is dropped, so the admin's next read shows the change without waiting for the
/// notification (which other processes rely on). A 4xx changed nothing and drops nothing,
/// so requests without an admin token cannot empty the cache; a 5xx may have come after
/// the commit, so it drops too.
pub async fn invalidate_after_write<B: MessageBody>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let cache = match request.app_data::<web::Data<ReadCache>>() {
        Some(cache) if request.method() != Method::GET => Some(Arc::clone(cache)),
        _ => None,
    };
    let response = next.call(request).await;
    let refused = response.as_ref().is_ok_and(|response| response.status().is_client_error());
    if let Some(cache) = cache.filter(|_| !refused) {
        cache.invalidate();
    }
    response
}

/// Follows catalog change notifications for as long as it runs (the caller aborts it at
/// shutdown): every notification bumps the generation; a lost or failed connection stops
/// hits, bumps (notifications may have been missed) and is opened again after a pause.
pub async fn follow_changes(cache: Arc<ReadCache>, pool: PgPool) {
    let mut failures: u32 = 0;
    loop {
        let lost = match subscribe(&pool).await {
            Ok(mut listener) => {
                // Anything cached before now may predate a notification we never saw.
                cache.invalidate();
                cache.set_listening(true);
                if failures > 0 {
                    tracing::info!("catalog cache: listening for changes again");
                }
                failures = 0;
                let lost = relay(&cache, &mut listener).await;
                cache.set_listening(false);
                cache.invalidate();
                lost
            }
            Err(error) => error.into(),
        };
        if failures == 0 {
            tracing::warn!(error = %format!("{lost:#}"), "catalog cache: not listening for changes; serving without it until back");
        }
        failures = failures.saturating_add(1);
        tokio::time::sleep(RECONNECT_PAUSE).await;
    }
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    // Report a lost connection at once rather than reconnecting inside `try_recv`, so that
    // hits stop until a new subscription is in place.
    listener.eager_reconnect(false);
    listener.listen(kernel::channels::CATALOG_CHANGES).await?;
    Ok(listener)
}

/// Bumps the generation for each notification until the connection fails.
async fn relay(cache: &ReadCache, listener: &mut PgListener) -> anyhow::Error {
    loop {
        match listener.try_recv().await {
            Ok(Some(_)) => cache.invalidate(),
            Ok(None) => return anyhow::anyhow!("the listening connection was lost"),
            Err(error) => return error.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: HeaderValue = HeaderValue::from_static("application/json");

    fn cache(ttl: Duration) -> ReadCache {
        let cache = ReadCache::build(ttl, 1 << 20, metrics::Counter::noop(), metrics::Counter::noop()).unwrap();
        cache.set_listening(true);
        cache
    }

    fn body(entry: Option<Entry>) -> Option<Bytes> {
        entry.map(|e| e.body)
    }

    /// Keeps "old" under `key` as a fetch that started a whole `ttl` ago; returns that fetch.
    fn keep_expired(cache: &ReadCache, key: &str, ttl: Duration) -> Fetch {
        let long_ago = Fetch { started: Instant::now() - ttl, ..cache.begin() };
        cache
            .entries
            .insert(key.into(), Entry { body: Bytes::from_static(b"old"), content_type: JSON, fetch: long_ago });
        long_ago
    }

    /// The first miss of `key`, which must lead the fetch.
    async fn lead<'a>(cache: &'a ReadCache, key: &str) -> Lead<'a> {
        let Miss::Lead(lead) = cache.miss(&key.into()).await else { panic!("the first miss leads the fetch") };
        lead
    }

    #[test]
    fn a_fetch_is_served_until_the_ttl_from_its_start() {
        let cache = cache(Duration::from_secs(60));
        let fetch = cache.begin();
        cache.put("/p?a=1".into(), fetch, Bytes::from_static(b"one"), JSON);
        assert_eq!(body(cache.get("/p?a=1")), Some(Bytes::from_static(b"one")));
        assert!(cache.get("/p?a=2").is_none(), "another query is another entry");
    }

    #[test]
    fn a_fetch_that_started_before_a_change_is_not_kept() {
        let cache = cache(Duration::from_secs(60));
        let fetch = cache.begin();
        cache.invalidate();
        cache.put("/p".into(), fetch, Bytes::from_static(b"stale"), JSON);
        assert!(cache.get("/p").is_none());
    }

    #[test]
    fn a_change_drops_what_was_kept_before_it() {
        let cache = cache(Duration::from_secs(60));
        cache.put("/p".into(), cache.begin(), Bytes::from_static(b"old"), JSON);
        cache.invalidate();
        assert!(cache.get("/p").is_none());
        cache.put("/p".into(), cache.begin(), Bytes::from_static(b"new"), JSON);
        assert_eq!(body(cache.get("/p")), Some(Bytes::from_static(b"new")));
    }

    #[test]
    fn an_entry_expires_a_ttl_after_its_fetch_started() {
        let ttl = Duration::from_millis(500);
        let cache = cache(ttl);
        let long_ago = keep_expired(&cache, "/p", ttl);
        assert!(cache.get("/p").is_none(), "expired");
        cache.put("/q".into(), long_ago, Bytes::from_static(b"late"), JSON);
        assert!(cache.entries.get("/q").is_none(), "a fetch that took longer than the TTL is not kept");
    }

    #[test]
    fn nothing_is_served_or_kept_while_not_listening() {
        let cache = cache(Duration::from_secs(60));
        cache.put("/p".into(), cache.begin(), Bytes::from_static(b"kept"), JSON);
        cache.set_listening(false);
        assert!(cache.get("/p").is_none());
        cache.put("/q".into(), cache.begin(), Bytes::from_static(b"not kept"), JSON);
        assert!(cache.entries.get("/q").is_none());
    }

    #[test]
    fn memory_stays_within_the_budget() {
        let cache =
            ReadCache::build(Duration::from_secs(60), 1 << 20, metrics::Counter::noop(), metrics::Counter::noop())
                .unwrap();
        cache.set_listening(true);
        let page = Bytes::from(vec![b'x'; 16 * 1024]);
        for n in 0..1000 {
            cache.put(format!("/p?n={n}").into(), cache.begin(), page.clone(), JSON);
        }
        assert!(cache.entries.weight() <= 1 << 20, "weight {}", cache.entries.weight());
        assert!(cache.entries.len() > 10, "still caching");
    }

    #[test]
    fn only_plain_200_answers_are_kept() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, JSON);
        assert_eq!(only_content_type(StatusCode::OK, &headers), Some(JSON));
        assert_eq!(only_content_type(StatusCode::UNPROCESSABLE_ENTITY, &headers), None);
        assert_eq!(only_content_type(StatusCode::NOT_FOUND, &headers), None);
        headers.insert(actix_web::http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        assert_eq!(only_content_type(StatusCode::OK, &headers), None);
    }

    #[tokio::test]
    async fn requests_for_a_page_being_fetched_take_that_fetch() {
        let cache = cache(Duration::from_secs(60));
        let key: Box<str> = "/p".into();
        let lead = lead(&cache, &key).await;
        let fetch = cache.begin();
        let answer = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            cache.settle(lead, fetch, Bytes::from_static(b"fresh"), JSON);
        };
        let (followed, ()) = tokio::join!(cache.miss(&key), answer);
        assert!(matches!(followed, Miss::Served(entry) if entry.body == "fresh"), "the follower waited for the leader");
    }

    #[tokio::test]
    async fn a_stale_entry_is_fetched_again_not_served() {
        let ttl = Duration::from_millis(500);
        let cache = cache(ttl);
        keep_expired(&cache, "/p", ttl);
        assert!(matches!(cache.miss(&"/p".into()).await, Miss::Lead(_)));
    }

    #[tokio::test]
    async fn when_the_leader_cannot_keep_its_answer_the_next_request_fetches() {
        let cache = cache(Duration::from_secs(60));
        let key: Box<str> = "/p".into();
        let lead = lead(&cache, &key).await;
        let fetch = cache.begin();
        let changed_meanwhile = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            cache.invalidate();
            cache.settle(lead, fetch, Bytes::from_static(b"stale"), JSON);
        };
        let (followed, ()) = tokio::join!(cache.miss(&key), changed_meanwhile);
        assert!(matches!(followed, Miss::Lead(_)), "a page fetched before a change is never handed on");
    }
}
