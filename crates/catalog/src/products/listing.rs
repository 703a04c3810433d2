//! The product-list query: filters, sorts and keyset pagination, built as one SQL
//! statement per shape so that each shape gets its own plan (and index).

use chrono::{DateTime, Utc};
use kernel::{Cursor, InvalidCursor};
use serde::{Deserialize, Serialize};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::{ProductQuery, Sort};
use crate::builder::fit::Fit;
use crate::search::SearchText;

/// Lowest trigram word similarity that still counts as a (misspelt) match; 0.4 lets
/// `ryzn 7` find "Ryzen 7" and `corsiar` find "Corsair".
pub(super) const WORD_SIMILARITY_THRESHOLD: &str = "0.4";

/// The sort key of the last row of a page, which the next page starts after. The sort is
/// part of the key, so a cursor from one sort is refused by another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "s")]
pub(super) enum ListKey {
    #[serde(rename = "n")]
    Newest { t: DateTime<Utc>, id: Uuid },
    #[serde(rename = "pa")]
    PriceAsc { p: i64, id: Uuid },
    #[serde(rename = "pd")]
    PriceDesc { p: i64, id: Uuid },
    #[serde(rename = "nm")]
    Name { n: String, id: Uuid },
    #[serde(rename = "r")]
    Relevance { r: f32, id: Uuid },
}

/// What a listed row carries for its cursor.
pub(super) struct SortColumns {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub final_price_paise: i64,
    pub sort_name: String,
    pub rank: f32,
}

impl ListKey {
    pub fn of(sort: Sort, row: &SortColumns) -> ListKey {
        let id = row.id;
        match sort {
            Sort::Newest => ListKey::Newest { t: row.created_at, id },
            Sort::PriceAsc => ListKey::PriceAsc { p: row.final_price_paise, id },
            Sort::PriceDesc => ListKey::PriceDesc { p: row.final_price_paise, id },
            Sort::Name => ListKey::Name { n: row.sort_name.clone(), id },
            Sort::Relevance => ListKey::Relevance { r: row.rank, id },
        }
    }

    fn decode(cursor: &Cursor, sort: Sort) -> Result<ListKey, InvalidCursor> {
        let key: ListKey = Cursor::decode(cursor.as_str())?;
        let matches = matches!(
            (&key, sort),
            (ListKey::Newest { .. }, Sort::Newest)
                | (ListKey::PriceAsc { .. }, Sort::PriceAsc)
                | (ListKey::PriceDesc { .. }, Sort::PriceDesc)
                | (ListKey::Name { .. }, Sort::Name)
                | (ListKey::Relevance { .. }, Sort::Relevance)
        );
        if matches { Ok(key) } else { Err(InvalidCursor) }
    }
}

/// The columns every listed row has (a product page adds its own after them).
macro_rules! summary_columns {
    () => {
        "p.id, p.sku, p.slug, p.name, p.brand, p.category_id, c.slug AS category_slug, \
         c.name AS category_name, p.images[1] AS image, p.base_price_paise, p.discount_type, p.discount_value, \
         p.tax_rate_bps, p.hsn_code, p.is_active, p.is_featured, p.rating_count, p.rating_total, \
         COALESCE(a.available, 0) AS available, p.created_at, p.final_price_paise, lower(p.name) AS sort_name"
    };
}

/// The tables every product read uses. Availability is inventory's published read model
/// (see the README's architecture notes).
macro_rules! summary_from {
    () => {
        " FROM catalog.products p \
         JOIN catalog.categories c ON c.id = p.category_id \
         LEFT JOIN inventory.availability a ON a.product_id = p.id"
    };
}

pub(super) use {summary_columns, summary_from};

