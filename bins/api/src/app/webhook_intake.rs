//! Webhook intake: a signed Razorpay event is stored once (payments) and applied to its
//! order (orders) in one transaction, so that either both happen or neither does and
//! Razorpay's next delivery tries again. Gateway work the event calls for (a capture, a
//! refund) comes back as a [`FollowUp`], to be done after the commit: no gateway call ever
//! holds the transaction open.

use anyhow::Context as _;
use orders::payments::FollowUp;
use payments_razorpay::{Intake, WebhookError, WebhookIntake};
use sqlx::PgPool;

use crate::adapters::payment_news;
use crate::state::OrdersService;

/// One delivery as it arrived: the raw body and the two headers that identify it.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    pub body: &'a [u8],
    pub signature: Option<&'a str>,
    pub event_id: Option<&'a str>,
}

/// Verifies the signature over the raw bytes (before any database work: forged deliveries
/// cost nothing), then stores the event and acts on it in one transaction. Errors: every
/// [`WebhookError`]; on any of them nothing is stored.
#[tracing::instrument(name = "app.receive_webhook", skip_all)]
pub async fn receive(
    pool: &PgPool,
    intake: &WebhookIntake,
    orders: &OrdersService,
    delivery: Delivery<'_>,
) -> Result<(Intake, FollowUp), WebhookError> {
    intake.verify(delivery.body, delivery.signature)?;
    let mut tx = pool.begin().await.context("starting a webhook transaction")?;
    let received = intake.receive(&mut tx, delivery.body, delivery.signature, delivery.event_id).await?;
    let follow_up = match &received {
        Intake::New(event) => match payment_news(&event.event) {
            Some(news) => orders.apply_payment_news(&mut tx, &news).await?,
            None => FollowUp::default(),
        },
        Intake::AlreadySeen { .. } => FollowUp::default(),
    };
    tx.commit().await.context("committing a webhook")?;
    Ok((received, follow_up))
}
