"""Coaching decisions as pure functions: eligibility, percentages, sections, dates, caps, keys.

No Flask, SQLAlchemy or network here; the service layer feeds these plain values.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Protocol, TypeVar

# Final statuses: REST (FINISHED), the event topic (Finished) and other QM systems.
FINAL_STATUSES = frozenset({"finished", "approved", "published"})

TARGETS = (
    "local",
    "genesys_learning",
    "genesys_workitem",
    "genesys_coaching_appointment",
    "lms_webhook",
)
GENESYS_TARGETS = frozenset(t for t in TARGETS if t.startswith("genesys_"))

CAP_WINDOW = timedelta(days=7)


def is_final(status: str) -> bool:
    """True for a final evaluation status, case-insensitive."""
    return status.strip().lower() in FINAL_STATUSES


@functools.lru_cache(maxsize=65536)  # pure; forms repeat the same few (points, possible) pairs
def percentage(score: float, total: float) -> float:
    """score / total x 100, rounded half-up to 2 decimals; 0 when total is 0.

    The one rounding rule of every score percentage in QM Loop (coaching, AI scoring).
    Genesys documents the weighting formula but not a rounding rule (help.mypurecloud.com,
    "Evaluation form scoring", ?p=144862); we chose half-up to 2 decimals, as SPEC.md says.
    """
    if total <= 0 or not (math.isfinite(score) and math.isfinite(total)):
        return 0.0
    # Decimal of the shortest repr avoids binary-float surprises at the rounding edge; the wide
    # context keeps quantize from failing on absurd inputs (inline sections are caller data).
    with localcontext() as ctx:
        ctx.prec = 1000
        raw = Decimal(repr(float(score))) / Decimal(repr(float(total))) * 100
        return float(raw.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def weighted_totals(parts: Iterable[tuple[float, float, float]]) -> tuple[float, float]:
    """(sum(points x weight), sum(possible x weight)) of (points, possible, weight) triples.

    Genesys's weighting (help.mypurecloud.com ?p=144862); the caller leaves N/A parts out.
    """
    points = possible = 0.0
    for part_points, part_possible, weight in parts:
        points += part_points * weight
        possible += part_possible * weight
    return points, possible


@dataclass(frozen=True)
class ScoreDecision:
    """The outcome of normalizing one evaluation score against a threshold."""

    percentage: float
    eligible: bool
    below_threshold: bool
    decision: str  # "coach" or "skip"
    reason: str


def below_threshold(pct: float, threshold: float) -> bool:
    """The coaching threshold rule: True when ``pct`` is strictly below (equal meets it)."""
    return pct < threshold


def threshold_reason(pct: float, threshold: float) -> str:
    """``below_threshold`` when strictly below, else ``meets_threshold`` (equal meets)."""
    return "below_threshold" if below_threshold(pct, threshold) else "meets_threshold"


def decide_percentage(status: str, pct: float, possible: float, threshold: float) -> ScoreDecision:
    """Decide coach/skip for a percentage already computed: not_final, zero_total_points
    (``possible`` <= 0), else the threshold."""
    below = possible > 0 and below_threshold(pct, threshold)
    if not is_final(status):
        return ScoreDecision(pct, False, below, "skip", "not_final")
    if possible <= 0:
        return ScoreDecision(0.0, False, False, "skip", "zero_total_points")
    reason = threshold_reason(pct, threshold)
    return ScoreDecision(pct, True, below, "coach" if below else "skip", reason)


def decide_score(status: str, score: float, total: float, threshold: float) -> ScoreDecision:
    """Normalize a raw score and decide coach/skip: not_final, zero_total_points, threshold."""
    return decide_percentage(status, percentage(score, total), total, threshold)


# --- sections -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FormGroup:
    """A question group of an evaluation form, as far as scoring needs it."""

    id: str
    name: str
    weight: float
    order: int


@dataclass(frozen=True)
class GroupScore:
    """One scored (not N/A) section: points, possible points, weight, form order."""

    id: str
    name: str
    points: float
    possible: float
    weight: float
    order: int

    @property
    def percentage(self) -> float:
        """This section's own percentage (weights do not change a single group's ratio)."""
        return percentage(self.points, self.possible)


def form_groups(form: Mapping[str, Any] | None) -> dict[str, FormGroup]:
    """Index a Genesys form's ``questionGroups`` by id; weights are 1 when weighting is OFF."""
    if not form:
        return {}
    scaled = str(form.get("weightMode") or "SCALED").upper() != "OFF"
    out: dict[str, FormGroup] = {}
    for order, group in enumerate(_list(form.get("questionGroups"))):
        if not isinstance(group, Mapping) or not group.get("id"):
            continue
        weight = _number(group.get("weight"), 1.0) if scaled else 1.0
        out[str(group["id"])] = FormGroup(
            str(group["id"]), str(group.get("name") or ""), weight, order
        )
    return out


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _number(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    number = float(value)
    return number if math.isfinite(number) else default


def _group_points(entry: Mapping[str, Any]) -> tuple[float, float]:
    """Raw (unweighted) points of a ``questionGroupScores`` entry.

    Genesys's ``totalScore``/``maxTotalScore`` carry the group weight while the ``...Unweighted``
    pair is the plain points; we take the unweighted pair and apply the form's weights ourselves.
    When only the weighted pair is present, its ratio is still the group's own percentage.
    """
    if entry.get("maxTotalScoreUnweighted") is not None:
        return (
            _number(entry.get("totalScoreUnweighted"), 0.0),
            _number(entry.get("maxTotalScoreUnweighted"), 0.0),
        )
    return _number(entry.get("totalScore"), 0.0), _number(entry.get("maxTotalScore"), 0.0)


def group_scores(evaluation: Mapping[str, Any], form: Mapping[str, Any] | None) -> list[GroupScore]:
    """Scored sections of a Genesys evaluation; N/A and 0-of-0 groups are left out."""
    groups = form_groups(form)
    answers = evaluation.get("answers") or {}
    entries = answers.get("questionGroupScores") if isinstance(answers, Mapping) else None
    out: list[GroupScore] = []
    for index, entry in enumerate(_list(entries)):
        if not isinstance(entry, Mapping) or entry.get("markedNA"):
            continue
        gid = str(entry.get("questionGroupId") or "")
        points, possible = _group_points(entry)
        if not gid or possible <= 0:
            continue
        meta = groups.get(gid, FormGroup(gid, "", 1.0, len(groups) + index))
        out.append(GroupScore(gid, meta.name, points, possible, meta.weight, meta.order))
    return out


def simple_sections(sections: Iterable[Any]) -> list[GroupScore]:
    """Sections of a non-Genesys QM system: ``{id, name, score, totalPoints, weight}``."""
    out: list[GroupScore] = []
    for order, item in enumerate(sections):
        if not isinstance(item, Mapping) or item.get("markedNA"):
            continue
        possible = _number(item.get("totalPoints"), 0.0)
        sid = str(item.get("id") or item.get("name") or "")
        if not sid or possible <= 0:
            continue
        out.append(
            GroupScore(
                sid,
                str(item.get("name") or ""),
                _number(item.get("score"), 0.0),
                possible,
                _number(item.get("weight"), 1.0),
                order,
            )
        )
    return out


def overall_percentage(groups: Iterable[GroupScore]) -> tuple[float, float]:
    """(percentage, weighted possible): sum(points x weight) / sum(possible x weight) x 100."""
    points, possible = weighted_totals((g.points, g.possible, g.weight) for g in groups)
    return percentage(points, possible), possible


def evaluation_percentage(evaluation: Mapping[str, Any], groups: list[GroupScore]) -> float:
    """The overall percentage; a failed kill question zeroes it, as Genesys scores it."""
    answers = evaluation.get("answers")
    if isinstance(answers, Mapping) and answers.get("anyFailedKillQuestions") is True:
        return 0.0
    return overall_percentage(groups)[0]


def weakest(groups: Iterable[GroupScore]) -> GroupScore | None:
    """Lowest section percentage; ties go to the higher weight, then to the earlier section."""
    ranked = sorted(groups, key=lambda g: (g.percentage, -g.weight, g.order))
    return ranked[0] if ranked else None


# --- policy helpers -----------------------------------------------------------------------


def section_key(section_id: str, section_name: str = "") -> str:
    """What "the same section" means across form versions: its name, else its id."""
    name = " ".join(section_name.split()).lower()
    return name or section_id.strip().lower()


def match_section(
    mapping: Mapping[str, Any], section_id: str, section_name: str
) -> tuple[str, Any] | None:
    """Find a policy entry for a section: exact id first, then name case-insensitively."""
    if section_id and section_id in mapping:
        return section_id, mapping[section_id]
    wanted = section_key("", section_name) if section_name else ""
    for key, value in mapping.items():
        if wanted and section_key("", key) == wanted:
            return key, value
    return None


# --- dates ---------------------------------------------------------------------------------


def is_business_day(day: date, holidays: frozenset[date] = frozenset()) -> bool:
    """Monday to Friday and not a holiday."""
    return day.weekday() < 5 and day not in holidays


def add_business_days(start: date, days: int, holidays: Iterable[date] = ()) -> date:
    """``start`` plus ``days`` business days (weekends and holidays skipped).

    With 0 days, a start on a weekend or holiday rolls forward to the next business day.
    """
    off = frozenset(holidays)
    current = start
    if days <= 0:
        while not is_business_day(current, off):
            current += timedelta(days=1)
        return current
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current, off):
            remaining -= 1
    return current