/// Builds the listing statement for `query`; `categories` is the resolved category filter.
/// With `explain`, the statement asks for its plan instead.
pub(super) fn build(
    query: &ProductQuery,
    categories: Option<&[Uuid]>,
    explain: bool,
) -> Result<QueryBuilder<Postgres>, InvalidCursor> {
    let sort = query.effective_sort();
    let after = query.after.as_ref().map(|cursor| ListKey::decode(cursor, sort)).transpose()?;
    let mut sql = QueryBuilder::new(if explain { "EXPLAIN SELECT " } else { "SELECT " });
    sql.push(summary_columns!()).push(", ");
    // Only relevance orders by rank; other sorts skip computing it.
    if sort == Sort::Relevance {
        push_rank(&mut sql, query);
    } else {
        sql.push("0::real");
    }
    sql.push(" AS rank").push(summary_from!()).push(" WHERE true");
    if !query.include_inactive {
        sql.push(" AND p.is_active");
    }
    match categories {
        Some([only]) => {
            sql.push(" AND p.category_id = ").push_bind(*only);
        }
        Some(many) => {
            sql.push(" AND p.category_id = ANY(").push_bind(many.to_vec()).push(")");
        }
        None => {}
    }
    if let Some(brand) = &query.brand {
        sql.push(" AND lower(p.brand) = lower(").push_bind(brand.as_str()).push(")");
    }
    if let Some(search) = &query.search {
        push_search_filter(&mut sql, search);
    }
    if let Some(min) = query.min_price {
        sql.push(" AND p.final_price_paise >= ").push_bind(min.paise());
    }
    if let Some(max) = query.max_price {
        sql.push(" AND p.final_price_paise <= ").push_bind(max.paise());
    }
    match query.in_stock {
        Some(true) => {
            sql.push(" AND a.available > 0");
        }
        Some(false) => {
            sql.push(" AND COALESCE(a.available, 0) <= 0");
        }
        None => {}
    }
    if let Some(featured) = query.featured {
        sql.push(" AND p.is_featured = ").push_bind(featured);
    }
    for fit in &query.fits {
        push_fit(&mut sql, fit);
    }
    if let Some(key) = after {
        push_after(&mut sql, query, key);
    }
    sql.push(match sort {
        Sort::Newest => " ORDER BY p.created_at DESC, p.id DESC",
        Sort::PriceAsc => " ORDER BY p.final_price_paise, p.id",
        Sort::PriceDesc => " ORDER BY p.final_price_paise DESC, p.id DESC",
        Sort::Name => " ORDER BY lower(p.name), p.id",
        Sort::Relevance => " ORDER BY rank DESC, p.id DESC",
    });
    sql.push(" LIMIT ").push_bind(query.limit.fetch_size());
    Ok(sql)
}

/// One PC-builder condition on the fit columns (the `builder_fit_columns` migration). A
/// NULL column (the key missing or of the wrong type) never fits.
fn push_fit(sql: &mut QueryBuilder<Postgres>, fit: &Fit) {
    match fit {
        Fit::HasKeys(keys) => {
            if !keys.is_empty() {
                let keys: Vec<&str> = keys.to_vec();
                sql.push(" AND p.specifications ?& ").push_bind(keys);
            }
        }
        Fit::VendorIs(vendor) => {
            sql.push(" AND p.fit_vendor = ").push_bind(vendor.clone());
        }
        Fit::SocketIs(socket) => {
            sql.push(" AND p.fit_socket = ").push_bind(socket.clone());
        }
        Fit::SocketAmong(sockets) => {
            sql.push(" AND p.fit_socket = ANY(").push_bind(sockets.clone()).push(")");
        }
        Fit::SocketOfPlatform { cpu_category, vendor } => {
            sql.push(" AND p.fit_socket IN (");
            push_platform_sockets(sql, *cpu_category, vendor);
            sql.push(")");
        }
        Fit::SocketsInclude(socket) => {
            sql.push(" AND ").push_bind(socket.clone()).push(" = ANY(p.fit_sockets)");
        }
        Fit::SocketsOfPlatform { cpu_category, vendor } => {
            sql.push(" AND p.fit_sockets && ARRAY(");
            push_platform_sockets(sql, *cpu_category, vendor);
            sql.push(")");
        }
        Fit::MemoryTypeAmong(kinds) => {
            sql.push(" AND p.fit_memory_type = ANY(").push_bind(kinds.clone()).push(")");
        }
        Fit::TakesMemoryType(kind) => {
            sql.push(" AND ").push_bind(kind.clone()).push(" = ANY(p.fit_memory_types)");
        }
        Fit::ModulesAtMost(slots) => {
            sql.push(" AND p.fit_modules <= ").push_bind(*slots);
        }
        Fit::MemorySlotsAtLeast(modules) => {
            sql.push(" AND p.fit_memory_slots >= ").push_bind(*modules);
        }
        Fit::FormFactorAmong(forms) => {
            sql.push(" AND p.fit_form_factor = ANY(").push_bind(forms.clone()).push(")");
        }
        Fit::TakesFormFactor(form) => {
            sql.push(" AND ").push_bind(form.clone()).push(" = ANY(p.fit_form_factors)");
        }
        Fit::LengthAtMost(room) => {
            sql.push(" AND p.fit_length_mm <= ").push_bind(*room);
        }
        Fit::GpuRoomAtLeast(length) => {
            sql.push(" AND p.fit_max_gpu_length_mm >= ").push_bind(*length);
        }
        Fit::TdpTimes13AtMost(left) => {
            sql.push(" AND p.fit_tdp_w * 13 <= ").push_bind(*left);
        }
        Fit::WattageTimes10AtLeast(needed) => {
            sql.push(" AND p.fit_wattage_w * 10 >= ").push_bind(*needed);
        }
    }
}

/// The sockets of the platform's CPUs on sale (through the socket index).
fn push_platform_sockets(sql: &mut QueryBuilder<Postgres>, cpu_category: Uuid, vendor: &str) {
    sql.push("SELECT cpu.fit_socket FROM catalog.products cpu WHERE cpu.is_active AND cpu.fit_socket IS NOT NULL")
        .push(" AND cpu.category_id = ")
        .push_bind(cpu_category)
        .push(" AND cpu.fit_vendor = ")
        .push_bind(vendor.to_owned());
}

