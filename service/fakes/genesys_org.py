"""A deterministic sample Genesys Cloud org: users, published forms, conversations, evaluations.

``build_org(seed)`` gives the same ids, names and scores for the same seed; timestamps are laid
out backwards from ``anchor`` (default: today, midnight UTC) so the data always looks recent.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from service.fakes.genesys_forms import (
    CARE_FORM,
    HELP_CENTER_FORM,
    SALES_FORM,
    ZERO_FORM,
    form_json,
)
from service.fakes.genesys_sample import DIVISION, DIVISION_B
from service.fakes.genesys_scoring import score
from service.fakes.genesys_transcripts import add_conversations
from service.genesys.formats import genesys_datetime

Json = dict[str, Any]

STATUSES = ["FINISHED"] * 6 + ["PENDING", "INPROGRESS", "RETRACTED"]
FIRST = ["Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kai"]
LAST = ["Moreau", "Okafor", "Schmidt", "Tanaka", "Rossi", "Novak", "Silva", "Berg", "Khan"]


def iso(ts: datetime) -> str:
    """Genesys timestamp format: ISO 8601, milliseconds, Z (the same helper the client uses)."""
    return genesys_datetime(ts)


@dataclass
class Org:
    """Everything the fake serves, keyed by id; mutable (the fake adds what clients create)."""

    seed: int
    anchor: datetime
    users: dict[str, Json] = field(default_factory=dict)
    forms: dict[str, Json] = field(default_factory=dict)
    conversations: dict[str, Json] = field(default_factory=dict)
    evaluations: dict[str, Json] = field(default_factory=dict)
    transcripts: dict[str, Json] = field(default_factory=dict)  # key: "conv/communication"
    modules: dict[str, Json] = field(default_factory=dict)
    worktypes: dict[str, Json] = field(default_factory=dict)
    agents: list[str] = field(default_factory=list)
    supervisors: list[str] = field(default_factory=list)
    evaluators: list[str] = field(default_factory=list)

    def summary(self) -> Json:
        """A compact listing for tests, the demo and ``GET /__fake__/org``."""
        return {
            "seed": self.seed,
            "users": [
                {
                    "id": u["id"],
                    "name": u["name"],
                    "state": u["state"],
                    "title": u["title"],
                    "managerId": (u.get("manager") or {}).get("id"),
                    "divisionId": u["division"]["id"],
                }
                for u in self.users.values()
            ],
            "forms": [
                {
                    "id": f["id"],
                    "name": f["name"],
                    "contextId": f["contextId"],
                    "weightMode": f["weightMode"],
                }
                for f in self.forms.values()
            ],
            "evaluations": [
                {
                    "id": e["id"],
                    "conversationId": e["conversation"]["id"],
                    "agentId": e["agent"]["id"],
                    "formId": e["evaluationForm"]["id"],
                    "status": e["status"],
                    "totalScore": e["answers"]["totalScore"],
                }
                for e in self.evaluations.values()
            ],
            "conversations": [
                {
                    "id": c["id"],
                    "mediaType": c["_mediaType"],
                    "communicationId": c["_communicationId"],
                    "agentId": c["_agentId"],
                }
                for c in self.conversations.values()
            ],
            "modules": list(self.modules.values()),
            "worktypes": list(self.worktypes.values()),
        }


class _Ids:
    """Deterministic UUIDs from the org's random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def user_json(
    uid: str,
    name: str,
    state: str,
    title: str,
    manager: str | None,
    division: Json | None = None,
) -> Json:
    """A ``User`` as GET /api/v2/users/{id} returns it (in ``division``, default: home)."""
    username = name.lower().replace(" ", ".") + "@example.com"
    div = division or DIVISION
    return {
        "id": uid,
        "name": name,
        "division": {**div, "selfUri": f"/api/v2/authorization/divisions/{div['id']}"},
        "department": "Customer Care",
        "email": username,
        "state": state,
        "title": title,
        "username": username,
        "manager": {"id": manager, "selfUri": f"/api/v2/users/{manager}"} if manager else None,
        "version": 3 if state != "active" else 1,
        "acdAutoAnswer": False,
        "selfUri": f"/api/v2/users/{uid}",
    }


def _people(org: Org, rng: random.Random, ids: _Ids) -> None:
    """Two teams: Quinn Harper's (and Sam QA) in division A (home), Riley Adams's in B."""
    pairs = zip(rng.sample(FIRST, 11), rng.sample(LAST * 2, 11), strict=True)
    names = [f"{first} {last}" for first, last in pairs]
    for name, division in [("Quinn Harper", DIVISION), ("Riley Adams", DIVISION_B)]:
        uid = ids()
        org.supervisors.append(uid)
        org.users[uid] = user_json(uid, name, "active", "Team Lead", None, division)
    uid = ids()
    org.evaluators.append(uid)
    org.users[uid] = user_json(uid, "Sam QA", "active", "Quality Analyst", org.supervisors[0])
    states = ["active"] * 7 + ["inactive", "inactive", "deleted"]
    for i, state in enumerate(states):
        uid = ids()
        org.agents.append(uid)
        manager = org.supervisors[i % 2]
        division = (DIVISION, DIVISION_B)[i % 2]
        org.users[uid] = user_json(uid, names[i], state, "Customer Care Agent", manager, division)


