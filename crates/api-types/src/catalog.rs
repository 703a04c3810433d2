//! The catalog: categories and products, for shoppers (`/categories`, `/products`,
//! `/search/suggest`) and admins (`/admin/products`, `/admin/categories`).

use chrono::{DateTime, Utc};
use garde::Validate;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The highest base price (and flat discount) accepted: ₹1,000 crore, in paise, far from
/// `i64` overflow in any sum.
pub const MAX_PRICE_PAISE: i64 = 1_000_000_000_000;
/// The highest GST rate, in basis points (28 %).
pub const MAX_TAX_RATE_BPS: i64 = 2_800;
/// A percentage discount's largest value, in basis points (100 %).
pub const MAX_PERCENTAGE_BPS: i64 = 10_000;
/// The most units a product's stock may start with (and the largest low-stock threshold).
pub const MAX_STOCK: i64 = 1_000_000_000;
/// The most images a product may have.
pub const MAX_IMAGES: usize = 20;
/// The largest `position` of a category.
pub const MAX_CATEGORY_POSITION: i32 = 10_000;
/// The longest search text (`q`), in characters.
pub const MAX_SEARCH_CHARS: usize = 100;
/// The most suggestions `GET /search/suggest` answers.
pub const MAX_SUGGESTIONS: u32 = 10;

/// Whether a product can be bought now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    InStock,
    OutOfStock,
    Discontinued,
}

/// A category, with the number of active products in it and in its sub-categories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Category {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    /// The parent category; `null` for a top-level one.
    pub parent_id: Option<Uuid>,
    /// The order among its siblings (lowest first).
    pub position: i32,
    /// Active products in this category and its sub-categories.
    pub product_count: i64,
}

/// `GET /categories`: the whole tree, flat, each parent before its children (siblings by
/// `position`, then name). Not paged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Categories {
    pub items: Vec<Category>,
}

/// The category a product is filed under, as shown with the product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CategoryRef {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
}

/// How a product's discount is expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiscountKind {
    /// `value` is in basis points of the base price (1000 = 10 %).
    Percentage,
    /// `value` is an amount in paise.
    Flat,
}

/// A product's own discount, as the server answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Discount {
    #[serde(rename = "type")]
    pub kind: DiscountKind,
    /// Basis points for `percentage` (0 to 10000), paise for `flat`.
    pub value: i64,
}

/// A product's price, computed by the server only: `unit_price_paise` = base minus the
/// discount (never below 0), `tax_paise` = GST on one unit (rounded half-up to the paisa),
/// `final_price_paise` = both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Pricing {
    pub base_price_paise: i64,
    pub discount: Option<Discount>,
    /// The GST rate, in basis points (1800 = 18 %).
    pub tax_rate_bps: u32,
    /// The price of one unit before GST, after the discount.
    pub unit_price_paise: i64,
    /// GST on one unit.
    pub tax_paise: i64,
    /// The price to show: unit price plus GST.
    pub final_price_paise: i64,
}

/// Review totals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Rating {
    /// The mean rating (1 to 5 stars) to one decimal; `null` before the first review.
    pub average: Option<f64>,
    pub count: i64,
}

/// What a product list shows of each product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProductSummary {
    pub id: Uuid,
    pub sku: String,
    pub slug: String,
    pub name: String,
    pub brand: String,
    pub category: CategoryRef,
    /// The first image, if any.
    pub image: Option<String>,
    pub pricing: Pricing,
    pub availability: Availability,
    pub is_featured: bool,
    /// `false` once an admin deleted (hid) the product; shoppers only see active ones.
    pub is_active: bool,
    pub rating: Rating,
}

/// A product with everything a product page shows: the summary's fields plus these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Product {
    #[serde(flatten)]
    pub summary: ProductSummary,
    /// The HSN code (GST's classification of goods) its invoice lines name: 4, 6 or 8
    /// digits; `null` only for a product older than HSN codes.
    #[schema(pattern = "^([0-9]{4}|[0-9]{6}|[0-9]{8})$", example = "847330")]
    pub hsn_code: Option<String>,
    pub short_description: String,
    pub description: String,
    /// Free-form key/value specifications (`{"socket": "AM5", "tdp_w": 120}`).
    #[schema(value_type = Object)]
    pub specifications: Map<String, Value>,
    pub images: Vec<String>,
    /// Units that can be sold now.
    pub stock_available: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One search suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Suggestion {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub category: CategoryRef,
}

