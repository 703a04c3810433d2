//! Webhook intake: verify the signature over the raw bytes, store the event once by its
//! `X-Razorpay-Event-Id` and once per (payment or refund, event type), so that a body
//! replayed under a new event id is not acted on twice, record the payment or refund it carries, and hand back a typed
//! event for the orders domain to act on, all in the caller's transaction. If acting
//! fails, the transaction rolls back, the event is not stored, and Razorpay's next
//! delivery tries again.

use anyhow::Context as _;
use secrecy::{ExposeSecret as _, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;
use sqlx::PgConnection;

use crate::entities::{
    Order, Payment, PaymentStatus, Refund, RefundStatus, WebhookEnvelope, Wrapped, is_short_visible_text,
};
use crate::records::{self, RecordSource};
use crate::signature::verify_webhook_signature;

/// The events the store acts on; anything else is stored and acknowledged as `Other`.
#[derive(Debug, Clone, PartialEq)]
pub enum WebhookEvent {
    PaymentAuthorized(Payment),
    PaymentCaptured(Payment),
    PaymentFailed(Payment),
    OrderPaid {
        order: Order,
        payment: Payment,
    },
    RefundCreated {
        refund: Refund,
        payment: Option<Payment>,
    },
    RefundProcessed {
        refund: Refund,
        payment: Option<Payment>,
    },
    RefundFailed {
        refund: Refund,
        payment: Option<Payment>,
    },
    /// Any event type the store does not act on.
    Other {
        event_type: String,
    },
}

impl WebhookEvent {
    /// The payment the event is about, if it carries one.
    pub fn payment(&self) -> Option<&Payment> {
        match self {
            WebhookEvent::PaymentAuthorized(payment)
            | WebhookEvent::PaymentCaptured(payment)
            | WebhookEvent::PaymentFailed(payment)
            | WebhookEvent::OrderPaid { payment, .. } => Some(payment),
            WebhookEvent::RefundCreated { payment, .. }
            | WebhookEvent::RefundProcessed { payment, .. }
            | WebhookEvent::RefundFailed { payment, .. } => payment.as_ref(),
            WebhookEvent::Other { .. } => None,
        }
    }

    fn refund(&self) -> Option<&Refund> {
        match self {
            WebhookEvent::RefundCreated { refund, .. }
            | WebhookEvent::RefundProcessed { refund, .. }
            | WebhookEvent::RefundFailed { refund, .. } => Some(refund),
            _ => None,
        }
    }
}

/// A new event, verified and stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedEvent {
    pub event_id: String,
    pub event_type: String,
    pub event: WebhookEvent,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Intake {
    /// First delivery: stored now; act on it in the same transaction. (Boxed: an event
    /// carries whole entities, an acknowledgement only an id.)
    New(Box<ReceivedEvent>),
    /// This event id was stored before, or an event of this type about the same payment
    /// (or refund) under another id: acknowledge it and do nothing.
    AlreadySeen { event_id: String },
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// No `X-Razorpay-Signature`, or it does not sign these bytes with the webhook secret.
    /// Nothing was parsed or stored.
    #[error("the webhook signature is missing or does not match the body")]
    InvalidSignature,
    /// No usable `X-Razorpay-Event-Id` (1–100 visible ASCII characters).
    #[error("the X-Razorpay-Event-Id header is missing or not valid")]
    MissingEventId,
    /// Signed, but not an event as Razorpay documents it (not JSON, a control character,
    /// an entity no gateway would report, a payment the event contradicts). Nothing was
    /// stored.
    #[error("the webhook body is not a Razorpay event: {0}")]
    Malformed(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Receives Razorpay's webhooks with the webhook secret (not the API key secret).
#[derive(Clone)]
pub struct WebhookIntake {
    secret: SecretString,
}

impl std::fmt::Debug for WebhookIntake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookIntake")
    }
}

impl WebhookIntake {
    pub fn new(webhook_secret: SecretString) -> WebhookIntake {
        WebhookIntake { secret: webhook_secret }
    }

    /// Checks the signature alone. Errors: `InvalidSignature`.
    pub fn verify(&self, raw_body: &[u8], signature: Option<&str>) -> Result<(), WebhookError> {
        let secret = self.secret.expose_secret().as_bytes();
        match signature {
            Some(signature) if verify_webhook_signature(secret, raw_body, signature) => Ok(()),
            _ => Err(WebhookError::InvalidSignature),
        }
    }

    /// Verifies, parses and stores one delivery in the caller's transaction. Errors:
    /// `InvalidSignature` (checked first, before the body is read), `MissingEventId`,
    /// `Malformed`, `Unexpected`.
    #[tracing::instrument(name = "payments.receive_webhook", skip_all, fields(event_id, event_type))]
    pub async fn receive(
        &self,
        conn: &mut PgConnection,
        raw_body: &[u8],
        signature: Option<&str>,
        event_id: Option<&str>,
    ) -> Result<Intake, WebhookError> {
        self.verify(raw_body, signature)?;
        let event_id =
            event_id.map(str::trim).filter(|id| is_short_visible_text(id)).ok_or(WebhookError::MissingEventId)?;
        tracing::Span::current().record("event_id", event_id);
        let envelope = read_envelope(raw_body).map_err(malformed)?;
        tracing::Span::current().record("event_type", envelope.event.as_str());
        let event = parse_event(&envelope).map_err(malformed)?;
        if !store_event(conn, event_id, &envelope, &event).await? {
            return Ok(Intake::AlreadySeen { event_id: event_id.to_owned() });
        }
        record_what_it_says(conn, event_id, &envelope.event, &event).await?;
        Ok(Intake::New(Box::new(ReceivedEvent { event_id: event_id.to_owned(), event_type: envelope.event, event })))
    }
}

/// Signed, yet nothing Razorpay would send: the webhook secret has leaked, or Razorpay
/// has a bug. Refused (Razorpay retries, and the store acts on nothing it cannot trust),
/// and logged for a person.
fn malformed(defect: String) -> WebhookError {
    tracing::warn!(%defect, "a signed webhook body is not a Razorpay event");
    WebhookError::Malformed(defect)
}

/// Reads the envelope, refusing what the store cannot keep: a control character in any
/// string or key (PostgreSQL refuses NUL in text and jsonb; the others have no place in
/// a gateway's JSON and would reach admin screens and logs), and an event name that is
/// not 1–100 visible characters.
fn read_envelope(raw_body: &[u8]) -> Result<WebhookEnvelope, String> {
    let body: Value = serde_json::from_slice(raw_body).map_err(|error| error.to_string())?;
    if let Some(place) = control_character_in(&body, "body") {
        return Err(format!("{place} holds a control character"));
    }
    let envelope: WebhookEnvelope = serde_json::from_value(body).map_err(|error| error.to_string())?;
    if !is_short_visible_text(&envelope.event) {
        return Err("event is not 1 to 100 visible characters".to_owned());
    }
    Ok(envelope)
}

/// Where in `value` (found at `path`) a string or a key holds a control character other
/// than tab, line feed and carriage return. A bad key is not echoed.
fn control_character_in(value: &Value, path: &str) -> Option<String> {
    let bad = |text: &str| text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'));
    match value {
        Value::String(text) => bad(text).then(|| path.to_owned()),
        Value::Array(items) => {
            items.iter().enumerate().find_map(|(at, item)| control_character_in(item, &format!("{path}[{at}]")))
        }
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            if bad(key) {
                Some(format!("a key of {path}"))
            } else {
                control_character_in(item, &format!("{path}.{key}"))
            }
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => None,
    }
}

/// Types an event by its `event` name; unknown names are `Other`.
pub fn parse_event(envelope: &WebhookEnvelope) -> Result<WebhookEvent, String> {
    let payload = &envelope.payload;
    let event = match envelope.event.as_str() {
        "payment.authorized" => WebhookEvent::PaymentAuthorized(entity(payload, "payment")?),
        "payment.captured" => WebhookEvent::PaymentCaptured(entity(payload, "payment")?),
        "payment.failed" => WebhookEvent::PaymentFailed(entity(payload, "payment")?),
        "order.paid" => {
            WebhookEvent::OrderPaid { order: entity(payload, "order")?, payment: entity(payload, "payment")? }
        }
        "refund.created" => {
            WebhookEvent::RefundCreated { refund: entity(payload, "refund")?, payment: optional(payload, "payment")? }
        }
        "refund.processed" => {
            WebhookEvent::RefundProcessed { refund: entity(payload, "refund")?, payment: optional(payload, "payment")? }
        }
        "refund.failed" => {
            WebhookEvent::RefundFailed { refund: entity(payload, "refund")?, payment: optional(payload, "payment")? }
        }
        other => WebhookEvent::Other { event_type: other.to_owned() },
    };
    match defect(&event).or_else(|| contradiction(&event)) {
        Some(defect) => Err(defect),
        None => Ok(event),
    }
}

/// The first entity of the event that no gateway would report, if any.
fn defect(event: &WebhookEvent) -> Option<String> {
    let order = match event {
        WebhookEvent::OrderPaid { order, .. } => order.defect(),
        _ => None,
    };
    order.or_else(|| event.payment().and_then(Payment::defect)).or_else(|| event.refund().and_then(Refund::defect))
}

/// How the event contradicts what it carries, if it does: a `payment.captured` of a
/// failed payment would otherwise pay an order. A payment may have moved on from the
/// event's own status (an authorisation reported as captured), never back.
fn contradiction(event: &WebhookEvent) -> Option<String> {
    use PaymentStatus::{Authorized, Captured, Failed, Refunded};
    match event {
        WebhookEvent::PaymentAuthorized(payment) => payment_not_in(payment, &[Authorized, Captured, Refunded]),
        WebhookEvent::PaymentCaptured(payment) => payment_not_in(payment, &[Captured, Refunded]),
        WebhookEvent::PaymentFailed(payment) => payment_not_in(payment, &[Failed]),
        WebhookEvent::OrderPaid { order, payment } => payment_not_in(payment, &[Captured, Refunded]).or_else(|| {
            (payment.order_id.as_deref() != Some(order.id.as_str()))
                .then(|| "the event's order is not its payment's order".to_owned())
        }),
        WebhookEvent::RefundCreated { refund, payment } => refund_not_of(refund, payment.as_ref()),
        WebhookEvent::RefundProcessed { refund, payment } => {
            refund_not(refund, RefundStatus::Processed).or_else(|| refund_not_of(refund, payment.as_ref()))
        }
        WebhookEvent::RefundFailed { refund, payment } => {
            refund_not(refund, RefundStatus::Failed).or_else(|| refund_not_of(refund, payment.as_ref()))
        }
        WebhookEvent::Other { .. } => None,
    }
}

fn payment_not_in(payment: &Payment, statuses: &[PaymentStatus]) -> Option<String> {
    (!statuses.contains(&payment.status)).then(|| format!("the event's payment is {}", payment.status.as_str()))
}

fn refund_not(refund: &Refund, status: RefundStatus) -> Option<String> {
    (refund.status != status).then(|| format!("the event's refund is {}", refund.status.as_str()))
}

fn refund_not_of(refund: &Refund, payment: Option<&Payment>) -> Option<String> {
    payment
        .is_some_and(|payment| payment.id != refund.payment_id)
        .then(|| "the event's refund is not of its payment".to_owned())
}

fn entity<T: DeserializeOwned>(payload: &Value, name: &str) -> Result<T, String> {
    optional(payload, name)?.ok_or_else(|| format!("payload.{name}.entity is missing"))
}

fn optional<T: DeserializeOwned>(payload: &Value, name: &str) -> Result<Option<T>, String> {
    match payload.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(wrapped) => serde_json::from_value::<Wrapped<T>>(wrapped.clone())
            .map(|wrapped| Some(wrapped.entity))
            .map_err(|error| format!("payload.{name}: {error}")),
    }
}

