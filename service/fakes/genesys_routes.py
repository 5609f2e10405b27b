"""Fake Platform API routes: users, published forms, evaluations, scoring, calibrations."""

from __future__ import annotations

import copy
import uuid
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, request

from service.fakes.genesys_http import (
    FakeError,
    Json,
    body,
    fake,
    not_found,
    now,
    page,
    parse_time,
    ref_id,
)
from service.fakes.genesys_org import evaluation_json, iso
from service.fakes.genesys_scoring import AnswerError, score
from service.fakes.genesys_versions import keep_retracted, unchanged

api_bp = Blueprint("fake_api", __name__, url_prefix="/api/v2")

EVALUATION_STATUSES = {"PENDING", "INPROGRESS", "FINISHED", "INREVIEW", "RETRACTED"}
EVALUATIONS_PER_AGENT_PER_DAY = 50


# ---------------------------------------------------------------------- users and forms


USER_STATES = {"active", "inactive", "deleted", "any"}


@api_bp.get("/users")
def list_users() -> Response:
    """Users, paged (``UserEntityListing``); ``state`` active (default), inactive, deleted or
    any, as ``GET /api/v2/users`` filters them."""
    wanted = request.args.get("state", "active")
    if wanted not in USER_STATES:
        raise FakeError(400, "bad.request", f"state must be one of {sorted(USER_STATES)}")
    users = [u for u in fake().org.users.values() if wanted in ("any", u["state"])]
    return jsonify(page(sorted(users, key=lambda u: u["id"])))


@api_bp.get("/users/<user_id>")
def get_user(user_id: str) -> Response:
    """A user; deleted users only with ``state=deleted`` (the API's default state is active)."""
    user = fake().org.users.get(user_id)
    wanted = request.args.get("state", "active")
    if user is None or (user["state"] == "deleted") != (wanted == "deleted"):
        raise not_found("user")
    return jsonify(user)


@api_bp.get("/quality/publishedforms/evaluations/<form_id>")
def get_published_form(form_id: str) -> Response:
    """A published evaluation form version."""
    form = fake().org.forms.get(form_id)
    if form is None:
        raise not_found("evaluation form")
    return jsonify(form)


# ---------------------------------------------------------------------- evaluations


def _expand(evaluation: Json, expand: set[str]) -> Json:
    org = fake().org
    out = copy.deepcopy(evaluation)
    for key in ("agent", "evaluator"):
        if key in expand and out[key]["id"] in org.users:
            out[key] = org.users[out[key]["id"]]
    if "evaluationForm" in expand:
        out["evaluationForm"] = org.forms[out["evaluationForm"]["id"]]
    return out


@api_bp.get("/quality/conversations/<conversation_id>/evaluations/<evaluation_id>")
def get_evaluation(conversation_id: str, evaluation_id: str) -> Response:
    """One evaluation; ``expand=agent,evaluator,evaluationForm`` inlines those objects."""
    evaluation = fake().org.evaluations.get(evaluation_id)
    if evaluation is None or evaluation["conversation"]["id"] != conversation_id:
        raise not_found("evaluation")
    expand = {part.strip() for part in request.args.get("expand", "").split(",") if part.strip()}
    return jsonify(_expand(evaluation, expand))


_QUERY_KEYS = {
    "conversationId": lambda e: e["conversation"]["id"],
    "agentUserId": lambda e: e["agent"]["id"],
    "evaluatorUserId": lambda e: e["evaluator"]["id"],
    "assigneeUserId": lambda e: e["evaluator"]["id"],
}


@api_bp.get("/quality/evaluations/query")
def query_evaluations() -> Response:
    """Evaluations by conversation, agent, evaluator or assignee (one of them is required)."""
    args = request.args
    if not any(args.get(key) for key in _QUERY_KEYS):
        raise FakeError(
            400,
            "bad.request",
            "One of conversationId, agentUserId, evaluatorUserId, assigneeUserId is required.",
        )
    found = [
        e
        for e in list(fake().org.evaluations.values())
        if all(not args.get(key) or get(e) == args[key] for key, get in _QUERY_KEYS.items())
    ]
    states = {s.upper() for s in args.getlist("evaluationState")}
    if states:
        found = [e for e in found if e["status"] in states]
    if args.get("startTime"):
        start = iso(parse_time(args["startTime"], "startTime"))
        found = [e for e in found if e["createdDate"] >= start]
    if args.get("endTime"):
        end = iso(parse_time(args["endTime"], "endTime"))
        found = [e for e in found if e["createdDate"] < end]
    found.sort(key=lambda e: e["createdDate"], reverse=True)
    with_totals = args.get("expandAnswerTotalScores", "false").lower() == "true"
    return jsonify(page([_summary(e, with_totals) for e in found]))


