"""The QA manager's console (``/app/console``) on SQLite and PostgreSQL: role refusals, policy
editing with validation, diff and replay form, the history written by web, REST and CLI,
dead-letter jobs with retry, the reliability reports, CSRF."""

from __future__ import annotations

import re
from html import unescape

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from service.auth.service import issue_token
from service.cli import main
from service.coaching import policies as coaching_policies
from service.coaching.models import CoachingPolicy
from service.db import get_db
from service.jobs import service as jobs
from service.jobs.models import Job
from service.policies import service as store
from service.policies.models import PolicyRevision
from service.sentiment import policies as sentiment_policies
from service.sentiment.models import SentimentPolicy
from tests.calibration.test_calibration_reports import MONTHS, _month_session
from tests.webapp.conftest import csrf_of, dev_signin, post_form

CONSOLE_GETS = [
    "/app/console",
    "/app/console/policies",
    "/app/console/policies/coaching/*/edit",
    "/app/console/jobs",
    "/app/console/reports",
    "/app/console/reports/reliability",
]
EDIT = "/app/console/policies/coaching/form-1/edit"


def _admin(client) -> None:
    dev_signin(client, "admin-1", "admin")


def _revisions(app, kind: str | None = None) -> list[PolicyRevision]:
    with get_db(app).session_scope() as db:
        found = store.revisions(db, kind=kind)
        db.expunge_all()
    return list(reversed(found))  # oldest first


def _field_error(html: str, name: str) -> str:
    found = re.search(rf'id="e-{name}"><strong>Error:</strong> ([^<]*)<', html)
    return found.group(1) if found else ""


@pytest.mark.parametrize("role", ["agent", "supervisor", "evaluator"])
def test_only_admins_open_the_console(client, role):
    dev_signin(client, f"{role}-1", role)
    for path in CONSOLE_GETS:
        assert client.get(path).status_code == 403, path
    token = csrf_of(client.get("/app/coaching").get_data(as_text=True))
    resp = client.post(EDIT, data={"csrf_token": token, "threshold": "70", "action": "save"})
    assert resp.status_code == 403
    resp = client.post("/app/console/jobs/retry", data={"csrf_token": token, "kind": "k"})
    assert resp.status_code == 403


def test_admin_sees_every_console_page_and_the_nav_link(client):
    _admin(client)
    for path in CONSOLE_GETS:
        resp = client.get(path)
        assert resp.status_code == 200, path
    html = client.get("/app/console").get_data(as_text=True)
    assert 'href="/app/console"' in html  # the Console link in the top navigation
    for linked in ("/app/console/replay", "/app/console/effectiveness", "/app/console/trust"):
        assert f'href="{linked}"' in html
    assert client.get("/app/console/policies/nonsense/x").status_code == 404
    assert client.get("/app/console/policies/coaching/no-such-form").status_code == 404


def test_not_signed_in_goes_to_the_login_page(client):
    resp = client.get("/app/console")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/app/login")


