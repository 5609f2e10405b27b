"""Divisions from Genesys: sign-in learns them from the grants, the directory from the users."""

from __future__ import annotations

from service.db import get_db
from service.directory import service as directory
from service.directory.models import DirectoryEntry
from service.fakes.genesys_sample import DIVISION, DIVISION_B
from service.fakes.genesys_signin import grant_in
from service.genesys.client import GenesysClient
from tests.webapp.test_web_pages import _genesys_signin


def _divisions_of(client) -> object:
    with client.session_transaction() as s:
        return dict(s).get("divisions")


def test_genesys_signin_scopes_people_to_their_granted_divisions(app, fake):
    sup_a, sup_b = fake.org.supervisors
    qa = fake.org.evaluators[0]
    expected = {sup_a: [DIVISION["id"]], sup_b: [DIVISION_B["id"]], qa: [DIVISION["id"]]}
    for user_id, divisions in expected.items():
        client = app.test_client()
        assert _genesys_signin(client, fake, user_id).status_code == 303
        assert _divisions_of(client) == divisions
    team_b = [
        fake.org.users[a]["name"]
        for a in fake.org.agents[1::2]
        if fake.org.users[a]["state"] != "deleted"
    ]
    client = app.test_client()
    _genesys_signin(client, fake, sup_b)
    html = client.get("/app/team").get_data(as_text=True)
    assert team_b and all(name in html for name in team_b)


def test_a_grant_on_all_divisions_is_unscoped(app, fake):
    grant_in(fake.app, fake.org.supervisors[0], ["*"])
    client = app.test_client()
    _genesys_signin(client, fake, fake.org.supervisors[0])
    assert _divisions_of(client) == "*"


def test_directory_sync_copies_every_user_and_division(app, settings, fake):
    api = GenesysClient(settings)
    try:
        with get_db(app).session_scope() as db:
            assert directory.sync_users(db, api, page_size=5) == len(fake.org.users)
        with get_db(app).session_scope() as db:
            rows = {r.id: r.division_id for r in db.query(DirectoryEntry)}
    finally:
        api.close()
    assert rows == {u["id"]: u["division"]["id"] for u in fake.org.users.values()}
    assert set(rows.values()) == {DIVISION["id"], DIVISION_B["id"]}
