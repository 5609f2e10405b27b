"""The replay's simulation: history through the live decision rules, state kept in memory.

One time-ordered pass over evaluations and interactions. Each evaluation goes through the same
steps as ``coaching.triage._decide`` and ``coaching.service.assign_coaching`` and each
interaction through ``sentiment.service._judge``, calling the same pure functions
(``coaching.rules.screen / answering / before_lock / refusal``, ``sentiment.rules.classify /
first_decision / AgentRuns / coach_outcome``); only the state they read (the agent's
assignments, runs, kudos days) lives here instead of in the database. Nothing is written.

Assumptions where history cannot say (docs/replay.md): each decision is taken when the
evaluation was released or the interaction ended; a simulated assignment is completed at the
end of its due day (``complete_on_due``); agents have their current Genesys state.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from service.coaching import rules as coaching_rules
from service.coaching.policies import ResolvedPolicy
from service.sentiment import rules as sentiment_rules
from service.sentiment.policies import ResolvedSentimentPolicy

SENTIMENT_TRIGGER = "sentiment"


@dataclass(frozen=True, slots=True)
class Agent:
    """An agent as Genesys knows them now: state and manager (the team)."""

    id: str
    name: str = ""
    state: str = "active"
    manager_id: str = ""
    manager_name: str = ""

    @property
    def inactive(self) -> bool:
        """True for inactive or deleted users (as ``coaching.agents.AgentStatus``)."""
        return self.state in ("inactive", "deleted")


@dataclass(frozen=True, slots=True)
class EvaluationIn:
    """One historical evaluation, scored once: its sections and overall percentage."""

    id: str
    agent_id: str
    form_id: str
    status: str
    version: int
    at: datetime  # released (the decision's clock), UTC
    percentage: float
    groups: tuple[coaching_rules.GroupScore, ...]
    evaluation_date: str = ""  # as the live request carries it (first of DATE_FIELDS)


@dataclass(frozen=True, slots=True)
class InteractionIn:
    """One historical interaction of one agent with its stored sentiment (-1..1, None unknown)."""

    conversation_id: str
    agent_id: str
    queue_id: str
    ended_at: datetime
    customer: float | None
    agent: float | None
    customer_phrases: int = 0
    agent_phrases: int = 0


@dataclass(slots=True)
class Held:
    """A simulated assignment: what ``coaching.rules.Held`` reads, plus its due day."""

    evaluation_id: str
    evaluation_version: int
    status: str
    section_key: str
    created_at: datetime
    due_end: datetime
    trigger: str


@dataclass(frozen=True)
class PolicySet:
    """One policy to replay: coaching per form, sentiment per queue, and the switches."""

    name: str
    coaching: Callable[[str], ResolvedPolicy]
    sentiment: Callable[[str], ResolvedSentimentPolicy]
    sentiment_enabled: bool = True
    agent_side: bool = True
    complete_on_due: bool = True


@dataclass(frozen=True, slots=True)
class Decision:
    """What the live pipeline would have answered for one evaluation."""

    evaluation_id: str
    agent_id: str
    at: datetime
    decision: str
    reason: str
    section_id: str = ""
    section_name: str = ""
    module_id: str = ""


@dataclass
class Tally:
    """The counts of one replay: per (week, agent, metric) and per (week, agent, section,
    module) for assignments; plus every evaluation's decision."""

    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    modules: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    decisions: list[Decision] = field(default_factory=list)


# The report's metric for each evaluation decision.
METRIC = {
    "assigned": "assigned",
    "duplicate": "duplicates",
    "rate_limited": "capped",
    "agent_inactive": "inactive",
    "skipped": "skipped",
}


def iso_week(at: datetime) -> str:
    """``2026-W48``: the ISO 8601 week of a time."""
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


