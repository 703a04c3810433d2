//! The analytics figures on the wire: JSON (the `api_types::analytics` shapes) and CSV.

use analytics::reports::{Interval, Period, Summary};
use analytics::{DayRange, OrderStatus, Ranking};
use api_types::analytics::{
    CategorySales, OrdersByStatus, SalesInterval, SalesPeriod, SalesSummary, StockAlert, TopProduct, TopProductsSort,
};

use crate::app::analytics::{CategoryFigures, LabelledSales, StockAlertRow};
use crate::views::ToWire;

pub fn summary(range: DayRange, summary: Summary) -> SalesSummary {
    let mut by_status = OrdersByStatus::default();
    for (status, count) in &summary.by_status {
        let slot = match status {
            OrderStatus::PaymentPending => &mut by_status.payment_pending,
            OrderStatus::Confirmed => &mut by_status.confirmed,
            OrderStatus::Paid => &mut by_status.paid,
            OrderStatus::Packed => &mut by_status.packed,
            OrderStatus::Shipped => &mut by_status.shipped,
            OrderStatus::Delivered => &mut by_status.delivered,
            OrderStatus::PaymentFailed => &mut by_status.payment_failed,
            OrderStatus::Cancelled => &mut by_status.cancelled,
            OrderStatus::Returned => &mut by_status.returned,
            OrderStatus::Refunded => &mut by_status.refunded,
        };
        *slot += count;
    }
    SalesSummary {
        from: range.from(),
        to: range.to(),
        revenue_paise: summary.revenue,
        orders: summary.orders,
        units_sold: summary.units,
        average_order_value_paise: summary.average_order_value(),
        refunds_paise: summary.refunds,
        new_customers: summary.new_customers,
        orders_by_status: by_status,
    }
}

pub fn interval(wire: SalesInterval) -> Interval {
    match wire {
        SalesInterval::Day => Interval::Day,
        SalesInterval::Week => Interval::Week,
        SalesInterval::Month => Interval::Month,
    }
}

pub fn ranking(wire: TopProductsSort) -> Ranking {
    match wire {
        TopProductsSort::Revenue => Ranking::Revenue,
        TopProductsSort::Units => Ranking::Units,
    }
}

impl ToWire for Period {
    type Wire = SalesPeriod;

    fn to_wire(self) -> SalesPeriod {
        SalesPeriod {
            period_start: self.start,
            revenue_paise: self.revenue,
            orders: self.orders,
            units_sold: self.units,
            refunds_paise: self.refunds,
        }
    }
}

impl ToWire for LabelledSales {
    type Wire = TopProduct;

    fn to_wire(self) -> TopProduct {
        let LabelledSales { sales, label } = self;
        TopProduct {
            product_id: sales.product_id,
            name: label.as_ref().map(|l| l.name.clone()),
            sku: label.map(|l| l.sku),
            units_sold: sales.units,
            revenue_paise: sales.revenue,
        }
    }
}

impl ToWire for CategoryFigures {
    type Wire = CategorySales;

    fn to_wire(self) -> CategorySales {
        CategorySales {
            category: self.category.name,
            category_id: self.category.id,
            slug: self.category.slug,
            parent_id: self.category.parent_id,
            revenue_paise: self.revenue,
            units_sold: self.units,
        }
    }
}

impl ToWire for StockAlertRow {
    type Wire = StockAlert;

    fn to_wire(self) -> StockAlert {
        let StockAlertRow { stock, units_sold_recently } = self;
        let label = stock.label.as_ref();
        StockAlert {
            product_id: stock.level.product_id,
            sku: label.map(|l| l.sku.clone()),
            name: label.map(|l| l.name.clone()),
            on_hand: stock.level.on_hand,
            reserved: stock.level.reserved,
            available: stock.level.available,
            low_stock_threshold: stock.level.low_stock_threshold,
            units_sold_last_30_days: units_sold_recently,
        }
    }
}

/// A text cell a spreadsheet would not run as a formula: one starting with `=`, `+`, `-`
/// or `@` gets a leading `'` (OWASP's advice on CSV injection).
pub fn text_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_owned() }
}

/// The sales periods as CSV: a header row, then one row per period.
pub fn sales_csv(items: &[SalesPeriod]) -> anyhow::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["period_start", "revenue_paise", "orders", "units_sold", "refunds_paise"])?;
    for p in items {
        out.write_record([
            p.period_start.to_string(),
            p.revenue_paise.to_string(),
            p.orders.to_string(),
            p.units_sold.to_string(),
            p.refunds_paise.to_string(),
        ])?;
    }
    out.into_inner().map_err(|e| anyhow::anyhow!("finishing a CSV body: {e}"))
}

/// The top products as CSV: a header row, then one row per product.
pub fn top_products_csv(items: &[TopProduct]) -> anyhow::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["product_id", "name", "sku", "units_sold", "revenue_paise"])?;
    for p in items {
        out.write_record([
            p.product_id.to_string(),
            p.name.as_deref().map(text_cell).unwrap_or_default(),
            p.sku.as_deref().map(text_cell).unwrap_or_default(),
            p.units_sold.to_string(),
            p.revenue_paise.to_string(),
        ])?;
    }
    out.into_inner().map_err(|e| anyhow::anyhow!("finishing a CSV body: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_cell_that_looks_like_a_formula_is_quoted_as_text() {
        assert_eq!(text_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text_cell("-2+3"), "'-2+3");
        assert_eq!(text_cell("Ryzen 7"), "Ryzen 7");
    }

    #[test]
    fn csv_quotes_commas_and_quotes() {
        let item = TopProduct {
            product_id: uuid::Uuid::nil(),
            name: Some("Case, \"mid\" tower".into()),
            sku: None,
            units_sold: 2,
            revenue_paise: -5,
        };
        let body = String::from_utf8(top_products_csv(&[item]).unwrap()).unwrap();
        assert_eq!(
            body,
            "product_id,name,sku,units_sold,revenue_paise\n\
             00000000-0000-0000-0000-000000000000,\"Case, \"\"mid\"\" tower\",,2,-5\n"
        );
    }
}
