"""The export kinds: one declaration each, in one module per domain. Columns are a contract.

Rules for changing a kind: add columns at the end, never rename or retype one. A new kind is
one ``declare`` call in its domain's module here, its row in ``MODULE_OF`` below, plus a row in
``service/auth/matrix.py`` for its BI route; then run
``python -m service.exports.dictionary > docs/data-dictionary.md``.

Modules load on first use (``service.exports.catalog``): an export of one kind imports only
its own domain's models, which keeps ``qmloop export`` small. ``MODULE_OF`` names the module
that declares each kind (a test checks it against the declarations).
"""

MODULE_OF: dict[str, str] = {
    "calibration_answers": "calibration",
    "calibration_scores": "calibration",
    "calibration_statistics": "calibration",
    "coaching_assignments": "coaching",
    "coaching_session_edits": "workspace",
    "dispute_items": "disputes",
    "dispute_reviews": "disputes",
    "dispute_rounds": "disputes",
    "insights_alerts": "insights",
    "recognitions": "sentiment",
    "scoring_answers": "scoring",
    "scoring_requests": "scoring",
    "sentiment_interactions": "sentiment",
}
