"""Who may call what: one matrix of endpoint x role, enforced by the auth gate (``views.py``).

Every Flask endpoint has exactly one entry; an endpoint without one is refused (403
``no_access_rule``), and ``tests/test_authorization.py`` fails for it. Adding a route is one line
here, e.g. ``"system.ready": PUBLIC``. ``docs/authorization.md`` is generated from this table
(``python -m service.auth.matrix > docs/authorization.md``); a test holds the two equal.

Cells: ``yes`` (allowed), ``own`` (allowed, but the domain's row-level rule shows only the
caller's own rows: an agent's assignments, a panelist's sessions and blind scores), ``no`` (403).

The one rule for operations (issue 9 item 3): reading operational state is for staff; anything
that changes how the service behaves or destroys records (policies, job retry and purge, the
scorecard cache, closing a calibration early) is for admins and the integration credential.
Data actions are for the integration credential only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from service.auth.rules import ROLES


@dataclass(frozen=True)
class Access:
    """One matrix row: the cell per role, and whether the route is public."""

    cells: Mapping[str, str]
    public: bool = False
    genesys: bool = False  # called by Genesys: the org allow-list requires ININ-Organization-Id

    def cell(self, role: str) -> str:
        """``yes``, ``own`` or ``no`` for the role (public routes: ``yes`` for everyone)."""
        return "yes" if self.public else self.cells.get(role, "no")


def _row(*, yes: tuple[str, ...] = (), own: tuple[str, ...] = (), genesys: bool = False) -> Access:
    cells = {role: "yes" if role in yes else "own" if role in own else "no" for role in ROLES}
    return Access(MappingProxyType(cells), genesys=genesys)


PUBLIC = Access(MappingProxyType({}), public=True)
PUBLIC_GENESYS = Access(MappingProxyType({}), public=True, genesys=True)
DATA_ACTION = _row(yes=("integration",), genesys=True)
ADMIN = _row(yes=("integration", "admin"))
STAFF = _row(yes=("integration", "admin", "supervisor"))
OWN = _row(yes=("integration", "admin", "supervisor"), own=("evaluator", "agent"))
SIGNED_IN = _row(yes=ROLES)
# The web app (/app/): people only, through a browser session or a person token.
WEB_OWN = _row(yes=("admin", "supervisor", "evaluator"), own=("agent",))
WEB_AGENT = _row(own=("agent",))
WEB_COACH = _row(yes=("admin", "supervisor", "evaluator"))
WEB_ADMIN = _row(yes=("admin",))  # the QA manager's console (/app/console)
WEB_PANEL = _row(yes=("admin", "supervisor"), own=("evaluator", "agent"))
# Reviews (accept and dispute): agents their own, supervisors their team's.
REVIEW_READ = _row(yes=("integration", "admin"), own=("supervisor", "agent"))
AGENT_ACTION = _row(own=("agent",))  # only the evaluation's own agent accepts or disputes
SUPERVISOR_ANSWER = _row(yes=("admin",), own=("supervisor",))  # the agent's supervisor
WEB_CONSOLE = _row(yes=("admin", "supervisor"))  # the QA manager's console pages

MATRIX: Mapping[str, Access] = MappingProxyType(
    {
        # public
        "auth.token": PUBLIC_GENESYS,
        "system.health": PUBLIC,
        "system.health_ready": PUBLIC,
        "static": PUBLIC,
        # system
        # the API's description and its rendered reference hold no data
        "system.openapi": PUBLIC,
        "api_docs.show": PUBLIC,
        "system.health_details": STAFF,
        # data actions: the Genesys integration's credential only
        "coaching.normalize-score": DATA_ACTION,
        "coaching.weakest-section": DATA_ACTION,
        "coaching.check-duplicate": DATA_ACTION,
        "coaching.assign-coaching": DATA_ACTION,
        "coaching.triage-evaluation": DATA_ACTION,
        "scoring.score-transcript": DATA_ACTION,
        "calibration.calibration-report": DATA_ACTION,
        "sentiment.evaluate-sentiment": DATA_ACTION,
        # event intake: what Genesys notifies (an admin may replay one)
        "coaching.genesys_event": ADMIN,
        "scoring.scoring_event": ADMIN,
        # coaching
        "coaching.list_assignments": OWN,
        "coaching.get_assignment": OWN,
        "coaching.set_status": OWN,
        "coaching.list_policies": STAFF,
        "coaching.get_policy": STAFF,
        "coaching.put_policy": ADMIN,
        "coaching.delete_policy": ADMIN,
        # sentiment
        "sentiment.list_recognitions": OWN,
        "sentiment.balance": OWN,
        # replay reads the whole org's history and candidate policies: admins (QA managers)
        "replay.run_replay": ADMIN,
        "sentiment.list_policies": STAFF,
        "sentiment.put_policy": ADMIN,
        # scoring
        "scoring.get_scoring_request": STAFF,
        "scoring.invalidate_scorecard": ADMIN,
        # jobs
        "jobs.list_jobs": STAFF,
        "jobs.get_job": STAFF,
        "jobs.retry_job": ADMIN,
        "jobs.retry_dead": ADMIN,
        "jobs.purge_jobs": ADMIN,
        # calibration
        "calibration.create_session": STAFF,
        "calibration.list_sessions": OWN,
        "calibration.get_one": OWN,
        "calibration.submit_score": OWN,
        "calibration.list_scores": OWN,
        "calibration.session_report": OWN,
        "calibration.session_report_html": OWN,
        "calibration.close_session": ADMIN,
        "calibration.collect_scores": STAFF,
        "calibration.add_to_pool": STAFF,
        "calibration.draw_candidates": STAFF,
        "calibration.add_note": STAFF,
        "calibration.list_notes": SIGNED_IN,
        "calibration.reliability_report": STAFF,
        "calibration.evaluators_report": STAFF,
        "calibration.calibrators_report": STAFF,
        "calibration.criteria_report": STAFF,
        "calibration.ai_report": STAFF,
        "calibration.add_panelist": ADMIN,
        "calibration.remove_panelist": ADMIN,
        "calibration.move_deadline": ADMIN,
        "calibration.session_audit": STAFF,
        "calibration.list_programs": STAFF,
        "calibration.get_program": STAFF,
        "calibration.put_program": ADMIN,
        "calibration.tick_programs": ADMIN,
        "calibration.calibrators_vs_leadership": STAFF,
        # web app (docs/webapp.md): sign-in pages are public, the rest needs a person
        "webapp.static": PUBLIC,
        "webapp.index": PUBLIC,
        "webapp.login": PUBLIC,
        "webapp.start": PUBLIC,
        "webapp.callback": PUBLIC,
        "webapp.dev_signin": PUBLIC,
        "webapp.logout": PUBLIC,
        "webapp.replay": _row(yes=("admin",)),
        "webapp.replay_run": _row(yes=("admin",)),
        "webapp.coaching_list": WEB_OWN,
        "webapp.coaching_detail": WEB_OWN,
        "webapp.acknowledge": WEB_AGENT,
        "webapp.evaluation": WEB_OWN,
        "webapp.team": WEB_COACH,
        "webapp.create_sessions": WEB_COACH,
        "webapp.update_plan": WEB_COACH,
        "webapp.mark_interaction": WEB_COACH,
        "webapp.add_example": WEB_COACH,
        "webapp.calibration": WEB_PANEL,
        "webapp.calibration_score": WEB_PANEL,
        "webapp.reviews": _row(yes=("admin",), own=("supervisor", "agent")),
        "webapp.disputes": _row(yes=("admin",), own=("supervisor",)),
        "webapp.review_accept": WEB_AGENT,
        "webapp.review_dispute": WEB_AGENT,
        "webapp.review_answer": _row(yes=("admin",), own=("supervisor",)),
        # the QA manager's console: admins only (changing policies, retrying jobs)
        "webapp.console": WEB_ADMIN,
        "webapp.console_policies": WEB_ADMIN,
        "webapp.console_policy_new": WEB_ADMIN,
        "webapp.console_policy": WEB_ADMIN,
        "webapp.console_policy_edit": WEB_ADMIN,
        "webapp.console_policy_submit": WEB_ADMIN,
        "webapp.console_jobs": WEB_ADMIN,
        "webapp.console_job_retry": WEB_ADMIN,
        "webapp.console_jobs_retry": WEB_ADMIN,
        "webapp.console_reports": WEB_ADMIN,
        "webapp.console_report": WEB_ADMIN,
        # reviews: accept and dispute
        "disputes.list_reviews": REVIEW_READ,
        "disputes.get_review": REVIEW_READ,
        "disputes.dispute_queue": _row(yes=("integration", "admin"), own=("supervisor",)),
        "disputes.open_review": STAFF,
        "disputes.accept": AGENT_ACTION,
        "disputes.dispute": AGENT_ACTION,
        "disputes.answer": SUPERVISOR_ANSWER,
        # insights (issue 16): QA managers (supervisors) and admins read; the check is an admin's
        "insights.effectiveness": STAFF,
        "insights.trust": STAFF,
        "insights.alerts": STAFF,
        "insights.check_alerts": ADMIN,
        "webapp.console_effectiveness": WEB_CONSOLE,
        "webapp.console_trust": WEB_CONSOLE,
        # data out (issue 18): exports and the BI read API, admins and the integration credential
        "exports.list_kinds": ADMIN,
        "exports.download": ADMIN,
        "exports.bi_calibration_answers": ADMIN,
        "exports.bi_calibration_scores": ADMIN,
        "exports.bi_calibration_statistics": ADMIN,
        "exports.bi_coaching_assignments": ADMIN,
        "exports.bi_coaching_session_edits": ADMIN,
        "exports.bi_dispute_items": ADMIN,
        "exports.bi_dispute_reviews": ADMIN,
        "exports.bi_dispute_rounds": ADMIN,
        "exports.bi_insights_alerts": ADMIN,
        "exports.bi_scoring_answers": ADMIN,
        "exports.bi_scoring_requests": ADMIN,
        "exports.bi_sentiment_interactions": ADMIN,
        "exports.bi_recognitions": ADMIN,
    }
)

# Reads and writes that span the whole org (every division's jobs, exports, statistics over all
# evaluators, org-wide configuration): a person whose grants cover only some divisions is
# refused with 403 ``all_divisions_required`` (docs/governance.md "Divisions").
ALL_DIVISIONS_ONLY: frozenset[str] = frozenset(
    {
        "coaching.genesys_event",
        "scoring.scoring_event",
        "coaching.put_policy",
        "coaching.delete_policy",
        "sentiment.list_policies",
        "sentiment.put_policy",
        "scoring.get_scoring_request",
        "scoring.invalidate_scorecard",
        "jobs.list_jobs",
        "jobs.get_job",
        "jobs.retry_job",
        "jobs.retry_dead",
        "jobs.purge_jobs",
        "calibration.create_session",
        "calibration.add_to_pool",
        "calibration.draw_candidates",
        "calibration.reliability_report",
        "calibration.evaluators_report",
        "calibration.calibrators_report",
        "calibration.criteria_report",
        "calibration.ai_report",
        "calibration.list_programs",
        "calibration.get_program",
        "calibration.put_program",
        "calibration.tick_programs",
        "calibration.calibrators_vs_leadership",
        # replay and insights read every division's evaluations, coachings and evaluators; the
        # QA manager console shows every division's dead jobs and edits org-wide policies
        "replay.run_replay",
        *(e for e in MATRIX if e.startswith("insights.")),
        "webapp.replay",
        "webapp.replay_run",
        *(e for e in MATRIX if e.startswith("webapp.console")),
        *(e for e in MATRIX if e.startswith("exports.")),
    }
)


def access(endpoint: str) -> Access | None:
    """The matrix row of a Flask endpoint, or None (then the route is refused)."""
    return MATRIX.get(endpoint)


_MARK = {"yes": "yes", "own": "own", "no": "—"}

_INTRO = """# Authorization

