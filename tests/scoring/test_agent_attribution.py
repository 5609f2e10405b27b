"""Who is the agent in a transcript: only phrases inside an agent participant's window."""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from service.cli import main
from service.scoring import rules
from service.scoring.engine import score
from service.scoring.phrases import score_phrase_item
from service.scoring.scorecard import from_genesys_form
from service.transcripts.rules import parse_document
from tests.scoring import test_ingest_jobs as ingest
from tests.scoring.conftest import EXAMPLES
from tests.scoring.test_ingest_jobs import EVENTS, drain, post, row

genesys = ingest.genesys  # fixtures shared with the ingestion tests
scoring_app = ingest.scoring_app

EXAMPLE = json.loads((EXAMPLES / "genesys" / "transcript.json").read_text())
FORM = json.loads((EXAMPLES / "genesys" / "published_form.json").read_text())


def _phrase(index, purpose, start, text):
    return {
        "phraseIndex": index,
        "participantPurpose": purpose,
        "text": text.lower(),
        "decoratedText": text,
        "confidence": 0.9,
        "startTimeMs": start,
        "durationMs": 2000,
    }


def _doc(participants, phrases):
    return {
        "conversationId": "c-attr",
        "communicationId": "m-attr",
        "mediaType": "call",
        "participants": participants,
        "transcripts": [{"transcriptId": "t", "language": "en-us", "phrases": phrases}],
    }


def _one_window(purpose, **extra):
    """Our side's phrase at 5 s while a participant of ``purpose`` is present (0-10 s)."""
    return _doc(
        [
            {"participantPurpose": purpose, "startTimeMs": 0, "endTimeMs": 10000, **extra},
            {"participantPurpose": "customer", "startTimeMs": 0, "endTimeMs": 10000},
        ],
        [_phrase(0, "internal", 5000, "This call may be recorded for quality purposes.")],
    )


@pytest.mark.parametrize(
    ("purpose", "extra", "speaker"),
    [
        ("agent", {"userId": "u-1"}, "agent"),
        ("agent", {}, "agent"),
        ("user", {"userId": "u-1"}, "agent"),  # a user answering a direct call
        ("Agent", {}, "agent"),
        ("internal", {"userId": "u-1"}, "agent"),  # the document's generic purpose, a person
        ("internal", {}, "system"),  # ... without a user id: IVR, bot or flow
        ("botflow", {}, "ivr"),
        ("digitalbot", {}, "ivr"),
        ("workflow", {}, "ivr"),
        ("ivr", {}, "ivr"),
        ("acd", {}, "ivr"),
        ("voicemail", {}, "system"),
        ("station", {}, "system"),
        ("dialer", {}, "system"),
        ("fax", {}, "system"),
        ("external", {}, "system"),
        ("customer", {}, "system"),
        ("agentassist-2030", {"userId": "u-1"}, "system"),  # unknown purposes fail closed
        ("", {}, "system"),
    ],
)
def test_only_agent_windows_make_agent_phrases(purpose, extra, speaker):
    t = parse_document(_one_window(purpose, **extra))
    assert [turn.speaker for turn in t.turns] == [speaker]


@pytest.mark.parametrize(("start", "agent"), [(6999, False), (7000, True), (9000, True)])
def test_window_boundaries(start, agent):
    doc = _doc(
        [
            {"participantPurpose": "botflow", "startTimeMs": 0, "endTimeMs": 6999},
            {"participantPurpose": "agent", "startTimeMs": 7000, "endTimeMs": 9000},
        ],
        [_phrase(0, "internal", start, "Hello there")],
    )
    assert (parse_document(doc).turns[0].speaker == "agent") is agent


def test_after_the_agent_left_is_not_the_agent():
    doc = _doc(
        [{"participantPurpose": "agent", "startTimeMs": 0, "endTimeMs": 9000}],
        [_phrase(0, "internal", 9001, "Please rate this call")],
    )
    assert parse_document(doc).turns[0].speaker == "system"


def test_overlap_with_a_bot_is_the_agent_and_untimed_phrases_are_not():
    doc = _doc(
        [
            {"participantPurpose": "botflow", "startTimeMs": 0, "endTimeMs": 10000},
            {"participantPurpose": "agent", "startTimeMs": 4000, "endTimeMs": 10000},
            {"participantPurpose": "agent"},  # no times: no window, nothing attributed to it
        ],
        [_phrase(0, "internal", 5000, "Hi, I am Sam"), _phrase(1, "internal", None, "x")],
    )
    # (untimed phrases sort first)
    assert [t.speaker for t in parse_document(doc).turns] == ["system", "agent"]


@pytest.mark.parametrize(
    ("phrase_purpose", "speaker"),
    [
        ("internal", "agent"),
        ("agent", "agent"),
        ("user", "agent"),
        ("external", "customer"),
        ("customer", "customer"),
        ("botflow", "ivr"),
        ("voicemail", "system"),
        ("alien", "system"),  # unknown phrase purposes are never the agent's
    ],
)
def test_phrase_level_purposes(phrase_purpose, speaker):
    # Inside an agent window: only our side's own phrases can be the agent's.
    doc = _one_window("agent")
    doc["transcripts"][0]["phrases"][0]["participantPurpose"] = phrase_purpose
    assert parse_document(doc).turns[0].speaker == speaker


