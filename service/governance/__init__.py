"""Data and AI governance: PII redaction, retention, erasure, encryption, fairness (issue 17)."""
