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

    #[test]
    fn payment_statuses_round_trip_through_text() {
        for status in ["created", "authorized", "captured", "refunded", "failed"] {
            assert_eq!(PaymentStatus::parse(status).unwrap().as_str(), status);
        }
        assert_eq!(PaymentStatus::parse("paid"), None);
    }
}
