"""Run the evaluation-to-coaching loop end to end against the fake Genesys and report it.

Everything is real except Genesys: the service runs on a fresh SQLite file behind a loopback HTTP
server, every evaluation goes through ``POST /data-actions/triage-evaluation`` exactly as a
Genesys workflow would call it, and the job worker delivers the coaching into the fake's
learning and workitem APIs.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import textwrap
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
from service.sentiment.demo import run_demo as run_sentiment_week
from service.settings import Settings

MODULE_FOR_SECTION = {
    "Greeting": "Greeting Standards",
    "Verification": "Verification & Compliance Refresher",
    "Compliance": "Verification & Compliance Refresher",
    "Empathy": "Empathy Essentials",
    "Resolution": "Effective Resolution",
}


# The demo's policy. The weekly cap is 1 (the product's default is 3) so that the one agent of
# the sample org with two low evaluations in a week shows the cap at work.
DEMO_POLICY = {
    "threshold": 75,
    "weekly_cap": 1,
    "due_business_days": 5,
    "target": "genesys_learning",
    "default_module": "Effective Resolution",
}

TARGET_WORDS = {
    "local": "the built-in coaching workspace",
    "genesys_learning": "a Genesys learning assignment",
    "genesys_workitem": "a Genesys workitem",
    "genesys_coaching_appointment": "a Genesys coaching appointment",
    "lms_webhook": "the LMS webhook",
}


def policy_yaml(fake: FakeGenesys, **over: object) -> str:
    """The demo's policy file for the fake org (``over`` replaces ``DEMO_POLICY`` numbers)."""
    values = {**DEMO_POLICY, **over}
    modules = {m["name"]: m["id"] for m in fake.org.modules.values()}
    worktype = next(iter(fake.org.worktypes))
    lines = [
        "policies:",
        '  - form_id: "*"',
        "    name: Demo policy",
        f"    threshold: {values['threshold']}",
        f"    weekly_cap: {values['weekly_cap']}",
        f"    due_business_days: {values['due_business_days']}",
        f"    target: {values['target']}",
        f"    default_module_id: {modules[str(values['default_module'])]}",
        "    target_options:",
        f"      workitem_type_id: {worktype}",
        "    sections:",
    ]
    if "max_open" in values:
        lines.insert(5, f"    max_open: {values['max_open']}")
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


@dataclass
class Demo:
    """What a demo section may read and print: the fake org, the running service and the rows."""

    fake: FakeGenesys
    app: Any
    settings: Settings
    base_url: str
    echo: Callable[[str], None]
    report: dict[str, Any] = field(default_factory=dict)

    def say(self, text: str, indent: str = "") -> None:
        """Echo a paragraph wrapped to the terminal (at most 100 columns)."""
        width = min(100, shutil.get_terminal_size((100, 24)).columns)
        for line in textwrap.wrap(text, width, subsequent_indent=indent) or [""]:
            self.echo(line)


Section = Callable[[Demo], None]


def run(
    seed: int = 1, echo: Callable[[str], None] = print, sections: list[Section] | None = None
) -> dict[str, Any]:
    """Run the demo; print each section with ``echo`` and return the numbers.

    ``sections`` are run in order against the live service (default ``SECTIONS``); a new
    capability adds its own function to ``SECTIONS``. The temporary database is removed.
    """
    workdir = Path(tempfile.mkdtemp(prefix="qmloop-demo-"))
    fake = FakeGenesys(seed=seed).start()
    try:
        settings = _settings(workdir, fake)
        app = create_app(settings)
        upgrade(get_db(app).engine)
        with get_db(app).session_scope() as session:
            policies.load_file(session, text=policy_yaml(fake), replace=True)
        server = ServerThread(app).start()
        demo = Demo(fake, app, settings, server.url, echo)
        try:
            for section in SECTIONS if sections is None else sections:
                section(demo)
        finally:
            server.stop()
            get_db(app).engine.dispose()
    finally:
        fake.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return demo.report


def show_policy(demo: Demo) -> None:
    """Print the policy the demo loads, in words."""
    p = DEMO_POLICY
    demo.echo(
        "QM Loop demo: a local fake Genesys org, the real service, nothing leaves this machine."
    )
    demo.echo("")
    demo.echo("Policy used (every form):")
    demo.echo(f"  coach when the evaluation's percentage is below {p['threshold']} %")
    demo.say(
        f"  at most {p['weekly_cap']} coaching assignment per agent in 7 days (the product's "
        "default is 3; the demo uses 1 so the cap shows)",
        "    ",
    )
    demo.say(
        f"  deliver as {TARGET_WORDS[str(p['target'])]}, due {p['due_business_days']} "
        "business days after the evaluation",
        "    ",
    )
    demo.echo("  module per weakest section:")
    for section_name, module in MODULE_FOR_SECTION.items():
        demo.echo(f"    {section_name:13} -> {module}")
    demo.echo(f"    (other)       -> {p['default_module']}")


def triage_everything(demo: Demo) -> None:
    """Send every evaluation through the data action (twice for coached ones), run the jobs."""
    auth = (demo.settings.client_id, demo.settings.client_secret.get_secret_value())
    rows = _triage_all(demo.base_url, auth, demo.fake)
    jobs = drain(demo.app, demo.settings)
    created = demo.fake.created()
    demo.report.update(
        {
            "rows": rows,
            "triaged": len(rows),
            "decisions": dict(Counter(r["decision"] for r in rows)),
            "jobs": jobs,
            "learningAssignments": len(created["learningAssignments"]),
            "workitems": len(created["workitems"]),
            "genesysCalls": sum(demo.fake.calls.values()),
        }
    )