def parse_date(value: str) -> date | None:
    """An ISO 8601 date or datetime string as a (UTC) date, or None when unparseable."""
    text = value.strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


# --- cap and keys --------------------------------------------------------------------------


def in_window(created: datetime, now: datetime, window: timedelta = CAP_WINDOW) -> bool:
    """True when ``created`` falls inside the rolling window ending at ``now``.

    Later timestamps count too: a concurrent request may commit after our clock was read.
    """
    return created > now - window


def cap_reached(created: Iterable[datetime], now: datetime, cap: int) -> bool:
    """True when the agent already has ``cap`` assignments in the last 7 days (0 = no cap)."""
    return limit_reached(sum(1 for c in created if in_window(c, now)), cap)


def limit_reached(count: int, limit: int) -> bool:
    """The cap rule: True when ``count`` already reaches ``limit`` (0 = no limit)."""
    return limit > 0 and count >= limit


def open_limit_reached(open_count: int, limit: int) -> bool:
    """True when the agent already carries ``limit`` open assignments (0 = no limit)."""
    return limit_reached(open_count, limit)


def window_start(now: datetime, window: timedelta = CAP_WINDOW) -> datetime:
    """The exclusive start of the rolling cap window."""
    return now - window


def event_version(event: Mapping[str, Any]) -> str:
    """The dedupe version of a ``v2.quality.evaluations`` event: status, dispute round, rescore,
    the integer ``version`` and whether it is a deletion."""
    parts = [
        str(event.get("status") or "").lower(),
        str(event.get("disputeCount") or 0),
        "rescore" if event.get("rescore") else "",
    ]
    if event.get("version"):
        parts.append(str(event["version"]))
    if str(event.get("eventType") or "").strip().lower() in DELETE_EVENT_TYPES:
        parts.append("deleted")  # a deletion repeats the last state; it is an event of its own
    return ":".join(parts)