/// `GET /search/suggest`: at most 10 products, best match first. Not paged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Suggestions {
    pub items: Vec<Suggestion>,
}

/// The order of a product list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProductSort {
    /// Newest first: the default without `q`.
    Newest,
    /// Cheapest first (by final price).
    PriceAsc,
    /// Dearest first (by final price).
    PriceDesc,
    /// By name, case-insensitively.
    Name,
    /// Best match first: the default with `q`; without `q` it is `newest`.
    Relevance,
}

impl ProductSort {
    /// Every sort, in the contract's order.
    pub const ALL: [ProductSort; 5] =
        [ProductSort::Newest, ProductSort::PriceAsc, ProductSort::PriceDesc, ProductSort::Name, ProductSort::Relevance];

    /// The sort as written in the query string.
    pub const fn as_str(self) -> &'static str {
        match self {
            ProductSort::Newest => "newest",
            ProductSort::PriceAsc => "price_asc",
            ProductSort::PriceDesc => "price_desc",
            ProductSort::Name => "name",
            ProductSort::Relevance => "relevance",
        }
    }

    /// The sort written `raw` (exactly, lower case), if there is one.
    pub fn parse(raw: &str) -> Option<ProductSort> {
        ProductSort::ALL.into_iter().find(|sort| sort.as_str() == raw)
    }
}

/// A yes/no filter of the product lists as the server reads it: `true` or `false`, and `1`
/// or `0` the same; blank counts as absent.
// For the document only: the client sends a `bool`.
#[derive(ToSchema)]
#[allow(dead_code)]
enum Flag {
    #[schema(rename = "true")]
    True,
    #[schema(rename = "false")]
    False,
    #[schema(rename = "1")]
    One,
    #[schema(rename = "0")]
    Zero,
}

/// The parameters both product lists take, written once: `$name` is the shopper's or the
/// admin's query, with `$extra` fields after the shared ones.
macro_rules! product_list_query {
    ($(#[$doc:meta])* $name:ident { $($extra:tt)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            /// A category's slug or id; the list includes its sub-categories. An unknown one is
            /// refused (422).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub category: Option<String>,
            /// Exactly this brand, case-insensitively; at most 100 characters.
            #[param(max_length = 100)]
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub brand: Option<String>,
            /// Typo-tolerant full-text search over name, brand, SKU, description and
            /// specifications: at most 100 characters, with at least one letter or digit.
            #[param(max_length = 100)]
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub q: Option<String>,
            /// The lowest final price, in paise (0 or more).
            #[param(minimum = 0)]
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub min_price_paise: Option<i64>,
            /// The highest final price, in paise (0 or more).
            #[param(minimum = 0)]
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub max_price_paise: Option<i64>,
            /// Only products that can be bought now (`true`), or only those that cannot (`false`).
            #[param(value_type = Flag, inline)]
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub in_stock: Option<bool>,
            /// Only featured products (`true`), or only the others (`false`).
            #[param(value_type = Flag, inline)]
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub featured: Option<bool>,
            /// The order: `newest` by default, `relevance` by default when `q` is given.
            #[param(inline)]
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub sort: Option<ProductSort>,
            /// Items per page: 1 to 100 (default 24).
            #[param(minimum = 1, maximum = 100)]
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub limit: Option<u32>,
            /// The `next_cursor` of the previous page, with the same filters and sort.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub cursor: Option<String>,
            $($extra)*
        }
    };
}

product_list_query!(
    /// The query string of `GET /products`. Every parameter is optional, and a blank one
    /// (`brand=`) counts as absent. A refused value gets 422 `validation_failed` naming each
    /// refused parameter at once.
    ProductQuery {}
);

product_list_query!(
    /// The query string of `GET /admin/products`: the shopper list's parameters, plus
    /// `include_inactive`.
    AdminProductQuery {
        /// Also list inactive (deleted) products, as `discontinued` (default `false`).
        #[param(value_type = Flag, inline)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub include_inactive: Option<bool>,
    }
);

