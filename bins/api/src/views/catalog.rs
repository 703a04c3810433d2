//! Products and categories on the wire, for shoppers and admins alike: the conversions to
//! `api_types::catalog`, and the parsing of the product-list query string both lists take.

use actix_web::HttpResponse;
use api_types::catalog::{
    Availability as AvailabilityWire, Category as CategoryWire, CategoryRef as CategoryRefWire,
    Discount as DiscountWire, DiscountKind, Pricing, Product as ProductWire, ProductSort,
    ProductSummary as ProductSummaryWire, Rating,
};
use catalog::categories::{Category, CategoryKey};
use catalog::pricing::{Discount, Price};
use catalog::products::{Audience, Availability, CategoryRef, Product, ProductQuery, ProductSummary, Sort};
use catalog::search::SearchText;
use catalog::values::HsnCode;
use kernel::{Cursor, FieldError, InvalidInput, Money};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::http::params::{parse_bool, parse_limit, present};
use crate::views::ToWire;

// The wire's limits are the domain's.
const _: () = assert!(api_types::catalog::MAX_TAX_RATE_BPS == catalog::pricing::MAX_TAX_RATE_BPS as i64);
const _: () = assert!(api_types::catalog::MAX_SEARCH_CHARS == SearchText::MAX_CHARS);
const _: () = assert!(api_types::catalog::MAX_SUGGESTIONS == catalog::products::MAX_SUGGESTIONS);

/// A list answer (`{items}` or a page), written as these lists have always been written:
/// through a `serde_json::Value`, so each object's members are in sorted order. The bytes
/// (and so the catalog cache's entries and clients' recorded answers) stay the same.
pub fn list_response<T: Serialize>(list: &T) -> Result<HttpResponse, ApiError> {
    let value = serde_json::to_value(list).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(value))
}

impl ToWire for Category {
    type Wire = CategoryWire;

    fn to_wire(self) -> CategoryWire {
        CategoryWire {
            id: self.id,
            slug: self.slug,
            name: self.name,
            parent_id: self.parent_id,
            position: self.position,
            product_count: self.product_count,
        }
    }
}

impl ToWire for CategoryRef {
    type Wire = CategoryRefWire;

    fn to_wire(self) -> CategoryRefWire {
        CategoryRefWire { id: self.id, slug: self.slug, name: self.name }
    }
}

impl ToWire for Discount {
    type Wire = DiscountWire;

    fn to_wire(self) -> DiscountWire {
        match self {
            Discount::Percentage { bps } => DiscountWire { kind: DiscountKind::Percentage, value: i64::from(bps) },
            Discount::Flat { amount } => DiscountWire { kind: DiscountKind::Flat, value: amount.paise() },
        }
    }
}

/// `pricing` on the wire, computed by the one pricing function.
impl ToWire for Price {
    type Wire = Pricing;

    fn to_wire(self) -> Pricing {
        Pricing {
            base_price_paise: self.base.paise(),
            discount: self.discount.map(ToWire::to_wire),
            tax_rate_bps: self.tax_rate_bps,
            unit_price_paise: self.unit.paise(),
            tax_paise: self.tax.paise(),
            final_price_paise: self.final_price.paise(),
        }
    }
}

impl ToWire for Availability {
    type Wire = AvailabilityWire;

    fn to_wire(self) -> AvailabilityWire {
        match self {
            Availability::InStock => AvailabilityWire::InStock,
            Availability::OutOfStock => AvailabilityWire::OutOfStock,
            Availability::Discontinued => AvailabilityWire::Discontinued,
        }
    }
}

impl ToWire for ProductSummary {
    type Wire = ProductSummaryWire;

    fn to_wire(self) -> ProductSummaryWire {
        ProductSummaryWire {
            id: self.id,
            sku: self.sku,
            slug: self.slug,
            name: self.name,
            brand: self.brand,
            category: self.category.to_wire(),
            image: self.image,
            pricing: self.price.to_wire(),
            availability: self.availability.to_wire(),
            is_featured: self.is_featured,
            is_active: self.is_active,
            rating: Rating { average: self.rating.average(), count: self.rating.count },
        }
    }
}

impl ToWire for Product {
    type Wire = ProductWire;

