-- A payment's (or a refund's) event of one type is acted on once, whatever its event id:
-- the same signed body replayed under a new X-Razorpay-Event-Id is acknowledged and
-- ignored. `subject` is `refund:<id>` for refund events, `payment:<id>` for the others
-- that carry a payment, NULL for events about neither.
ALTER TABLE payments.webhook_events ADD COLUMN subject text;

-- Events stored before: the first of each (subject, type) takes the key, so that the
-- index below can be built over replays already stored.
UPDATE payments.webhook_events AS e
SET subject = first.subject
FROM (
    SELECT DISTINCT ON (subject, event_type) event_id, subject
    FROM (
        SELECT event_id, event_type, received_at,
               coalesce('refund:' || razorpay_refund_id, 'payment:' || razorpay_payment_id) AS subject
        FROM payments.webhook_events
    ) AS keyed
    WHERE subject IS NOT NULL
    ORDER BY subject, event_type, received_at, event_id
) AS first
WHERE e.event_id = first.event_id;

CREATE UNIQUE INDEX webhook_events_once_per_subject
    ON payments.webhook_events (subject, event_type) WHERE subject IS NOT NULL;
