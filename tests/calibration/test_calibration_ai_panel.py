"""The AI scorer on the panel, over real HTTP: fake Genesys (transcripts, form) + the fake LLM."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from service import create_app
from service.calibration.ai_panel import to_score_in
from service.calibration.models import CalibrationInteraction, CalibrationScore
from service.db import get_db
from service.fakes.genesys import FakeGenesys
from service.jobs import service as jobs
from service.scoring.results import ItemResult, ScoreResult
from tests.calibration.helpers import (
    AI,
    ALICE,
    BASE,
    BOB,
    EXPERT,
    people,
    session_body,
    set_deadline,
)
from tests.fixtures_genesys import client_settings, close_app
from tests.scoring import conftest as scoring_fixtures
from tests.scoring.conftest import FakeLlm

# Reused fixtures: the fake LLM server of the scoring tests (the fake Genesys is tests-wide).
fake_llm_server = scoring_fixtures.fake_llm_server
fake_llm = scoring_fixtures.fake_llm


def _form(fake: FakeGenesys) -> dict[str, Any]:
    forms = [f for f in fake.org.forms.values() if f["name"] == "Customer Care Standard"]
    return max(forms, key=lambda f: f["modifiedDate"])


def _app(settings, fake: FakeGenesys, llm: FakeLlm | None):
    fast = client_settings(fake).model_dump()
    update = {k: v for k, v in fast.items() if k.startswith("genesys_")}
    if llm is not None:
        update.update({"llm_base_url": llm.base_url, "llm_model": "fake-judge"})
    app = create_app(settings.model_copy(update=update))
    assert app.extensions["genesys"] is not None  # the real HTTP client
    if llm is not None:
        app.extensions["llm"] = llm.chat(max_retries=0)  # fast retries for the fault test
    return app


@pytest.fixture
def ai_app(settings, fake, fake_llm):
    app = _app(settings, fake, fake_llm)
    yield app
    close_app(app)


@pytest.fixture
def plain_app(settings, fake):
    app = _app(settings, fake, None)
    yield app
    close_app(app)


def _conversations(fake: FakeGenesys) -> list[str]:
    chat = next(c for c in fake.org.conversations.values() if c["_mediaType"] == "chat")
    voice = next(c for c in fake.org.conversations.values() if c["_mediaType"] == "voice")
    return [chat["id"], voice["id"]]


def _create(app, settings, fake: FakeGenesys) -> dict[str, Any]:
    body = {
        "name": "AI on the panel",
        "formId": _form(fake)["id"],
        "expertId": EXPERT,
        "evaluatorIds": [ALICE, BOB],
        "aiEvaluatorIds": [AI],
        "deadline": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
        "interactions": [{"conversationId": c} for c in _conversations(fake)],
    }
    resp = app.test_client().post(f"{BASE}/sessions", json=body, headers=people(settings)["admin"])
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _ai_jobs(app) -> list[Any]:
    with get_db(app).session_scope() as s:
        rows = jobs.list_jobs(s, kind="calibration.ai_score")
        return [(j.state, j.result, j.last_error) for j in rows]


def _ai_scores(app, session_id: str) -> dict[str, dict[str, str]]:
    """conversation -> {question id: answer id} of the AI's stored scores."""
    with get_db(app).session_scope() as s:
        convo = {
            i.id: i.conversation_id
            for i in s.scalars(
                select(CalibrationInteraction).where(
                    CalibrationInteraction.session_id == session_id
                )
            )
        }
        rows = list(
            s.scalars(
                select(CalibrationScore).where(
                    CalibrationScore.session_id == session_id, CalibrationScore.evaluator_id == AI
                )
            )
        )
        assert all(r.source == "ai" for r in rows)
        return {
            convo[r.interaction_id]: {a["questionId"]: a["answerId"] for a in r.answers}
            for r in rows
        }


def _other_option(form: dict[str, Any], qid: str, answer_id: str) -> str:
    """An answer option of the question other than ``answer_id``."""
    for group in form["questionGroups"]:
        for q in group["questions"]:
            if q["id"] == qid:
                return next(a["id"] for a in q["answerOptions"] if a["id"] != answer_id)
    raise AssertionError(f"question {qid} is not on the form")


def _human(conversation: str, answers: dict[str, str]) -> dict[str, Any]:
    return {
        "conversationId": conversation,
        "totalScore": 80,
        "answers": [{"questionId": q, "answerId": a} for q, a in answers.items()],
    }


