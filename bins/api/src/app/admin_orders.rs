//! The admin's orders: found by the orders domain, with the customer from identity and
//! the Razorpay payment records from the payments domain, composed into [`AdminOrder`].
//!
//! The three domains are read one after the other, with no transaction across them: a
//! page is a snapshot of each, which is what a list on a screen is anyway. A page costs a
//! fixed number of statements, whatever its size (one per domain and table).
//!
//! [`admin_order`] is the one way to answer with an [`AdminOrder`]: every admin order
//! route that answers with the order (detail, status, ship …) calls it after its work.

use std::collections::HashMap;

use actix_web::web;
use api_types::admin_orders::{AdminOrder, OrderCustomer};
use api_types::payments::PaymentRecord as PaymentRecordWire;
use chrono::{DateTime, Days, NaiveDate, Utc};
use identity::accounts::directory::Directory;
use kernel::{Cursor, Email, InvalidInput, Limit, Phone};
use orders::admin_queries::{AdminOrderView, OrderKey};
use orders::model::PaymentMethod;
use orders::search::OrderFilter;
use orders::status::OrderStatus;
use payments_razorpay::listing::{PaymentRecord, PaymentRecords};
use uuid::Uuid;

use crate::app::invoices::InvoiceReads;
use crate::error::ApiError;
use crate::state::OrdersService;
use crate::views::admin_order::admin_order as admin_order_wire;
use crate::views::payment::payment_record;

/// What the admin's order reads need from each domain; app data of its own, so that a
/// route answering with an [`AdminOrder`] takes `web::Data<AdminOrderReads>`.
#[derive(Debug, Clone)]
pub struct AdminOrderReads {
    orders: web::Data<OrdersService>,
    invoices: web::Data<InvoiceReads>,
    customers: Directory,
    payments: PaymentRecords,
}

impl AdminOrderReads {
    pub fn new(
        orders: web::Data<OrdersService>,
        invoices: web::Data<InvoiceReads>,
        customers: Directory,
        payments: PaymentRecords,
    ) -> Self {
        AdminOrderReads { orders, invoices, customers, payments }
    }
}

/// What `q` names: an order number, a customer's e-mail or a customer's phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Searched {
    Number(String),
    Email(Email),
    Phone(Phone),
    /// Text that is none of these: it matches no order.
    Nothing,
}

impl Searched {
    /// An order-number shape (`RM-20261121-000123`, any case) is a number; text with an
    /// `@` an e-mail (lower-cased, matched exactly); anything else a phone, normalised as
    /// accounts store phones (`98765 43210` is `+919876543210`).
    pub fn parse(raw: &str) -> Searched {
        let text = raw.trim();
        if let Some(number) = order_number(text) {
            return Searched::Number(number);
        }
        if text.contains('@') {
            return Email::try_from(text).map_or(Searched::Nothing, Searched::Email);
        }
        Phone::parse(text, "q").map_or(Searched::Nothing, Searched::Phone)
    }
}

/// `text` as an order number (`RM-YYYYMMDD-` and at least six digits, upper-cased), if it
/// has that shape.
pub fn order_number(text: &str) -> Option<String> {
    let upper = text.trim().to_ascii_uppercase();
    let rest = upper.strip_prefix("RM-")?;
    let (day, sequence) = rest.split_once('-')?;
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    let shaped = upper.len() <= 40 && day.len() == 8 && digits(day) && sequence.len() >= 6 && digits(sequence);
    shaped.then_some(upper)
}

/// An admin route's `{id}`: the order's id, or its number (any case); `None` for neither.
pub fn order_key(raw: &str) -> Option<OrderKey> {
    match Uuid::parse_str(raw.trim()) {
        Ok(id) => Some(OrderKey::Id(id)),
        Err(_) => order_number(raw).map(OrderKey::Number),
    }
}

/// The admin's list query, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdminOrderSearch {
    pub status: Option<OrderStatus>,
    pub method: Option<PaymentMethod>,
    /// `Some(true)`: only orders needing an admin; `Some(false)`: only the others.
    pub attention: Option<bool>,
    pub searched: Option<Searched>,
    /// The first day, India Standard Time.
    pub from: Option<NaiveDate>,
    /// The last day, India Standard Time (included).
    pub to: Option<NaiveDate>,
}

