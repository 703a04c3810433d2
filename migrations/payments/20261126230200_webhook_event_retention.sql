-- The cleanup job purges webhook events older than the retention through this.
CREATE INDEX webhook_events_by_age ON payments.webhook_events (received_at);
