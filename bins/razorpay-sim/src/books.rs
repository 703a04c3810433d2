//! The simulator's books: Razorpay's orders, payments and refunds in memory, with
//! Razorpay's rules (shared/razorpay.md). Pure: no HTTP, no clock of its own, no I/O;
//! every change returns the webhook events it causes, for the caller to deliver.

use std::collections::{BTreeMap, HashMap};

use payments_razorpay::entities::{
    ErrorBody, ErrorDetail, Notes, Order, OrderStatus, Payment, PaymentStatus, Refund, RefundStatus,
    RefundStatusOfPayment, error_codes,
};
use serde_json::{Value, json};

use crate::ids::new_id;

/// A refusal, as Razorpay writes it: HTTP status and error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    /// Boxed: refusals travel in `Result`s, and the body is large.
    pub body: Box<ErrorBody>,
}

impl Refusal {
    pub fn bad_request(description: impl Into<String>, field: Option<&str>) -> Refusal {
        Refusal::new(400, error_codes::BAD_REQUEST, description, field)
    }

    pub fn unknown_id() -> Refusal {
        Refusal::bad_request("The id provided does not exist", Some("id"))
    }

    pub fn new(status: u16, code: &str, description: impl Into<String>, field: Option<&str>) -> Refusal {
        Refusal {
            status,
            body: Box::new(ErrorBody {
                error: ErrorDetail {
                    code: code.to_owned(),
                    description: description.into(),
                    source: Some("business".into()),
                    step: Some("payment_initiation".into()),
                    reason: Some("input_validation_failed".into()),
                    metadata: json!({}),
                    field: field.map(str::to_owned),
                },
            }),
        }
    }
}

/// A webhook to send: the event name and its payload (`{"payment":{"entity":…}}`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct EventToSend {
    pub event: &'static str,
    pub payload: Value,
}

impl EventToSend {
    fn payment(event: &'static str, payment: &Payment) -> EventToSend {
        EventToSend { event, payload: json!({ "payment": { "entity": payment } }) }
    }

    fn order_paid(order: &Order, payment: &Payment) -> EventToSend {
        EventToSend {
            event: "order.paid",
            payload: json!({ "payment": { "entity": payment }, "order": { "entity": order } }),
        }
    }

    fn refund(event: &'static str, refund: &Refund, payment: &Payment) -> EventToSend {
        EventToSend { event, payload: json!({ "refund": { "entity": refund }, "payment": { "entity": payment } }) }
    }

    /// What the event contains, for the envelope's `contains`.
    pub fn contains(&self) -> Vec<String> {
        self.payload.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
    }
}

/// What the customer does in the checkout window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Authorised, and captured too unless the order asked for manual capture.
    Success,
    /// The bank declines.
    Failure,
    /// Authorised only, whatever the order asked for.
    Authorize,
}

pub const METHODS: [&str; 6] = ["card", "netbanking", "wallet", "emi", "upi", "paylater"];

#[derive(Debug, Clone)]
struct SimOrder {
    order: Order,
    manual_capture: bool,
    payment_ids: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Books {
    orders: HashMap<String, SimOrder>,
    payments: HashMap<String, Payment>,
    refunds: BTreeMap<String, Refund>,
}

fn field<'a>(body: &'a Value, name: &str) -> Option<&'a Value> {
    body.get(name).filter(|value| !value.is_null())
}

fn amount_field(body: &Value, name: &str) -> Result<Option<i64>, Refusal> {
    match field(body, name) {
        None => Ok(None),
        Some(value) => value
            .as_i64()
            .map(Some)
            .ok_or_else(|| Refusal::bad_request(format!("The {name} must be an integer."), Some(name))),
    }
}

fn notes_field(body: &Value) -> Result<Notes, Refusal> {
    let Some(value) = field(body, "notes") else { return Ok(Notes::default()) };
    let notes: Notes = serde_json::from_value(value.clone())
        .map_err(|_| Refusal::bad_request("The notes must be an array of key-value pairs.", Some("notes")))?;
    if notes.0.len() > 15 {
        return Err(Refusal::bad_request("Number of notes cannot exceed 15.", Some("notes")));
    }
    if notes.0.values().any(|value| value.chars().count() > 256) {
        return Err(Refusal::bad_request("The notes value may not be greater than 256 characters.", Some("notes")));
    }
    Ok(notes)
}

