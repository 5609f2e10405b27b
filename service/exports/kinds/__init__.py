"""The export kinds: one declaration each, in one module per domain. Columns are a contract.

Rules for changing a kind: add columns at the end, never rename or retype one. A new kind is
one ``declare`` call in its domain's module here, plus a row in ``service/auth/matrix.py`` for
its BI route; then run ``python -m service.exports.dictionary > docs/data-dictionary.md``.
"""

from service.exports.kinds import calibration, coaching, disputes, insights, scoring, sentiment

__all__ = ["calibration", "coaching", "disputes", "insights", "scoring", "sentiment"]
