//! An admin running orders: packing, shipping with tracking, delivering, returns with
//! restock, refunds in part and whole (settled by Razorpay's word, failing by webhook,
//! racing), bulk cancellation, the state machine's refusals and the audit trail.

use std::collections::HashSet;
use std::sync::Arc;

use api_types::ErrorCode;
use api_types::admin_orders::{
    BulkCancel, BulkCancelOutcome, NewRefund, NewReturn, Refund, RefundStatus, ReturnLine, ShipOrder, StatusChange,
};
use api_types::audit::{AuditEntity, AuditQuery};
use api_types::orders::{Order, OrderStatus, PaymentMethod, PlacedOrder, ShippingAddress};
use reqwest::StatusCode;
use rigmaster_tests::app::{TestApp, TestUser};
use rigmaster_tests::orders::{history_statuses, order_of};
use rigmaster_tests::shop::{all_at_once, new_key, register_customers, spawn_shop, spawn_shop_with};
use rigmaster_tests::{assert_refused, eventually};

use crate::addresses::home;
use uuid::Uuid;

/// One customer's paid order of `quantity` units of one product (`STOCK` on hand).
struct PaidOrder {
    admin: TestUser,
    customer: TestUser,
    product: Uuid,
    order: Order,
}

const STOCK: i64 = 10;

async fn paid_order(app: &TestApp, quantity: i64) -> PaidOrder {
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = app.create_stocked_product(&admin, 100_000, STOCK).await;
    let placed = app.buy(&customer, product, quantity).await;
    app.pay(&placed, "success", "normal").await;
    let order = app.wait_for_order_status(&customer, placed.order.id, OrderStatus::Paid).await;
    PaidOrder { admin, customer, product, order }
}

fn move_to(status: OrderStatus) -> StatusChange {
    StatusChange { status, note: None }
}

fn shipment() -> ShipOrder {
    ShipOrder {
        carrier: "Delhivery".into(),
        tracking_number: "DL123456789IN".into(),
        tracking_url: Some("https://www.delhivery.com/track/package/DL123456789IN".into()),
        description: Some("1 box, 2 kg".into()),
    }
}

fn refund_of(amount_paise: Option<i64>) -> NewRefund {
    NewRefund { amount_paise, reason: "goodwill".into() }
}

fn return_of(product: Uuid, quantity: i64, refund_paise: Option<i64>) -> NewReturn {
    NewReturn {
        items: vec![ReturnLine { product_id: product, quantity }],
        restock: true,
        reason: "Customer changed their mind".into(),
        refund_paise,
    }
}

/// The order's audit trail as `GET /admin/audit` gives it (the order's own entries, its
/// refunds' and its returns'), oldest first: each action with who did it.
async fn audit_trail(admin: &TestUser, order: Uuid) -> Vec<(String, Uuid)> {
    let detail = admin.api.admin_order(&order.to_string()).await.expect("the admin's order");
    let mut subjects = vec![(AuditEntity::Order, order)];
    subjects.extend(detail.refunds.iter().map(|refund| (AuditEntity::Refund, refund.id)));
    subjects.extend(detail.returns.iter().map(|taken_back| (AuditEntity::Return, taken_back.id)));
    let mut entries = Vec::new();
    for (entity, id) in subjects {
        let query = AuditQuery { entity: Some(entity), entity_id: Some(id), limit: Some(100), ..AuditQuery::default() };
        entries.extend(admin.api.audit_entries(&query).await.expect("the audit trail").items);
    }
    assert!(entries.iter().all(|entry| entry.request_id.is_some()), "each entry names its request");
    entries.sort_by_key(|entry| (entry.at, entry.id));
    entries.into_iter().map(|entry| (entry.action, entry.actor_id)).collect()
}

async fn refund_now(admin: &TestUser, order: Uuid, amount_paise: Option<i64>) -> Refund {
    let answer = admin.api.refund_order(order, &refund_of(amount_paise), &new_key()).await.expect("a refund");
    assert_eq!(answer.status, StatusCode::CREATED);
    answer.body
}