fn currency_field(body: &Value) -> Result<String, Refusal> {
    let currency = field(body, "currency")
        .ok_or_else(|| Refusal::bad_request("The currency field is required.", Some("currency")))?
        .as_str()
        .ok_or_else(|| Refusal::bad_request("The currency must be a string.", Some("currency")))?;
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Refusal::bad_request("The currency must be 3 characters.", Some("currency")));
    }
    if currency != "INR" {
        return Err(Refusal::bad_request("Currency is not supported", Some("currency")));
    }
    Ok(currency.to_owned())
}

fn at_least_one_rupee(amount: i64) -> Result<i64, Refusal> {
    if amount < 100 {
        return Err(Refusal::bad_request("The amount must be at least INR 1.00", Some("amount")));
    }
    Ok(amount)
}

impl Books {
    /// `POST /v1/orders`.
    pub fn create_order(&mut self, body: &Value, now: i64) -> Result<Order, Refusal> {
        let amount = amount_field(body, "amount")?
            .ok_or_else(|| Refusal::bad_request("The amount field is required.", Some("amount")))?;
        let amount = at_least_one_rupee(amount)?;
        let currency = currency_field(body)?;
        let receipt = match field(body, "receipt") {
            None => None,
            Some(value) => {
                let receipt = value
                    .as_str()
                    .ok_or_else(|| Refusal::bad_request("The receipt must be a string.", Some("receipt")))?;
                if receipt.chars().count() > 40 {
                    return Err(Refusal::bad_request(
                        "The receipt may not be greater than 40 characters.",
                        Some("receipt"),
                    ));
                }
                Some(receipt.to_owned())
            }
        };
        let notes = notes_field(body)?;
        let manual_capture = match body.pointer("/payment/capture").and_then(Value::as_str) {
            None | Some("automatic") => false,
            Some("manual") => true,
            Some(_) => {
                return Err(Refusal::bad_request(
                    "The payment.capture must be automatic or manual.",
                    Some("payment.capture"),
                ));
            }
        };
        let order = Order {
            id: new_id("order"),
            entity: "order".into(),
            amount,
            amount_paid: 0,
            amount_due: amount,
            currency,
            receipt,
            offer_id: None,
            status: OrderStatus::Created,
            attempts: 0,
            notes,
            created_at: now,
        };
        self.orders
            .insert(order.id.clone(), SimOrder { order: order.clone(), manual_capture, payment_ids: Vec::new() });
        Ok(order)
    }

    pub fn order(&self, order_id: &str) -> Result<Order, Refusal> {
        self.orders.get(order_id).map(|o| o.order.clone()).ok_or_else(Refusal::unknown_id)
    }

    pub fn order_payments(&self, order_id: &str) -> Result<Vec<Payment>, Refusal> {
        let order = self.orders.get(order_id).ok_or_else(Refusal::unknown_id)?;
        Ok(order.payment_ids.iter().filter_map(|id| self.payments.get(id).cloned()).collect())
    }

    /// `GET /v1/payments/:id/refunds`: every refund of the payment, failed ones too.
    pub fn payment_refunds(&self, payment_id: &str) -> Result<Vec<Refund>, Refusal> {
        self.payment(payment_id)?;
        Ok(self.refunds.values().filter(|refund| refund.payment_id == payment_id).cloned().collect())
    }

    /// `GET /v1/refunds/:id`.
    pub fn refund_entity(&self, refund_id: &str) -> Result<Refund, Refusal> {
        self.refunds.get(refund_id).cloned().ok_or_else(Refusal::unknown_id)
    }

    pub fn payment(&self, payment_id: &str) -> Result<Payment, Refusal> {
        self.payments.get(payment_id).cloned().ok_or_else(Refusal::unknown_id)
    }

