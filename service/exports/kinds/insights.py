"""Export kind of the trust alerts (docs/insights.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func

from service.exports.kinds.common import INT, N, S, T
from service.exports.kinds.common import cols as _cols
from service.exports.registry import ExportKind, declare
from service.insights.models import TrustAlert


def _alert(a: Any, _ctx: Any) -> Iterator[dict[str, Any]]:
    yield {
        "alert_id": a.id,
        "form_id": a.form_id,
        "question_id": a.question_id,
        "kind": a.kind,
        "value": a.value,
        "threshold": a.threshold,
        "count": a.count,
        "owners": ",".join(a.owners or []),
        "created_at": a.created_at,
        "resolved_at": a.resolved_at,
    }


declare(
    ExportKind(
        name="insights_alerts",
        description="One row per trust alert: a question past the agreement or overturn limit.",
        model=TrustAlert,
        occurred=TrustAlert.created_at,
        # An alert changes once, when it resolves: the later of the two times is the cursor.
        changed=func.coalesce(TrustAlert.resolved_at, TrustAlert.created_at),
        columns=_cols(
            ("alert_id", S, "QM Loop id of the alert (also the insights.alert event's alertId)."),
            ("form_id", S, "Genesys evaluation form (version) id."),
            ("question_id", S, "Genesys question id."),
            ("kind", S, "kappa (AI-human agreement below the floor) or overturn (rate above)."),
            ("value", N, "The kappa or the overturn rate (0 to 1) when the alert opened."),
            ("threshold", N, "QM_INSIGHTS_MIN_KAPPA or QM_INSIGHTS_MAX_OVERTURN_RATE then."),
            ("count", INT, "Pairs (kappa) or decided disputes (overturn) it is based on."),
            ("owners", S, "Comma-separated Genesys user ids of the form's owners alerted."),
            ("created_at", T, "When the alert opened (UTC)."),
            (
                "resolved_at",
                T,
                "When the question came back within the limit (UTC); null while open.",
            ),
        ),
        rows=_alert,
        key=("alert_id",),
        filters={"form_id": TrustAlert.form_id, "kind": TrustAlert.kind},
    )
)