#[tokio::test]
async fn an_order_goes_from_payment_through_shipping_and_returns_to_refunded_with_every_step_audited() {
    let app = spawn_shop().await;
    let PaidOrder { admin, customer, product, order } = paid_order(&app, 3).await;
    let total = order.total_paise;

    admin.api.change_order_status(order.id, &move_to(OrderStatus::Packed)).await.expect("packed");
    let shipped = admin.api.ship_order(order.id, &shipment()).await.expect("shipped");
    assert_eq!(shipped.order.status, OrderStatus::Shipped);
    let seen = customer.api.order(order.id).await.unwrap();
    let tracking = seen.shipment.expect("the customer sees the shipment");
    assert_eq!(
        (tracking.carrier.as_str(), tracking.tracking_number.as_str(), tracking.tracking_url.as_deref()),
        ("Delhivery", "DL123456789IN", Some("https://www.delhivery.com/track/package/DL123456789IN"))
    );
    assert!(tracking.shipped_at.is_some());
    admin.api.change_order_status(order.id, &move_to(OrderStatus::Delivered)).await.expect("delivered");

    // One unit back, restocked, with a third of the money.
    let third = total / 3;
    let first = admin.api.record_return(order.id, &return_of(product, 1, Some(third))).await.expect("a return");
    assert!(first.refund_id.is_some());
    assert_eq!(app.stock_levels(product).await, (STOCK - 3 + 1, 0));
    assert_eq!(app.ledger_entries(order.id, "restock").await, 1);
    let partly =
        app.wait_for_order(&customer, order.id, "a partial refund", |o| o.payment.refunded_paise == third).await;
    assert_eq!(partly.status, OrderStatus::Delivered, "a partial return leaves the order delivered");

    // The rest back, with the rest of the money.
    admin.api.record_return(order.id, &return_of(product, 2, Some(total - third))).await.expect("the rest back");
    assert_eq!(app.stock_levels(product).await, (STOCK, 0));
    let refunded = app.wait_for_order_status(&customer, order.id, OrderStatus::Refunded).await;
    assert_eq!(refunded.payment.refunded_paise, total);
    let mut statuses = history_statuses(&refunded);
    statuses.dedup();
    assert_eq!(
        statuses,
        [
            OrderStatus::PaymentPending,
            OrderStatus::Paid,
            OrderStatus::Packed,
            OrderStatus::Shipped,
            OrderStatus::Delivered,
            OrderStatus::Returned,
            OrderStatus::Refunded,
        ]
    );

    let detail = admin.api.admin_order(&order.order_number).await.expect("the admin's order");
    assert_eq!(detail.returns.len(), 2);
    assert!(detail.returns.iter().all(|taken_back| taken_back.restock && taken_back.refund_id.is_some()));
    let refunds: Vec<(i64, RefundStatus)> = detail.refunds.iter().map(|r| (r.amount_paise, r.status)).collect();
    assert_eq!(refunds, [(third, RefundStatus::Processed), (total - third, RefundStatus::Processed)]);

    let trail = audit_trail(&admin, order.id).await;
    let actions: Vec<&str> = trail.iter().map(|(action, _)| action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "order.status",
            "order.ship",
            "order.status",
            "return.create",
            "refund.create",
            "order.status",
            "return.create",
            "refund.create"
        ]
    );
    assert!(trail.iter().all(|(_, actor)| *actor == admin.id), "every step is the admin's: {trail:?}");
}

/// The contract's legal moves; every other pair is refused.
fn legal(from: OrderStatus, to: OrderStatus, paid_online: bool) -> bool {
    use OrderStatus::*;
    matches!(
        (from, to),
        (PaymentPending, Paid | PaymentFailed | Cancelled)
            | (PaymentFailed, PaymentPending | Cancelled | Paid)
            | (Paid | Confirmed, Packed | Cancelled)
            | (Packed, Shipped | Cancelled)
            | (Shipped, Delivered | Returned)
            | (Delivered, Returned)
            | (Returned, Refunded)
    ) || (from == Cancelled && to == Refunded && paid_online)
}