# --- withdrawn evaluations -----------------------------------------------------------------

RETRACTED, SUPERSEDED, DELETED = (
    "evaluation_retracted",
    "evaluation_superseded",
    "evaluation_deleted",
)
DELETE_EVENT_TYPES = frozenset({"delete", "deleted"})

# External states that mean the agent already started (or finished) the coaching: the SDK's
# LearningAssignment.state, CoachingAppointmentResponse.status and Workitem.statusCategory.
STARTED_STATES: dict[str, frozenset[str]] = {
    "genesys_learning": frozenset({"inprogress", "completed", "notcompleted"}),
    "genesys_coaching_appointment": frozenset({"inprogress", "completed"}),
    "genesys_workitem": frozenset({"inprogress", "waiting", "closed"}),
}


def withdrawal(
    *, status: str, started: bool, target: str, delivery_state: str, flagged: bool = False
) -> str:
    """What withdrawing its evaluation does to one assignment.

    ``none``: already cancelled. ``flag``: the agent started or completed it, so a supervisor
    decides (nothing is taken away silently). ``ask_target``: delivered to Genesys or an LMS,
    whose own state says whether the agent started it (a job asks, then cancels or flags).
    ``cancel``: nobody started it. An assignment already flagged keeps its first flag.
    """
    if status == "cancelled" or flagged:
        return "none"
    if status == "completed" or started:
        return "flag"
    if target != "local" and delivery_state == "delivered":
        return "ask_target"
    return "cancel"


def target_started(target: str, state: str) -> bool:
    """True when a target's own state (case-insensitive) says the agent started the coaching."""
    return state.strip().lower().replace("_", "") in STARTED_STATES.get(target, frozenset())


def event_withdrawal(status: str, event_type: str) -> str:
    """Why a ``v2.quality.evaluations`` event withdraws its own evaluation ("" when it does not)."""
    if event_type.strip().lower() in DELETE_EVENT_TYPES:
        return DELETED
    if status.strip().lower() == "retracted":
        return RETRACTED
    return ""


def same_assignment(row_version: int, row_status: str, version: int) -> bool:
    """Does an assignment of an evaluation (its version and status) already answer a request
    for ``version`` of the same evaluation? Equal versions always do; version 0 means "not
    known", so it matches any version of a live (not cancelled) assignment.
    """
    if row_version == version:
        return True
    return (row_version == 0 or version == 0) and row_status != "cancelled"


def withdraw_job_key(assignment_id: str) -> str:
    """The idempotency key of an assignment's withdrawal job."""
    return f"coaching.withdraw:{assignment_id}"