def _bot_disclosure_doc():
    doc = copy.deepcopy(EXAMPLE)
    doc["participants"][0]["participantPurpose"] = "botflow"
    phrases = doc["transcripts"][0]["phrases"]
    # The bot reads the disclosure before the agent joins; the agent never says it.
    phrases[2]["decoratedText"] = "Sure, let me look at that."
    phrases.append(_phrase(8, "internal", 1000, "This call may be recorded for quality purposes."))
    return doc


def test_a_bots_disclosure_is_not_credited_to_the_agent():
    t = parse_document(_bot_disclosure_doc())
    assert t.turns[0].speaker == "ivr" and "recorded" in t.turns[0].text
    card = from_genesys_form(FORM)
    q = card.question("q-disclosure")
    item, _why = score_phrase_item(t, q, "g-compliance", 92.0)
    assert item.answer_id == "a-disc-no" and item.score == 0


def _voicemail_doc():
    return _doc(
        [
            {"participantPurpose": "customer", "startTimeMs": 0, "endTimeMs": 40000},
            {"participantPurpose": "acd", "startTimeMs": 0, "endTimeMs": 20000},
            {"participantPurpose": "voicemail", "startTimeMs": 20000, "endTimeMs": 40000},
        ],
        [
            _phrase(0, "internal", 1000, "Thank you for calling. This call may be recorded."),
            _phrase(1, "internal", 20500, "Nobody is available. Leave a message after the tone."),
            _phrase(2, "external", 24000, "Hi, it's Crystal, please call me back about my order."),
            _phrase(3, "external", 30000, "My number is the one on the account. Thanks."),
        ],
    )


def test_voicemail_only_call_is_skipped_not_scored(fake_llm, cfg):
    t = parse_document(_voicemail_doc())
    assert "agent" not in {turn.speaker for turn in t.turns}
    assert rules.transcript_exclusion(rules.Policy(min_duration_seconds=0), t) == "no_agent_speech"
    before = len(fake_llm.bodies)
    result = score(t, from_genesys_form(FORM), fake_llm.chat(), cfg)
    assert result.skipped == "no_agent_speech"
    assert result.percentage is None and result.items == [] and not result.needs_review
    assert len(fake_llm.bodies) == before  # the model never sees it
    assert result.to_json()["skipped"] == "no_agent_speech"


def test_qmloop_score_skips_a_voicemail(tmp_path, monkeypatch):
    monkeypatch.delenv("QM_LLM_BASE_URL", raising=False)
    path = tmp_path / "voicemail.json"
    path.write_text(json.dumps(_voicemail_doc()))
    form = str(EXAMPLES / "genesys" / "published_form.json")
    runner = CliRunner()
    table = runner.invoke(main, ["score", str(path), "--scorecard", form])
    assert table.exit_code == 0, table.output
    assert "skipped: no_agent_speech" in table.output
    out = runner.invoke(main, ["score", str(path), "--scorecard", form, "--format", "json"])
    data = json.loads(out.output)
    assert (data["skipped"], data["percentage"], data["needsReview"]) == (
        "no_agent_speech",
        None,
        False,
    )


def test_scoring_job_skips_a_fetched_voicemail(scoring_app, auth, genesys):
    genesys.transcript = _voicemail_doc()
    out = post(scoring_app, auth, {"conversationId": "c-vm"}).get_json()
    assert out["status"] == "queued"  # the data action cannot know before the fetch
    drain(scoring_app)
    r = row(scoring_app, out["jobId"])
    assert (r.status, r.reason, r.percentage) == ("skipped", "no_agent_speech", None)
    assert not genesys.evaluations
    # A later delivery of the same interaction answers with the reason.
    again = post(scoring_app, auth, {"conversationId": "c-vm"}).get_json()
    assert (again["status"], again["reason"]) == ("skipped", "no_agent_speech")


def test_event_with_an_inline_voicemail_is_answered_skipped(scoring_app, auth, genesys):
    body = {"conversationId": "c-vm2", "transcript": _voicemail_doc()}
    out = post(scoring_app, auth, body, EVENTS).get_json()
    assert (out["status"], out["reason"]) == ("skipped", "no_agent_speech")
    assert drain(scoring_app) == {}


def test_the_example_still_has_its_agent():
    t = parse_document(EXAMPLE)
    assert [turn.speaker for turn in t.turns][:2] == ["agent", "customer"]
    assert t.agent_user_ids == ("agent-user-1",)


def test_agent_user_ids_only_name_people():
    doc = _doc(
        [
            {"participantPurpose": "agent", "userId": "u-agent", "startTimeMs": 0},
            {"participantPurpose": "botflow", "userId": "flow-1", "startTimeMs": 0},
            {"participantPurpose": "user", "userId": "u-direct", "startTimeMs": 0},
        ],
        [_phrase(0, "internal", 100, "Hello")],
    )
    assert parse_document(doc).agent_user_ids == ("u-agent", "u-direct")


@pytest.mark.parametrize(
    ("purpose", "agent_id"),
    [("agent", "u-1"), ("user", "u-1"), ("AGENT", "u-1"), ("botflow", None), ("acd", None)],
)
def test_calibration_draw_uses_the_same_agent_rule(purpose, agent_id):
    from service.calibration.selection import candidate_from_details

    conv = {
        "conversationId": "c-1",
        "participants": [
            {"purpose": "customer", "sessions": [{"mediaType": "voice"}]},
            {"purpose": purpose, "userId": "u-1", "sessions": [{"mediaType": "voice"}]},
        ],
    }
    found = candidate_from_details(conv)
    assert (found.agent_id if found else None) == agent_id
