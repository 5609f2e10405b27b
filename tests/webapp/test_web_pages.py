"""The /app pages through Flask's test client, on SQLite and PostgreSQL: sign-in, sessions,
CSRF, headers, row-level access (404 for what is someone else's), the coaching workspace."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from service.coaching.models import CoachingAssignment
from service.db import get_db
from service.webapp.models import WebSession
from service.workspace.models import CoachingSession
from tests.webapp.conftest import add_assignment, csrf_of, dev_signin, post_form


def _sessions(app, **where):
    with get_db(app).session_scope() as db:
        query = select(CoachingSession)
        for key, value in where.items():
            query = query.where(getattr(CoachingSession, key) == value)
        return list(db.scalars(query))


def test_app_without_a_session_redirects_to_login(client):
    resp = client.get("/app/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/app/login")
    for page in ("/app/coaching", "/app/team", "/app/coaching/x", "/app/evaluations/x"):
        resp = client.get(page)
        assert resp.status_code == 303 and resp.headers["Location"] == "/app/login", page


def test_login_page_has_strict_headers(client):
    resp = client.get("/app/login")
    assert resp.status_code == 200
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'self'" in csp
    assert "unsafe" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "Sign in with Genesys Cloud" in resp.get_data(as_text=True)
    assert "<script>" not in resp.get_data(as_text=True)  # no inline script anywhere


def test_session_cookie_is_httponly_lax_and_server_side(app, client):
    dev_signin(client, "agent-a", "agent")
    cookie = client.get_cookie("qm_web")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure  # plain HTTP on loopback; Secure over HTTPS
    with get_db(app).session_scope() as db:
        rows = list(db.scalars(select(WebSession)))
    assert [r.user_id for r in rows] == ["agent-a"]
    assert cookie.value not in {r.id for r in rows}  # only the hash is stored


def test_embedded_cookie_is_samesite_none_and_secure(app, settings):
    from service import create_app

    embedded = create_app(settings.model_copy(update={"web_embedded": True}))
    client = embedded.test_client()
    client.get("/app/login", base_url="https://localhost")
    token = csrf_of(client.get("/app/login", base_url="https://localhost").get_data(as_text=True))
    resp = client.post(
        "/app/auth/dev",
        base_url="https://localhost",
        data={"csrf_token": token, "user_id": "a", "role": "agent"},
        headers={"Referer": "https://localhost/app/login"},
    )
    assert resp.status_code == 303
    header = [h for h in resp.headers.getlist("Set-Cookie") if h.startswith("qm_web=")][0]
    assert "Secure" in header and "SameSite=None" in header and "HttpOnly" in header
    get_db(embedded).dispose()


def test_a_form_without_csrf_token_is_refused(client):
    dev_signin(client, "agent-a", "agent")
    resp = client.post("/app/logout")
    assert resp.status_code == 400
    assert "security token" in resp.get_data(as_text=True)
    resp = client.post("/app/logout", data={"csrf_token": "forged"})
    assert resp.status_code == 400
    assert client.get("/app/coaching").status_code == 200  # still signed in


def test_sign_out_deletes_the_session(app, client):
    dev_signin(client, "agent-a", "agent")
    resp = post_form(client, "/app/coaching", "/app/logout", {})
    assert resp.status_code == 303
    assert client.get("/app/coaching").status_code == 303
    with get_db(app).session_scope() as db:
        assert db.scalars(select(WebSession).where(WebSession.user_id != "")).all() == []


def test_sessions_expire(app, client):
    dev_signin(client, "agent-a", "agent")
    assert client.get("/app/coaching").status_code == 200
    with get_db(app).session_scope() as db:
        db.execute(update(WebSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert client.get("/app/coaching").status_code == 303


def test_dev_signin_refused_when_off_or_not_loopback(app, settings):
    from service import create_app

    off_app = create_app(settings.model_copy(update={"web_dev_signin": False}))
    off = off_app.test_client()
    assert "Development sign-in" not in off.get("/app/login").get_data(as_text=True)
    resp = off.post("/app/auth/dev", data={"user_id": "x", "role": "admin"})
    assert resp.status_code in (400, 404)  # no form to get a token from, and refused anyway
    get_db(off_app).dispose()
    remote = app.test_client()
    token = csrf_of(remote.get("/app/login").get_data(as_text=True))  # from loopback
    page = remote.get("/app/login", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert "Development sign-in" not in page.get_data(as_text=True)
    resp = remote.post(
        "/app/auth/dev",
        data={"csrf_token": token, "user_id": "x", "role": "admin"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert resp.status_code == 404
    public_host = app.test_client()
    page = public_host.get("/app/login", base_url="http://qm.example.com")
    assert "Development sign-in" not in page.get_data(as_text=True)
    with get_db(app).session_scope() as db:
        assert db.scalars(select(WebSession).where(WebSession.user_id != "")).all() == []


def test_automated_assignment_becomes_one_session(app, client):
    add_assignment(app, "agent-a")
    dev_signin(client, "agent-a", "agent")
    for _ in range(2):  # the projection is idempotent
        html = client.get("/app/coaching").get_data(as_text=True)
        assert "Empathy coaching" in html
    rows = _sessions(app, agent_id="agent-a")
    assert len(rows) == 1 and rows[0].status == "assigned" and rows[0].areas == ["Empathy"]
    with get_db(app).session_scope() as db:
        db.execute(update(CoachingAssignment).values(status="completed"))
    client.get("/app/coaching")
    assert _sessions(app, agent_id="agent-a")[0].status == "completed"


def test_agent_sees_only_their_own_and_gets_404_for_others(app, client):
    add_assignment(app, "agent-a")
    add_assignment(app, "agent-b", section_key="k-b", section_name="Compliance")
    dev_signin(client, "agent-b", "agent")
    client.get("/app/coaching")
    dev_signin(client, "agent-a", "agent")
    html = client.get("/app/coaching").get_data(as_text=True)
    assert "Empathy coaching" in html and "Compliance coaching" not in html
    other = _sessions(app, agent_id="agent-b")[0]
    assert client.get(f"/app/coaching/{other.id}").status_code == 404
    assert client.get("/app/coaching/no-such-id").status_code == 404
    assert client.get("/app/evaluations/eval-agent-b").status_code == 404
    assert client.get("/app/evaluations/unknown").status_code == 404
    token = csrf_of(client.get("/app/coaching").get_data(as_text=True))
    resp = client.post(f"/app/coaching/{other.id}/acknowledge", data={"csrf_token": token})
    assert resp.status_code == 404
    assert client.get("/app/team").status_code == 403  # a supervisor's page
    resp = client.post("/app/team/sessions", data={"csrf_token": token, "name": "x"})
    assert resp.status_code == 403


def test_agent_reads_and_acknowledges(app, client):
    add_assignment(app, "agent-a")
    dev_signin(client, "agent-a", "agent")
    client.get("/app/coaching")
    sess = _sessions(app, agent_id="agent-a")[0]
    html = client.get(f"/app/coaching/{sess.id}").get_data(as_text=True)
    assert "Acknowledge" in html and 'action="/app/coaching/' in html
    assert "/plan" not in html  # read-only: no edit forms for the agent
    assert "61.5" in html and "/app/evaluations/eval-agent-a" in html
    resp = post_form(client, f"/app/coaching/{sess.id}", f"/app/coaching/{sess.id}/acknowledge", {})
    assert resp.status_code == 303
    after = _sessions(app, agent_id="agent-a")[0]
    assert after.acknowledged_at is not None and after.status == "in_progress"


def test_list_filters_and_sorts(app, client):
    dev_signin(client, "sup-1", "supervisor", team=["agent-a"])
    for name, follow in (("Bravo", 3), ("Alpha", 9), ("Charlie", -2)):
        post_form(
            client,
            "/app/team",
            "/app/team/sessions",
            {
                "agents": ["agent-a"],
                "name": name,
                "areas": "Empathy, Compliance, Etiquette, Product Knowledge",
                "follow_up_on": (date.today() + timedelta(days=follow)).isoformat(),
            },
        )
    dev_signin(client, "agent-a", "agent")
    html = client.get("/app/coaching?sort=name").get_data(as_text=True)
    assert html.index("Alpha") < html.index("Bravo") < html.index("Charlie")
    assert "+2" in html and "overdue" in html
    html = client.get("/app/coaching?sort=follow_up&order=desc").get_data(as_text=True)
    assert html.index("Alpha") < html.index("Bravo") < html.index("Charlie")
    html = client.get("/app/coaching?status=completed").get_data(as_text=True)
    assert "Alpha" not in html
    assert client.get("/app/coaching?sort=secret").status_code == 400


def test_supervisor_creates_group_sessions_one_each(app, client):
    dev_signin(client, "sup-1", "supervisor", team=["agent-a", "agent-b"])
    resp = post_form(
        client,
        "/app/team",
        "/app/team/sessions",
        {"agents": ["agent-a", "agent-b"], "name": "Tone", "feedback": "Good start"},
    )
    assert resp.status_code == 303
    rows = _sessions(app, name="Tone")
    assert sorted(r.agent_id for r in rows) == ["agent-a", "agent-b"]
    assert rows[0].group_id and rows[0].group_id == rows[1].group_id
    resp = post_form(
        client, "/app/team", "/app/team/sessions", {"agents": ["stranger"], "name": "Nope"}
    )
    assert resp.status_code == 403
    resp = post_form(client, "/app/team", "/app/team/sessions", {"name": "No agents"})
    assert resp.status_code == 400
    html = client.get("/app/team").get_data(as_text=True)
    assert "Agent-A" in html or "agent-a" in html.lower()


def test_coach_writes_feedback_marks_interactions_and_examples(app, client):
    dev_signin(client, "sup-1", "supervisor", team=["agent-a"])
    post_form(client, "/app/team", "/app/team/sessions", {"agents": ["agent-a"], "name": "Calls"})
    sess = _sessions(app, name="Calls")[0]
    page = f"/app/coaching/{sess.id}"
    post_form(
        client,
        page,
        f"{page}/plan",
        {"feedback": "Warm", "action_plan": "Recap", "status": "in_progress"},
    )
    post_form(
        client,
        page,
        f"{page}/interactions",
        {
            "evaluation_id": "e-9",
            "area": "Empathy",
            "queue_name": "Billing",
            "audit_score": "72.5",
            "sentiment_score": "-12",
        },
    )
    post_form(
        client, page, f"{page}/examples", {"question": "Greeting", "quote": "Thanks for calling"}
    )
    resp = post_form(client, page, f"{page}/interactions", {"audit_score": "150"})
    assert resp.status_code == 400
    dev_signin(client, "agent-a", "agent")
    html = client.get(page).get_data(as_text=True)
    for text in ("Warm", "Recap", "In progress", "Billing", "72.5", "-12.0", "Thanks for calling"):
        assert text in html, text
    resp = post_form(client, page, f"{page}/plan", {"feedback": "mine now"})
    assert resp.status_code == 403  # the agent cannot change coaching content


def _genesys_signin(client, fake, user_id: str):
    """Sign in through the fake Genesys: start, the fake's authorize page, the callback."""
    import requests

    start = client.get(f"/app/auth/start?login_hint={user_id}")
    assert start.status_code == 302
    assert start.headers["Location"].startswith(fake.url + "/oauth/authorize?")
    assert "code_challenge_method=S256" in start.headers["Location"]
    authorize = requests.get(start.headers["Location"], allow_redirects=False, timeout=5)
    assert authorize.status_code == 302
    back = authorize.headers["Location"]
    return client.get(back[back.index("/app/auth/callback") :])