/// Stores the event under its id; false when that id was stored before.
async fn store_event(
    conn: &mut PgConnection,
    event_id: &str,
    envelope: &WebhookEnvelope,
    event: &WebhookEvent,
) -> anyhow::Result<bool> {
    let payment = event.payment();
    let order_id = payment.and_then(|p| p.order_id.as_deref());
    let payment_id = payment.map(|p| p.id.as_str()).or(event.refund().map(|r| r.payment_id.as_str()));
    let body = serde_json::to_value(envelope).context("re-reading a verified webhook")?;
    // No conflict target: a repeated event id, and a repeated (subject, type) under a new
    // id (`webhook_events_once_per_subject`), are both "seen before".
    let stored = sqlx::query(
        "INSERT INTO payments.webhook_events
             (event_id, event_type, razorpay_order_id, razorpay_payment_id, razorpay_refund_id, subject, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT DO NOTHING",
    )
    .bind(event_id)
    .bind(&envelope.event)
    .bind(order_id)
    .bind(payment_id)
    .bind(event.refund().map(|r| r.id.as_str()))
    .bind(subject(event))
    .bind(body)
    .execute(&mut *conn)
    .await
    .context("storing a webhook event")?;
    Ok(stored.rows_affected() == 1)
}

/// What the event is about, for acting on each (subject, event type) once: the refund of
/// a refund event (a payment may have several refunds), else the payment it carries.
fn subject(event: &WebhookEvent) -> Option<String> {
    match (event.refund(), event.payment()) {
        (Some(refund), _) => Some(format!("refund:{}", refund.id)),
        (None, Some(payment)) => Some(format!("payment:{}", payment.id)),
        (None, None) => None,
    }
}

async fn record_what_it_says(
    conn: &mut PgConnection,
    event_id: &str,
    event_type: &str,
    event: &WebhookEvent,
) -> anyhow::Result<()> {
    if let Some(payment) = event.payment() {
        records::record_payment(conn, payment, RecordSource::Webhook { event_id, event_type }).await?;
    }
    if let Some(refund) = event.refund() {
        records::record_refund(conn, refund).await?;
    }
    if let WebhookEvent::RefundFailed { refund, .. } = event {
        // The customer has not got the money back: only a person can settle that.
        let reason = format!("Razorpay reports refund {} of {} paise failed", refund.id, refund.amount);
        records::flag_payment(conn, &refund.payment_id, &reason).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payment_json(status: &str) -> Value {
        json!({
            "id": "pay_IH4NVgf4Dreq1l", "entity": "payment", "amount": 50000, "currency": "INR",
            "status": status, "order_id": "order_IEIaMR65cu6nz3", "method": "upi",
            "amount_refunded": 0, "refund_status": null, "captured": status == "captured",
            "email": "a@example.com", "contact": "+919000000000", "notes": [], "fee": null, "tax": null,
            "error_code": null, "error_description": null, "error_source": null, "error_step": null,
            "error_reason": null, "acquirer_data": {}, "created_at": 1700000000
        })
    }

    fn envelope(event: &str, payload: Value) -> WebhookEnvelope {
        serde_json::from_value(json!({
            "entity": "event", "account_id": "acc_BFQ7uQEaa7j2z7", "event": event,
            "contains": ["payment"], "payload": payload, "created_at": 1700000000
        }))
        .unwrap()
    }

    #[test]
    fn an_event_is_about_its_refund_else_its_payment_else_nothing() {
        let captured =
            parse_event(&envelope("payment.captured", json!({"payment": {"entity": payment_json("captured")}})));
        assert_eq!(subject(&captured.unwrap()).as_deref(), Some("payment:pay_IH4NVgf4Dreq1l"));
        let refund = json!({"entity": {"id": "rfnd_FP8DDKxqJif6ca", "entity": "refund", "amount": 100,
            "currency": "INR", "payment_id": "pay_IH4NVgf4Dreq1l", "notes": [], "receipt": null,
            "acquirer_data": {}, "created_at": 1700000000, "batch_id": null, "status": "processed",
            "speed_processed": "normal", "speed_requested": "normal"}});
        let processed = parse_event(&envelope(
            "refund.processed",
            json!({"refund": refund, "payment": {"entity": payment_json("captured")}}),
        ));
        assert_eq!(subject(&processed.unwrap()).as_deref(), Some("refund:rfnd_FP8DDKxqJif6ca"));
        assert_eq!(subject(&WebhookEvent::Other { event_type: "invoice.paid".into() }), None);
    }

    #[test]
    fn payment_events_carry_their_payment() {
        let event =
            parse_event(&envelope("payment.captured", json!({"payment": {"entity": payment_json("captured")}})));
        let Ok(WebhookEvent::PaymentCaptured(payment)) = event else { panic!("{event:?}") };
        assert_eq!(payment.id, "pay_IH4NVgf4Dreq1l");
        assert_eq!(payment.amount, 50000);
    }

    #[test]
    fn order_paid_needs_both_the_order_and_the_payment() {
        let missing_order =
            parse_event(&envelope("order.paid", json!({"payment": {"entity": payment_json("captured")}})));
        assert_eq!(missing_order, Err("payload.order.entity is missing".to_owned()));
    }

    #[test]
    fn an_unknown_event_type_is_other() {
        let event = parse_event(&envelope("invoice.paid", json!({}))).unwrap();
        assert_eq!(event, WebhookEvent::Other { event_type: "invoice.paid".into() });
        assert_eq!(event.payment(), None);
    }

    #[test]
    fn a_known_event_with_a_broken_entity_is_malformed() {
        let broken = parse_event(&envelope("payment.failed", json!({"payment": {"entity": {"id": 5}}})));
        assert!(broken.unwrap_err().starts_with("payload.payment:"));
    }

    #[test]
    fn a_missing_or_tampered_signature_is_refused_before_anything_else() {
        let intake = WebhookIntake::new(SecretString::from("123456"));
        let body = br#"{"a":1,"b":2,"c":{"d":3}}"#;
        let signature = "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc";
        assert!(intake.verify(body, Some(signature)).is_ok());
        assert!(matches!(intake.verify(body, None), Err(WebhookError::InvalidSignature)));
        assert!(matches!(
            intake.verify(br#"{"a":2,"b":2,"c":{"d":3}}"#, Some(signature)),
            Err(WebhookError::InvalidSignature)
        ));
    }

    #[test]
    fn event_ids_are_short_visible_text() {
        assert!(is_short_visible_text("evt_JGMhJtMkF7ZALh"));
        assert!(!is_short_visible_text(""));
        assert!(!is_short_visible_text("evt 1"));
        assert!(!is_short_visible_text(&"e".repeat(101)));
    }

    #[test]
    fn a_capture_of_a_failed_payment_is_malformed() {
        let event = parse_event(&envelope("payment.captured", json!({"payment": {"entity": payment_json("failed")}})));
        assert_eq!(event, Err("the event's payment is failed".to_owned()));
    }

    #[test]
    fn an_authorisation_reported_after_its_capture_is_read() {
        let event =
            parse_event(&envelope("payment.authorized", json!({"payment": {"entity": payment_json("captured")}})));
        assert!(matches!(event, Ok(WebhookEvent::PaymentAuthorized(_))), "{event:?}");
    }

    #[test]
    fn a_negative_amount_is_malformed() {
        let mut payment = payment_json("captured");
        payment["amount"] = json!(-1);
        let event = parse_event(&envelope("payment.captured", json!({"payment": {"entity": payment}})));
        assert_eq!(event, Err("payment.amount is negative".to_owned()));
    }

    #[test]
    fn control_characters_are_found_wherever_they_are_and_bad_keys_not_echoed() {
        let body = json!({"a": [1, {"b": "ok\tfine\r\n"}], "c": {"d": ["x", "\u{0}"]}});
        assert_eq!(control_character_in(&body, "body").as_deref(), Some("body.c.d[1]"));
        assert_eq!(control_character_in(&json!({"e": {"\u{1b}[2J": 1}}), "body").as_deref(), Some("a key of body.e"));
        assert_eq!(control_character_in(&json!({"f": "caf\u{e9} \u{20b9}"}), "body"), None);
    }

    #[test]
    fn an_empty_event_name_is_malformed() {
        let body = br#"{"entity":"event","event":"","payload":{}}"#;
        assert_eq!(read_envelope(body).unwrap_err(), "event is not 1 to 100 visible characters");
    }
}
