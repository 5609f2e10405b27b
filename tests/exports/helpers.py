"""Seed data for export tests: coaching through the data action, scorings and calibration rows."""

from __future__ import annotations

import csv
import io
import sqlite3
from typing import Any

from service.db import get_db, new_id
from service.exports.registry import ExportKind
from service.exports.rules import TYPE_FORMS
from service.scoring.models import ScoringRequest
from tests.conftest import basic_header


def assign(client, n: int) -> list[str]:
    """Assign coaching for ``n`` evaluations of different agents; returns assignment ids."""
    ids = []
    for i in range(n):
        body = {
            "agentId": f"agent-{i}",
            "evaluationId": f"eval-{i}",
            "sectionId": f"sec-{i % 3}",
            "sectionName": "Greeting",
            "percentage": 40.0 + i,
            "evaluationDate": "2026-03-02",
        }
        resp = client.post("/data-actions/assign-coaching", json=body, headers=basic_header())
        assert resp.status_code == 200 and resp.get_json()["decision"] == "assigned", resp.json
        ids.append(resp.get_json()["assignmentId"])
    return ids


def scorings(app, n: int, items: int = 3) -> list[str]:
    """Insert ``n`` finished automated scorings of ``items`` questions each."""
    ids = []
    with get_db(app).session_scope() as s:
        for i in range(n):
            result = {
                "items": [
                    {
                        "id": f"q{j}",
                        "sectionId": "s1",
                        "answer": "Yes" if j % 2 == 0 else "No",
                        "answerId": f"opt-{j}",
                        "score": float(j % 2 == 0) * 2,
                        "maxScore": 2.0,
                        "method": "llm",
                        "verified": j != 1,
                        "evidence": [{"turn": 1, "quote": "hello", "verified": j != 1}],
                    }
                    for j in range(items)
                ]
            }
            row = ScoringRequest(
                id=new_id(),
                idempotency_key=f"key-{i}",
                conversation_id=f"conv-{i}",
                agent_id=f"agent-{i % 2}",
                scorecard_id="card",
                scorecard_version="v1",
                status="scored",
                percentage=66.67,
                result=result,
                model="gpt-test",
                prompt_version="p3",
            )
            s.add(row)
            ids.append(row.id)
    return ids


def load_csv(db: sqlite3.Connection, kind: ExportKind, data: bytes) -> int:
    """Create ``kind``'s table from the data dictionary's SQL types and load a CSV export."""
    types = {name: sql.split(" ")[0] for name, (_a, _b, sql) in TYPE_FORMS.items()}
    cols = ", ".join(f'"{c.name}" {types[c.type]}' for c in kind.columns)
    db.execute(f'CREATE TABLE "{kind.name}" ({cols})')
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
    assert reader.fieldnames == kind.column_names
    rows = [[_cell(row[c.name], c.type) for c in kind.columns] for row in reader]
    marks = ", ".join("?" for _ in kind.columns)
    db.executemany(f'INSERT INTO "{kind.name}" VALUES ({marks})', rows)
    return len(rows)


def _cell(text: str, kind: str) -> Any:
    if text == "":
        return None
    if kind == "integer":
        return int(text)
    if kind == "number":
        return float(text)
    if kind == "boolean":
        return {"true": 1, "false": 0}[text]
    return text