def test_genesys_signin_maps_roles_and_caches_the_team(app, settings, fake):
    sup = fake.org.supervisors[0]
    client = app.test_client()
    resp = _genesys_signin(client, fake, sup)
    assert resp.status_code == 303
    html = client.get("/app/team").get_data(as_text=True)
    reports = [u for u in fake.org.users.values() if (u.get("manager") or {}).get("id") == sup]
    active = [u for u in reports if u["state"] != "deleted"]
    assert active and all(u["name"] in html for u in active)
    # a new direct report shows once the cache is stale (QM_WEB_TEAM_CACHE_SECONDS), not before;
    # Riley leads division B's team: moved into the supervisor's division A for this test
    riley = fake.org.users[fake.org.supervisors[1]]
    newcomer = {**riley, "division": fake.org.users[sup]["division"]}
    fake.org.users[newcomer["id"]] = {**newcomer, "manager": {"id": sup}}
    assert newcomer["name"] not in client.get("/app/team").get_data(as_text=True)
    stale = app.test_client()
    app.config["QM_SETTINGS"].web_team_cache_seconds = 0
    _genesys_signin(stale, fake, sup)
    fake.org.users[newcomer["id"]] = newcomer
    assert newcomer["name"] not in stale.get("/app/team").get_data(as_text=True)
    fake.org.users[newcomer["id"]] = {**riley, "manager": {"id": sup}}  # in division B: hidden
    assert newcomer["name"] not in stale.get("/app/team").get_data(as_text=True)
    fake.org.users[newcomer["id"]] = {**newcomer, "manager": {"id": sup}}
    assert newcomer["name"] in stale.get("/app/team").get_data(as_text=True)