def _summary(evaluation: Json, with_totals: bool) -> Json:
    out = {k: v for k, v in evaluation.items() if k != "answers"}
    if with_totals:
        answers = evaluation["answers"]
        out["answers"] = {
            k: answers[k]
            for k in (
                "totalScore",
                "totalCriticalScore",
                "totalNonCriticalScore",
                "anyFailedKillQuestions",
            )
        }
    return out


def _scored(form: Json, answers: Any) -> Json:
    if answers is not None and not isinstance(answers, dict):
        raise FakeError(400, "bad.request", "answers must be an object")
    try:
        return score(form, answers)
    except AnswerError as exc:
        raise FakeError(400, "quality.evaluation.answers.invalid", str(exc)) from None


def _check_create(conversation_id: str, data: Json) -> tuple[Json, str, str, str]:
    org = fake().org
    if conversation_id not in org.conversations:
        raise not_found("conversation")
    form = org.forms.get(ref_id(data.get("evaluationForm")))
    agent, evaluator = ref_id(data.get("agent")), ref_id(data.get("evaluator"))
    if form is None:
        raise FakeError(400, "bad.request", "evaluationForm must be a published form version")
    if agent not in org.users or evaluator not in org.users:
        raise FakeError(400, "bad.request", "agent and evaluator must be existing users")
    status = str(data.get("status") or "PENDING").upper()
    if status not in EVALUATION_STATUSES - {"INREVIEW", "RETRACTED"}:
        raise FakeError(400, "bad.request", f"status {status} is not allowed on create")
    return form, agent, evaluator, status


def _daily_count(agent: str) -> int:
    f = fake()
    since = iso(now() - timedelta(days=1))
    return sum(
        1
        for eid in f.created_evaluations
        if f.org.evaluations[eid]["agent"]["id"] == agent
        and f.org.evaluations[eid]["createdDate"] >= since
    )


@api_bp.post("/quality/conversations/<conversation_id>/evaluations")
def create_evaluation(conversation_id: str) -> Response:
    """Create (or, for a repeated Idempotency-Key, return) an evaluation."""
    f = fake()
    data = body()
    key = request.headers.get("Idempotency-Key", "")
    with f.lock:
        if key and key in f.idempotency:
            return jsonify(f.org.evaluations[f.idempotency[key]])
        form, agent, evaluator, status = _check_create(conversation_id, data)
        answers = data.get("answers")
        _scored(form, answers)
        if _daily_count(agent) >= EVALUATIONS_PER_AGENT_PER_DAY:
            raise FakeError(
                400,
                "quality.evaluation.limit.exceeded",
                "Evaluation limit per agent per 24 hours reached.",
            )
        evaluation = evaluation_json(
            f.org, None, conversation_id, form, agent, evaluator, status, answers or {}, now()
        )
        calibration = ref_id(data.get("calibration"))
        if calibration:
            evaluation["calibration"] = {"id": calibration}
        f.org.evaluations[evaluation["id"]] = evaluation
        f.created_evaluations.append(evaluation["id"])
        if key:
            f.idempotency[key] = evaluation["id"]
    return jsonify(evaluation)


