"""GenesysClient against the fake over real loopback HTTP: tokens, retries, budget, caches."""

from __future__ import annotations

import threading
import time

import pytest

from service.fakes.genesys import FakeGenesys
from service.genesys.api import GenesysError, GenesysNotFound, GenesysUnavailable
from service.genesys.client import GenesysClient
from tests.fixtures_genesys import client_settings

USERS = "/api/v2/users/*"


def _agent(fake: FakeGenesys, state: str = "active") -> str:
    return next(u["id"] for u in fake.org.users.values() if u["state"] == state)


# ---------------------------------------------------------------------- tokens


def test_token_is_fetched_once_and_reused(fake: FakeGenesys, gclient: GenesysClient) -> None:
    for _ in range(3):
        gclient.get_user(_agent(fake))
        gclient._users.clear()
    assert gclient.stats()["token_fetches"] == 1
    assert fake.calls_to("/oauth/token") == 1


def test_revoked_token_is_refreshed_once_and_the_call_retried(
    fake: FakeGenesys, gclient: GenesysClient
) -> None:
    user = _agent(fake)
    gclient.get_user(user)
    fake.revoke_tokens()
    gclient._users.clear()
    assert gclient.get_user(user)["id"] == user
    assert gclient.stats()["token_fetches"] == 2
    assert fake.calls_to(USERS) == 3  # ok, 401, ok


def test_token_refreshed_shortly_before_expiry(fake: FakeGenesys, gclient: GenesysClient) -> None:
    fake.token_ttl = 1  # refresh margin is a tenth of the lifetime: 0.1 s
    gclient.get_user(_agent(fake))
    time.sleep(0.95)
    gclient._users.clear()
    gclient.get_user(_agent(fake))
    assert gclient.stats()["token_fetches"] == 2
    assert fake.calls_to(USERS) == 2  # never sent with an expired token


