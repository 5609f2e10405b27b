"""Booking against the fake Genesys and fake calendars over HTTP: slots, WFM, faults, fallback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from service.coaching.models import CoachingAssignment
from service.db import get_db
from service.fakes.calendars import FakeCalendars
from service.fakes.server import serving
from service.genesys.formats import genesys_datetime
from service.jobs import service as jobs
from service.jobs.models import Job
from service.sentiment import policies, slots
from service.sentiment.models import SentimentSession
from service.sentiment.schemas import SentimentPolicyDoc
from tests.fixtures_genesys import point_at_fake

pytestmark = pytest.mark.sqlite_only  # the booking job is the same on both; races are tested apart

URL = "/data-actions/evaluate-sentiment"
SLOTS_API = "/api/v2/coaching/scheduleslots/*"


@pytest.fixture
def settings(settings, fake):
    return point_at_fake(settings, fake, genesys_max_retries=1)


@pytest.fixture
def agent(fake):
    return fake.org.agents[0]


@pytest.fixture
def manager(fake, agent):
    return fake.org.users[agent]["manager"]["id"]


def policy(app, **doc):
    with get_db(app).session_scope() as s:
        policies.put(s, doc=SentimentPolicyDoc.model_validate({"queue_id": "*", **doc}))


def coach(client, auth, agent) -> dict:
    """Three qualifying interactions in a row; the third answers ``coach``."""
    now = datetime.now(UTC) - timedelta(hours=3)
    out = {}
    for n in range(3):
        out = client.post(
            URL,
            json={
                "conversationId": f"conv-{agent}-{n}",
                "agentId": agent,
                "customerScore": -0.9,
                "agentScore": -0.7,
                "endedAt": (now + timedelta(minutes=10 * n)).isoformat(),
            },
            headers=auth,
        ).get_json()
    assert out["decision"] == "coach", out
    return out


def plan(app) -> SentimentSession:
    with get_db(app).session_scope() as s:
        row = s.scalars(select(SentimentSession)).one()
        s.expunge(row)
        return row


def booked(fake) -> list[dict]:
    return [a for a in fake.appointments.values() if "[qmloop:sentiment:" in a["description"]]


def test_books_the_best_genesys_suggestion_with_the_pattern(
    app, client, auth, settings, fake, agent, manager
) -> None:
    out = coach(client, auth, agent)
    jobs.drain(app, settings)
    [appointment] = booked(fake)
    assert appointment["facilitator"]["id"] == manager
    assert [a["id"] for a in appointment["attendees"]] == [agent]
    assert [c["id"] for c in appointment["conversations"]] == [
        f"conv-{agent}-{n}" for n in range(3)
    ]
    assert "customer -0.90, agent -0.70" in appointment["description"]
    assert appointment["lengthInMinutes"] == 30
    p = plan(app)
    assert p.slot_source == "genesys_suggested" and p.slot_reason.startswith("Genesys suggestion")
    # The suggestions the fake would give: the booked one ranks first among them.
    start = slots.parse_time(appointment["dateStart"])
    assert start is not None and slots.aligned(start)
    again = client.post(
        URL, json={"conversationId": f"conv-{agent}-2", "agentId": agent}, headers=auth
    ).get_json()
    assert again["assignmentId"] == out["assignmentId"]
    assert again["appointmentStart"] == appointment["dateStart"].replace(".000Z", "Z")


def test_without_the_slot_api_it_computes_from_wfm(
    app, client, auth, settings, fake, agent
) -> None:
    fake.faults.fail_next(10_000, 403, pattern=SLOTS_API)
    coach(client, auth, agent)
    jobs.drain(app, settings)
    [appointment] = booked(fake)
    start = slots.parse_time(appointment["dateStart"])
    assert start is not None and start.weekday() < 5
    assert (start.hour, start.minute) == (15, 0)  # the quietest interval of the shift
    p = plan(app)
    assert p.slot_source == "computed" and "occupancy" in p.slot_reason
    assert fake.calls_to("*/agentschedules/search") == 1
    assert fake.calls_to("*/wfm/downloads/*") == 1


def test_an_overlap_refusal_moves_to_the_next_candidate(
    app, client, auth, settings, fake, agent, manager
) -> None:
    fake.faults.fail_next(10_000, 403, pattern=SLOTS_API)
    first = _first_computed_day(fake)
    fake.appointments["blocker"] = {
        "id": "blocker",
        "dateStart": genesys_datetime(first),
        "lengthInMinutes": 60,
        "attendees": [],
        "facilitator": {"id": manager},
        "description": "team meeting",
        "status": "Scheduled",
    }
    coach(client, auth, agent)
    jobs.drain(app, settings)
    [appointment] = booked(fake)
    start = slots.parse_time(appointment["dateStart"])
    assert start is not None and start >= first + timedelta(hours=1)
    assert fake.calls_to("/api/v2/coaching/appointments", "POST") == 4  # 3 refused, 1 booked


def _first_computed_day(fake) -> datetime:
    now = datetime.now(UTC) + timedelta(hours=1)
    day = now.date()
    while True:
        candidate = datetime(day.year, day.month, day.day, 15, tzinfo=UTC)
        if day.weekday() < 5 and candidate >= slots.ceil_quarter(now):
            return candidate
        day += timedelta(days=1)


@pytest.fixture
def calendars(settings):
    cal = FakeCalendars()
    with serving(cal.app) as srv:
        settings.sentiment_calendar = "graph"
        settings.sentiment_calendar_base_url = srv.url
        settings.sentiment_calendar_token_url = srv.url + "/graph/token"
        settings.sentiment_calendar_client_id = "app"
        settings.sentiment_calendar_client_secret = SecretStr("secret")
        yield cal


def test_the_facilitators_calendar_is_respected(
    app, client, auth, settings, fake, agent, manager, calendars
) -> None:
    fake.faults.fail_next(10_000, 403, pattern=SLOTS_API)
    first = _first_computed_day(fake)
    calendars.add_busy(
        fake.org.users[manager]["email"], first - timedelta(hours=1), first + timedelta(hours=1)
    )
    coach(client, auth, agent)
    jobs.drain(app, settings)
    [appointment] = booked(fake)
    start = slots.parse_time(appointment["dateStart"])
    assert start is not None and start >= first + timedelta(hours=1)
    assert fake.calls_to("/api/v2/coaching/appointments", "POST") == 1  # no refusal needed
    assert calendars.calls["v1.0"] == 1


def test_google_free_busy_is_respected(
    app, client, auth, settings, fake, agent, manager, calendars
) -> None:
    from joserfc.jwk import RSAKey

    pem = RSAKey.generate_key(2048).as_pem(private=True).decode()
    settings.sentiment_calendar = "google"
    settings.sentiment_calendar_token_url = settings.sentiment_calendar_base_url + "/google/token"
    settings.sentiment_calendar_client_secret = SecretStr(pem)
    fake.faults.fail_next(10_000, 403, pattern=SLOTS_API)
    first = _first_computed_day(fake)
    calendars.add_busy(fake.org.users[manager]["email"], first, first + timedelta(minutes=45))
    coach(client, auth, agent)
    jobs.drain(app, settings)
    [appointment] = booked(fake)
    assert slots.parse_time(appointment["dateStart"]) >= first + timedelta(minutes=45)
    assert calendars.calls["calendar"] == 1


def test_calendar_down_retries_through_the_queue_then_books_once(
    app, client, auth, settings, fake, agent, calendars
) -> None:
    calendars.fail(1, 429, retry_after=0)
    calendars.fail(1, 503)
    coach(client, auth, agent)
    jobs.drain(app, settings)  # test backoffs are 0 s: the retries run at once
    assert len(booked(fake)) == 1
    with get_db(app).session_scope() as s:
        job = s.scalars(select(Job).where(Job.kind == "coaching.deliver")).one()
        assert (job.state, job.attempts) == ("done", 3)  # 429, 503, then booked
    assert calendars.calls["graph"] == 3


def test_calendar_down_for_good_books_flagged_after_the_retries(
    app, client, auth, settings, fake, agent, calendars
) -> None:
    calendars.down = True
    coach(client, auth, agent)
    jobs.drain(app, settings)
    assert len(booked(fake)) == 1
    assert "calendar_unchecked_after_retries" in plan(app).slot_reason
    assert calendars.calls["graph"] == 3


def test_calendar_down_can_book_on_genesys_alone_with_a_flag(
    app, client, auth, settings, fake, agent, calendars
) -> None:
    policy(app, calendar_unreachable="book_flagged")
    calendars.down = True
    coach(client, auth, agent)
    jobs.drain(app, settings)
    assert len(booked(fake)) == 1
    assert "calendar_unchecked" in plan(app).slot_reason


def test_no_slot_falls_back_to_the_policy_target(app, client, auth, settings, fake, agent) -> None:
    policy(app, service_level_target=0.99, fallback_target="local")
    fake.faults.fail_next(10_000, 403, pattern=SLOTS_API)
    out = coach(client, auth, agent)
    jobs.drain(app, settings)
    assert booked(fake) == []
    with get_db(app).session_scope() as s:
        a = s.get(CoachingAssignment, out["assignmentId"])
        assert (a.target, a.target_reason) == ("local", "no_slot")
    assert plan(app).slot_reason == "no_slot"


def test_genesys_5xx_on_create_retries_and_books_once(
    app, client, auth, settings, fake, agent
) -> None:
    fake.faults.fail_next(2, 503, pattern="/api/v2/coaching/appointments")
    coach(client, auth, agent)
    for _ in range(3):
        jobs.drain(app, settings)
        with get_db(app).session_scope() as s:
            s.execute(
                Job.__table__.update().values(run_at=datetime.now(UTC) - timedelta(seconds=1))
            )
    assert len(booked(fake)) == 1


def test_sta_scores_are_fetched_when_the_flow_sends_none(app, client, auth, fake) -> None:
    conv_id, conv = next(iter(fake.org.conversations.items()))
    agent_id = next(p["userId"] for p in conv.get("participants", []) if p.get("userId"))
    out = client.post(URL, json={"conversationId": conv_id, "agentId": agent_id}, headers=auth)
    assert out.status_code == 200
    assert out.get_json()["decision"] in ("none", "kudos", "watch", "skipped")
    assert fake.calls_to("/api/v2/speechandtextanalytics/conversations/*") == 1


def test_genesys_429_while_judging_answers_queued_and_finishes_in_the_queue(
    app, client, auth, settings, fake
) -> None:
    conv_id, conv = next(iter(fake.org.conversations.items()))
    agent_id = next(p["userId"] for p in conv.get("participants", []) if p.get("userId"))
    fake.faults.fail_next(50, 429, pattern="/api/v2/speechandtextanalytics/*", retry_after=0)
    payload = {"conversationId": conv_id, "agentId": agent_id}
    out = client.post(URL, json=payload, headers=auth).get_json()
    assert out["decision"] == "queued"
    fake.faults.clear()
    jobs.drain(app, settings)
    final = client.post(URL, json=payload, headers=auth).get_json()
    assert final["decision"] != "queued"


def test_an_inactive_agent_is_not_coached(app, client, auth, fake) -> None:
    from service.coaching.models import ArchiveTask

    leaver = next(a for a in fake.org.agents if fake.org.users[a]["state"] == "inactive")
    now = datetime.now(UTC) - timedelta(hours=3)
    for n in range(3):
        out = client.post(
            URL,
            json={
                "conversationId": f"leaver-{n}",
                "agentId": leaver,
                "customerScore": -0.9,
                "agentScore": -0.7,
                "endedAt": (now + timedelta(minutes=n)).isoformat(),
            },
            headers=auth,
        ).get_json()
    assert (out["decision"], out["reason"]) == ("skipped", "agent_inactive")
    with get_db(app).session_scope() as s:
        assert s.scalars(select(CoachingAssignment)).all() == []
        assert s.scalars(select(ArchiveTask)).all() == []


def test_kudos_email_reaches_the_agent_through_smtp(
    app, client, auth, settings, fake, agent
) -> None:
    from service.fakes.smtp import FakeSmtp

    with FakeSmtp() as smtp:
        settings.sentiment_kudos_smtp_host = "127.0.0.1"
        settings.sentiment_kudos_smtp_port = smtp.port
        settings.sentiment_kudos_smtp_starttls = False
        settings.sentiment_kudos_smtp_from = "qmloop@example.com"
        smtp.fail_next = 1  # a 451 first: retried through the queue
        payload = {"conversationId": "k", "agentId": agent, "customerScore": 0.9, "agentScore": 0.1}
        assert client.post(URL, json=payload, headers=auth).get_json()["decision"] == "kudos"
        jobs.drain(app, settings)
        [mail] = smtp.messages
    assert mail.recipients == [fake.org.users[agent]["email"]]
    assert "Subject: Kudos" in mail.data and "+0.90" in mail.data