impl AdminProductQuery {
    /// The shopper's filters, with `include_inactive` as given.
    pub fn new(query: ProductQuery, include_inactive: bool) -> Self {
        let ProductQuery {
            category,
            brand,
            q,
            min_price_paise,
            max_price_paise,
            in_stock,
            featured,
            sort,
            limit,
            cursor,
        } = query;
        AdminProductQuery {
            category,
            brand,
            q,
            min_price_paise,
            max_price_paise,
            in_stock,
            featured,
            sort,
            limit,
            cursor,
            include_inactive: Some(include_inactive),
        }
    }
}

/// The query string of `GET /search/suggest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// What the shopper typed so far (prefix and typo-tolerant): 1 to 100 characters,
    /// with at least one letter or digit. Missing or blank is refused (422).
    #[param(required = true, min_length = 1, max_length = 100)]
    #[serde(default)]
    pub q: String,
}

/// Tells "absent" (`None`) from `null` (`Some(None)`) in a partial update.
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A product's discount, as an admin sets it. `type` is `percentage` (`value` in basis
/// points, 0 to 10000) or `flat` (`value` in paise, 0 or more); any other type is
/// refused (422 naming `discount.type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
pub struct NewDiscount {
    #[serde(rename = "type")]
    #[schema(value_type = DiscountKind)]
    #[garde(skip)]
    pub kind: String,
    #[garde(skip)]
    pub value: i64,
}

impl NewDiscount {
    /// `bps` basis points off the base price (1000 = 10 %).
    pub fn percentage(bps: i64) -> Self {
        NewDiscount { kind: "percentage".to_owned(), value: bps }
    }

    /// `paise` off the base price.
    pub fn flat(paise: i64) -> Self {
        NewDiscount { kind: "flat".to_owned(), value: paise }
    }
}

impl From<Discount> for NewDiscount {
    fn from(discount: Discount) -> Self {
        match discount.kind {
            DiscountKind::Percentage => NewDiscount::percentage(discount.value),
            DiscountKind::Flat => NewDiscount::flat(discount.value),
        }
    }
}

/// `POST /admin/products`. The category is `category_id` or, instead, the category's
/// slug as `category`. Without a `slug`, one is made from the name. Text is trimmed;
/// `sku` is stored in upper case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"sku": "AMD-7800X3D", "name": "AMD Ryzen 7 7800X3D", "brand": "AMD",
    "category": "cpu", "base_price_paise": 3_200_000, "discount": {"type": "percentage", "value": 1000},
    "tax_rate_bps": 1800, "hsn_code": "854231", "short_description": "8 cores, 96 MB L3 cache.",
    "specifications": {"vendor": "AMD", "socket": "AM5", "tdp_w": 120, "bundled_cooler": false, "cores": 8}, "images": ["https://cdn.example.in/7800x3d.jpg"],
    "initial_stock": 25, "low_stock_threshold": 5}))]