@api_bp.put("/quality/conversations/<conversation_id>/evaluations/<evaluation_id>")
def update_evaluation(conversation_id: str, evaluation_id: str) -> Response:
    """Replace answers and/or status (checked against the evaluation's form): a new version,
    the replaced one kept RETRACTED (``genesys_versions``); no change, no new version."""
    f = fake()
    data = body()
    with f.lock:
        evaluation = f.org.evaluations.get(evaluation_id)
        if evaluation is None or evaluation["conversation"]["id"] != conversation_id:
            raise not_found("evaluation")
        form = f.org.forms[evaluation["evaluationForm"]["id"]]
        sent_form = ref_id(data.get("evaluationForm"))
        if sent_form and sent_form != form["id"]:
            raise FakeError(400, "bad.request", "evaluationForm does not match the evaluation")
        updated = copy.deepcopy(evaluation)
        if "answers" in data:
            updated["answers"] = _scored(form, data["answers"])
        status = str(data.get("status") or evaluation["status"]).upper()
        if status not in EVALUATION_STATUSES:
            raise FakeError(400, "bad.request", f"unknown status {status}")
        updated["status"] = status
        stamp = iso(now())
        updated["changedDate"] = stamp
        if status == "FINISHED" and not updated.get("submittedDate"):
            updated["submittedDate"] = updated["releaseDate"] = stamp
        if unchanged(evaluation, updated):
            return jsonify(evaluation)  # the same PUT again: no new version
        updated["version"] = int(evaluation.get("version") or 1) + 1
        keep_retracted(f, evaluation)
        f.org.evaluations[evaluation_id] = updated
    return jsonify(updated)


@api_bp.post("/quality/evaluations/scoring")
def scoring() -> Response:
    """Score answers against a form (given inline or by id) the way Genesys does."""
    data = body()
    form = data.get("evaluationForm") or {}
    if not isinstance(form, dict):
        raise FakeError(400, "bad.request", "evaluationForm must be an object")
    if not form.get("questionGroups"):
        form = fake().org.forms.get(ref_id(form)) or {}
    if not form:
        raise FakeError(400, "bad.request", "evaluationForm is required")
    return jsonify(_scored(form, data.get("answers") or {}))


# ---------------------------------------------------------------------- calibrations


@api_bp.post("/quality/calibrations")
def create_calibration() -> Response:
    """Create a calibration for a conversation."""
    f = fake()
    data = body()
    conversation = ref_id(data.get("conversation"))
    if not conversation:
        raise FakeError(400, "bad.request", "conversation is required")
    if conversation not in f.org.conversations:
        raise not_found("conversation")
    cid = str(uuid.uuid4())
    users = [ref_id(u) for u in data.get("evaluators") or []]
    calibration = {
        "id": cid,
        "name": data.get("name") or f"Calibration {cid[:8]}",
        "calibrator": {"id": ref_id(data.get("calibrator"))} if data.get("calibrator") else None,
        "agent": {"id": f.org.conversations[conversation]["_agentId"]},
        "conversation": {"id": conversation, "selfUri": f"/api/v2/conversations/{conversation}"},
        "evaluationForm": {"id": ref_id(data.get("evaluationForm"))}
        if data.get("evaluationForm")
        else None,
        "contextId": str(uuid.uuid4()),
        "createdDate": iso(now()),
        "evaluators": [{"id": u} for u in users],
        "expertEvaluator": {"id": ref_id(data.get("expertEvaluator"))}
        if data.get("expertEvaluator")
        else None,
        "scoringIndex": {"id": ref_id(data.get("scoringIndex"))}
        if data.get("scoringIndex")
        else None,
        "selfUri": f"/api/v2/quality/calibrations/{cid}",
    }
    with f.lock:
        f.calibrations[cid] = calibration
    return jsonify(_with_scores(calibration))


def _with_scores(calibration: Json) -> Json:
    evaluations = [
        e
        for e in list(fake().org.evaluations.values())
        if (e.get("calibration") or {}).get("id") == calibration["id"]
    ]
    out = dict(calibration)
    scores = [e["answers"]["totalScore"] for e in evaluations]
    out["evaluations"] = [{"id": e["id"], "status": e["status"]} for e in evaluations]
    if scores:
        out["averageScore"] = round(sum(scores) / len(scores))
        out["highScore"] = round(max(scores))
        out["lowScore"] = round(min(scores))
    return out


@api_bp.get("/quality/calibrations/<calibration_id>")
def get_calibration(calibration_id: str) -> Response:
    """A calibration with its evaluations and score spread."""
    calibration = fake().calibrations.get(calibration_id)
    if calibration is None:
        raise not_found("calibration")
    return jsonify(_with_scores(calibration))
