//! What a rebuild of the sales figures found: for each table of the read model, how many
//! rows differ from what the orders say they should hold, and the first few of them.

use std::fmt;

/// How many rows of each table a rebuild shows the first of.
pub const SHOWN_DIFFERENCES: i64 = 5;

/// The tables of the read model, in the order a report lists them.
pub const TABLES: [&str; 6] =
    ["order_sales", "sales_days", "product_days", "product_months", "status_days", "customers"];

/// Every table's differences (a table without any is listed with none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebuildReport {
    pub tables: Vec<TableDifferences>,
}

/// One table's rows that differ from the expected ones. A rollup row that is missing
/// counts as a row of zeros, so only figures that differ are listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDifferences {
    pub table: &'static str,
    /// How many rows differ.
    pub rows: i64,
    /// The first few, by key.
    pub first: Vec<RowDifference>,
}

/// One row that differs: its key, what the table holds and what it should hold
/// (`"none"` for no row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowDifference {
    pub key: String,
    pub held: String,
    pub expected: String,
}

impl RebuildReport {
    /// Whether the figures equal what the orders say.
    pub fn is_clean(&self) -> bool {
        self.tables.iter().all(|table| table.rows == 0)
    }

    /// How many rows differ in this table (0 for a table not in the report).
    pub fn rows_differing(&self, table: &str) -> i64 {
        self.tables.iter().find(|t| t.table == table).map_or(0, |t| t.rows)
    }
}

impl fmt::Display for RebuildReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for table in &self.tables {
            writeln!(f, "analytics.{:<15} {} rows differ", table.table, table.rows)?;
            for row in &table.first {
                writeln!(f, "    {}: held {}; expected {}", row.key, row.held, row.expected)?;
            }
            if table.rows > table.first.len() as i64 {
                writeln!(f, "    … and {} more", table.rows - table.first.len() as i64)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_lists_each_table_with_its_first_differences() {
        let report = RebuildReport {
            tables: vec![
                TableDifferences { table: "order_sales", rows: 0, first: Vec::new() },
                TableDifferences {
                    table: "sales_days",
                    rows: 6,
                    first: vec![RowDifference {
                        key: "2026-11-21".into(),
                        held: "orders 2".into(),
                        expected: "orders 1".into(),
                    }],
                },
            ],
        };
        assert!(!report.is_clean());
        assert_eq!(report.rows_differing("sales_days"), 6);
        assert_eq!(
            report.to_string(),
            "analytics.order_sales     0 rows differ\n\
             analytics.sales_days      6 rows differ\n    \
             2026-11-21: held orders 2; expected orders 1\n    \
             … and 5 more\n"
        );
    }
}