def test_one_token_fetch_for_many_threads(fake: FakeGenesys, gclient: GenesysClient) -> None:
    users = [u for u in fake.org.users if fake.org.users[u]["state"] == "active"]
    threads = [threading.Thread(target=gclient.get_user, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gclient.stats()["token_fetches"] == 1


def test_bad_credentials_are_not_retried(fake: FakeGenesys) -> None:
    client = GenesysClient(client_settings(fake, genesys_client_secret="wrong"))
    with pytest.raises(GenesysError) as err:
        client.get_user(_agent(fake))
    assert err.value.upstream_status == 401
    assert fake.calls_to("/oauth/token") == 1


# ---------------------------------------------------------------------- retries


def test_retry_after_is_honoured(fake: FakeGenesys, gclient: GenesysClient) -> None:
    fake.faults.fail_next(1, status=429, pattern=USERS, retry_after=1)
    started = time.monotonic()
    gclient.get_user(_agent(fake))
    elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 1.8
    stats = gclient.stats()
    assert (stats["throttled_429"], stats["retries"]) == (1, 1)


def test_fractional_retry_after_is_exact_not_backoff(fake: FakeGenesys) -> None:
    # Backoff would be up to 30 s here; only the header may decide the wait.
    client = GenesysClient(client_settings(fake, genesys_backoff_base_seconds=30))
    fake.faults.fail_next(2, status=429, pattern=USERS, retry_after=0.2)
    started = time.monotonic()
    client.get_user(_agent(fake))
    assert 0.4 <= time.monotonic() - started < 1.0


def test_server_errors_then_success(fake: FakeGenesys, gclient: GenesysClient) -> None:
    fake.faults.fail_next(2, status=503, pattern=USERS)
    assert gclient.get_user(_agent(fake))["state"] == "active"
    assert gclient.stats()["retries"] == 2
    assert fake.calls_to(USERS) == 3


def test_retries_are_capped(fake: FakeGenesys, gclient: GenesysClient) -> None:
    fake.faults.fail_next(50, status=500, pattern=USERS)
    with pytest.raises(GenesysUnavailable) as err:
        gclient.get_user(_agent(fake))
    assert fake.calls_to(USERS) == 4  # first try + genesys_max_retries (3)
    assert err.value.retry_after is not None and err.value.retry_after > 0


def test_throttled_until_exhausted_reports_retry_after(fake: FakeGenesys) -> None:
    client = GenesysClient(client_settings(fake, genesys_max_retries=1))
    fake.faults.fail_next(5, status=429, pattern=USERS, retry_after=0.1)
    with pytest.raises(GenesysUnavailable):
        client.get_user(_agent(fake))
    assert fake.calls_to(USERS) == 2


def test_slow_answer_beyond_timeout_is_retried(fake: FakeGenesys) -> None:
    client = GenesysClient(client_settings(fake, genesys_timeout_seconds=0.3))
    fake.faults.set_latency(1.0, pattern=USERS, n=1)
    assert client.get_user(_agent(fake))["state"] == "active"
    assert client.stats()["retries"] == 1
    assert fake.calls_to(USERS) == 2


def test_dropped_connection_is_retried(fake: FakeGenesys, gclient: GenesysClient) -> None:
    fake.faults.drop_next(2, pattern=USERS)
    assert gclient.get_user(_agent(fake))["state"] == "active"
    assert gclient.stats()["retries"] == 2
    assert fake.calls_to(USERS) == 3


def test_not_found_and_client_errors_are_not_retried(
    fake: FakeGenesys, gclient: GenesysClient
) -> None:
    with pytest.raises(GenesysNotFound):
        gclient.get_published_form("no-such-form")
    with pytest.raises(GenesysError) as err:
        gclient.create_workitem({"name": "ab", "typeId": "x"})
    assert err.value.upstream_status == 400
    assert err.value.body["code"] == "bad.request"
    assert gclient.stats()["retries"] == 0


# ---------------------------------------------------------------------- budget


def test_budget_paces_the_client(fake: FakeGenesys) -> None:
    # 600/min with a burst of 2: after the burst, one request every ~0.1 s.
    client = GenesysClient(
        client_settings(fake, genesys_requests_per_minute=600, genesys_request_burst=2)
    )
    client._access_token()
    started = time.monotonic()
    for _ in range(12):
        client.request("GET", f"/api/v2/users/{_agent(fake)}")
    elapsed = time.monotonic() - started
    assert elapsed >= 0.9
    assert client.budget.waited_seconds > 0.8


def test_server_side_rate_limit_is_waited_out(fake: FakeGenesys, gclient: GenesysClient) -> None:
    fake.faults.rate_limit(3, window_seconds=1.0)
    started = time.monotonic()
    for _ in range(5):
        gclient.request("GET", f"/api/v2/users/{_agent(fake)}")
    assert time.monotonic() - started >= 0.9
    assert gclient.stats()["throttled_429"] >= 1


# ---------------------------------------------------------------------- caches


def test_forms_are_cached(fake: FakeGenesys, gclient: GenesysClient) -> None:
    form_id = next(iter(fake.org.forms))
    first = gclient.get_published_form(form_id)
    first["name"] = "mutated by a caller"
    again = gclient.get_published_form(form_id)
    assert again["name"] != "mutated by a caller"
    assert fake.calls_to("/api/v2/quality/publishedforms/evaluations/*") == 1


def test_users_are_cached_until_the_ttl(fake: FakeGenesys) -> None:
    user = _agent(fake)
    cached = GenesysClient(client_settings(fake, genesys_cache_ttl_seconds=300))
    cached.get_user(user)
    cached.get_user(user)
    assert fake.calls_to(USERS) == 1
    uncached = GenesysClient(client_settings(fake, genesys_cache_ttl_seconds=0))
    uncached.get_user(user)
    time.sleep(0.01)
    uncached.get_user(user)
    assert fake.calls_to(USERS) == 3


def test_deleted_user_is_found_with_its_state(fake: FakeGenesys, gclient: GenesysClient) -> None:
    deleted = _agent(fake, "deleted")
    assert gclient.get_user(deleted)["state"] == "deleted"
    assert gclient.get_user(_agent(fake, "inactive"))["state"] == "inactive"
    with pytest.raises(GenesysNotFound):
        gclient.get_user("00000000-0000-4000-8000-0000000000aa")


# ---------------------------------------------------------------------- targets


def _evaluation_body(fake: FakeGenesys, form: dict) -> dict:
    group = form["questionGroups"][0]
    question = group["questions"][0]
    return {
        "evaluationForm": {"id": form["id"]},
        "evaluator": {"id": fake.org.evaluators[0]},
        "agent": {"id": _agent(fake)},
        "status": "FINISHED",
        "answers": {
            "questionGroupScores": [
                {
                    "questionGroupId": group["id"],
                    "questionScores": [
                        {
                            "questionId": question["id"],
                            "answerId": question["answerOptions"][0]["id"],
                            "score": 1,
                        }
                    ],
                }
            ]
        },
    }


def test_evaluation_create_is_idempotent(fake: FakeGenesys, gclient: GenesysClient) -> None:
    conv = next(iter(fake.org.conversations))
    body = _evaluation_body(fake, next(iter(fake.org.forms.values())))
    first = gclient.create_evaluation(conv, body, "key-1")
    again = gclient.create_evaluation(conv, body, "key-1")
    other = gclient.create_evaluation(conv, body, "key-2")
    assert first["id"] == again["id"] != other["id"]
    assert len(fake.created()["evaluations"]) == 2


def test_evaluation_with_foreign_answer_ids_is_refused(
    fake: FakeGenesys, gclient: GenesysClient
) -> None:
    forms = list(fake.org.forms.values())
    body = _evaluation_body(fake, forms[0])
    body["evaluationForm"] = {"id": forms[1]["id"]}  # answers built from another version
    with pytest.raises(GenesysError) as err:
        gclient.create_evaluation(next(iter(fake.org.conversations)), body, "key-x")
    assert err.value.upstream_status == 400


def test_workitem_found_by_external_tag(fake: FakeGenesys, gclient: GenesysClient) -> None:
    type_id = next(iter(fake.org.worktypes))
    for tag in ("eval-1", "eval-2"):
        gclient.create_workitem({"name": f"Coaching {tag}", "typeId": type_id, "externalTag": tag})
    found = gclient.find_workitem_by_external_tag("eval-2")
    assert found is not None and found["externalTag"] == "eval-2"
    assert gclient.find_workitem_by_external_tag("eval-3") is None


@pytest.mark.parametrize(
    ("name", "description", "ok"),
    [
        ("ab", "", False),
        ("abc", "", True),
        ("x" * 256, "", True),
        ("x" * 257, "", False),
        ("abc", "d" * 512, True),
        ("abc", "d" * 513, False),
    ],
)
def test_workitem_limits(
    fake: FakeGenesys, gclient: GenesysClient, name: str, description: str, ok: bool
) -> None:
    body = {"name": name, "typeId": next(iter(fake.org.worktypes)), "description": description}
    if ok:
        assert gclient.create_workitem(body)["name"] == name
    else:
        with pytest.raises(GenesysError):
            gclient.create_workitem(body)


def test_workitem_for_inactive_assignee_is_refused(
    fake: FakeGenesys, gclient: GenesysClient
) -> None:
    body = {
        "name": "Coaching",
        "typeId": next(iter(fake.org.worktypes)),
        "assigneeId": _agent(fake, "inactive"),
    }
    with pytest.raises(GenesysError) as err:
        gclient.create_workitem(body)
    assert err.value.upstream_status == 400


def _appointment(attendee: str, start: str, minutes: int = 30, facilitator: str | None = None):
    body = {
        "name": "Coaching",
        "description": "Empathy",
        "dateStart": start,
        "lengthInMinutes": minutes,
        "attendeeIds": [attendee],
    }
    if facilitator:
        body["facilitatorId"] = facilitator
    return body


def _soon(hours: int, minutes: int = 0) -> str:
    from datetime import UTC, datetime, timedelta

    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    return (base + timedelta(hours=hours, minutes=minutes)).isoformat().replace("+00:00", "Z")


def test_overlapping_appointment_is_refused(fake: FakeGenesys, gclient: GenesysClient) -> None:
    agents = [u for u in fake.org.agents if fake.org.users[u]["state"] == "active"]
    lead = fake.org.supervisors[0]
    gclient.create_coaching_appointment(_appointment(agents[0], _soon(0), 30, lead))
    with pytest.raises(GenesysError) as err:  # same agent, overlapping by 1 minute
        gclient.create_coaching_appointment(_appointment(agents[0], _soon(0, 29)))
    assert 400 <= err.value.upstream_status < 500
    with pytest.raises(GenesysError):  # other agent, same facilitator
        gclient.create_coaching_appointment(_appointment(agents[1], _soon(0, 15), 30, lead))
    # back-to-back is fine, and so is another agent with no facilitator
    gclient.create_coaching_appointment(_appointment(agents[0], _soon(0, 30)))
    gclient.create_coaching_appointment(_appointment(agents[1], _soon(0)))
    assert len(fake.created()["appointments"]) == 3


@pytest.mark.parametrize(("minutes", "ok"), [(59, True), (60, True), (61, False)])
def test_appointment_length_limit(
    fake: FakeGenesys, gclient: GenesysClient, minutes: int, ok: bool
) -> None:
    body = _appointment(_agent(fake), _soon(3), minutes)
    if ok:
        assert gclient.create_coaching_appointment(body)["lengthInMinutes"] == minutes
    else:
        with pytest.raises(GenesysError):
            gclient.create_coaching_appointment(body)


def test_learning_assignments_listed_across_pages(
    fake: FakeGenesys, gclient: GenesysClient
) -> None:
    module = next(iter(fake.org.modules))
    user = _agent(fake)
    for _ in range(3):
        gclient.create_learning_assignment({"moduleId": module, "userId": user})
    assert len(gclient.find_learning_assignments(user, module)) == 3
    assert gclient.find_learning_assignments(_agent(fake, "inactive"), module) == []
    with pytest.raises(GenesysError):
        gclient.create_learning_assignment({"moduleId": module, "userId": _agent(fake, "deleted")})


# ---------------------------------------------------------------------- transcripts


def test_transcript_downloaded_without_our_token(fake: FakeGenesys, gclient: GenesysClient) -> None:
    conv = next(c for c in fake.org.conversations.values() if c["_mediaType"] == "voice")
    recordings = gclient.get_recordings(conv["id"])
    url = gclient.get_transcript_url(conv["id"], recordings[0]["sessionId"])
    doc = gclient.download_transcript(url)
    assert doc["conversationId"] == conv["id"]
    assert doc["transcripts"][0]["phrases"]
    assert "Authorization" not in fake.transcript_downloads[-1]


def test_expired_transcript_url_is_refused(fake: FakeGenesys, gclient: GenesysClient) -> None:
    conv = next(iter(fake.org.conversations.values()))
    fake.transcript_url_ttl = -1
    url = gclient.get_transcript_url(conv["id"], conv["_communicationId"])
    with pytest.raises(GenesysError) as err:
        gclient.download_transcript(url)
    assert err.value.upstream_status == 403


# ---------------------------------------------------------------------- creates are never re-sent


def _workitem(fake: FakeGenesys, tag: str) -> dict[str, object]:
    return {
        "name": "Coaching: Empathy",
        "typeId": next(iter(fake.org.worktypes)),
        "externalTag": tag,
    }


def test_create_whose_answer_is_lost_is_not_resent(fake: FakeGenesys) -> None:
    """A timed-out create may have happened: hand it back, never POST it twice."""
    client = GenesysClient(client_settings(fake, genesys_timeout_seconds=0.3))
    fake.faults.set_latency(0.8, pattern="/api/v2/taskmanagement/workitems", n=1)
    with pytest.raises(GenesysUnavailable, match="not re-sent"):
        client.create_workitem(_workitem(fake, "eval-lost-answer"))
    time.sleep(1.0)  # the fake finishes the request the client gave up on
    assert fake.calls_to("/api/v2/taskmanagement/workitems", method="POST") == 1
    assert len(fake.created()["workitems"]) == 1
    # The caller's retry finds it by its external tag instead of creating a second one.
    assert client.find_workitem_by_external_tag("eval-lost-answer") is not None


def test_create_after_server_error_is_not_resent(fake: FakeGenesys, gclient: GenesysClient) -> None:
    fake.faults.fail_next(1, status=502, pattern="/api/v2/taskmanagement/workitems")
    with pytest.raises(GenesysUnavailable):
        gclient.create_workitem(_workitem(fake, "eval-502"))
    assert fake.calls_to("/api/v2/taskmanagement/workitems", method="POST") == 1


def test_create_throttled_is_retried(fake: FakeGenesys, gclient: GenesysClient) -> None:
    """A 429 means the request was refused before it was processed: safe to send again."""
    fake.faults.fail_next(
        1, status=429, pattern="/api/v2/taskmanagement/workitems", retry_after=0.05
    )
    gclient.create_workitem(_workitem(fake, "eval-429"))
    assert len(fake.created()["workitems"]) == 1


def test_reads_and_keyed_creates_are_still_retried(
    fake: FakeGenesys, gclient: GenesysClient
) -> None:
    fake.faults.fail_next(1, status=503, pattern="/api/v2/users/*")
    assert gclient.get_user(_agent(fake))["id"]


@pytest.mark.parametrize(
    "method,template,headers,safe",
    [
        ("GET", "/api/v2/users/{id}", None, True),
        ("PUT", "/api/v2/quality/conversations/{id}/evaluations/{id}", None, True),
        ("POST", "/api/v2/taskmanagement/workitems/query", None, True),
        ("POST", "/oauth/token", None, True),
        ("POST", "/api/v2/quality/conversations/{id}/evaluations", {"Idempotency-Key": "k"}, True),
        ("POST", "/api/v2/taskmanagement/workitems", None, False),
        ("POST", "/api/v2/learning/assignments", {}, False),
        ("POST", "/api/v2/coaching/appointments", {"Accept": "application/json"}, False),
    ],
)
def test_replay_safe_table(method, template, headers, safe) -> None:
    from service.genesys.rules import replay_safe

    assert replay_safe(method, template, headers) is safe
