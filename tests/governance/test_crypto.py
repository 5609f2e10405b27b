"""LLM payloads and inline transcripts are encrypted at rest; rotation keeps old rows readable."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from service.governance import crypto
from service.scoring.models import ScoringCall, ScoringRequest

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
SECRET = "Crystal Minh said her card is 4111"


@pytest.fixture
def keys():
    """Set the process's keys for a test and clear them after."""

    def use(raw: str) -> None:
        crypto.configure(raw)

    yield use
    crypto.configure("")


def _store_call(session) -> str:
    req = ScoringRequest(
        idempotency_key="k1", conversation_id="c", scorecard_id="s", scorecard_version="1"
    )
    session.add(req)
    session.flush()
    call = ScoringCall(
        request_id=req.id, attempt=1, request={"messages": [SECRET]}, response={"content": SECRET}
    )
    session.add(call)
    session.commit()
    return call.id


def _raw(session, call_id: str) -> tuple[str, str]:
    row = session.execute(
        text("SELECT request, response FROM scoring_llm_calls WHERE id = :id"), {"id": call_id}
    ).one()
    return row[0], row[1]


def test_payloads_are_ciphertext_at_rest_and_plain_in_the_model(session, keys):
    keys(OLD)
    call_id = _store_call(session)
    request, response = _raw(session, call_id)
    assert request.startswith("fernet:") and "Crystal" not in request and "4111" not in response
    session.expire_all()
    assert session.get(ScoringCall, call_id).request == {"messages": [SECRET]}


def test_rotation_old_key_still_decrypts_then_rotate_rewrites(session, keys):
    keys(OLD)
    call_id = _store_call(session)
    before = _raw(session, call_id)
    keys(f"{NEW},{OLD}")  # new key first: old rows still read
    session.expire_all()
    assert session.get(ScoringCall, call_id).response == {"content": SECRET}
    n = crypto.rotate_all(session, crypto.parse_keys(f"{NEW},{OLD}"))
    session.commit()
    assert n == 2 and _raw(session, call_id) != before
    keys(NEW)  # the old key removed: rotated rows read with the new key alone
    session.expire_all()
    assert session.get(ScoringCall, call_id).request == {"messages": [SECRET]}
    keys(OLD)  # and the old key alone no longer reads them
    session.expire_all()
    with pytest.raises(crypto.KeyError_):
        _ = session.get(ScoringCall, call_id).request


def test_rows_written_without_keys_are_read_and_encrypted_by_rotate(session, keys):
    call_id = _store_call(session)
    assert _raw(session, call_id)[0].startswith("{")
    crypto.rotate_all(session, crypto.parse_keys(NEW))
    session.commit()
    assert _raw(session, call_id)[0].startswith("fernet:")


def test_inline_transcripts_in_job_payloads_are_encrypted(keys):
    keys(NEW)
    stored = crypto.encrypt_json({"turns": [{"speaker": "customer", "text": SECRET}]})
    assert stored.startswith("fernet:") and "Crystal" not in stored
    assert crypto.decrypt_json(stored)["turns"][0]["text"] == SECRET


@pytest.mark.parametrize("raw", ["not-a-key", "abc,", f"{NEW},short"])
def test_malformed_keys_are_refused(raw):
    with pytest.raises(crypto.KeyError_, match="Fernet key"):
        crypto.parse_keys(raw)