Who may call what. Generated from `service/auth/matrix.py` by
`python -m service.auth.matrix > docs/authorization.md`; a test fails when this page and the code
differ, and when a route has no row (such a route is refused with 403 `no_access_rule`).

Roles: `integration` is the Genesys integration's credential (HTTP Basic with the client id and
secret, or a token from `POST /oauth/token`); the others are person tokens from
`qmloop token issue --role ROLE --user-id ID` (a person token without a user id is refused with
401). Cells: **yes** allowed; **own** allowed, but only the caller's own rows are visible (an
agent's own assignments and reviews; a supervisor's own team's reviews; a panelist's own
calibration sessions and, until the reveal, only their own scores; anything else answers 404);
**—** refused with 403 `role_forbidden`; **public** needs no credential.

Rules behind the table:

- Data actions (`/data-actions/*`) are for the integration credential only: they write
  evaluations and coaching on Genesys's behalf.
- Reading operational state (jobs, policies, health details, scoring audit) is for staff
  (integration, admin, supervisor). Anything that changes how the service behaves or destroys
  records (policy writes, job retry and purge, the scorecard cache, closing a calibration early)
  is for admins and the integration credential.
- Event intake (`/api/v1/events/genesys`, `/api/v1/scoring/events`) is for the integration; an
  admin may replay an event.