def show_agents(demo: Demo) -> None:
    """Per agent: each evaluation, its percentage, and what happened, in words."""
    rows = demo.report["rows"]
    demo.echo("")
    demo.say(
        f"Every evaluation, finished or not, went through POST /data-actions/triage-evaluation "
        f"as a Genesys workflow sends it ({len(rows)} calls; each coached one twice, as a "
        "retrying workflow would):"
    )
    by_agent: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_agent[row["agentId"]].append(row)
    users = demo.fake.org.users
    for agent_id in sorted(by_agent, key=lambda a: users[a]["name"]):
        user = users[agent_id]
        demo.echo("")
        demo.echo(f"{user['name']} ({user['state']})")
        for row in by_agent[agent_id]:
            pct = "    -  " if row["decision"] == "skipped" and not row["percentage"] else ""
            pct = pct or f"{row['percentage']:5.1f} %"
            head = f"  evaluation {row['evaluationId'][:8]}  {pct}  "
            demo.say(head + outcome_words(row), " " * len(head))


def outcome_words(row: dict[str, Any]) -> str:
    """One triage answer in words: the decision, and for coaching the section, module and due."""
    decision, reason = row["decision"], row["reason"]
    if decision == "assigned":
        section = row["sectionName"] or row["sectionId"]
        module = MODULE_FOR_SECTION.get(section, str(DEMO_POLICY["default_module"]))
        target = TARGET_WORDS.get(str(DEMO_POLICY["target"]), str(DEMO_POLICY["target"]))
        return (
            f"COACHED: weakest section {section}; module {module!r} as {target}, "
            f"due {row['dueDate']}"
        )
    words = REASON_WORDS.get(reason, reason.replace("_", " "))
    return f"{DECISION_WORDS.get(decision, decision)}: {words}"


DECISION_WORDS = {
    "skipped": "not coached",
    "duplicate": "repeat",
    "rate_limited": "CAPPED",
    "agent_inactive": "agent gone",
    "queued": "queued",
}

REASON_WORDS = {
    "not_final": "the evaluation is not finished yet",
    "meets_threshold": f"at or above the {DEMO_POLICY['threshold']} % threshold",
    "zero_total_points": "the form has no points to score (a form problem; logged for QA)",
    "evaluation_already_assigned": "the same evaluation again; its coaching already exists, "
    "nothing new",
    "open_assignment_exists": "the agent already has open coaching for this section",
    "weekly_cap_reached": f"the agent already got {DEMO_POLICY['weekly_cap']} assignment this "
    "week (weekly cap); nothing assigned",
    "open_limit_reached": "the agent already carries the most open assignments allowed",
    "agent_inactive": "the agent is inactive; an archive task went to their manager",
    "agent_deleted": "the agent was deleted; an archive task went to their manager",
    "evaluation_not_found": "Genesys does not know this evaluation",
}


def show_totals(demo: Demo) -> None:
    """What the worker delivered into (fake) Genesys."""
    r = demo.report
    decisions = Counter(r["decisions"])
    jobs = Counter(r["jobs"])
    demo.echo("")
    demo.say(
        f"Decisions: {decisions['assigned']} coached, {decisions['duplicate']} repeats "
        f"(nothing new), {decisions['rate_limited']} capped, {decisions['agent_inactive']} "
        f"agents gone, {decisions['skipped']} not coached."
    )
    demo.say(
        f"The job worker ran {sum(jobs.values())} jobs ({jobs['done']} done, {jobs['dead']} "
        f"dead) and created in Genesys {r['learningAssignments']} learning assignments and "
        f"{r['workitems']} workitems (archive tasks for the managers of inactive or deleted "
        f"agents), with {r['genesysCalls']} Genesys API calls."
    )


def show_next_steps(demo: Demo) -> None:
    """Where to go from here."""
    demo.echo("")
    demo.echo("The demo's temporary database is removed. Next:")
    demo.echo(
        "  qmloop serve                               start the service on instance/qmloop.db"
    )
    demo.echo("  open http://localhost:8000/api/v1/docs/    the API reference")
    demo.echo("  qmloop policies load policies.example.yaml your own thresholds, modules, targets")
    demo.echo("  docs/coaching.md, docs/deploy.md           the data actions and the Genesys setup")


def show_sentiment(demo: Demo) -> None:
    """Sentiment coaching: the scripted week of ``qmloop sentiment demo`` (its own fake and DB).

    Who was coached, when, in which slot and why; who got kudos; who was capped; and the agent
    coached on customer sentiment alone with the agent-side switch off (docs/sentiment.md).
    """
    demo.echo("")
    width = min(100, shutil.get_terminal_size((100, 24)).columns)
    for line in run_sentiment_week():
        indent = " " * (len(line) - len(line.lstrip()) + 4)
        for part in textwrap.wrap(line, width, subsequent_indent=indent) or [""]:
            demo.echo(part)


# The demo, in order. A new capability appends a function taking a ``Demo`` before the last.
SECTIONS: list[Section] = [
    show_policy,
    triage_everything,
    show_agents,
    show_totals,
    show_sentiment,
    show_next_steps,
]


def per_reason(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Count triage answers by reason (used by the tests)."""
    out: dict[str, int] = defaultdict(int)
    for row in rows:
        out[row["reason"]] += 1
    return dict(out)