    /// The customer pays the order in the checkout window.
    pub fn pay(
        &mut self,
        order_id: &str,
        outcome: Outcome,
        method: &str,
        now: i64,
    ) -> Result<(Payment, Vec<EventToSend>), Refusal> {
        if !METHODS.contains(&method) {
            return Err(Refusal::bad_request("Invalid payment method", Some("method")));
        }
        let sim_order = self.orders.get_mut(order_id).ok_or_else(Refusal::unknown_id)?;
        if sim_order.order.status == OrderStatus::Paid {
            return Err(Refusal::bad_request("Order has already been paid", None));
        }
        let order = &mut sim_order.order;
        order.attempts += 1;
        order.status = OrderStatus::Attempted;
        let mut payment = Payment {
            id: new_id("pay"),
            entity: "payment".into(),
            amount: order.amount_due,
            currency: order.currency.clone(),
            status: PaymentStatus::Created,
            order_id: Some(order.id.clone()),
            method: Some(method.to_owned()),
            amount_refunded: 0,
            refund_status: None,
            captured: false,
            email: Some("customer@example.com".into()),
            contact: Some("+919000090000".into()),
            notes: Notes::default(),
            fee: None,
            tax: None,
            error_code: None,
            error_description: None,
            error_source: None,
            error_step: None,
            error_reason: None,
            acquirer_data: json!({}),
            created_at: now,
        };
        sim_order.payment_ids.push(payment.id.clone());
        let manual_capture = sim_order.manual_capture;
        let events = match outcome {
            Outcome::Failure => {
                decline(&mut payment);
                vec![EventToSend::payment("payment.failed", &payment)]
            }
            Outcome::Authorize => authorize(&mut payment),
            Outcome::Success if manual_capture => authorize(&mut payment),
            Outcome::Success => {
                let mut events = authorize(&mut payment);
                events.extend(self.capture_authorized(&mut payment));
                events
            }
        };
        self.payments.insert(payment.id.clone(), payment.clone());
        Ok((payment, events))
    }

    /// A failed payment the bank authorises late (Razorpay allows this for days): it
    /// becomes `authorized`, and is captured at once when its order asked for automatic
    /// capture and is not paid yet.
    pub fn authorize_late(&mut self, payment_id: &str) -> Result<(Payment, Vec<EventToSend>), Refusal> {
        let mut payment = self.payment(payment_id)?;
        if payment.status != PaymentStatus::Failed {
            return Err(Refusal::bad_request("Only a failed payment can be authorized late", None));
        }
        let order_id = payment.order_id.clone().unwrap_or_default();
        let order = self.orders.get(&order_id).ok_or_else(Refusal::unknown_id)?;
        let capture = !order.manual_capture && order.order.status != OrderStatus::Paid;
        let mut events = authorize(&mut payment);
        if capture {
            events.extend(self.capture_authorized(&mut payment));
        }
        self.payments.insert(payment.id.clone(), payment.clone());
        Ok((payment, events))
    }

    /// `POST /v1/payments/:id/capture`.
    pub fn capture(&mut self, payment_id: &str, body: &Value) -> Result<(Payment, Vec<EventToSend>), Refusal> {
        let mut payment = self.payment(payment_id)?;
        let amount = amount_field(body, "amount")?
            .ok_or_else(|| Refusal::bad_request("The amount field is required.", Some("amount")))?;
        let currency = currency_field(body)?;
        match payment.status {
            PaymentStatus::Authorized => {}
            PaymentStatus::Captured | PaymentStatus::Refunded => {
                return Err(Refusal::bad_request("This payment has already been captured", None));
            }
            _ => {
                return Err(Refusal::bad_request(
                    "Only payments which have been authorized and not yet captured can be captured",
                    None,
                ));
            }
        }
        if amount != payment.amount {
            return Err(Refusal::bad_request("Capture amount must be equal to the amount authorized", Some("amount")));
        }
        if currency != payment.currency {
            return Err(Refusal::bad_request("Currency should be same as payment currency", Some("currency")));
        }
        let events = self.capture_authorized(&mut payment);
        self.payments.insert(payment.id.clone(), payment.clone());
        Ok((payment, events))
    }