def test_ai_panelist_scores_and_agreement_is_reported(ai_app, settings, fake, fake_llm):
    sess = _create(ai_app, settings, fake)
    assert len(_ai_jobs(ai_app)) == 2  # one per interaction
    jobs.drain(ai_app, ai_app.config["QM_SETTINGS"])
    states = _ai_jobs(ai_app)
    assert [s for s, _r, _e in states] == ["done", "done"], states
    assert all(r["status"] == "submitted" and r["model"] == "fake-judge" for _s, r, _e in states)
    ai = _ai_scores(ai_app, sess["id"])
    assert sorted(ai) == sorted(_conversations(fake))
    form = _form(fake)
    options = {
        q["id"]: {a["id"] for a in q["answerOptions"]} | {"NA"}
        for g in form["questionGroups"]
        for q in g["questions"]
    }
    for answers in ai.values():  # the form's question and answer ids, as people's scores carry
        assert answers and all(a in options[q] for q, a in answers.items()), answers
    # the expert agrees with the AI everywhere; Alice and Bob both pick another option
    client, who = ai_app.test_client(), people(settings)
    url = f"{BASE}/sessions/{sess['id']}/scores"
    for conversation, answers in ai.items():
        other = {q: _other_option(form, q, a) for q, a in answers.items() if a != "NA"}
        for person, body in (
            ("expert", _human(conversation, answers)),
            ("alice", _human(conversation, other)),
            ("bob", _human(conversation, other)),
        ):
            resp = client.post(url, json=body, headers=who[person])
            assert resp.status_code in (200, 201), resp.get_json()
    report = client.get(f"{BASE}/reports/ai", headers=who["admin"]).get_json()
    assert report["sessions"] == 1
    (row,) = report["rows"]
    assert row["evaluator_id"] == AI
    judged = [q for q in row["questions"] if q["with_majority"]["n"]]
    assert judged, row
    for q in row["questions"]:
        assert q["with_expert"]["agreement"] == 1.0, q
        assert q["with_expert"]["n"] == sum(q["question_id"] in a for a in ai.values())
    for q in judged:
        assert q["with_majority"]["agreement"] == 0.0, q
    assert row["total_minus_expert"]["n"] == 2


def test_needs_review_leaves_the_ai_score_missing(ai_app, settings, fake, fake_llm):
    fake_llm.set_mode("invalid_json")  # every attempt answers unparseable JSON
    sess = _create(ai_app, settings, fake)
    jobs.drain(ai_app, ai_app.config["QM_SETTINGS"])
    states = _ai_jobs(ai_app)
    assert [s for s, _r, _e in states] == ["done", "done"], states
    for _s, result, _e in states:
        assert result["status"] == "needs_review"
        assert result["reasons"][0].startswith("llm_invalid_answer"), result
    assert _ai_scores(ai_app, sess["id"]) == {}
    # the session still reveals at the deadline without the AI's scores
    set_deadline(ai_app, sess["id"], datetime.now(UTC) - timedelta(minutes=1))
    got = ai_app.test_client().get(
        f"{BASE}/sessions/{sess['id']}/report", headers=people(settings)["admin"]
    )
    assert got.status_code == 200, got.get_json()
    assert got.get_json()["status"] == "expired"


def test_llm_unavailable_retries_later_then_needs_review(ai_app, settings, fake, fake_llm):
    fake_llm.set_mode("server_error")
    sess = _create(ai_app, settings, fake)
    jobs.drain(ai_app, ai_app.config["QM_SETTINGS"])  # test backoffs are zero: every retry runs
    with get_db(ai_app).session_scope() as s:
        rows = jobs.list_jobs(s, kind="calibration.ai_score")
        seen = [(j.attempts, j.max_attempts, j.state, j.result) for j in rows]
    assert len(seen) == 2
    for attempts, max_attempts, state, result in seen:
        # RetryLater on every attempt but the last; the last records why the score is missing
        assert attempts == max_attempts > 1 and state == "done", seen
        assert result["status"] == "needs_review", result
        assert result["reasons"] == ["llm_unavailable"], result
    assert _ai_scores(ai_app, sess["id"]) == {}


def test_no_llm_configured_enqueues_no_ai_jobs(plain_app, settings, fake):
    sess = _create(plain_app, settings, fake)
    assert _ai_jobs(plain_app) == []
    client, who = plain_app.test_client(), people(settings)
    url = f"{BASE}/sessions/{sess['id']}/scores"
    conversation = _conversations(fake)[0]
    resp = client.post(url, json=_human(conversation, {"q": "a"}), headers=who["alice"])
    assert resp.status_code in (200, 201), resp.get_json()


def test_llm_without_genesys_enqueues_no_ai_jobs(settings):
    s = settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1", "llm_model": "m"})
    app = create_app(s)
    try:
        assert app.extensions.get("genesys") is None and app.extensions.get("llm") is not None
        resp = app.test_client().post(
            f"{BASE}/sessions", json=session_body(), headers=people(s)["admin"]
        )
        assert resp.status_code == 201, resp.get_json()
        assert _ai_jobs(app) == []
    finally:
        get_db(app).dispose()


def _item(qid: str, answer_id: str | None, *, na: bool = False, max_score: float = 2.0):
    return ItemResult(qid, "g1", "x", answer_id, 1.0, max_score, "llm", True, na=na)


def test_result_maps_to_the_calibration_score_shape():
    items = [
        _item("q1", "a1"),
        _item("q2", None, na=True),
        _item("q3", None),
        _item("q4", "a4", max_score=0),
    ]
    result = ScoreResult("form", "v1", "m", "p", items, 87.456, False, [])
    out = to_score_in(result, conversation_id="c1", evaluator_id=AI)
    assert (out.conversationId, out.evaluatorId, out.totalScore) == ("c1", AI, 87.46)
    answers = [(a.questionId, a.answerId, a.score, a.maxScore) for a in out.answers]
    assert answers == [("q1", "a1", 1.0, 2.0), ("q2", "NA", None, None), ("q4", "a4", 1.0, None)]