pub struct NewProduct {
    /// 1 to 64 letters, digits, `.`, `_` or `-`, starting with a letter or digit; unique
    /// (409 `sku_taken`).
    #[schema(min_length = 1, max_length = 64)]
    #[garde(skip)]
    pub sku: String,
    /// Lower-case letters and digits in words joined by `-`, 1 to 120 characters; unique
    /// (409 `conflict`).
    #[schema(max_length = 120)]
    #[garde(skip)]
    pub slug: Option<String>,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    #[garde(skip)]
    pub name: String,
    /// 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100)]
    #[garde(skip)]
    pub brand: String,
    /// The category's id (this or `category` is required).
    #[garde(skip)]
    pub category_id: Option<Uuid>,
    /// The category's slug, instead of `category_id`.
    #[garde(skip)]
    pub category: Option<String>,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    #[garde(range(min = 0, max = MAX_PRICE_PAISE))]
    pub base_price_paise: i64,
    #[garde(skip)]
    pub discount: Option<NewDiscount>,
    /// GST in basis points: 0 to 2800 (28 %).
    #[schema(minimum = 0, maximum = 2800)]
    #[garde(range(min = 0, max = MAX_TAX_RATE_BPS))]
    pub tax_rate_bps: i64,
    /// The HSN code (GST's classification of goods) the product's invoice lines name:
    /// exactly 4, 6 or 8 digits (`8471` computers, `847330` their parts, `852852`
    /// monitors). Required (422 naming `hsn_code`).
    #[schema(pattern = "^([0-9]{4}|[0-9]{6}|[0-9]{8})$", example = "847330")]
    #[garde(length(min = 4, max = 8))]
    pub hsn_code: String,
    /// At most 500 characters (default empty).
    #[schema(max_length = 500)]
    #[garde(skip)]
    pub short_description: Option<String>,
    /// At most 20000 characters (default empty).
    #[schema(max_length = 20000)]
    #[garde(skip)]
    pub description: Option<String>,
    /// Key/value specifications, at most 16 KiB as JSON (default `{}`). Products of the PC
    /// builder's categories (`cpu`, `motherboard`, `memory`, `gpu`, `psu`, `case`, `cooler`)
    /// must carry the keys its rules read (422 naming `specifications.<key>`): see the
    /// README's "PC builder".
    #[schema(value_type = Option<Object>)]
    #[garde(skip)]
    pub specifications: Option<Map<String, Value>>,
    /// At most 20 http(s) URLs or paths, each at most 2048 characters; the first is the
    /// list image.
    #[schema(max_items = 20)]
    #[garde(length(max = MAX_IMAGES))]
    pub images: Option<Vec<String>>,
    /// Default `true`.
    #[garde(skip)]
    pub is_active: Option<bool>,
    /// Default `false`.
    #[garde(skip)]
    pub is_featured: Option<bool>,
    /// Units on hand to start with (default 0).
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    #[garde(range(min = 0, max = MAX_STOCK))]
    pub initial_stock: Option<i64>,
    /// At or below this many available units, the product is low on stock (default 0).
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    #[garde(range(min = 0, max = MAX_STOCK))]
    pub low_stock_threshold: Option<i64>,
}

/// `PATCH /admin/products/{id}`: only the fields given change. A field that is absent or
/// `null` is left as it is, except `discount`, where `null` removes the discount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"base_price_paise": 3_100_000, "discount": null, "is_featured": true}))]
pub struct ProductChanges {
    #[schema(min_length = 1, max_length = 64)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(skip)]
    pub sku: Option<String>,
    #[schema(max_length = 120)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(skip)]
    pub slug: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(skip)]
    pub name: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(skip)]
    pub brand: Option<String>,
    /// Moves the product to this category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(skip)]
    pub category_id: Option<Uuid>,
    /// Moves the product to the category with this slug (`category_id` wins if both are
    /// given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(skip)]
    pub category: Option<String>,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(range(min = 0, max = MAX_PRICE_PAISE))]
    pub base_price_paise: Option<i64>,
    /// Absent: unchanged; `null`: no discount any more; an object: the new discount.
    #[schema(value_type = Option<NewDiscount>)]
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "nullable")]
    #[garde(skip)]
    pub discount: Option<Option<NewDiscount>>,
    #[schema(minimum = 0, maximum = 2800)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(range(min = 0, max = MAX_TAX_RATE_BPS))]
    pub tax_rate_bps: Option<i64>,
    /// A new HSN code: 4, 6 or 8 digits. It can be changed, not removed.
    #[schema(pattern = "^([0-9]{4}|[0-9]{6}|[0-9]{8})$", example = "847330")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(length(min = 4, max = 8))]
    pub hsn_code: Option<String>,
    #[schema(max_length = 500)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(skip)]
    pub short_description: Option<String>,
    #[schema(max_length = 20000)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(skip)]
    pub description: Option<String>,
    /// Replaces all the specifications (checked like a new product's for the PC builder's
    /// categories, as is a change of category).
    #[schema(value_type = Option<Object>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(skip)]
    pub specifications: Option<Map<String, Value>>,
    /// Replaces all the images.
    #[schema(max_items = 20)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(length(max = MAX_IMAGES))]
    pub images: Option<Vec<String>>,
    /// `false` hides the product from shoppers (as `DELETE` does); `true` sells it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(skip)]
    pub is_active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(skip)]
    pub is_featured: Option<bool>,
}