const EVERY_STATUS: [OrderStatus; 10] = [
    OrderStatus::PaymentPending,
    OrderStatus::Confirmed,
    OrderStatus::Paid,
    OrderStatus::Packed,
    OrderStatus::Shipped,
    OrderStatus::Delivered,
    OrderStatus::PaymentFailed,
    OrderStatus::Cancelled,
    OrderStatus::Returned,
    OrderStatus::Refunded,
];

fn cod_order(product: Uuid) -> api_types::orders::PlaceOrder {
    let mut order = order_of(product, 1);
    order.payment_method = PaymentMethod::Cod;
    order.shipping_address = Some(home());
    order
}

/// An order of the customer's in `status` (and whether it was paid online).
async fn order_in(app: &TestApp, admin: &TestUser, customer: &TestUser, product: Uuid, status: OrderStatus) -> Uuid {
    use OrderStatus::*;
    let online = || async { app.buy(customer, product, 1).await };
    let paid = || async {
        let placed = online().await;
        app.pay(&placed, "success", "normal").await;
        app.wait_for_order_status(customer, placed.order.id, Paid).await.id
    };
    let cod = || async { app.checkout(customer, &cod_order(product)).await.order.id };
    let advance = |id: Uuid, to: OrderStatus| async move {
        match to {
            Shipped => admin.api.ship_order(id, &shipment()).await.map(drop),
            _ => admin.api.change_order_status(id, &move_to(to)).await.map(drop),
        }
        .unwrap_or_else(|e| panic!("moving {id} to {to:?}: {e}"));
        id
    };
    match status {
        PaymentPending => online().await.order.id,
        PaymentFailed => {
            let placed = online().await;
            app.pay(&placed, "failure", "normal").await;
            app.wait_for_order_status(customer, placed.order.id, PaymentFailed).await.id
        }
        Paid => paid().await,
        Confirmed => cod().await,
        Packed => advance(cod().await, Packed).await,
        Shipped => advance(advance(cod().await, Packed).await, Shipped).await,
        Delivered => advance(advance(advance(cod().await, Packed).await, Shipped).await, Delivered).await,
        Cancelled => {
            let id = online().await.order.id;
            customer.api.cancel_order(id, None).await.unwrap();
            id
        }
        Returned | Refunded => {
            let id = advance(advance(cod().await, Packed).await, Shipped).await;
            admin.api.record_return(id, &return_of(product, 1, None)).await.unwrap();
            if status == Refunded { advance(id, Refunded).await } else { id }
        }
    }
}

#[tokio::test]
async fn every_illegal_move_from_every_status_is_refused_and_leaves_the_order_unchanged() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = app.create_stocked_product(&admin, 100_000, 500).await;

    let mut refused = 0;
    for from in EVERY_STATUS {
        let id = order_in(&app, &admin, &customer, product, from).await;
        let before = customer.api.order(id).await.unwrap();
        assert_eq!(before.status, from);
        for to in EVERY_STATUS.into_iter().filter(|&to| !legal(from, to, false)) {
            let answer = admin.api.change_order_status(id, &move_to(to)).await;
            assert_refused(answer, StatusCode::CONFLICT, ErrorCode::InvalidTransition);
            refused += 1;
        }
        let after = customer.api.order(id).await.unwrap();
        assert_eq!(
            (after.status, after.history.len(), after.updated_at),
            (from, before.history.len(), before.updated_at)
        );
    }
    assert!(refused > 60, "{refused} illegal moves tried");
}