def test_genesys_signin_refuses_a_forged_callback_and_a_person_without_role(app, fake):
    client = app.test_client()
    client.get(f"/app/auth/start?login_hint={fake.org.agents[0]}")
    resp = client.get("/app/auth/callback?code=forged&state=forged")
    assert resp.status_code == 401
    assert client.get("/app/coaching").status_code == 303  # not signed in
    agent = fake.org.agents[0]
    fake.org.users[agent] = {**fake.org.users[agent], "title": "Contractor"}  # no permissions
    resp = _genesys_signin(client, fake, agent)
    assert resp.status_code == 403 and "no role" in resp.get_data(as_text=True)


def test_fake_checks_pkce(fake):
    import requests

    params = {
        "response_type": "code",
        "client_id": fake.client_id,
        "redirect_uri": "http://127.0.0.1/cb",
        "state": "s",
        "code_challenge": "x" * 43,
        "code_challenge_method": "S256",
        "login_hint": fake.org.agents[0],
    }
    resp = requests.get(fake.url + "/oauth/authorize", params=params, allow_redirects=False)
    code = resp.headers["Location"].split("code=")[1].split("&")[0]
    token = requests.post(
        fake.url + "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://127.0.0.1/cb",
            "code_verifier": "wrong-verifier",
        },
        auth=(fake.client_id, fake.client_secret),
        timeout=5,
    )
    assert token.status_code == 400 and token.json()["error"] == "invalid_grant"
    page = requests.get(
        fake.url + "/oauth/authorize", params={**params, "login_hint": ""}, timeout=5
    )
    assert all(fake.org.users[a]["name"] in page.text for a in fake.org.supervisors)