/// `POST /admin/categories`. Without a `slug`, one is made from the name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "Graphics Cards", "slug": "gpu", "parent_id": null, "position": 3}))]
pub struct NewCategory {
    /// Lower-case letters and digits in words joined by `-`, 1 to 120 characters; unique
    /// (409 `conflict`). Required when the name has no letters or digits.
    #[schema(max_length = 120)]
    #[garde(skip)]
    pub slug: Option<String>,
    /// 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100)]
    #[garde(skip)]
    pub name: String,
    /// The parent category (422 if there is none such); `null` or absent for top level.
    #[garde(skip)]
    pub parent_id: Option<Uuid>,
    /// The order among its siblings: 0 to 10000 (default 0).
    #[schema(minimum = 0, maximum = 10000)]
    #[garde(range(min = 0, max = MAX_CATEGORY_POSITION))]
    pub position: Option<i32>,
}

/// `PATCH /admin/categories/{id}`: only the fields given change. A field that is absent
/// or `null` is left as it is, except `parent_id`, where `null` makes the category
/// top-level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "GPUs", "parent_id": null}))]
pub struct CategoryChanges {
    #[schema(max_length = 120)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(skip)]
    pub slug: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(skip)]
    pub name: Option<String>,
    /// Absent: unchanged; `null`: top level; an id: under that category (not itself nor
    /// one of its sub-categories; 422 otherwise).
    #[schema(value_type = Option<Uuid>)]
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "nullable")]
    #[garde(skip)]
    pub parent_id: Option<Option<Uuid>>,
    #[schema(minimum = 0, maximum = 10000)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(range(min = 0, max = MAX_CATEGORY_POSITION))]
    pub position: Option<i32>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_patch_tells_absent_from_null() {
        let absent: ProductChanges = serde_json::from_value(json!({})).unwrap();
        let null: ProductChanges = serde_json::from_value(json!({"discount": null})).unwrap();
        assert_eq!(absent.discount, None);
        assert_eq!(null.discount, Some(None));
        assert_eq!(serde_json::to_value(&absent).unwrap(), json!({}));
        assert_eq!(serde_json::to_value(&null).unwrap(), json!({"discount": null}));

        let null: CategoryChanges = serde_json::from_value(json!({"parent_id": null})).unwrap();
        assert_eq!(null.parent_id, Some(None));
        assert_eq!(serde_json::to_value(&null).unwrap(), json!({"parent_id": null}));
        assert_eq!(serde_json::to_value(CategoryChanges::default()).unwrap(), json!({}));
    }

    #[test]
    fn every_sort_reads_back_as_itself() {
        for sort in ProductSort::ALL {
            assert_eq!(serde_json::to_value(sort).unwrap(), sort.as_str());
            assert_eq!(ProductSort::parse(sort.as_str()), Some(sort));
        }
        assert_eq!(ProductSort::parse("Newest"), None);
    }

    #[test]
    fn a_product_is_its_summary_and_more_in_one_object() {
        let summary = ProductSummary {
            id: Uuid::nil(),
            sku: "A-1".into(),
            slug: "a-1".into(),
            name: "A".into(),
            brand: "B".into(),
            category: CategoryRef { id: Uuid::nil(), slug: "gpu".into(), name: "GPUs".into() },
            image: None,
            pricing: Pricing {
                base_price_paise: 100,
                discount: Some(Discount { kind: DiscountKind::Flat, value: 10 }),
                tax_rate_bps: 1800,
                unit_price_paise: 90,
                tax_paise: 16,
                final_price_paise: 106,
            },
            availability: Availability::InStock,
            is_featured: false,
            is_active: true,
            rating: Rating { average: Some(4.5), count: 2 },
        };
        let product = Product {
            summary,
            hsn_code: Some("847330".into()),
            short_description: String::new(),
            description: String::new(),
            specifications: Map::new(),
            images: vec![],
            stock_available: 3,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        };
        let value = serde_json::to_value(&product).unwrap();
        assert_eq!(value["name"], "A");
        assert_eq!(value["pricing"]["discount"], json!({"type": "flat", "value": 10}));
        assert_eq!(value["stock_available"], 3);
        assert_eq!(value["hsn_code"], "847330");
        assert_eq!(serde_json::from_value::<Product>(value).unwrap(), product);
    }
}
