"""Fixed facts of the fake's sample org that its builders (org, forms, transcripts) share."""

from __future__ import annotations

DIVISION = {"id": "00000000-0000-4000-8000-000000000001", "name": "Home"}