- Divisions (docs/governance.md): a person token or web session carries the person's Genesys
  divisions (`qmloop token issue --division ID`, repeatable; default every division). A scoped
  person sees only objects of agents in those divisions (others answer 404, lists leave them
  out); routes marked **‡** span the whole org and answer 403 `all_divisions_required` to them.
- With `QM_ORG_ALLOWLIST` set, data actions and `POST /oauth/token` also need an
  `ININ-Organization-Id` header naming an allowed org (missing or empty: 403
  `org_header_required`); on other routes the header is optional, but a listed org must be allowed.

"""


def document(routes: list[tuple[str, str, str]]) -> str:
    """The whole ``docs/authorization.md`` page."""
    return _INTRO + render_markdown(routes)


def app_routes(app: Any) -> list[tuple[str, str, str]]:
    """(method, path, endpoint) of every rule of a Flask app, sorted by path then method."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule, rule.endpoint))
    return sorted(found, key=lambda r: (r[1], r[0]))


def render_markdown(routes: list[tuple[str, str, str]]) -> str:
    """The matrix as a Markdown table; ``routes`` are (method, path, endpoint) triples."""
    head = "| Method | Path | " + " | ".join(ROLES) + " |"
    lines = [head, "|" + "---|" * (len(ROLES) + 2)]
    for method, path, endpoint in routes:
        row = MATRIX.get(endpoint)
        if row is None:
            cells = ["MISSING"] * len(ROLES)
        elif row.public:
            cells = ["public"] * len(ROLES)
        else:
            cells = [_MARK[row.cell(role)] for role in ROLES]
        mark = " ‡" if endpoint in ALL_DIVISIONS_ONLY else ""
        lines.append(f"| {method} | `{path}`{mark} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    from service import create_app
    from service.settings import Settings

    _app = create_app(Settings(database_url="sqlite://", client_secret="unused"))
    print(document(app_routes(_app)), end="")