    fn to_wire(self) -> ProductWire {
        ProductWire {
            hsn_code: self.summary.hsn_code.clone().map(HsnCode::into_string),
            summary: self.summary.to_wire(),
            short_description: self.short_description,
            description: self.description,
            specifications: self.specifications,
            images: self.images,
            stock_available: self.stock_available,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// The domain's sort for a sort of the wire.
pub(crate) fn sort_of(sort: ProductSort) -> Sort {
    match sort {
        ProductSort::Newest => Sort::Newest,
        ProductSort::PriceAsc => Sort::PriceAsc,
        ProductSort::PriceDesc => Sort::PriceDesc,
        ProductSort::Name => Sort::Name,
        ProductSort::Relevance => Sort::Relevance,
    }
}

/// The product-list query string as it arrives: every value as text, parsed by
/// [`ProductListParams::into_query`] so that a bad one is reported under its own name,
/// all at once, and a blank one counts as absent. The parameters are those of
/// [`api_types::catalog::AdminProductQuery`] (the shopper's list ignores
/// `include_inactive`), which documents them and which the client sends.
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
            let sort = ProductSort::parse(raw).map(sort_of);
            if sort.is_none() {
                errors.push(FieldError::new("sort", "must be newest, price_asc, price_desc, name or relevance"));
            }
            sort
        });
        let limit = parse_limit(&self.limit, &mut errors);
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
            fits: Vec::new(),
            include_inactive: audience == Audience::Admin
                && parse_bool(&self.include_inactive, "include_inactive", &mut errors).unwrap_or(false),
        };
        if errors.is_empty() { Ok(query) } else { Err(InvalidInput(errors)) }
    }
}

#[cfg(test)]
mod tests {
    use api_types::catalog::AdminProductQuery;
    use kernel::Limit;
    use utoipa::IntoParams;
    use utoipa::openapi::path::ParameterIn;

    use super::*;

    fn every_parameter() -> AdminProductQuery {
        AdminProductQuery {
            category: Some("gpu".into()),
            brand: Some("ASUS".into()),
            q: Some("rtx 4070".into()),
            min_price_paise: Some(1),
            max_price_paise: Some(2),
            in_stock: Some(true),
            featured: Some(false),
            sort: Some(ProductSort::PriceAsc),
            limit: Some(7),
            cursor: Some("abc".into()),
            include_inactive: Some(true),
        }
    }

    #[test]
    fn what_the_client_sends_is_what_the_server_reads() {
        let text = serde_urlencoded::to_string(every_parameter()).unwrap();
        let params: ProductListParams = serde_urlencoded::from_str(&text).unwrap();
        let query = params.into_query(Audience::Admin).unwrap();
        assert!(matches!(query.category, Some(CategoryKey::Slug(ref s)) if s == "gpu"));
        assert_eq!(query.brand.as_deref(), Some("ASUS"));
        assert_eq!(query.search.as_ref().map(SearchText::text), Some("rtx 4070"));
        assert_eq!((query.min_price, query.max_price), (Some(Money::from_paise(1)), Some(Money::from_paise(2))));
        assert_eq!((query.in_stock, query.featured), (Some(true), Some(false)));
        assert_eq!(query.sort, Some(Sort::PriceAsc));
        assert_eq!(query.limit, Limit::new(Some(7)).unwrap());
        assert_eq!(query.after.map(Cursor::into_string).as_deref(), Some("abc"));
        assert!(query.include_inactive);
    }

    #[test]
    fn the_documented_parameters_are_the_ones_read() {
        let documented: Vec<String> =
            AdminProductQuery::into_params(|| Some(ParameterIn::Query)).into_iter().map(|p| p.name).collect();
        let text = serde_urlencoded::to_string(every_parameter()).unwrap();
        let sent: Vec<String> = text.split('&').filter_map(|pair| pair.split('=').next()).map(str::to_owned).collect();
        assert_eq!(documented, sent);
    }

    #[test]
    fn every_documented_sort_is_one_the_domain_knows() {
        for sort in ProductSort::ALL {
            assert_eq!(Sort::parse(sort.as_str()), Some(sort_of(sort)), "{sort:?}");
        }
    }
}