def delivery_job_key(assignment_id: str) -> str:
    """The idempotency key of an assignment's delivery job."""
    return f"coaching.deliver:{assignment_id}"


def triage_job_key(evaluation_id: str) -> str:
    """The idempotency key of an evaluation's triage job."""
    return f"coaching.triage:{evaluation_id}"


# --- targets -------------------------------------------------------------------------------


def target_fallback(
    target: str,
    *,
    genesys: bool,
    module_id: str,
    workitem_type_id: str,
    lms_configured: bool,
) -> str:
    """Why ``target`` cannot be used as configured ("" when it can); the caller falls back
    to ``local``."""
    if target in GENESYS_TARGETS and not genesys:
        return "genesys_not_configured"
    if target == "genesys_learning" and not module_id:
        return "no_module_mapped"
    if target == "genesys_workitem" and not workitem_type_id:
        return "no_workitem_type"
    if target == "lms_webhook" and not lms_configured:
        return "lms_webhook_not_configured"
    return ""


def lms_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-QMLoop-Signature`` header value: ``t=<unix>,v1=<hex HMAC-SHA256>``."""
    signed = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_lms_signature(
    secret: str, header: str, body: bytes, now: int, tolerance_seconds: int = 300
) -> bool:
    """True when the header signs ``body`` with ``secret`` and is fresh (replays rejected)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance_seconds or not secret:
        return False
    expected = lms_signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


# --- assignment decisions (live ``assign_coaching`` and ``qmloop replay`` both call these) ----


class Held(Protocol):
    """What the assignment rules read of an existing assignment (a row or a replay record)."""

    evaluation_id: str
    evaluation_version: int
    status: str
    section_key: str
    created_at: datetime


H = TypeVar("H", bound=Held)


@dataclass(frozen=True)
class Screened:
    """Whether a scored evaluation asks for coaching, and on which (weakest) section."""

    decision: str  # "coach" or "skipped"
    reason: str
    percentage: float
    weakest: GroupScore | None


def screen(status: str, pct: float, groups: Sequence[GroupScore], threshold: float) -> Screened:
    """Coach on the weakest section when a final evaluation is strictly below the threshold;
    else ``skipped`` with the reason of ``decide_percentage`` (not_final, zero_total_points,
    meets_threshold)."""
    possible = overall_percentage(groups)[1]
    decision = decide_percentage(status, pct, possible, threshold)
    if decision.decision != "coach":
        return Screened("skipped", decision.reason, decision.percentage, None)
    return Screened("coach", decision.reason, pct, weakest(groups))


def answering(rows: Iterable[H], version: int | None = None) -> H | None:
    """Of one evaluation's assignments, the one that answers ``version`` (None: the latest)."""
    ranked = sorted(rows, key=lambda r: r.evaluation_version, reverse=True)
    if version is None:
        return ranked[0] if ranked else None
    return next(
        (r for r in ranked if same_assignment(r.evaluation_version, r.status, version)), None
    )


def before_lock(
    *,
    existing: bool,
    agent_state: str,
    inactive: bool,
    percentage: float | None,
    threshold: float,
) -> tuple[str, str] | None:
    """The answers that need no lock on the agent, in order: the evaluation already has its
    coaching (duplicate), the agent is inactive or deleted (agent_inactive), the percentage
    meets the threshold (skipped); None to go on."""
    if existing:
        return "duplicate", "evaluation_already_assigned"
    if inactive:
        return "agent_inactive", f"agent_{agent_state}"
    if percentage is not None and not below_threshold(percentage, threshold):
        return "skipped", "meets_threshold"
    return None


def refusal(
    rows: Sequence[H],
    *,
    evaluation_id: str,
    version: int,
    key: str,
    weekly_cap: int,
    max_open: int,
    now: datetime,
) -> tuple[str, str, H | None] | None:
    """Why the agent (their non-cancelled assignments that are open or inside the cap window)
    cannot get this one now: (decision, reason, the assignment that answers instead), or None.

    In order: the same evaluation (version), an open one for the section, the rolling 7-day
    cap, the open limit.
    """
    for row in rows:
        if row.evaluation_id == evaluation_id and same_assignment(
            row.evaluation_version, row.status, version
        ):
            return "duplicate", "evaluation_already_assigned", row
    for row in rows:
        if row.status == "open" and row.section_key == key:
            return "duplicate", "open_assignment_exists", row
    window = window_start(now)
    if cap_reached([r.created_at for r in rows if r.created_at > window], now, weekly_cap):
        return "rate_limited", "weekly_cap_reached", None
    if open_limit_reached(sum(1 for r in rows if r.status == "open"), max_open):
        return "rate_limited", "open_limit_reached", None
    return None
