"""Fake Platform API: evaluation versions, as a dispute or a re-score makes them.

A ``PUT /api/v2/quality/conversations/{c}/evaluations/{e}`` that changes an evaluation's answers
or status makes a new version under the same id (``version`` + 1, scores recomputed by
``genesys_scoring``); the version it replaces is kept with status ``RETRACTED``, as Genesys keeps
earlier versions of a disputed evaluation. A PUT that changes nothing makes no version (sending
the same PUT again is harmless, which the client's retry policy assumes).

Control route (no auth): ``GET /__fake__/evaluations/<id>/versions`` lists the kept versions,
oldest first, then the current one.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import Blueprint, Response, jsonify

from service.fakes.genesys import FakeGenesys, fake

Json = dict[str, Any]
versions_bp = Blueprint("fake_versions", __name__, url_prefix="/__fake__")


def _answer_key(evaluation: Json) -> list[tuple[str, str, bool]]:
    return sorted(
        (str(q.get("questionId")), str(q.get("answerId") or ""), bool(q.get("markedNA")))
        for group in (evaluation.get("answers") or {}).get("questionGroupScores") or []
        for q in group.get("questionScores") or []
    )


def unchanged(old: Json, new: Json) -> bool:
    """True when a PUT left the answers and the status as they were."""
    return old["status"] == new["status"] and _answer_key(old) == _answer_key(new)


def keep_retracted(f: FakeGenesys, old: Json) -> None:
    """Keep the replaced version, RETRACTED (call with ``f.lock`` held)."""
    kept = copy.deepcopy(old)
    kept["status"] = "RETRACTED"
    f.evaluation_versions.setdefault(old["id"], []).append(kept)


@versions_bp.get("/evaluations/<evaluation_id>/versions")
def versions(evaluation_id: str) -> Response:
    """Every version of an evaluation: the retracted ones, then the current one."""
    f = fake()
    current = f.org.evaluations.get(evaluation_id)
    kept = list(f.evaluation_versions.get(evaluation_id, []))
    return jsonify({"entities": kept + ([current] if current else [])})
