"""Run the evaluation-to-coaching loop end to end against the fake Genesys and report it.

Everything is real except Genesys: the service runs on a fresh SQLite file behind a loopback HTTP
server, every evaluation goes through ``POST /data-actions/triage-evaluation`` exactly as a
Genesys workflow would call it, and the job worker delivers the coaching into the fake's
learning and workitem APIs.
"""

from __future__ import annotations

import secrets
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from service import create_app
from service.coaching import policies
from service.db import get_db
from service.fakes.genesys import FakeGenesys
from service.fakes.server import ServerThread
from service.jobs.service import drain
from service.migrate import upgrade
from service.settings import Settings

MODULE_FOR_SECTION = {
    "Greeting": "Greeting Standards",
    "Verification": "Verification & Compliance Refresher",
    "Compliance": "Verification & Compliance Refresher",
    "Empathy": "Empathy Essentials",
    "Resolution": "Effective Resolution",
}


@dataclass
class AgentLine:
    """What happened to one agent's evaluations."""

    name: str
    state: str
    decisions: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)


def _policy_yaml(fake: FakeGenesys) -> str:
    modules = {m["name"]: m["id"] for m in fake.org.modules.values()}
    worktype = next(iter(fake.org.worktypes))
    lines = [
        "policies:",
        '  - form_id: "*"',
        "    name: Demo policy",
        "    threshold: 75",
        "    weekly_cap: 1",
        "    due_business_days: 5",
        "    target: genesys_learning",
        f"    default_module_id: {modules['Effective Resolution']}",
        "    target_options:",
        f"      workitem_type_id: {worktype}",
        "    sections:",
    ]
    lines += [f'      "{sec}": {modules[mod]}' for sec, mod in MODULE_FOR_SECTION.items()]
    return "\n".join(lines) + "\n"


def _settings(workdir: Path, fake: FakeGenesys) -> Settings:
    return Settings(
        database_url=f"sqlite:///{workdir / 'demo.db'}",
        instance_path=workdir,
        client_id="qmloop-demo",
        client_secret=secrets.token_urlsafe(24),
        secret_key=secrets.token_urlsafe(24),
        genesys_api_host=fake.url,
        genesys_client_id=fake.client_id,
        genesys_client_secret=fake.client_secret,
        job_backoff_seconds="0,1,2",
        log_level="WARNING",
        log_json=False,
    )


def _triage_all(base: str, auth: tuple[str, str], fake: FakeGenesys) -> list[dict[str, Any]]:
    rows = []
    http = requests.Session()
    http.auth = auth
    evaluations = list(fake.org.evaluations.values())
    for ev in evaluations:
        rows.append(_triage(http, base, ev))
    # A workflow retry or a duplicate trigger for every coached evaluation: must not assign twice.
    coached = {r["evaluationId"] for r in rows if r["decision"] == "assigned"}
    for ev in evaluations:
        if ev["id"] in coached:
            rows.append(_triage(http, base, ev))
    return rows


def _triage(http: requests.Session, base: str, ev: dict[str, Any]) -> dict[str, Any]:
    body = {
        "evaluationId": ev["id"],
        "conversationId": ev["conversation"]["id"],
        "status": ev["status"],
    }
    resp = http.post(f"{base}/data-actions/triage-evaluation", json=body, timeout=30)
    resp.raise_for_status()
    return {"agentId": ev["agent"]["id"], "evaluationId": ev["id"], **resp.json()}


def _by_agent(rows: list[dict[str, Any]], fake: FakeGenesys) -> dict[str, AgentLine]:
    agents: dict[str, AgentLine] = {}
    for row in rows:
        user = fake.org.users[row["agentId"]]
        line = agents.setdefault(row["agentId"], AgentLine(user["name"], user["state"]))
        line.decisions[row["decision"]] += 1
        if row["decision"] in ("skipped", "agent_inactive"):
            line.reasons[row["reason"]] += 1
    return agents


def run(seed: int = 1, echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the demo; print a report with ``echo`` and return the numbers."""
    workdir = Path(tempfile.mkdtemp(prefix="qmloop-demo-"))
    fake = FakeGenesys(seed=seed).start()
    settings = _settings(workdir, fake)
    app = create_app(settings)
    upgrade(get_db(app).engine)
    with get_db(app).session_scope() as session:
        policies.load_file(session, text=_policy_yaml(fake), replace=True)
    server = ServerThread(app).start()
    try:
        echo(f"fake Genesys at {fake.url}; QM Loop at {server.url}; database {workdir / 'demo.db'}")
        rows = _triage_all(
            server.url, (settings.client_id, settings.client_secret.get_secret_value()), fake
        )
        jobs = drain(app, settings)
        created = fake.created()
    finally:
        server.stop()
        fake.stop()
    report = {
        "rows": rows,
        "triaged": len(rows),
        "decisions": dict(Counter(r["decision"] for r in rows)),
        "jobs": jobs,
        "learningAssignments": len(created["learningAssignments"]),
        "workitems": len(created["workitems"]),
        "genesysCalls": sum(fake.calls.values()),
    }
    _print(echo, _by_agent(rows, fake), report)
    return report


def _print(
    echo: Callable[[str], None], agents: dict[str, AgentLine], report: dict[str, Any]
) -> None:
    echo("")
    echo(
        f"{'agent':22} {'state':9} {'assigned':>8} {'dup':>4} {'capped':>6} "
        f"{'not coached':>11}  why"
    )
    for line in sorted(agents.values(), key=lambda a: a.name):
        d = line.decisions
        why = ", ".join(f"{reason} x{n}" for reason, n in sorted(line.reasons.items()))
        not_coached = d["skipped"] + d["agent_inactive"]
        echo(
            f"{line.name:22} {line.state:9} {d['assigned']:>8} {d['duplicate']:>4} "
            f"{d['rate_limited']:>6} {not_coached:>11}  {why}"
        )
    echo("")
    echo(f"triage calls: {report['triaged']}  decisions: {report['decisions']}")
    echo(f"jobs run: {report['jobs']}")
    echo(
        f"created in Genesys: {report['learningAssignments']} learning assignments, "
        f"{report['workitems']} workitems (archive tasks for inactive or deleted agents' managers)"
    )
    echo(f"Genesys API calls made: {report['genesysCalls']}")
    echo("decisions: assigned = coaching created; dup = a repeated delivery, nothing new;")
    echo(
        "capped = the agent hit the weekly cap; not coached = skipped or agent inactive, with why."
    )


def per_reason(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Count triage answers by reason (used by the tests)."""
    out: dict[str, int] = defaultdict(int)
    for row in rows:
        out[row["reason"]] += 1
    return dict(out)