def test_invalid_candidate_shows_errors_by_field_and_saves_nothing(app, client):
    _admin(client)
    resp = post_form(
        client,
        EDIT,
        EDIT,
        {
            "threshold": "170",
            "weekly_cap": "two",
            "sections": "Empathy: [unclosed",
            "action": "save",
        },
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Nothing was saved" in html
    assert "Not valid YAML" in _field_error(html, "sections")
    # YAML problems are reported first; once fixed, the schema's own errors show per field.
    resp = post_form(
        client,
        EDIT,
        EDIT,
        {"threshold": "170", "weekly_cap": "two", "target": "pigeon", "action": "save"},
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "less than or equal to 100" in _field_error(html, "threshold")
    assert "valid integer" in _field_error(html, "weekly_cap")
    assert "Input should be" in _field_error(html, "target")
    assert (
        'id="f-threshold" name="threshold" value="170" inputmode="decimal" aria-invalid="true"'
        in html
    )
    assert _field_error(html, "max_open") == ""
    with get_db(app).session_scope() as db:
        assert db.scalar(select(CoachingPolicy)) is None
    assert _revisions(app) == []


def test_preview_shows_the_diff_and_the_replay_form_without_saving(app, client):
    with get_db(app).session_scope() as db:
        coaching_policies.load_file(
            db, text="policies: [{form_id: '*', threshold: 75}, {form_id: form-1, threshold: 70}]"
        )
    _admin(client)
    edit = client.get(EDIT).get_data(as_text=True)
    assert 'name="threshold" value="70.0"' in edit
    resp = post_form(
        client, EDIT, EDIT, {"threshold": "80", "weekly_cap": "2", "action": "preview"}
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert re.search(r"removed</td>\s*<td><code>threshold: 70.0</code>", html)
    assert re.search(r"added</td>\s*<td><code>threshold: 80.0</code>", html)
    assert re.search(r"added</td>\s*<td><code>weekly_cap: 2</code>", html)
    form = html[html.index('<form method="post" action="/app/console/replay"') :]
    form = form[: form.index("</form>")]
    fields = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', form))
    assert set(fields) == {"csrf_token", "policy_yaml", "compare_yaml", "from", "to"}
    assert fields["csrf_token"]
    candidate = coaching_policies.parse_file(unescape(fields["policy_yaml"])).policies
    current = coaching_policies.parse_file(unescape(fields["compare_yaml"])).policies
    assert {p.form_id: p.threshold for p in candidate} == {"*": 75, "form-1": 80}
    assert {p.form_id: p.threshold for p in current} == {"*": 75, "form-1": 70}
    assert fields["from"] < fields["to"]
    with get_db(app).session_scope() as db:
        assert coaching_policies.get(db, form_id="form-1").document["threshold"] == 70
    assert len(_revisions(app)) == 2  # the two loaded, nothing from the preview


def test_save_writes_the_policy_and_its_revision(app, client):
    _admin(client)
    resp = post_form(
        client,
        EDIT,
        EDIT,
        {
            "name": "Inbound",
            "threshold": "72.5",
            "holidays": "2026-12-25, 2026-12-26",
            "sections": "Empathy: coaching-empathy",
            "action": "save",
        },
    )
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/app/console/policies/coaching/form-1#history"
    with get_db(app).session_scope() as db:
        row = coaching_policies.get(db, form_id="form-1")
        assert (row.version, row.updated_by) == (1, "web:admin-1")
        assert row.document["holidays"] == ["2026-12-25", "2026-12-26"]
    post_form(client, EDIT, EDIT, {"name": "Inbound", "threshold": "74", "action": "save"})
    revs = _revisions(app, "coaching")
    assert [(r.key, r.actor) for r in revs] == [("form-1", "web:admin-1")] * 2
    assert revs[0].before is None and revs[0].after["threshold"] == 72.5
    assert revs[1].before["threshold"] == 72.5 and revs[1].after == {
        "form_id": "form-1",
        "name": "Inbound",
        "threshold": 74.0,
        "sections": {},
    }
    page = client.get("/app/console/policies/coaching/form-1").get_data(as_text=True)
    assert "Changed" in page and "Created" in page and "Admin-1 (web app)" in page
    assert re.search(r"removed</td>\s*<td><code>threshold: 72.5</code>", page)
    listing = client.get("/app/console/policies").get_data(as_text=True)
    assert "form-1" in listing and "Inbound" in listing


def test_a_save_on_a_stale_form_is_refused_then_replaces_knowingly(app, client):
    _admin(client)
    post_form(client, EDIT, EDIT, {"threshold": "70", "action": "save"})  # version 1
    html = client.get(EDIT).get_data(as_text=True)
    token = csrf_of(html)
    assert 'name="version" value="1"' in html
    # A second manager saves while the first still has the form of version 1 open.
    post_form(client, EDIT, EDIT, {"threshold": "75", "action": "save"})  # version 2
    stale = {"csrf_token": token, "version": "1", "threshold": "60", "action": "save"}
    resp = client.post(EDIT, data=stale)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "Nothing was saved" in page and "now version 2" in page
    assert 'name="version" value="2"' in page  # the next Save replaces version 2 knowingly
    assert re.search(r"removed</td>\s*<td><code>threshold: 75.0</code>", page)
    with get_db(app).session_scope() as db:
        assert coaching_policies.get(db, form_id="form-1").document["threshold"] == 75.0
    again = client.post(EDIT, data={**stale, "version": "2"})
    assert again.status_code == 303
    with get_db(app).session_scope() as db:
        assert coaching_policies.get(db, form_id="form-1").document["threshold"] == 60.0
    bad = client.post(EDIT, data={**stale, "version": "x"})
    assert bad.status_code == 400


def test_sentiment_policy_edit_uses_its_own_schema(app, client):
    _admin(client)
    path = "/app/console/policies/sentiment/queue-9/edit"
    resp = post_form(client, path, path, {"appointment_minutes": "20", "action": "save"})
    assert resp.status_code == 422
    assert "multiple of 15" in _field_error(resp.get_data(as_text=True), "appointment_minutes")
    resp = post_form(
        client,
        path,
        path,
        {
            "appointment_minutes": "45",
            "coach_pool": "coach-a, coach-b",
            "enabled": "false",
            "action": "save",
        },
    )
    assert resp.status_code == 303
    with get_db(app).session_scope() as db:
        doc = sentiment_policies.get(db, queue_id="queue-9").document
    assert doc["coach_pool"] == ["coach-a", "coach-b"] and doc["enabled"] is False
    assert [(r.kind, r.key) for r in _revisions(app)] == [("sentiment", "queue-9")]
    html = client.get(path).get_data(as_text=True)
    assert "Replay this candidate" not in html  # replay takes coaching policies


def test_a_new_policy_starts_from_a_key(client):
    _admin(client)
    resp = client.get("/app/console/policies/new?kind=coaching&key=form-7")
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith("/app/console/policies/coaching/form-7/edit")
    assert client.get("/app/console/policies/new?kind=coaching&key=").status_code == 400
    assert client.get("/app/console/policies/new?kind=other&key=x").status_code == 404


def test_forms_without_a_csrf_token_are_refused(app, client):
    _admin(client)
    resp = client.post(EDIT, data={"threshold": "70", "action": "save"})
    assert resp.status_code == 400 and "Form expired" in resp.get_data(as_text=True)
    with get_db(app).session_scope() as db:
        job, _ = jobs.enqueue(db, "coaching.triage", {})
        job.state = "dead"
    resp = client.post(f"/app/console/jobs/{job.id}/retry")
    assert resp.status_code == 400
    with get_db(app).session_scope() as db:
        assert db.get(Job, job.id).state == "dead"
    assert _revisions(app) == []


def test_rest_changes_are_in_the_history(app, client, settings):
    admin = {"Authorization": f"Bearer {issue_token(settings, 'qa-lead', 'admin', 'u-9')}"}
    body = {"policy": {"threshold": 65}}
    assert client.put("/api/v1/policies/form-2", json=body, headers=admin).status_code == 200
    assert client.put("/api/v1/policies/form-2", json=body, headers=admin).status_code == 200
    assert client.delete("/api/v1/policies/form-2", headers=admin).status_code == 200
    resp = client.put("/api/v1/sentiment/policies/q-1", json={"run_length": 4}, headers=admin)
    assert resp.status_code == 200
    revs = _revisions(app)
    assert [(r.kind, r.key, r.actor) for r in revs] == [
        ("coaching", "form-2", "qa-lead"),  # the identical second PUT is no change
        ("coaching", "form-2", "qa-lead"),
        ("sentiment", "q-1", "qa-lead"),
    ]
    assert revs[1].before["threshold"] == 65 and revs[1].after is None
    _admin(client)
    html = client.get("/app/console/policies").get_data(as_text=True)
    assert "deleted" in html and "qa-lead (API)" in html


def test_cli_loads_are_in_the_history(app, settings, tmp_path, monkeypatch):
    monkeypatch.setenv("QM_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("QM_INSTANCE_PATH", str(tmp_path / "inst"))
    runner = CliRunner()
    first = tmp_path / "coaching.yaml"
    first.write_text("policies: [{form_id: '*', threshold: 75}, {form_id: f-1, threshold: 70}]")
    assert runner.invoke(main, ["policies", "load", str(first)]).exit_code == 0
    second = tmp_path / "coaching2.yaml"
    second.write_text("policies: [{form_id: '*', threshold: 75}]")
    assert runner.invoke(main, ["policies", "load", "--replace", str(second)]).exit_code == 0
    senti = tmp_path / "sentiment.yaml"
    senti.write_text("policies: [{queue_id: '*', run_length: 4}]")
    out = runner.invoke(main, ["sentiment", "policies", "load", str(senti)])
    assert out.exit_code == 0, out.output
    revs = _revisions(app)
    assert [(r.kind, r.key, r.before is None, r.after is None, r.actor) for r in revs] == [
        ("coaching", "*", True, False, "cli"),
        ("coaching", "f-1", True, False, "cli"),
        ("coaching", "f-1", False, True, "cli"),  # --replace deleted it
        ("sentiment", "*", True, False, "cli"),
    ]


def _dead(app, kind: str, error: str, attempts: int = 4) -> str:
    with get_db(app).session_scope() as db:
        job, _ = jobs.enqueue(db, kind, {"n": 1})
        job_id = job.id
    with get_db(app).session_scope() as db:
        db.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(state="dead", attempts=attempts, last_error=error)
        )
    return job_id


def test_dead_jobs_show_and_retry_one_or_a_kind(app, client):
    one = _dead(app, "coaching.assign", "GenesysUnavailable: 503 from /api/v2/learning")
    two = _dead(app, "coaching.assign", "x" * 300)
    other = _dead(app, "scoring.score", "LLM timeout")
    _admin(client)
    html = client.get("/app/console/jobs").get_data(as_text=True)
    assert "GenesysUnavailable: 503 from /api/v2/learning" in html
    assert "4 of 4" in html and "<details>" in html  # long errors fold
    assert re.search(r"<code>coaching.assign</code></a></td>\s*<td>2</td>", html)
    assert len(re.findall(r'<span title="created [^"]+">\d{1,2} s</span>', html)) == 3  # age
    resp = post_form(client, "/app/console/jobs", f"/app/console/jobs/{one}/retry", {})
    assert resp.status_code == 303
    with get_db(app).session_scope() as db:
        assert (db.get(Job, one).state, db.get(Job, one).attempts) == ("queued", 0)
        assert db.get(Job, two).state == "dead"
    resp = post_form(
        client, "/app/console/jobs", "/app/console/jobs/retry", {"kind": "coaching.assign"}
    )
    assert resp.status_code == 303
    with get_db(app).session_scope() as db:
        assert db.get(Job, two).state == "queued" and db.get(Job, other).state == "dead"
    again = post_form(client, "/app/console/jobs", f"/app/console/jobs/{one}/retry", {})
    assert again.status_code == 409  # not dead any more
    assert post_form(client, "/app/console/jobs", "/app/console/jobs/retry", {}).status_code == 400
    filtered = client.get("/app/console/jobs?kind=scoring.score").get_data(as_text=True)
    assert "LLM timeout" in filtered


def test_reliability_reports_as_tables(app, client, settings):
    for when in MONTHS:
        _month_session(client, settings, app, when)
    _admin(client)
    html = client.get("/app/console/reports/reliability").get_data(as_text=True)
    assert "Over 3 revealed sessions" in html and "March calibration" in html
    assert "ICC(2,1)" in html and "Krippendorff" in html
    bias = client.get("/app/console/reports/evaluators").get_data(as_text=True)
    assert "harsh" in bias and "lenient" in bias
    drift = client.get("/app/console/reports/calibrators").get_data(as_text=True)
    assert "flagged" in drift and "2026-01, 2026-02, 2026-03" in drift
    criteria = client.get("/app/console/reports/criteria").get_data(as_text=True)
    assert "Product knowledge" in criteria
    ai = client.get("/app/console/reports/ai").get_data(as_text=True)
    assert "Automated scorer" in ai and "100 %" in ai
    empty = client.get("/app/console/reports/reliability?since=2030-01-01")
    assert "No revealed calibration sessions" in empty.get_data(as_text=True)
    assert client.get("/app/console/reports/reliability?since=nope").status_code == 400
    assert client.get("/app/console/reports/other").status_code == 404


def test_policy_text_is_escaped(app, client):
    with get_db(app).session_scope() as db:
        sentiment_policies.load_file(
            db, text="policies: [{queue_id: q, name: '<script>x</script>'}]"
        )
        db.flush()
        assert db.scalar(select(SentimentPolicy)).name.startswith("<script>")
    _admin(client)
    html = client.get("/app/console/policies/sentiment/q").get_data(as_text=True)
    assert "<script>x" not in html and "&lt;script&gt;" in html


def test_coaching_policies_show_the_form_name_from_genesys(app, client, fake):
    form_id, form = next(iter(fake.org.forms.items()))
    with get_db(app).session_scope() as db:
        coaching_policies.load_file(db, text=f"policies: [{{form_id: '{form_id}', threshold: 70}}]")
    _admin(client)
    assert form["name"] in client.get("/app/console/policies").get_data(as_text=True)


@pytest.mark.parametrize(
    ("page", "action", "form"),
    [
        ("/app/console/jobs", "/app/console/jobs/retry", {"kind": "a\x00b"}),
        (EDIT, EDIT, {"name": "x\x00", "threshold": "70", "action": "save"}),
    ],
)
def test_a_nul_in_a_form_field_is_refused(app, client, page, action, form):
    # PostgreSQL cannot store or compare a NUL: the form is refused before any view runs.
    _admin(client)
    resp = post_form(client, page, action, form)
    assert resp.status_code == 400
    assert "contains a NUL character" in resp.get_data(as_text=True)
