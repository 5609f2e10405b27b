"""Outbound events: an outbox written with the business change, signed webhooks via the queue."""