/// `[start, end)`: the first instant in and the first instant after a range of days;
/// `None` leaves that side open.
pub type Instants = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The instants that bound the IST days `from` to `to` (both included): from `from`
/// 00:00 IST to the start of the day after `to`. `from` after `to` is refused, naming
/// `from`.
pub fn placed_between(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Instants, InvalidInput> {
    kernel::calendar::check_admin_days(&[("from", from), ("to", to)])?;
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(InvalidInput::field("from", "must be on or before `to`"));
    }
    let start_of = kernel::calendar::ist_midnight;
    let start = from.and_then(start_of);
    // The last day a date can be has no day after it: no upper bound then.
    let end = to.and_then(|to| to.checked_add_days(Days::new(1))).and_then(start_of);
    Ok((start, end))
}

/// A page of the admin's order list, newest first. Errors: 422 naming `from` (after
/// `to`) or `cursor`; 500.
// Not the search itself: `q` may be a customer's e-mail or phone.
#[tracing::instrument(name = "app.admin_orders", skip(reads, search))]
pub async fn list(
    reads: &AdminOrderReads,
    search: AdminOrderSearch,
    limit: Limit,
    cursor: Option<&Cursor>,
) -> Result<api_types::Page<AdminOrder>, ApiError> {
    let (placed_from, placed_before) = placed_between(search.from, search.to)?;
    let mut filter = OrderFilter {
        status: search.status,
        method: search.method,
        needs_attention: search.attention,
        placed_from,
        placed_before,
        ..OrderFilter::default()
    };
    match search.searched {
        None => {}
        Some(Searched::Number(number)) => filter.number = Some(number),
        Some(Searched::Email(email)) => {
            filter.customers = Some(reads.customers.id_by_email(&email).await?.into_iter().collect())
        }
        Some(Searched::Phone(phone)) => filter.customers = Some(reads.customers.ids_by_phone(&phone).await?),
        Some(Searched::Nothing) => filter.customers = Some(Vec::new()),
    }
    let page = reads.orders.search(&filter, limit, cursor).await?;
    Ok(api_types::Page {
        items: compose(reads, page.items).await?,
        next_cursor: page.next_cursor.map(Cursor::into_string),
    })
}

/// The order with this id, as an [`AdminOrder`]; 404 when there is none. The answer of
/// every admin order route that answers with the order: call it after the route's work
/// has committed, so that the answer shows it.
#[tracing::instrument(name = "app.admin_order", skip(reads))]
pub async fn admin_order(reads: &AdminOrderReads, order_id: Uuid) -> Result<AdminOrder, ApiError> {
    find(reads, &OrderKey::Id(order_id)).await
}

/// The order with this id or number, as an [`AdminOrder`]; 404 when there is none.
#[tracing::instrument(name = "app.admin_order_by_key", skip(reads))]
pub async fn find(reads: &AdminOrderReads, key: &OrderKey) -> Result<AdminOrder, ApiError> {
    let view = reads.orders.admin_view(key).await?.ok_or_else(ApiError::not_found)?;
    let mut composed = compose(reads, vec![view]).await?;
    composed.pop().ok_or_else(|| ApiError::internal(anyhow::anyhow!("a composed order went missing")))
}