/// Every word must match, either as a word prefix (full text) or as a look-alike of a
/// word in the name, brand or SKU (trigrams, for typos). One condition per word, so
/// each can use its index. Words of one or two characters are too short to misspell or
/// to compare by trigrams: they match full-text only, and numbers exactly ("ryzen 9" is
/// not "ryzen 9600x").
pub(super) fn push_search_filter(sql: &mut QueryBuilder<Postgres>, search: &SearchText) {
    for word in search.words() {
        let short = word.chars().count() <= 2;
        let pattern =
            if short && word.chars().all(|c| c.is_ascii_digit()) { word.clone() } else { format!("{word}:*") };
        sql.push(" AND (p.search_document @@ to_tsquery('simple', ").push_bind(pattern).push(")");
        if !short {
            sql.push(" OR ").push_bind(word.clone()).push(" <% p.search_text");
        }
        sql.push(")");
    }
}

/// Full-text rank plus each word's trigram similarity: exact words and typos both count.
pub(super) fn push_search_rank(sql: &mut QueryBuilder<Postgres>, search: &SearchText) {
    sql.push("(ts_rank(p.search_document, to_tsquery('simple', ").push_bind(search.any_word_tsquery()).push("), 1)");
    for word in search.words() {
        sql.push(" + word_similarity(").push_bind(word.clone()).push(", p.search_text)");
    }
    sql.push(")::real");
}

fn push_rank(sql: &mut QueryBuilder<Postgres>, query: &ProductQuery) {
    match &query.search {
        Some(search) => push_search_rank(sql, search),
        None => {
            sql.push("0::real");
        }
    }
}

fn push_after(sql: &mut QueryBuilder<Postgres>, query: &ProductQuery, key: ListKey) {
    match key {
        ListKey::Newest { t, id } => {
            sql.push(" AND (p.created_at, p.id) < (").push_bind(t).push(", ").push_bind(id).push(")");
        }
        ListKey::PriceAsc { p, id } => {
            sql.push(" AND (p.final_price_paise, p.id) > (").push_bind(p).push(", ").push_bind(id).push(")");
        }
        ListKey::PriceDesc { p, id } => {
            sql.push(" AND (p.final_price_paise, p.id) < (").push_bind(p).push(", ").push_bind(id).push(")");
        }
        ListKey::Name { n, id } => {
            sql.push(" AND (lower(p.name), p.id) > (").push_bind(n).push(", ").push_bind(id).push(")");
        }
        ListKey::Relevance { r, id } => {
            sql.push(" AND (");
            push_rank(sql, query);
            sql.push(", p.id) < (").push_bind(r).push(", ").push_bind(id).push(")");
        }
    }
}

#[cfg(test)]
mod tests {
    use kernel::Limit;

    use super::*;

    #[test]
    fn a_cursor_only_fits_the_sort_it_came_from() {
        let key = ListKey::PriceAsc { p: 100, id: Uuid::nil() };
        let cursor = Cursor::encode(&key);
        assert_eq!(ListKey::decode(&cursor, Sort::PriceAsc), Ok(key));
        assert_eq!(ListKey::decode(&cursor, Sort::PriceDesc), Err(InvalidCursor));
        assert_eq!(ListKey::decode(&Cursor::encode(&"junk"), Sort::Newest), Err(InvalidCursor));
    }

    #[test]
    fn relevance_keys_survive_the_round_trip_exactly() {
        let rank = 0.123_456_79_f32;
        let cursor = Cursor::encode(&ListKey::Relevance { r: rank, id: Uuid::nil() });
        assert_eq!(ListKey::decode(&cursor, Sort::Relevance), Ok(ListKey::Relevance { r: rank, id: Uuid::nil() }));
    }

    #[test]
    fn each_shape_orders_by_its_index_and_binds_every_value() {
        let query = ProductQuery {
            search: Some(SearchText::parse("rtx 4070 xt", "q").unwrap()),
            sort: Some(Sort::PriceDesc),
            limit: Limit::new(Some(5)).unwrap(),
            brand: Some("ASUS".into()),
            ..ProductQuery::default()
        };
        let one = [Uuid::nil()];
        let sql = build(&query, Some(&one), false).unwrap().into_string();
        assert!(sql.contains("p.category_id = $"), "{sql}");
        assert!(
            sql.contains("AND (p.search_document @@ to_tsquery('simple', $7))"),
            "short words: full text only: {sql}"
        );
        assert!(sql.ends_with("ORDER BY p.final_price_paise DESC, p.id DESC LIMIT $8"), "{sql}");
        assert!(!sql.contains("rtx"), "values are bound, never spliced: {sql}");
    }
}