def _forms(org: Org, ids: _Ids) -> None:
    old = org.anchor - timedelta(days=120)
    care_v1 = form_json(ids, "Customer Care Standard", CARE_FORM, "SCALED", old)
    care_v2 = form_json(
        ids,
        "Customer Care Standard",
        CARE_FORM,
        "SCALED",
        org.anchor - timedelta(days=40),
        care_v1["contextId"],
    )
    for form in (
        care_v1,
        care_v2,
        form_json(ids, "Help Center Weighting Example", HELP_CENTER_FORM, "SCALED", old),
        form_json(ids, "Sales Quick Check", SALES_FORM, "OFF", old),
        form_json(ids, "Competitor Mentions (no points)", ZERO_FORM, "OFF", old),
    ):
        org.forms[form["id"]] = form


def random_answers(form: Json, rng: random.Random, skill: float, na_rate: float = 0.15) -> Json:
    """Answers a plausible evaluator would give an agent of ``skill`` (0..1)."""
    groups = []
    for group in form["questionGroups"]:
        if group["naEnabled"] and rng.random() < na_rate:
            groups.append({"questionGroupId": group["id"], "markedNA": True, "questionScores": []})
            continue
        scores = []
        for q in group["questions"]:
            if q["naEnabled"] and rng.random() < na_rate:
                scores.append({"questionId": q["id"], "markedNA": True})
                continue
            options = sorted(q["answerOptions"], key=lambda o: -o["value"])
            # Fatal (kill) questions are rarely failed; a failure zeroes the whole evaluation.
            chance = max(skill, 0.97) if q["isKill"] else skill
            pick = options[0] if rng.random() < chance else rng.choice(options[1:] or options)
            scores.append(
                {
                    "questionId": q["id"],
                    "answerId": pick["id"],
                    "score": pick["value"],
                    "markedNA": False,
                }
            )
        groups.append({"questionGroupId": group["id"], "markedNA": False, "questionScores": scores})
    return {"questionGroupScores": groups, "comments": "Sample evaluation"}


def build_org(seed: int = 1, anchor: datetime | None = None) -> Org:
    """The sample org for ``seed``: 13 users, 5 published forms, 36 evaluations with transcripts."""
    rng = random.Random(seed)
    ids = _Ids(rng)
    if anchor is None:
        anchor = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    org = Org(seed=seed, anchor=anchor)
    _people(org, rng, ids)
    _forms(org, ids)
    for name, minutes in [
        ("Empathy Essentials", 20),
        ("Verification & Compliance Refresher", 30),
        ("Effective Resolution", 25),
        ("Greeting Standards", 10),
    ]:
        mid = ids()
        org.modules[mid] = {
            "id": mid,
            "name": name,
            "lengthInMinutes": minutes,
            "type": "Informational",
            "isArchived": False,
            "isPublished": True,
            "selfUri": f"/api/v2/learning/modules/{mid}",
        }
    wid = ids()
    org.worktypes[wid] = {
        "id": wid,
        "name": "Coaching follow-up",
        "selfUri": f"/api/v2/taskmanagement/worktypes/{wid}",
    }
    add_conversations(org, rng, ids)
    _evaluations(org, rng, ids)
    return org


def _evaluations(org: Org, rng: random.Random, ids: _Ids) -> None:
    forms = list(org.forms.values())
    weights = [1, 4, 1, 2, 1]  # most evaluations use the current Customer Care version
    skills = {agent: rng.uniform(0.45, 0.95) for agent in org.agents}
    for i, conv in enumerate(org.conversations.values()):
        form = rng.choices(forms, weights)[0]
        agent = conv["_agentId"]
        status = STATUSES[i % len(STATUSES)]
        answers = random_answers(form, rng, skills[agent])
        if status == "PENDING":
            answers = {"questionGroupScores": []}
        end = datetime.fromisoformat(conv["endTime"].replace("Z", "+00:00"))
        evaluation = evaluation_json(
            org,
            ids,
            conv["id"],
            form,
            agent,
            org.evaluators[0],
            status,
            answers,
            end + timedelta(hours=rng.randint(2, 60)),
        )
        org.evaluations[evaluation["id"]] = evaluation


def evaluation_json(
    org: Org,
    ids: _Ids | None,
    conversation_id: str,
    form: Json,
    agent: str,
    evaluator: str,
    status: str,
    answers: Json,
    created: datetime,
) -> Json:
    """A stored evaluation (``EvaluationResponse`` shape, references not expanded)."""
    conv = org.conversations.get(conversation_id, {})
    eid = ids() if ids else str(uuid.uuid4())
    done = status in ("FINISHED", "RETRACTED", "INREVIEW")
    return {
        "id": eid,
        "conversation": {
            "id": conversation_id,
            "selfUri": f"/api/v2/conversations/{conversation_id}",
        },
        "evaluationForm": {"id": form["id"], "name": form["name"], "selfUri": form["selfUri"]},
        "evaluator": {"id": evaluator, "selfUri": f"/api/v2/users/{evaluator}"},
        "agent": {"id": agent, "selfUri": f"/api/v2/users/{agent}"},
        "status": status,
        "answers": score(form, answers),
        "agentHasRead": False,
        "assignedDate": iso(created - timedelta(hours=1)),
        "createdDate": iso(created),
        "changedDate": iso(created),
        "submittedDate": iso(created) if done else None,
        "releaseDate": iso(created) if done else None,
        "conversationDate": conv.get("startTime"),
        "conversationEndDate": conv.get("endTime"),
        "mediaType": [{"voice": "CALL", "chat": "CHAT"}.get(conv.get("_mediaType", ""), "CALL")],
        "neverRelease": False,
        "rescore": False,
        "disputeCount": 0,
        "version": 1,
        "selfUri": f"/api/v2/quality/conversations/{conversation_id}/evaluations/{eid}",
    }