/// Orders with their customers (one identity read), payment records (one payments read)
/// and invoice numbers (one invoicing read), in the order given.
async fn compose(reads: &AdminOrderReads, views: Vec<AdminOrderView>) -> Result<Vec<AdminOrder>, ApiError> {
    if views.is_empty() {
        return Ok(Vec::new());
    }
    let mut user_ids: Vec<Uuid> = views.iter().map(|view| view.order.user_id).collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    let customers: HashMap<Uuid, OrderCustomer> = reads
        .customers
        .users(&user_ids)
        .await?
        .into_iter()
        .map(|user| (user.id, OrderCustomer { id: user.id, name: user.name, email: user.email, phone: user.phone }))
        .collect();
    let razorpay_orders: Vec<String> = views.iter().flat_map(|view| view.razorpay_orders.iter().cloned()).collect();
    let mut payments = payments_by_razorpay_order(reads.payments.of_razorpay_orders(&razorpay_orders).await?)?;
    let order_ids: Vec<Uuid> = views.iter().map(|view| view.order.id).collect();
    let mut invoice_numbers = reads.invoices.invoice_numbers(&order_ids).await?;
    Ok(views
        .into_iter()
        .map(|view| {
            let customer = customers.get(&view.order.user_id).cloned().unwrap_or_else(|| unknown(view.order.user_id));
            let payments = view.razorpay_orders.iter().flat_map(|id| payments.remove(id).unwrap_or_default()).collect();
            let invoice_number = invoice_numbers.remove(&view.order.id);
            admin_order_wire(view, customer, payments, invoice_number)
        })
        .collect())
}

/// Payment records on the wire, by Razorpay order, oldest first.
fn payments_by_razorpay_order(
    records: Vec<PaymentRecord>,
) -> Result<HashMap<String, Vec<PaymentRecordWire>>, ApiError> {
    let mut by_order: HashMap<String, Vec<PaymentRecordWire>> = HashMap::new();
    for record in records {
        let Some(razorpay_order) = record.razorpay_order_id.clone() else { continue };
        by_order.entry(razorpay_order).or_default().push(payment_record(record)?);
    }
    Ok(by_order)
}

/// Accounts are never deleted, so this is a fault; the order is still shown, with the id.
fn unknown(id: Uuid) -> OrderCustomer {
    tracing::warn!(user = %id, "an order's customer has no account");
    OrderCustomer { id, name: String::new(), email: String::new(), phone: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn days_outside_the_years_a_store_can_have_orders_are_refused_naming_them() {
        let refused = placed_between(Some(day("-5000-01-01")), None).unwrap_err();
        assert_eq!(refused.0[0].field, "from");
        let refused = placed_between(None, Some(day("+10000-01-01"))).unwrap_err();
        assert_eq!(refused.0[0].field, "to");
    }

    #[test]
    fn ist_days_run_from_midnight_ist_to_the_next_midnight() {
        let (from, before) = placed_between(Some(day("2026-11-21")), Some(day("2026-11-22"))).unwrap();
        assert_eq!(from, Some(at("2026-11-20T18:30:00Z")));
        assert_eq!(before, Some(at("2026-11-22T18:30:00Z")));
        assert_eq!(placed_between(None, None).unwrap(), (None, None));
        let one_day = placed_between(Some(day("2026-11-21")), Some(day("2026-11-21"))).unwrap();
        assert_eq!(one_day, (Some(at("2026-11-20T18:30:00Z")), Some(at("2026-11-21T18:30:00Z"))));
    }

    #[test]
    fn a_range_ending_before_it_starts_names_from() {
        let refused = placed_between(Some(day("2026-11-22")), Some(day("2026-11-21"))).unwrap_err();
        assert_eq!(refused.0[0].field, "from");
    }

    #[test]
    fn q_is_a_number_an_email_or_a_phone() {
        assert_eq!(Searched::parse(" rm-20261121-000123 "), Searched::Number("RM-20261121-000123".into()));
        assert_eq!(Searched::parse("RM-20261121-1234567"), Searched::Number("RM-20261121-1234567".into()));
        assert_eq!(Searched::parse("Asha@Example.IN"), Searched::Email(Email::try_from("asha@example.in").unwrap()));
        assert_eq!(Searched::parse("98765 43210"), Searched::Phone(Phone::parse("+919876543210", "q").unwrap()));
        assert_eq!(Searched::parse("+91 98765-43210"), Searched::Phone(Phone::parse("9876543210", "q").unwrap()));
        for nothing in ["RM-2026-000123", "asha@", "hello", "12345"] {
            assert_eq!(Searched::parse(nothing), Searched::Nothing, "{nothing}");
        }
    }
}
