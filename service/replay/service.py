"""Replay use cases: the policies to replay, the history to replay them on, the report.

No side effects on the loop: nothing is assigned, booked, queued or written to Genesys. The
only write is the replay's own evaluation cache (``replay_evaluations``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

import yaml

from service.coaching import policies as coaching_policies
from service.coaching.schemas import PolicyDoc
from service.errors import Conflict
from service.genesys.api import GenesysApi
from service.policies.rules import load_yaml
from service.replay import rules, simulate, sources
from service.replay.schemas import ReplayIn
from service.replay.simulate import Agent, EvaluationIn, InteractionIn, PolicySet, Tally
from service.sentiment import policies as sentiment_policies
from service.sentiment.schemas import SentimentPolicyDoc
from service.settings import Settings

CURRENT = "current"
SENTIMENT_KEY = "sentiment_policies"
T = TypeVar("T")


def _memo(fn: Callable[[str], T]) -> Callable[[str], T]:
    cache: dict[str, T] = {}

    def get(key: str) -> T:
        found = cache.get(key)
        if found is None:
            found = cache[key] = fn(key)
        return found

    return get


def policy_set(
    settings: Settings,
    name: str,
    coaching: Iterable[PolicyDoc],
    sentiment: Iterable[SentimentPolicyDoc],
) -> PolicySet:
    """A replayable policy from policy documents, resolved exactly as the live resolvers do
    (``coaching.policies.resolve_docs``, ``sentiment.policies.resolve_docs``)."""
    by_form = {d.form_id: d for d in coaching}
    by_queue = {d.queue_id: d for d in sentiment}
    default_form, default_queue = coaching_policies.DEFAULT_FORM, sentiment_policies.DEFAULT_QUEUE

    def coach(form_id: str) -> coaching_policies.ResolvedPolicy:
        own = by_form.get(form_id) if form_id != default_form else None
        return coaching_policies.resolve_docs(form_id, own, by_form.get(default_form), settings)

    def feel(queue_id: str) -> sentiment_policies.ResolvedSentimentPolicy:
        own = by_queue.get(queue_id) if queue_id and queue_id != default_queue else None
        return sentiment_policies.resolve_docs(queue_id, own, by_queue.get(default_queue))

    return PolicySet(
        name=name,
        coaching=_memo(coach),
        sentiment=_memo(feel),
        sentiment_enabled=settings.sentiment_enabled,
        agent_side=settings.sentiment_agent_side,
    )


def stored_docs(session: Any) -> tuple[list[PolicyDoc], list[SentimentPolicyDoc]]:
    """The stored coaching and sentiment policies, as documents."""
    coaching = [
        PolicyDoc.model_validate(r.document) for r in coaching_policies.list_policies(session)
    ]
    sentiment = [
        SentimentPolicyDoc.model_validate(r.document)
        for r in sentiment_policies.list_policies(session)
    ]
    return coaching, sentiment


def parse_candidate(
    text: str, current_sentiment: Sequence[SentimentPolicyDoc]
) -> tuple[list[PolicyDoc], list[SentimentPolicyDoc]]:
    """A candidate file's coaching policies and its sentiment policies (the current ones when
    it has no ``sentiment_policies``); raises ``InvalidInput`` naming every problem."""
    data = load_yaml(text, what="policies file")
    sentiment = list(current_sentiment)
    if isinstance(data, dict) and SENTIMENT_KEY in data:
        data = dict(data)
        extra = data.pop(SENTIMENT_KEY)
        sentiment = sentiment_policies.parse_file(yaml.safe_dump({"policies": extra})).policies
    coaching = coaching_policies.parse_file(yaml.safe_dump(data)).policies
    return list(coaching), list(sentiment)


def policies_for(session: Any, settings: Settings, body: ReplayIn) -> list[PolicySet]:
    """The one or two policies of a request: the stored ones unless ``policyYaml`` is given;
    ``compareYaml`` adds a second."""
    coaching, sentiment = stored_docs(session)
    first_name = body.policyName or ("candidate" if body.policyYaml else CURRENT)
    if body.policyYaml is not None:
        coaching, sentiment_first = parse_candidate(body.policyYaml, sentiment)
        out = [policy_set(settings, first_name, coaching, sentiment_first)]
    else:
        out = [policy_set(settings, first_name, coaching, sentiment)]
    if body.compareYaml is not None:
        second = parse_candidate(body.compareYaml, stored_docs(session)[1])
        name = body.compareName or "compare"
        name = name if name != first_name else f"{name} (2)"
        out.append(policy_set(settings, name, *second))
    return out


def run(
    policies: Sequence[PolicySet],
    agents: dict[str, Agent],
    evaluations: Sequence[EvaluationIn],
    interactions: Sequence[InteractionIn],
) -> list[Tally]:
    """Replay the same history under each policy (pure, in memory)."""
    return [simulate.run(p, agents, evaluations, interactions) for p in policies]


def report(
    policies: Sequence[PolicySet],
    agents: dict[str, Agent],
    evaluations: Sequence[EvaluationIn],
    interactions: Sequence[InteractionIn],
    span: tuple[date, date],
    source: Mapping[str, Any],
) -> dict[str, Any]:
    """Replay and build the report (``rules.build``)."""
    tallies = run(policies, agents, evaluations, interactions)
    return rules.build(tallies, [p.name for p in policies], agents, span, source)


def replay(
    session: Any, *, settings: Settings, genesys: GenesysApi | None, body: ReplayIn
) -> dict[str, Any]:
    """Replay a period under the requested policies; raises ``InvalidInput`` (a bad policy
    file, ``RequestBudgetExceeded``) and ``Conflict`` (409 ``genesys_not_configured``: Genesys
    not configured)."""
    policies = policies_for(session, settings, body)
    if genesys is None:
        raise Conflict(
            "Genesys is not configured: the replay reads the org's evaluations from it "
            "(set QM_GENESYS_API_HOST or QM_GENESYS_REGION and the client credentials).",
            code="genesys_not_configured",
        )
    budget = sources.Budget(settings.replay_max_genesys_requests)
    agents = sources.fetch_agents(genesys, budget)
    evaluations = sources.fetch_evaluations(
        session, genesys, list(agents), body.start, body.end, budget
    )
    interactions = sources.load_interactions(session, body.start, body.end)
    source: dict[str, Any] = {"evaluations": len(evaluations), "interactions": len(interactions)}
    out = report(policies, agents, evaluations, interactions, (body.start, body.end), source)
    names = sources.module_names(genesys, (m["module"] for m in out["modules"]), budget)
    rules.name_modules(out, names)
    out["source"].update(
        agents=len(agents), genesysRequests=budget.used, cachedEvaluations=budget.cached
    )
    return out
