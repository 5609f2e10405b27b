"""Data and AI governance: PII redaction, retention, erasure, encryption, fairness (issue 17)."""

import logging

# Presidio logs "Using device of type: cpu" at INFO when imported; commands stay quiet.
logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)
