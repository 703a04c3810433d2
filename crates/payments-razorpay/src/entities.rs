//! Razorpay's JSON entities, field for field (shared/razorpay.md). The client reads them,
//! the simulator writes them, and webhooks carry them: one definition for all three.
//! Amounts are integer paise, times are Unix seconds, as Razorpay sends them. Fields not
//! listed here are ignored when read.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// `notes`: at most 15 key-value pairs. Razorpay sends an empty set as `[]`, not `{}`;
/// both are read, and an empty set is written as `[]` like Razorpay does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notes(pub BTreeMap<String, String>);

impl Notes {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Notes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.is_empty() { [(); 0].serialize(serializer) } else { self.0.serialize(serializer) }
    }
}

impl<'de> Deserialize<'de> for Notes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Notes, D::Error> {
        deserializer.deserialize_any(NotesVisitor)
    }
}

struct NotesVisitor;

impl<'de> Visitor<'de> for NotesVisitor {
    type Value = Notes;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of notes, or an empty array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Notes, A::Error> {
        let mut notes = BTreeMap::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            let text = match value {
                Value::String(text) => text,
                Value::Null => String::new(),
                other => other.to_string(),
            };
            notes.insert(key, text);
        }
        Ok(Notes(notes))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Notes, A::Error> {
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom("notes as an array must be empty"));
        }
        Ok(Notes::default())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Notes, E> {
        Ok(Notes::default())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    Created,
    /// A payment was tried (and may have failed).
    Attempted,
    /// A payment was captured; the order takes no more payments, even after refunds.
    Paid,
}

/// `POST /v1/orders`, `GET /v1/orders/:id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub entity: String,
    pub amount: i64,
    pub amount_paid: i64,
    pub amount_due: i64,
    pub currency: String,
    pub receipt: Option<String>,
    #[serde(default)]
    pub offer_id: Option<String>,
    pub status: OrderStatus,
    pub attempts: u32,
    #[serde(default)]
    pub notes: Notes,
    pub created_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentStatus {
    Created,
    Authorized,
    Captured,
    Refunded,
    Failed,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Created => "created",
            PaymentStatus::Authorized => "authorized",
            PaymentStatus::Captured => "captured",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentStatus> {
        [Self::Created, Self::Authorized, Self::Captured, Self::Refunded, Self::Failed]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RefundStatusOfPayment {
    Partial,
    Full,
}

/// `GET /v1/payments/:id`, and the `payment` of webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub id: String,
    pub entity: String,
    pub amount: i64,
    pub currency: String,
    pub status: PaymentStatus,
    pub order_id: Option<String>,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub amount_refunded: i64,
    #[serde(default)]
    pub refund_status: Option<RefundStatusOfPayment>,
    #[serde(default)]
    pub captured: bool,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
    #[serde(default)]
    pub notes: Notes,
    #[serde(default)]
    pub fee: Option<i64>,
    #[serde(default)]
    pub tax: Option<i64>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_description: Option<String>,
    #[serde(default)]
    pub error_source: Option<String>,
    #[serde(default)]
    pub error_step: Option<String>,
    #[serde(default)]
    pub error_reason: Option<String>,
    #[serde(default)]
    pub acquirer_data: Value,
    pub created_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RefundStatus {
    Pending,
    Processed,
    Failed,
}

impl RefundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Pending => "pending",
            RefundStatus::Processed => "processed",
            RefundStatus::Failed => "failed",
        }
    }
}

/// `POST /v1/payments/:id/refund`, and the `refund` of refund webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub id: String,
    pub entity: String,
    pub amount: i64,
    pub currency: String,
    pub payment_id: String,
    #[serde(default)]
    pub notes: Notes,
    #[serde(default)]
    pub receipt: Option<String>,
    #[serde(default)]
    pub acquirer_data: Value,
    pub created_at: i64,
    #[serde(default)]
    pub batch_id: Option<String>,
    pub status: RefundStatus,
    #[serde(default)]
    pub speed_processed: Option<String>,
    #[serde(default)]
    pub speed_requested: Option<String>,
}