class Replay:
    """The in-memory state of one policy's replay."""

    def __init__(self, policy: PolicySet, agents: dict[str, Agent]) -> None:
        self.policy = policy
        self.agents = agents
        self.tally = Tally()
        self.rows: dict[str, list[Held]] = defaultdict(list)  # agent -> open or recent
        self.by_evaluation: dict[str, list[Held]] = defaultdict(list)
        self.runs: dict[str, sentiment_rules.AgentRuns] = defaultdict(sentiment_rules.AgentRuns)
        self.kudos_days: set[tuple[str, date]] = set()
        self.weeks: dict[date, str] = {}
        self.queues: dict[str, ResolvedSentimentPolicy] = {}

    def week(self, at: datetime) -> str:
        """``iso_week`` of ``at``, computed once per day (the tally asks for it per decision)."""
        day = at.date()
        found = self.weeks.get(day)
        if found is None:
            found = self.weeks[day] = iso_week(at)
        return found

    def agent(self, agent_id: str) -> Agent:
        """The agent; one Genesys no longer knows is deleted (as ``agent_status``)."""
        return self.agents.get(agent_id) or Agent(agent_id, state="deleted")

    def count(self, at: datetime, agent_id: str, metric: str, n: int = 1) -> None:
        """Add ``n`` to a metric of the agent's week."""
        self.tally.counts[(self.week(at), agent_id, metric)] += n

    # --- coaching (``triage._decide`` then ``assign_coaching``) ---------------------------

    def evaluation(self, ev: EvaluationIn) -> None:
        """Decide one evaluation at its release time."""
        decision = self._triage(ev)
        self.tally.decisions.append(decision)
        self.count(ev.at, ev.agent_id, "evaluations")
        self.count(ev.at, ev.agent_id, METRIC.get(decision.decision, "skipped"))
        if decision.decision == "assigned":
            key = (self.week(ev.at), ev.agent_id, decision.section_name, decision.module_id)
            self.tally.modules[key] += 1

    def _triage(self, ev: EvaluationIn) -> Decision:
        def answer(decision: str, reason: str, *section: str) -> Decision:
            return Decision(ev.id, ev.agent_id, ev.at, decision, reason, *section)

        if coaching_rules.event_withdrawal(ev.status, ""):
            for held in self.by_evaluation.get(ev.id, ()):
                held.status = "cancelled"
            return answer("skipped", coaching_rules.RETRACTED)
        if not coaching_rules.is_final(ev.status):
            return answer("skipped", "not_final")
        policy = self.policy.coaching(ev.form_id)
        screened = coaching_rules.screen(ev.status, ev.percentage, ev.groups, policy.threshold)
        weak = screened.weakest
        if weak is None:
            return answer("skipped", screened.reason)
        if not ev.agent_id:
            return answer("skipped", "no_agent", weak.id, weak.name)
        module_id, _target = policy.section_rule(weak.id, weak.name)
        decision, reason = self.assign(
            ev.agent_id,
            ev.id,
            ev.version,
            (weak.id, weak.name),
            policy,
            ev.at,
            percentage=ev.percentage,
            evaluation_date=ev.evaluation_date,
        )
        return answer(decision, reason, weak.id, weak.name, module_id)

    def assign(
        self,
        agent_id: str,
        evaluation_id: str,
        version: int,
        section: tuple[str, str],
        policy: ResolvedPolicy,
        now: datetime,
        *,
        percentage: float | None,
        evaluation_date: str = "",
        trigger: str = "triage",
    ) -> tuple[str, str]:
        """``assign_coaching`` over the simulated assignments: (decision, reason)."""
        agent = self.agent(agent_id)
        existing = coaching_rules.answering(self.by_evaluation.get(evaluation_id, ()), version)
        early = coaching_rules.before_lock(
            existing=existing is not None,
            agent_state=agent.state,
            inactive=agent.inactive,
            percentage=percentage,
            threshold=policy.threshold,
        )
        if early is not None:
            return early
        key = coaching_rules.section_key(*section)
        rows = self._held(agent_id, now)
        refused = coaching_rules.refusal(
            rows,
            evaluation_id=evaluation_id,
            version=version,
            key=key,
            weekly_cap=policy.weekly_cap,
            max_open=policy.max_open,
            now=now,
        )
        if refused is not None:
            return refused[0], refused[1]
        day = coaching_rules.parse_date(evaluation_date) if evaluation_date else None
        due = coaching_rules.add_business_days(
            day or now.date(), policy.due_business_days, policy.holidays
        )
        due_end = datetime.combine(due + timedelta(days=1), time(), UTC)
        held = Held(evaluation_id, version, "open", key, now, due_end, trigger)
        rows.append(held)
        self.by_evaluation[evaluation_id].append(held)
        return "assigned", "below_threshold"

    def _held(self, agent_id: str, now: datetime) -> list[Held]:
        """The agent's assignments the rules read at ``now`` (``_agent_assignments``): not
        cancelled, and open or created in the cap window; completed ones close on their due."""
        window = coaching_rules.window_start(now)
        done = self.policy.complete_on_due
        rows = self.rows[agent_id]
        for held in rows:
            if done and held.status == "open" and now >= held.due_end:
                held.status = "completed"
        keep = [
            h
            for h in rows
            if h.status != "cancelled" and (h.status == "open" or h.created_at > window)
        ]
        self.rows[agent_id] = keep
        return keep

    # --- sentiment (``sentiment.service._judge``) ------------------------------------------

    def interaction(self, it: InteractionIn) -> None:
        """Judge one interaction at its end time."""
        policy = self.queues.get(it.queue_id)
        if policy is None:
            policy = self.queues[it.queue_id] = self.policy.sentiment(it.queue_id)
        if not policy.enabled:
            return
        t = policy.thresholds
        side = self.policy.agent_side
        customer, agent = it.customer, it.agent if side else None
        if it.customer_phrases:
            customer = _rejudged(customer, it.customer_phrases, t.min_phrases)
        if side and it.agent_phrases:
            agent = _rejudged(agent, it.agent_phrases, t.min_phrases)
        status = sentiment_rules.classify(customer, agent, t, agent_side=side)
        runs = self.runs[it.agent_id]
        if not runs.add(sentiment_rules.Item(it.conversation_id, it.ended_at, status)):
            return  # a repeated delivery answers what the first decided
        decision, _reason = sentiment_rules.first_decision(status, customer, t)
        if decision == "kudos":
            self._kudos(it)
        elif decision == "pattern":
            self._pattern(it, runs, policy)

    def _kudos(self, it: InteractionIn) -> None:
        day = (it.agent_id, it.ended_at.date())  # one recognition per agent per day
        if day not in self.kudos_days:
            self.kudos_days.add(day)
            self.count(it.ended_at, it.agent_id, "kudos")

    def _pattern(
        self, it: InteractionIn, runs: sentiment_rules.AgentRuns, policy: ResolvedSentimentPolicy
    ) -> None:
        t = policy.thresholds
        _consecutive, block = runs.decide(it.conversation_id, t)
        if not block:
            return  # watch
        now = it.ended_at
        created = [h.created_at for h in self._held(it.agent_id, now) if h.trigger == "sentiment"]
        if coaching_rules.cap_reached(created, now, policy.weekly_cap):
            self.count(now, it.agent_id, "sentiment_capped")
            return
        agent = self.agent(it.agent_id)
        if sentiment_rules.leaver(agent.state, inactive=agent.inactive) is not None:
            self.count(now, it.agent_id, "sentiment_inactive")
            return
        evaluation_id, name = sentiment_rules.pattern_assignment(it.agent_id, block)
        before = len(self.by_evaluation.get(evaluation_id, ()))
        res = self.assign(
            it.agent_id,
            evaluation_id,
            0,
            (sentiment_rules.SECTION_ID, name),
            self.policy.coaching(""),
            now,
            percentage=None,
            evaluation_date=now.date().isoformat(),
            trigger=SENTIMENT_TRIGGER,
        )
        outcome = sentiment_rules.coach_outcome(*res)
        if outcome[0] == "capped":
            self.count(now, it.agent_id, "sentiment_capped")
        if outcome[0] != "coach":
            return
        runs.consume(i.key for i in block)
        if len(self.by_evaluation.get(evaluation_id, ())) > before:  # a new session
            self.count(now, it.agent_id, "sentiment_sessions")
            minutes = sentiment_rules.appointment_minutes(policy.appointment_minutes)
            self.count(now, it.agent_id, "appointment_minutes", minutes)


def _rejudged(score: float | None, phrases: int, min_phrases: int) -> float | None:
    """A stored score judged again under the policy's phrase minimum where phrases were
    counted (scores given by the caller or STA's conversation score carry no count)."""
    return sentiment_rules.judged(score, phrases, min_phrases) if phrases else score


def run(
    policy: PolicySet,
    agents: dict[str, Agent],
    evaluations: Sequence[EvaluationIn],
    interactions: Iterable[InteractionIn],
) -> Tally:
    """Replay evaluations (sorted by ``at``) and interactions (sorted by ``ended_at``) in one
    time order under one policy; returns the tally. Pure: nothing outside is read or written."""
    replay = Replay(policy, agents)
    take_interactions = policy.sentiment_enabled
    pending = iter(interactions) if take_interactions else iter(())
    nxt = next(pending, None)
    for ev in evaluations:
        while nxt is not None and nxt.ended_at < ev.at:
            replay.interaction(nxt)
            nxt = next(pending, None)
        replay.evaluation(ev)
    while nxt is not None:
        replay.interaction(nxt)
        nxt = next(pending, None)
    return replay.tally
