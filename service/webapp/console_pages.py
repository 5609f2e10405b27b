"""``/app/console``: the QA manager's console (admins): the overview, dead-letter jobs with
retry, and the calibration reliability reports as pages. Policies are in ``policy_pages``; the
replay, coaching-effectiveness and trust pages are their own modules, linked by path.

Every route is ``WEB_ADMIN`` in ``service/auth/matrix.py``: agents, supervisors and evaluators
are refused with 403. Jobs and reports come from the same service functions as ``/api/v1``.
"""

from __future__ import annotations

from flask import Response, request
from pydantic import ValidationError

from service import get_settings
from service.calibration import reports
from service.calibration.schemas import PeriodQuery
from service.db import get_session, utcnow
from service.errors import BadRequest, NotFound
from service.jobs import service as jobs
from service.policies import service as store
from service.reliability.ratings import REPORTED_FORMS
from service.webapp import rules
from service.webapp.blueprint import bp, done, page
from service.webapp.policy_pages import policy_url

JOB_LIMIT = 500
REPORTS = {
    "reliability": (
        "Reliability",
        "How far panelists agree on the total score: ICC forms with 95 % intervals and "
        "Krippendorff's alpha, per session and pooled.",
    ),
    "evaluators": (
        "Evaluator bias",
        "Each evaluator's mean signed deviation from the panel consensus and from the expert: "
        "lenient, harsh or within range.",
    ),
    "calibrators": (
        "Calibrator drift",
        "Each expert's monthly gap to the team average, flagged past the configured gap.",
    ),
    "criteria": (
        "Criteria variance",
        "Questions whose answers vary widely month after month, with their rubric notes.",
    ),
    "ai": (
        "AI agreement",
        "The automated scorer's agreement with the expert and the human majority per question.",
    ),
}


@bp.get("/app/console", endpoint="console")
def console_index() -> tuple[str, int]:
    """The overview: what needs attention (dead jobs, latest policy changes) and every page."""
    db = get_session()
    dead = jobs.counts_by_kind(db, state="dead")
    return page(
        "console.html",
        dead=sum(dead.values()),
        dead_kinds=len(dead),
        recent=store.revisions(db, limit=5),
        reports=REPORTS,
        policy_url=policy_url,
    )


# --- dead-letter jobs ---


@bp.get("/app/console/jobs", endpoint="console_jobs")
def jobs_page() -> tuple[str, int]:
    """Dead jobs (out of attempts): kind, last error, attempts, age; retry one or a kind."""
    db = get_session()
    kind = request.args.get("kind") or None
    rows = jobs.list_jobs(db, state="dead", kind=kind, limit=JOB_LIMIT)
    now = utcnow()
    return page(
        "console_jobs.html",
        rows=rows,
        kinds=jobs.counts_by_kind(db, state="dead"),
        kind=kind,
        limit=JOB_LIMIT,
        age=lambda at: rules.age_text((now - at).total_seconds()) if at else "—",
    )


@bp.post("/app/console/jobs/<job_id>/retry", endpoint="console_job_retry")
def retry_job(job_id: str) -> Response:
    """Requeue one dead job with fresh attempts (``service.jobs.service.retry``)."""
    jobs.retry(get_session(), job_id=job_id)
    return done("/app/console/jobs")


@bp.post("/app/console/jobs/retry", endpoint="console_jobs_retry")
def retry_kind() -> Response:
    """Requeue every dead job of one kind (``service.jobs.service.retry_all_dead``)."""
    kind = request.form.get("kind", "").strip()
    if not kind:
        raise BadRequest("Name the kind of job to retry.", code="invalid_form")
    jobs.retry_all_dead(get_session(), kind=kind)
    return done("/app/console/jobs")


# --- reliability reports ---


def _period() -> PeriodQuery:
    args = {k: v for k, v in request.args.items() if v.strip()}
    try:
        return PeriodQuery.model_validate(args)
    except ValidationError as exc:
        raise BadRequest(
            "Check the period: dates as YYYY-MM-DD, 'Revealed from' not after 'to'.",
            code="invalid_query",
        ) from exc


@bp.get("/app/console/reports", endpoint="console_reports")
def reports_page() -> tuple[str, int]:
    """The reliability reports there are, with a period and form filter."""
    return page("console_reports.html", reports=REPORTS, query=_period(), kind=None, report=None)


@bp.get("/app/console/reports/<kind>", endpoint="console_report")
def report_page(kind: str) -> tuple[str, int]:
    """One report over the calibration sessions revealed in the period, as tables."""
    if kind not in REPORTS:
        raise NotFound("No such report.", code="unknown_report")
    q = _period()
    report = reports.period_report(get_session(), get_settings(), kind, now=utcnow(), query=q)
    return page(
        "console_reports.html",
        reports=REPORTS,
        query=q,
        kind=kind,
        report=report,
        forms=REPORTED_FORMS,
    )