/// `{"entity":"collection","count":N,"items":[…]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collection<T> {
    pub entity: String,
    pub count: usize,
    pub items: Vec<T>,
}

impl<T> Collection<T> {
    pub fn of(items: Vec<T>) -> Collection<T> {
        Collection { entity: "collection".into(), count: items.len(), items }
    }
}

/// Razorpay's error body: `{"error":{…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub description: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub step: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub metadata: Value,
    /// Only on input errors: the request field at fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Razorpay's error codes; any other code is read as a server error.
pub mod error_codes {
    pub const BAD_REQUEST: &str = "BAD_REQUEST_ERROR";
    pub const GATEWAY: &str = "GATEWAY_ERROR";
    pub const SERVER: &str = "SERVER_ERROR";
}

/// 1–100 visible ASCII characters: the shape of every Razorpay id (`pay_…`, `order_…`,
/// `evt_…`) and event name. Anything else is nothing Razorpay gave out.
pub fn is_short_visible_text(text: &str) -> bool {
    (1..=100).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic())
}

fn is_currency(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// The first of `checks` that fails, as `"{entity}.{field} {problem}"`.
fn first_defect(entity: &str, checks: &[(bool, &str, &str)]) -> Option<String> {
    checks.iter().find(|(ok, _, _)| !ok).map(|(_, field, problem)| format!("{entity}.{field} {problem}"))
}

const NOT_AN_ID: &str = "is not a Razorpay id";
const NEGATIVE: &str = "is negative";
const NOT_A_CURRENCY: &str = "is not a three-letter currency code";

impl Payment {
    /// What no payment Razorpay reports can be (a negative amount, an id that is not
    /// one), if anything: such a payment is neither recorded nor acted on.
    pub fn defect(&self) -> Option<String> {
        let refunded_ok = (0..=self.amount).contains(&self.amount_refunded);
        first_defect(
            "payment",
            &[
                (is_short_visible_text(&self.id), "id", NOT_AN_ID),
                (self.order_id.as_deref().is_none_or(is_short_visible_text), "order_id", NOT_AN_ID),
                (self.amount >= 0, "amount", NEGATIVE),
                (is_currency(&self.currency), "currency", NOT_A_CURRENCY),
                (refunded_ok, "amount_refunded", "is not between 0 and the amount"),
                (self.fee.is_none_or(|fee| fee >= 0), "fee", NEGATIVE),
                (self.tax.is_none_or(|tax| tax >= 0), "tax", NEGATIVE),
            ],
        )
    }
}

impl Refund {
    /// What no refund Razorpay reports can be, if anything (see [`Payment::defect`]).
    pub fn defect(&self) -> Option<String> {
        first_defect(
            "refund",
            &[
                (is_short_visible_text(&self.id), "id", NOT_AN_ID),
                (is_short_visible_text(&self.payment_id), "payment_id", NOT_AN_ID),
                (self.amount > 0, "amount", "is not positive"),
                (is_currency(&self.currency), "currency", NOT_A_CURRENCY),
            ],
        )
    }
}

impl Order {
    /// What no order Razorpay reports can be, if anything (see [`Payment::defect`]).
    pub fn defect(&self) -> Option<String> {
        first_defect(
            "order",
            &[
                (is_short_visible_text(&self.id), "id", NOT_AN_ID),
                (self.amount >= 0, "amount", NEGATIVE),
                (self.amount_paid >= 0, "amount_paid", NEGATIVE),
                (self.amount_due >= 0, "amount_due", NEGATIVE),
                (is_currency(&self.currency), "currency", NOT_A_CURRENCY),
            ],
        )
    }
}

/// A webhook's envelope; `payload` holds `{"payment":{"entity":…},"order":{"entity":…}}`
/// or `{"refund":{"entity":…},"payment":{"entity":…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEnvelope {
    pub entity: String,
    #[serde(default)]
    pub account_id: Option<String>,
    pub event: String,
    #[serde(default)]
    pub contains: Vec<String>,
    #[serde(default)]
    pub payload: Value,
    #[serde(default)]
    pub created_at: i64,
}

