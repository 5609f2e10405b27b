"""Fixed facts of the fake's sample org that its builders (org, forms, transcripts) share."""

from __future__ import annotations

# Division A is the org's home division; division B holds the second team (docs/governance.md).
DIVISION = {"id": "00000000-0000-4000-8000-000000000001", "name": "Home"}
DIVISION_B = {"id": "00000000-0000-4000-8000-000000000002", "name": "Partner Care"}
DIVISIONS = {DIVISION["id"]: DIVISION, DIVISION_B["id"]: DIVISION_B}