#[tokio::test]
async fn legal_moves_an_admin_makes_another_way_are_refused_naming_the_route_to_use() {
    let app = spawn_shop().await;
    let PaidOrder { admin, order, .. } = paid_order(&app, 1).await;
    admin.api.change_order_status(order.id, &move_to(OrderStatus::Packed)).await.unwrap();

    let error = assert_refused(
        admin.api.change_order_status(order.id, &move_to(OrderStatus::Shipped)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    );
    assert_eq!(error.details[0].field, "status");
    assert!(error.details[0].message.contains("/ship"), "{}", error.details[0].message);
}

#[tokio::test]
async fn two_concurrent_refunds_of_sixty_percent_let_exactly_one_through() {
    let app = spawn_shop().await;
    let PaidOrder { admin, order, .. } = paid_order(&app, 1).await;
    let sixty = order.total_paise * 60 / 100;

    let answers = all_at_once((0..2).map(|_| {
        let api = admin.api.clone();
        async move { api.refund_order(order.id, &refund_of(Some(sixty)), &new_key()).await }
    }))
    .await;

    let made: Vec<_> = answers.iter().filter(|answer| answer.is_ok()).collect();
    assert_eq!(made.len(), 1, "exactly one refund: {answers:?}");
    let refused = answers.into_iter().find(Result::is_err).unwrap();
    let error = assert_refused(refused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::RefundExceedsCaptured);
    assert_eq!(error.details[0].field, "amount_paise");
    let refunds: i64 = count(&app, "SELECT count(*) FROM orders.refunds WHERE order_id = $1", order.id).await;
    assert_eq!(refunds, 1);
}

#[tokio::test]
async fn refunds_racing_cancellations_never_give_back_more_than_was_captured() {
    let app = spawn_shop().await;
    for round in 0..5 {
        let PaidOrder { admin, customer, order, .. } = paid_order(&app, 1).await;
        let thirty = order.total_paise * 30 / 100;

        let refunds = all_at_once((0..5).map(|_| {
            let api = admin.api.clone();
            async move { api.refund_order(order.id, &refund_of(Some(thirty)), &new_key()).await.map(drop) }
        }));
        let customer_cancel = {
            let api = customer.api.clone();
            async move { api.cancel_order(order.id, None).await.map(drop) }
        };
        let admin_cancel = {
            let api = admin.api.clone();
            async move { api.change_order_status(order.id, &move_to(OrderStatus::Cancelled)).await.map(drop) }
        };
        let (refunds, customer_cancel, admin_cancel) = tokio::join!(refunds, customer_cancel, admin_cancel);

        for answer in refunds.into_iter().chain([customer_cancel, admin_cancel]) {
            if let Err(client::Error::Api { status, .. }) = &answer {
                assert!(status.is_client_error(), "round {round}: only refusals, never {status}");
            }
        }
        let refunded = app.wait_for_order_status(&customer, order.id, OrderStatus::Refunded).await;
        assert_eq!(refunded.payment.refunded_paise, order.total_paise, "round {round}: all of it back, once");
        let owed: i64 = scalar(
            &app,
            "SELECT coalesce(sum(amount_paise), 0)::bigint FROM orders.refunds WHERE order_id = $1 AND status <> 'failed'",
            order.id,
        )
        .await;
        assert_eq!(owed, order.total_paise, "round {round}: never more than was captured");
    }
}

#[tokio::test]
async fn ten_concurrent_refunds_with_one_key_make_one_refund_at_the_simulator() {
    let app = Arc::new(spawn_shop().await);
    let PaidOrder { admin, order, .. } = paid_order(&app, 1).await;
    let key = new_key();
    let refund = refund_of(Some(10_000));

    let answers = all_at_once((0..10).map(|_| {
        let (api, refund, key) = (admin.api.clone(), refund.clone(), key.clone());
        async move { api.refund_order(order.id, &refund, &key).await }
    }))
    .await;

    let ids: HashSet<Uuid> = answers.iter().filter_map(|a| a.as_ref().ok()).map(|a| a.body.id).collect();
    assert_eq!(ids.len(), 1, "every answer that got through is the one refund: {answers:?}");
    for answer in answers.into_iter().filter(Result::is_err) {
        assert_refused(answer, StatusCode::CONFLICT, ErrorCode::IdempotencyInProgress);
    }
    let sent = app.simulator.requests().await.into_iter().filter(|r| r.ends_with("/refund")).count();
    assert_eq!(sent, 1, "one refund at the simulator");
    let again = admin.api.refund_order(order.id, &refund, &key).await.unwrap();
    assert_eq!(again.body.id, *ids.iter().next().unwrap(), "a later repeat is answered from the first");
}

#[tokio::test]
async fn a_refund_that_fails_by_webhook_flags_the_order_and_an_admin_retry_then_succeeds() {
    let app = spawn_shop().await;
    let PaidOrder { admin, customer, order, .. } = paid_order(&app, 1).await;
    app.simulator.set_fault("refunds_fail_later", None).await;

    let refund = refund_now(&admin, order.id, None).await;
    assert_eq!(refund.amount_paise, order.total_paise);

    eventually("the refund to fail", async || {
        let status: String = scalar(&app, "SELECT status FROM orders.refunds WHERE id = $1", refund.id).await;
        (status == "failed").then_some(())
    })
    .await;
    let flagged: Option<String> = scalar(&app, "SELECT attention FROM orders.orders WHERE id = $1", order.id).await;
    assert!(flagged.is_some_and(|reason| reason.contains("failed")), "the order is flagged for an admin");
    let seen = customer.api.order(order.id).await.unwrap();
    assert_eq!((seen.status, seen.payment.refunded_paise), (OrderStatus::Paid, 0), "not refunded");

    app.simulator.set_fault("none", None).await;
    let retried = refund_now(&admin, order.id, None).await;
    assert_eq!((retried.amount_paise, retried.status), (order.total_paise, RefundStatus::Processed));
    let seen = app.wait_for_order(&customer, order.id, "refunded", |o| o.payment.refunded_paise == o.total_paise).await;
    assert_eq!(seen.status, OrderStatus::Paid, "a paid order stays paid when refunded without a return");
    let flagged: Option<String> = scalar(&app, "SELECT attention FROM orders.orders WHERE id = $1", order.id).await;
    assert_eq!(flagged, None, "the processed refund settles the flag");
}

#[tokio::test]
async fn a_refund_whose_end_razorpay_never_reports_is_settled_by_asking() {
    let app = spawn_shop_with(|settings| {
        settings.orders.reconcile_interval_seconds = 1;
        settings.orders.reconcile_after_seconds = 0;
    })
    .await;
    let PaidOrder { admin, order, .. } = paid_order(&app, 1).await;
    app.simulator.set_fault("refunds_fail_silently", None).await;

    let refund = refund_now(&admin, order.id, Some(10_000)).await;
    assert_eq!(refund.status, RefundStatus::Sent, "taken by Razorpay, its end not known yet");

    eventually("reconciliation to learn the refund failed", async || {
        let status: String = scalar(&app, "SELECT status FROM orders.refunds WHERE id = $1", refund.id).await;
        (status == "failed").then_some(())
    })
    .await;
    let flagged: Option<String> = scalar(&app, "SELECT attention FROM orders.orders WHERE id = $1", order.id).await;
    assert!(flagged.is_some(), "the order is flagged for an admin");
}

#[tokio::test]
async fn returns_never_exceed_the_units_sold_less_earlier_returns() {
    let app = spawn_shop().await;
    let PaidOrder { admin, product, order, .. } = paid_order(&app, 2).await;
    admin.api.change_order_status(order.id, &move_to(OrderStatus::Packed)).await.unwrap();
    admin.api.ship_order(order.id, &shipment()).await.unwrap();

    let too_many = admin.api.record_return(order.id, &return_of(product, 3, None)).await;
    let error = assert_refused(too_many, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    assert_eq!(error.details[0].field, "items[0].quantity");
    admin.api.record_return(order.id, &return_of(product, 1, None)).await.expect("one back");
    let past_the_rest = admin.api.record_return(order.id, &return_of(product, 2, None)).await;
    let error = assert_refused(past_the_rest, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    assert_eq!(error.details[0].field, "items[0].quantity");
    let stranger = admin.api.record_return(order.id, &return_of(Uuid::now_v7(), 1, None)).await;
    let error = assert_refused(stranger, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    assert_eq!(error.details[0].field, "items[0].product_id");

    assert_eq!(app.stock_levels(product).await, (STOCK - 2 + 1, 0), "only the one accepted unit came back");
    let returns: i64 = count(&app, "SELECT count(*) FROM orders.returns WHERE order_id = $1", order.id).await;
    assert_eq!(returns, 1);
}

#[tokio::test]
async fn concurrent_returns_of_the_last_unit_take_it_back_once() {
    let app = spawn_shop().await;
    let PaidOrder { admin, product, order, .. } = paid_order(&app, 1).await;
    admin.api.change_order_status(order.id, &move_to(OrderStatus::Packed)).await.unwrap();
    admin.api.ship_order(order.id, &shipment()).await.unwrap();

    let answers = all_at_once((0..5).map(|_| {
        let api = admin.api.clone();
        async move { api.record_return(order.id, &return_of(product, 1, None)).await }
    }))
    .await;

    assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 1, "{answers:?}");
    for answer in answers.into_iter().filter(Result::is_err) {
        match answer {
            Err(client::Error::Api { status, .. }) => {
                assert!(matches!(status, StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY), "{status}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(app.stock_levels(product).await, (STOCK, 0));
}

#[tokio::test]
async fn bulk_cancel_of_a_hundred_unpaid_orders_releases_every_reservation_exactly_once() {
    let app = Arc::new(spawn_shop().await);
    let admin = app.register_admin().await;
    let product = app.create_stocked_product(&admin, 10_000, 1_000).await;
    let customers = register_customers(&app, 10).await;
    let mut orders = Vec::new();
    for customer in &customers {
        for _ in 0..10 {
            orders.push((customer, app.buy(customer, product, 1).await));
        }
    }
    assert_eq!(app.stock_levels(product).await, (1_000, 100));
    let ids: Vec<Uuid> = orders.iter().map(|(_, placed)| placed.order.id).collect();

    // Customers cancel some of the same orders while the bulk cancel runs.
    let racing = orders.iter().step_by(7).map(|(customer, placed)| {
        let (api, id) = (customer.api.clone(), placed.order.id);
        async move { api.cancel_order(id, None).await }
    });
    let request = BulkCancel { order_ids: ids.clone(), reason: "fraud ring".into() };
    let bulk = admin.api.bulk_cancel_orders(&request);
    let (result, raced) = tokio::join!(bulk, all_at_once(racing));

    let result = result.expect("the bulk cancel answers");
    assert_eq!(result.items.iter().map(|item| item.id).collect::<Vec<_>>(), ids, "one item per order, in order");
    let cancelled_by_customers = raced.iter().filter(|answer| answer.is_ok()).count();
    let cancelled_in_bulk = result.items.iter().filter(|item| item.outcome == BulkCancelOutcome::Cancelled).count();
    assert_eq!(cancelled_in_bulk + cancelled_by_customers, 100, "{result:?}");
    assert!(
        result
            .items
            .iter()
            .all(|item| matches!(item.outcome, BulkCancelOutcome::Cancelled | BulkCancelOutcome::InvalidTransition))
    );
    assert_eq!(app.stock_levels(product).await, (1_000, 0), "every unit back on sale");
    for id in &ids {
        assert_eq!(app.ledger_entries(*id, "release").await, 1, "order {id} released exactly once");
    }
    let (customer, placed) = &orders[1];
    assert_eq!(customer.api.order(placed.order.id).await.unwrap().status, OrderStatus::Cancelled);
}

#[tokio::test]
async fn an_admin_cancel_of_a_paid_order_refunds_it_in_full_and_restocks_it() {
    let app = spawn_shop().await;
    let PaidOrder { admin, customer, product, order } = paid_order(&app, 2).await;

    let cancel = StatusChange { status: OrderStatus::Cancelled, note: Some("out of warranty stock".into()) };
    admin.api.change_order_status(order.id, &cancel).await.expect("cancelled");

    assert_eq!(app.stock_levels(product).await, (STOCK, 0));
    let refunded = app.wait_for_order_status(&customer, order.id, OrderStatus::Refunded).await;
    assert_eq!(refunded.payment.refunded_paise, order.total_paise);
}

#[tokio::test]
async fn a_cancel_after_a_partial_refund_refunds_only_the_rest() {
    let app = spawn_shop().await;
    let PaidOrder { admin, customer, order, .. } = paid_order(&app, 1).await;
    refund_now(&admin, order.id, Some(20_000)).await;

    customer.api.cancel_order(order.id, None).await.expect("cancelled");

    let refunded = app.wait_for_order_status(&customer, order.id, OrderStatus::Refunded).await;
    assert_eq!(refunded.payment.refunded_paise, order.total_paise);
    let amounts: Vec<i64> = {
        let pool = app.db.pool().await;
        sqlx::query_scalar("SELECT amount_paise FROM orders.refunds WHERE order_id = $1 ORDER BY created_at")
            .bind(order.id)
            .fetch_all(&pool)
            .await
            .unwrap()
    };
    assert_eq!(amounts, [20_000, order.total_paise - 20_000]);
}

#[tokio::test]
async fn a_refund_of_an_unpaid_or_cash_on_delivery_order_is_refused() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = app.create_stocked_product(&admin, 100_000, STOCK).await;
    let unpaid: PlacedOrder = app.buy(&customer, product, 1).await;
    let cod = app.checkout(&customer, &cod_order(product)).await;

    for id in [unpaid.order.id, cod.order.id] {
        let answer = admin.api.refund_order(id, &refund_of(None), &new_key()).await;
        assert_refused(answer, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::RefundExceedsCaptured);
    }
    let missing = admin.api.refund_order(Uuid::now_v7(), &refund_of(None), &new_key()).await;
    assert_refused(missing, StatusCode::NOT_FOUND, ErrorCode::NotFound);
}

#[tokio::test]
async fn shipping_needs_a_carrier_a_tracking_number_and_a_web_address_for_the_link() {
    let app = spawn_shop().await;
    let PaidOrder { admin, order, .. } = paid_order(&app, 1).await;
    admin.api.change_order_status(order.id, &move_to(OrderStatus::Packed)).await.unwrap();

    let bad = ShipOrder {
        carrier: "  ".into(),
        tracking_number: "DL1\nDL2".into(),
        tracking_url: Some("javascript:alert(1)".into()),
        description: None,
    };
    let error = assert_refused(
        admin.api.ship_order(order.id, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    );
    let fields: HashSet<&str> = error.details.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(fields, HashSet::from(["carrier", "tracking_number", "tracking_url"]));
    let seen = admin.api.change_order_status(order.id, &move_to(OrderStatus::Packed)).await;
    assert_refused(seen, StatusCode::CONFLICT, ErrorCode::InvalidTransition);
}

#[tokio::test]
async fn a_customer_sees_no_shipping_address_change_when_an_admin_ships() {
    // The shipment is added beside the order's own snapshot, which stays as placed.
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = app.create_stocked_product(&admin, 100_000, STOCK).await;
    let placed = app.checkout(&customer, &cod_order(product)).await;
    let address: Option<ShippingAddress> = placed.order.shipping_address.clone();

    admin.api.change_order_status(placed.order.id, &move_to(OrderStatus::Packed)).await.unwrap();
    admin.api.ship_order(placed.order.id, &shipment()).await.unwrap();

    let seen = customer.api.order(placed.order.id).await.unwrap();
    assert_eq!((seen.shipping_address, seen.status), (address, OrderStatus::Shipped));
}

async fn count(app: &TestApp, sql: &'static str, id: Uuid) -> i64 {
    scalar(app, sql, id).await
}

async fn scalar<T>(app: &TestApp, sql: &'static str, id: Uuid) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    let pool = app.db.pool().await;
    let value = sqlx::query_scalar(sql).bind(id).fetch_one(&pool).await.unwrap();
    pool.close().await;
    value
}

#[tokio::test]
async fn forged_dates_and_cursors_far_outside_time_are_refused_not_failed() {
    use base64::Engine as _;
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!(r#"["-5000-01-01T00:00:00Z","{}"]"#, Uuid::nil()));

    for path in [
        "/api/v1/admin/orders?from=-5000-01-01".to_owned(),
        format!("/api/v1/admin/orders?cursor={forged}"),
        format!("/api/v1/admin/audit?cursor={forged}"),
        format!("/api/v1/orders?cursor={forged}"),
    ] {
        let response = app.get_as(&path, &admin.access_token).await;
        rigmaster_tests::assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
}