    /// `POST /v1/payments/:id/refund`: processed at once; no amount refunds what is left.
    /// With `fail_later`, accepted as `pending` and then failed: the payment keeps its
    /// money and `refund.failed` follows `refund.created`.
    pub fn refund(
        &mut self,
        payment_id: &str,
        body: &Value,
        now: i64,
        fail_later: bool,
    ) -> Result<(Refund, Vec<EventToSend>), Refusal> {
        let mut payment = self.payment(payment_id)?;
        if !payment.captured {
            return Err(Refusal::bad_request("The payment has not been captured", None));
        }
        let left = payment.amount - payment.amount_refunded;
        if left == 0 {
            return Err(Refusal::bad_request("The payment has been fully refunded already", None));
        }
        let amount = at_least_one_rupee(amount_field(body, "amount")?.unwrap_or(left))?;
        if amount > left {
            return Err(Refusal::bad_request(
                "The refund amount provided is greater than amount captured",
                Some("amount"),
            ));
        }
        let speed = match field(body, "speed").map(|s| s.as_str()) {
            None => "normal",
            Some(Some(speed @ ("normal" | "optimum"))) => speed,
            Some(_) => return Err(Refusal::bad_request("The selected speed is invalid.", Some("speed"))),
        };
        let receipt = field(body, "receipt").and_then(Value::as_str).map(str::to_owned);
        let refund = Refund {
            id: new_id("rfnd"),
            entity: "refund".into(),
            amount,
            currency: payment.currency.clone(),
            payment_id: payment.id.clone(),
            notes: notes_field(body)?,
            receipt,
            acquirer_data: json!({ "arn": null }),
            created_at: now,
            batch_id: None,
            status: RefundStatus::Processed,
            speed_processed: Some("normal".into()),
            speed_requested: Some(speed.to_owned()),
        };
        if fail_later {
            let pending = Refund { status: RefundStatus::Pending, speed_processed: None, ..refund.clone() };
            let failed = Refund { status: RefundStatus::Failed, ..pending.clone() };
            self.refunds.insert(failed.id.clone(), failed.clone());
            let events = vec![
                EventToSend::refund("refund.created", &pending, &payment),
                EventToSend::refund("refund.failed", &failed, &payment),
            ];
            return Ok((pending, events));
        }
        payment.amount_refunded += amount;
        let full = payment.amount_refunded == payment.amount;
        payment.refund_status = Some(if full { RefundStatusOfPayment::Full } else { RefundStatusOfPayment::Partial });
        if full {
            payment.status = PaymentStatus::Refunded;
        }
        self.payments.insert(payment.id.clone(), payment.clone());
        self.refunds.insert(refund.id.clone(), refund.clone());
        let events = vec![
            EventToSend::refund(
                "refund.created",
                &Refund { status: RefundStatus::Pending, ..refund.clone() },
                &payment,
            ),
            EventToSend::refund("refund.processed", &refund, &payment),
        ];
        Ok((refund, events))
    }

    /// Captures an authorised payment and pays its order.
    fn capture_authorized(&mut self, payment: &mut Payment) -> Vec<EventToSend> {
        payment.status = PaymentStatus::Captured;
        payment.captured = true;
        // Razorpay's fee: 2 % plus 18 % GST on it, in whole paise.
        let fee = payment.amount * 2 / 100;
        let tax = fee * 18 / 100;
        payment.fee = Some(fee + tax);
        payment.tax = Some(tax);
        let mut events = vec![EventToSend::payment("payment.captured", payment)];
        let order_id = payment.order_id.clone().unwrap_or_default();
        if let Some(sim_order) = self.orders.get_mut(&order_id) {
            let order = &mut sim_order.order;
            order.status = OrderStatus::Paid;
            order.amount_paid = payment.amount;
            order.amount_due = 0;
            events.push(EventToSend::order_paid(order, payment));
        }
        events
    }
}

fn authorize(payment: &mut Payment) -> Vec<EventToSend> {
    payment.status = PaymentStatus::Authorized;
    payment.error_code = None;
    payment.error_description = None;
    payment.error_source = None;
    payment.error_step = None;
    payment.error_reason = None;
    vec![EventToSend::payment("payment.authorized", payment)]
}

fn decline(payment: &mut Payment) {
    payment.status = PaymentStatus::Failed;
    payment.error_code = Some(error_codes::BAD_REQUEST.into());
    payment.error_description = Some("Payment processing failed because of incorrect OTP".into());
    payment.error_source = Some("customer".into());
    payment.error_step = Some("payment_authentication".into());
    payment.error_reason = Some("incorrect_otp".into());
}

