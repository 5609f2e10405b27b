"""Quotes from transcripts shown to people: redacted at display time with the governance
redaction (``service/governance/redaction.py``), whatever the redaction setting was when they
were scored, so a phone or card number in a stored quote never reaches another person's page."""

from __future__ import annotations

from functools import lru_cache

from service import get_settings
from service.governance.redaction import Redactor


def redact(text: object) -> str:
    """``text`` with personal data replaced by typed placeholders (``<PHONE_NUMBER>``)."""
    settings = get_settings()
    return _redact(
        str(text or ""), settings.governance_ner_model, settings.governance_pii_threshold
    )


@lru_cache(maxsize=4096)
def _redact(text: str, ner_model: str, threshold: float) -> str:
    return Redactor(ner_model, threshold).redact_text(text) if text.strip() else text