/// `{"entity": …}` inside a webhook payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wrapped<T> {
    pub entity: T,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn notes_read_an_empty_array_or_an_object() {
        let empty: Notes = serde_json::from_value(json!([])).unwrap();
        assert!(empty.is_empty());
        let notes: Notes = serde_json::from_value(json!({"order": "RM-1", "n": 2})).unwrap();
        assert_eq!(notes.0.get("order").map(String::as_str), Some("RM-1"));
        assert_eq!(notes.0.get("n").map(String::as_str), Some("2"));
        assert!(serde_json::from_value::<Notes>(json!(["x"])).is_err());
    }

    #[test]
    fn empty_notes_are_written_as_an_array_like_razorpay_does() {
        assert_eq!(serde_json::to_value(Notes::default()).unwrap(), json!([]));
        let notes = Notes(BTreeMap::from([("a".to_owned(), "b".to_owned())]));
        assert_eq!(serde_json::to_value(notes).unwrap(), json!({"a": "b"}));
    }

    #[test]
    fn a_documented_order_reads() {
        let order: Order = serde_json::from_value(json!({
            "id": "order_IEIaMR65cu6nz3", "entity": "order", "amount": 50000, "amount_paid": 0,
            "amount_due": 50000, "currency": "INR", "receipt": "RM-20261121-000123",
            "offer_id": null, "status": "created", "attempts": 0, "notes": [], "created_at": 1700000000
        }))
        .unwrap();
        assert_eq!(order.status, OrderStatus::Created);
        assert_eq!(order.amount, 50000);
    }

    fn payment() -> Payment {
        serde_json::from_value(json!({
            "id": "pay_IH4NVgf4Dreq1l", "entity": "payment", "amount": 50000, "currency": "INR",
            "status": "captured", "order_id": "order_IEIaMR65cu6nz3", "amount_refunded": 0, "fee": 1180,
            "tax": 180, "created_at": 1700000000
        }))
        .unwrap()
    }

    #[test]
    fn a_documented_payment_has_no_defect() {
        assert_eq!(payment().defect(), None);
        assert_eq!(Payment { amount: 0, fee: None, tax: None, ..payment() }.defect(), None);
    }

    #[test]
    fn a_payment_no_gateway_would_report_names_its_first_defect() {
        let defect = |payment: Payment| payment.defect().unwrap();
        assert_eq!(defect(Payment { amount: -1, ..payment() }), "payment.amount is negative");
        assert_eq!(defect(Payment { id: String::new(), ..payment() }), "payment.id is not a Razorpay id");
        assert_eq!(defect(Payment { id: "pay 1".into(), ..payment() }), "payment.id is not a Razorpay id");
        assert_eq!(
            defect(Payment { order_id: Some("x".repeat(101)), ..payment() }),
            "payment.order_id is not a Razorpay id"
        );
        assert_eq!(
            defect(Payment { currency: "inr".into(), ..payment() }),
            "payment.currency is not a three-letter currency code"
        );
        assert_eq!(
            defect(Payment { amount_refunded: 50001, ..payment() }),
            "payment.amount_refunded is not between 0 and the amount"
        );
        assert_eq!(defect(Payment { tax: Some(-1), ..payment() }), "payment.tax is negative");
    }

    #[test]
    fn a_refund_of_nothing_is_a_defect() {
        let refund: Refund = serde_json::from_value(json!({
            "id": "rfnd_FP8DDKxqJif6ca", "entity": "refund", "amount": 100, "currency": "INR",
            "payment_id": "pay_IH4NVgf4Dreq1l", "created_at": 1700000000, "status": "processed"
        }))
        .unwrap();
        assert_eq!(refund.defect(), None);
        assert_eq!(Refund { amount: 0, ..refund }.defect().unwrap(), "refund.amount is not positive");
    }

    #[test]
    fn payment_statuses_round_trip_through_text() {
        for status in ["created", "authorized", "captured", "refunded", "failed"] {
            assert_eq!(PaymentStatus::parse(status).unwrap().as_str(), status);
        }
        assert_eq!(PaymentStatus::parse("paid"), None);
    }
}