def test_team_overview_counts_open_and_overdue_for_a_large_team(app):
    """25 agents (PostgreSQL takes them as one array parameter): open and overdue per agent,
    the follow-up day itself not overdue, closed sessions not counted."""
    from service.workspace import service as ws

    today = date.today()
    agents = [f"agent-{i:02d}" for i in range(25)]
    with get_db(app).session_scope() as db:
        for i, agent in enumerate(agents):
            for days, status in ((-1, "assigned"), (0, "in_progress"), (-3, "completed")):
                db.add(
                    CoachingSession(
                        name=f"s{i}{days}",
                        agent_id=agent,
                        assigned_on=today,
                        follow_up_on=today + timedelta(days=days),
                        status=status,
                    )
                )
        add_assignment(app, "agent-00", section_key="k-auto")
    with get_db(app).session_scope() as db:
        rows = ws.team_overview(db, [*agents, "nobody"], today)
    assert rows["agent-00"].open_sessions == 3  # two open sessions + the automated assignment
    assert rows["agent-00"].overdue == 1
    assert all(rows[a].open_sessions == 2 and rows[a].overdue == 1 for a in agents[1:])
    assert rows["nobody"].open_sessions == 0 and rows["nobody"].overdue == 0


def test_team_overview_open_without_follow_up_is_not_overdue(app):
    """An open session with no follow-up date counts as open, never overdue; each open status
    counts (the partial index's statuses), closed ones do not."""
    from service.workspace import rules as ws_rules
    from service.workspace import service as ws

    today = date.today()
    statuses = sorted(ws_rules.STATUS_LABELS)
    with get_db(app).session_scope() as db:
        for status in statuses:
            db.add(
                CoachingSession(name=status, agent_id="agent-n", assigned_on=today, status=status)
            )
        db.add(
            CoachingSession(
                name="late",
                agent_id="agent-n",
                assigned_on=today,
                follow_up_on=today - timedelta(days=1),
                status="assigned",
            )
        )
    with get_db(app).session_scope() as db:
        row = ws.team_overview(db, ["agent-n"], today)["agent-n"]
    assert row.open_sessions == len(ws_rules.OPEN) + 1
    assert row.overdue == 1


def test_open_sessions_index_matches_the_open_statuses():
    """The migration's index predicate is the models' (and so the query's) open statuses."""
    import importlib

    from service.workspace.models import OPEN_SQL

    migration = importlib.import_module(
        "service.migrations.versions.workspace_0002_open_sessions_index"
    )
    assert migration.OPEN == OPEN_SQL
