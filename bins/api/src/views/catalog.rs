//! Products and categories on the wire, for shoppers and admins alike: the views, and
//! the product-list query string both lists take.

use catalog::categories::{Category, CategoryKey};
use catalog::pricing::{Discount, Price};
use catalog::products::{Audience, CategoryRef, Product, ProductQuery, ProductSummary, Sort};
use catalog::search::SearchText;
use chrono::{DateTime, Utc};
use kernel::{Cursor, FieldError, InvalidInput, Limit, Money};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::http::params::{parse_bool, present};

#[derive(Debug, Serialize)]
pub struct CategoryView {
    id: Uuid,
    slug: String,
    name: String,
    parent_id: Option<Uuid>,
    position: i32,
    product_count: i64,
}

impl From<Category> for CategoryView {
    fn from(c: Category) -> Self {
        CategoryView {
            id: c.id,
            slug: c.slug,
            name: c.name,
            parent_id: c.parent_id,
            position: c.position,
            product_count: c.product_count,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct CategoryRefView {
    id: Uuid,
    slug: String,
    name: String,
}

impl From<CategoryRef> for CategoryRefView {
    fn from(c: CategoryRef) -> Self {
        CategoryRefView { id: c.id, slug: c.slug, name: c.name }
    }
}

#[derive(Debug, Serialize)]
struct DiscountView {
    #[serde(rename = "type")]
    kind: &'static str,
    /// Basis points for a percentage, paise for a flat discount.
    value: i64,
}

/// `pricing` on the wire, computed by the one pricing function.
#[derive(Debug, Serialize)]
pub struct PricingView {
    base_price_paise: i64,
    discount: Option<DiscountView>,
    tax_rate_bps: u32,
    unit_price_paise: i64,
    tax_paise: i64,
    final_price_paise: i64,
}

impl From<Price> for PricingView {
    fn from(p: Price) -> Self {
        PricingView {
            base_price_paise: p.base.paise(),
            discount: p.discount.map(|d| match d {
                Discount::Percentage { bps } => DiscountView { kind: "percentage", value: i64::from(bps) },
                Discount::Flat { amount } => DiscountView { kind: "flat", value: amount.paise() },
            }),
            tax_rate_bps: p.tax_rate_bps,
            unit_price_paise: p.unit.paise(),
            tax_paise: p.tax.paise(),
            final_price_paise: p.final_price.paise(),
        }
    }
}

#[derive(Debug, Serialize)]
struct RatingView {
    average: Option<f64>,
    count: i64,
}

#[derive(Debug, Serialize)]
pub struct ProductSummaryView {
    id: Uuid,
    sku: String,
    slug: String,
    name: String,
    brand: String,
    category: CategoryRefView,
    image: Option<String>,
    pricing: PricingView,
    availability: &'static str,
    is_featured: bool,
    is_active: bool,
    rating: RatingView,
}

impl From<ProductSummary> for ProductSummaryView {
    fn from(s: ProductSummary) -> Self {
        ProductSummaryView {
            id: s.id,
            sku: s.sku,
            slug: s.slug,
            name: s.name,
            brand: s.brand,
            category: s.category.into(),
            image: s.image,
            pricing: s.price.into(),
            availability: s.availability.as_str(),
            is_featured: s.is_featured,
            is_active: s.is_active,
            rating: RatingView { average: s.rating.average(), count: s.rating.count },
        }
    }
}

/// `Product`: the summary plus what a product page shows.
#[derive(Debug, Serialize)]
pub struct ProductView {
    #[serde(flatten)]
    summary: ProductSummaryView,
    short_description: String,
    description: String,
    specifications: Map<String, Value>,
    images: Vec<String>,
    stock_available: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Product> for ProductView {
    fn from(p: Product) -> Self {
        ProductView {
            summary: p.summary.into(),
            short_description: p.short_description,
            description: p.description,
            specifications: p.specifications,
            images: p.images,
            stock_available: p.stock_available,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// The product-list query string. Every value arrives as text and is parsed here, so
/// that a bad one is reported under its own name.
#[derive(Debug, Default, Deserialize)]
pub struct ProductListParams {
    category: Option<String>,
    brand: Option<String>,
    q: Option<String>,
    min_price_paise: Option<String>,
    max_price_paise: Option<String>,
    in_stock: Option<String>,
    featured: Option<String>,
    sort: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
    include_inactive: Option<String>,
}

fn parse_paise(value: &Option<String>, field: &str, errors: &mut Vec<FieldError>) -> Option<Money> {
    match present(value)?.parse::<i64>() {
        Ok(paise) if paise >= 0 => Some(Money::from_paise(paise)),
        _ => {
            errors.push(FieldError::new(field, "must be a whole number of paise, 0 or more"));
            None
        }
    }
}

impl ProductListParams {
    /// The domain query; `include_inactive` is honoured only for admins.
    pub fn into_query(self, audience: Audience) -> Result<ProductQuery, InvalidInput> {
        let mut errors = Vec::new();
        let search = present(&self.q).and_then(|q| match SearchText::parse(q, "q") {
            Ok(search) => Some(search),
            Err(invalid) => {
                errors.extend(invalid.0);
                None
            }
        });
        let sort = present(&self.sort).and_then(|raw| {
            let sort = Sort::parse(raw);
            if sort.is_none() {
                errors.push(FieldError::new("sort", "must be newest, price_asc, price_desc, name or relevance"));
            }
            sort
        });
        let limit = match present(&self.limit).map(str::parse::<u32>) {
            None => Limit::default(),
            Some(Ok(n)) => Limit::new(Some(n)).unwrap_or_else(|invalid| {
                errors.extend(invalid.0);
                Limit::default()
            }),
            Some(Err(_)) => {
                errors.push(FieldError::new("limit", format!("must be between 1 and {}", Limit::MAX)));
                Limit::default()
            }
        };
        let brand = present(&self.brand).map(str::to_owned);
        if brand.as_ref().is_some_and(|b| b.chars().count() > 100) {
            errors.push(FieldError::new("brand", "must be at most 100 characters"));
        }
        let query = ProductQuery {
            category: present(&self.category).map(CategoryKey::parse),
            brand,
            search,
            min_price: parse_paise(&self.min_price_paise, "min_price_paise", &mut errors),
            max_price: parse_paise(&self.max_price_paise, "max_price_paise", &mut errors),
            in_stock: parse_bool(&self.in_stock, "in_stock", &mut errors),
            featured: parse_bool(&self.featured, "featured", &mut errors),
            sort,
            limit,
            after: present(&self.cursor).map(|c| Cursor::from_token(c.to_owned())),
            include_inactive: audience == Audience::Admin
                && parse_bool(&self.include_inactive, "include_inactive", &mut errors).unwrap_or(false),
        };
        if errors.is_empty() { Ok(query) } else { Err(InvalidInput(errors)) }
    }
}