/// The `error` object the checkout handler receives for a failed payment.
pub fn checkout_error(payment: &Payment) -> Value {
    json!({
        "code": payment.error_code,
        "description": payment.error_description,
        "source": payment.error_source,
        "step": payment.error_step,
        "reason": payment.error_reason,
        "metadata": { "order_id": payment.order_id, "payment_id": payment.id },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_763_700_000;

    fn order(books: &mut Books, body: Value) -> Order {
        books.create_order(&body, NOW).unwrap()
    }

    fn refusal(result: Result<impl std::fmt::Debug, Refusal>) -> (u16, String, Option<String>) {
        let refusal = result.unwrap_err();
        (refusal.status, refusal.body.error.description, refusal.body.error.field)
    }

    fn names(events: &[EventToSend]) -> Vec<&'static str> {
        events.iter().map(|e| e.event).collect()
    }

    #[test]
    fn an_order_starts_created_with_everything_due() {
        let mut books = Books::default();
        let order = order(&mut books, json!({"amount": 50000, "currency": "INR", "receipt": "RM-1"}));
        assert!(order.id.starts_with("order_") && order.id.len() == "order_".len() + 14);
        assert_eq!(
            (order.status, order.attempts, order.amount_due, order.amount_paid),
            (OrderStatus::Created, 0, 50000, 0)
        );
        assert_eq!(serde_json::to_value(&order).unwrap()["notes"], json!([]));
    }

    #[test]
    fn orders_below_one_rupee_or_with_long_receipts_are_refused() {
        let mut books = Books::default();
        let (status, description, field) = refusal(books.create_order(&json!({"amount": 99, "currency": "INR"}), NOW));
        assert_eq!(
            (status, description.as_str(), field.as_deref()),
            (400, "The amount must be at least INR 1.00", Some("amount"))
        );
        let long = "R".repeat(41);
        let (_, _, field) =
            refusal(books.create_order(&json!({"amount": 100, "currency": "INR", "receipt": long}), NOW));
        assert_eq!(field.as_deref(), Some("receipt"));
        let (_, _, field) = refusal(books.create_order(&json!({"amount": 100.5, "currency": "INR"}), NOW));
        assert_eq!(field.as_deref(), Some("amount"));
        let (_, _, field) = refusal(books.create_order(&json!({"amount": 100, "currency": "inr"}), NOW));
        assert_eq!(field.as_deref(), Some("currency"));
        let many: serde_json::Map<String, Value> = (0..16).map(|n| (format!("k{n}"), json!("v"))).collect();
        let (_, _, field) = refusal(books.create_order(&json!({"amount": 100, "currency": "INR", "notes": many}), NOW));
        assert_eq!(field.as_deref(), Some("notes"));
    }

    #[test]
    fn a_successful_payment_is_captured_and_pays_the_order() {
        let mut books = Books::default();
        let order = order(&mut books, json!({"amount": 50000, "currency": "INR"}));
        let (payment, events) = books.pay(&order.id, Outcome::Success, "upi", NOW).unwrap();
        assert_eq!((payment.status, payment.captured), (PaymentStatus::Captured, true));
        assert_eq!(names(&events), ["payment.authorized", "payment.captured", "order.paid"]);
        let order = books.order(&order.id).unwrap();
        assert_eq!(
            (order.status, order.attempts, order.amount_paid, order.amount_due),
            (OrderStatus::Paid, 1, 50000, 0)
        );
        let (_, description, _) = refusal(books.pay(&order.id, Outcome::Success, "upi", NOW));
        assert_eq!(description, "Order has already been paid");
    }

    #[test]
    fn failed_tries_count_as_attempts_and_stay_listed() {
        let mut books = Books::default();
        let order = order(&mut books, json!({"amount": 50000, "currency": "INR"}));
        let (failed, events) = books.pay(&order.id, Outcome::Failure, "card", NOW).unwrap();
        assert_eq!(failed.status, PaymentStatus::Failed);
        assert_eq!(names(&events), ["payment.failed"]);
        assert_eq!(books.order(&order.id).unwrap().status, OrderStatus::Attempted);
        books.pay(&order.id, Outcome::Success, "upi", NOW).unwrap();
        assert_eq!(books.order(&order.id).unwrap().attempts, 2);
        assert_eq!(books.order_payments(&order.id).unwrap().len(), 2);
    }

    #[test]
    fn a_manual_capture_order_waits_for_capture_of_exactly_the_authorized_amount() {
        let mut books = Books::default();
        let order = order(&mut books, json!({"amount": 50000, "currency": "INR", "payment": {"capture": "manual"}}));
        let (payment, events) = books.pay(&order.id, Outcome::Success, "card", NOW).unwrap();
        assert_eq!(payment.status, PaymentStatus::Authorized);
        assert_eq!(names(&events), ["payment.authorized"]);
        let (_, description, _) = refusal(books.capture(&payment.id, &json!({"amount": 40000, "currency": "INR"})));
        assert_eq!(description, "Capture amount must be equal to the amount authorized");
        let (captured, events) = books.capture(&payment.id, &json!({"amount": 50000, "currency": "INR"})).unwrap();
        assert_eq!(captured.status, PaymentStatus::Captured);
        assert_eq!(names(&events), ["payment.captured", "order.paid"]);
        assert!(books.capture(&payment.id, &json!({"amount": 50000, "currency": "INR"})).is_err());
    }

    #[test]
    fn refunds_add_up_to_what_was_captured_and_no_more() {
        let mut books = Books::default();
        let order = order(&mut books, json!({"amount": 50000, "currency": "INR"}));
        let (payment, _) = books.pay(&order.id, Outcome::Success, "upi", NOW).unwrap();
        let (partial, events) = books.refund(&payment.id, &json!({"amount": 20000}), NOW, false).unwrap();
        assert_eq!((partial.amount, partial.status), (20000, RefundStatus::Processed));
        assert_eq!(names(&events), ["refund.created", "refund.processed"]);
        let (_, description, _) = refusal(books.refund(&payment.id, &json!({"amount": 30001}), NOW, false));
        assert_eq!(description, "The refund amount provided is greater than amount captured");
        let (rest, _) = books.refund(&payment.id, &json!({}), NOW, false).unwrap();
        assert_eq!(rest.amount, 30000);
        let payment = books.payment(&payment.id).unwrap();
        assert_eq!(
            (payment.status, payment.amount_refunded, payment.refund_status),
            (PaymentStatus::Refunded, 50000, Some(RefundStatusOfPayment::Full))
        );
        assert_eq!(books.order(&order.id).unwrap().status, OrderStatus::Paid);
        let (_, description, _) = refusal(books.refund(&payment.id, &json!({}), NOW, false));
        assert_eq!(description, "The payment has been fully refunded already");
    }

    #[test]
    fn a_refund_that_fails_later_is_pending_then_failed_and_the_payment_keeps_its_money() {
        let mut books = Books::default();
        let order = order(&mut books, json!({"amount": 50000, "currency": "INR"}));
        let (payment, _) = books.pay(&order.id, Outcome::Success, "upi", NOW).unwrap();
        let (pending, events) = books.refund(&payment.id, &json!({"amount": 20000}), NOW, true).unwrap();
        assert_eq!(pending.status, RefundStatus::Pending);
        assert_eq!(names(&events), ["refund.created", "refund.failed"]);
        let payment = books.payment(&payment.id).unwrap();
        assert_eq!((payment.status, payment.amount_refunded), (PaymentStatus::Captured, 0));
        let (again, _) = books.refund(&payment.id, &json!({}), NOW, false).unwrap();
        assert_eq!((again.amount, again.status), (50000, RefundStatus::Processed));
    }

    #[test]
    fn an_uncaptured_payment_cannot_be_refunded() {
        let mut books = Books::default();
        let order = order(&mut books, json!({"amount": 50000, "currency": "INR"}));
        let (payment, _) = books.pay(&order.id, Outcome::Authorize, "upi", NOW).unwrap();
        assert!(books.refund(&payment.id, &json!({}), NOW, false).is_err());
    }

    #[test]
    fn a_late_authorisation_captures_a_failed_payment() {
        let mut books = Books::default();
        let order = order(&mut books, json!({"amount": 50000, "currency": "INR"}));
        let (failed, _) = books.pay(&order.id, Outcome::Failure, "upi", NOW).unwrap();
        let (payment, events) = books.authorize_late(&failed.id).unwrap();
        assert_eq!(payment.status, PaymentStatus::Captured);
        assert_eq!(payment.error_code, None);
        assert_eq!(names(&events), ["payment.authorized", "payment.captured", "order.paid"]);
        assert!(books.authorize_late(&failed.id).is_err());
    }

    #[test]
    fn unknown_ids_are_bad_requests_not_404s() {
        let mut books = Books::default();
        let (status, description, _) = refusal(books.payment("pay_nothing"));
        assert_eq!((status, description.as_str()), (400, "The id provided does not exist"));
        assert!(books.order("order_nothing").is_err());
        assert!(books.pay("order_nothing", Outcome::Success, "upi", NOW).is_err());
    }
}
