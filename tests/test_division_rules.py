"""The division rule's boundaries: token claims, Genesys grants, the directory, sign-in and sync."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from joserfc import jwt

from service import cli
from service.auth import divisions, service
from service.auth.rules import Principal, claims_valid, parse_divisions
from service.db import get_db
from service.directory import service as directory
from service.directory.models import DirectoryEntry
from service.webapp.rules import divisions_for

# --- the claim ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        (None, None),  # tokens issued before divisions existed: every division
        ("*", None),
        (["*"], None),
        (["a", "*"], None),
        (["a"], frozenset({"a"})),
        (["a", " b "], frozenset({"a", "b"})),
        ([], frozenset()),  # no division: sees no one's objects
    ],
)
def test_parse_divisions(value, expected):
    assert parse_divisions(value) == expected


@pytest.mark.parametrize("value", ["a", ["a", ""], ["a", 3], [" "], {"a": 1}, 7])
def test_a_malformed_division_claim_is_refused(value):
    with pytest.raises(ValueError):
        parse_divisions(value)
    claims = {
        "iss": "qmloop",
        "sub": "s",
        "role": "supervisor",
        "uid": "u",
        "exp": 10,
        "div": value,
    }
    assert not claims_valid(claims, 0)


@pytest.mark.parametrize(
    "role,divs,scoped",
    [
        ("supervisor", frozenset({"a"}), True),
        ("evaluator", frozenset({"a"}), True),
        ("admin", frozenset({"a"}), True),
        ("admin", frozenset(), True),
        ("agent", frozenset({"a"}), False),  # agents only ever see their own rows
        ("integration", frozenset({"a"}), False),
        ("supervisor", None, False),
    ],
)
def test_who_is_division_scoped(role, divs, scoped):
    assert Principal("s", role, "u", divs).division_scoped is scoped


@pytest.mark.sqlite_only
def test_token_round_trip_and_forged_claims(settings):
    token = service.issue_token(settings, "s", "supervisor", "u", frozenset({"b", "a"}))
    assert service.verify_token(settings, token).divisions == frozenset({"a", "b"})
    assert (
        service.verify_token(settings, service.issue_token(settings, "s", "admin", "u")).divisions
        is None
    )
    with pytest.raises(ValueError):
        service.issue_token(settings, "s", "supervisor", "u", frozenset())
    forged = jwt.encode(
        {"alg": "HS256"},
        {"iss": "qmloop", "sub": "s", "role": "admin", "uid": "u", "exp": 2**40, "div": "a"},
        service._signing_key(settings),
    )
    with pytest.raises(Exception, match="invalid"):
        service.verify_token(settings, forged)


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "args,expected",
    [
        ([], None),
        (["--division", "a"], frozenset({"a"})),
        (["--division", "a", "--division", "b"], frozenset({"a", "b"})),
        (["--division", "a", "--division", "*"], None),
    ],
)
def test_cli_token_issue_divisions(settings, monkeypatch, args, expected):
    monkeypatch.setattr(cli, "load_settings", lambda **kw: settings)
    result = CliRunner().invoke(
        cli.main, ["token", "issue", "--role", "supervisor", "--user-id", "u1", *args]
    )
    assert result.exit_code == 0, result.output
    assert service.verify_token(settings, result.output.strip()).divisions == expected


@pytest.mark.sqlite_only
def test_cli_token_issue_refuses_an_empty_division(settings, monkeypatch):
    monkeypatch.setattr(cli, "load_settings", lambda **kw: settings)
    args = ["token", "issue", "--role", "supervisor", "--user-id", "u1", "--division", " "]
    assert CliRunner().invoke(cli.main, args).exit_code == 2


# --- grants -> divisions (Genesys AuthzGrant) --------------------------------------------------


def grant(division: str, *permissions: str, full: bool = True) -> dict:
    role: dict = {"id": "r", "name": "r"}
    if full:
        role["policies"] = [
            {"domain": d, "entityName": e, "actions": [a]}
            for d, e, a in (p.split(":") for p in permissions)
        ]
    return {"division": {"id": division}, "role": role}


LEAD = ("coaching:appointment:add",)
EMPLOYEE = ("coaching:appointment:view",)


@pytest.mark.parametrize(
    "grants,role,expected",
    [
        ([grant("A", *LEAD)], "supervisor", {"A"}),
        ([grant("A", *LEAD), grant("HOME", *EMPLOYEE)], "supervisor", {"A"}),
        ([grant("A", *LEAD), grant("B", *LEAD)], "supervisor", {"A", "B"}),
        ([grant("A", *LEAD), grant("*", *LEAD)], "supervisor", None),  # all divisions
        ([grant("*", *EMPLOYEE), grant("A", *LEAD)], "supervisor", {"A"}),
        ([grant("A", "coaching:*:*")], "supervisor", {"A"}),  # wildcard permission
        ([grant("HOME", *EMPLOYEE)], "supervisor", set()),  # nowhere a supervisor
        ([grant("HOME", *EMPLOYEE)], "agent", {"HOME"}),
        ([grant("A", full=False)], "supervisor", {"A"}),  # a role we cannot inspect counts
        ([], "admin", set()),
        ([{"role": {"policies": []}}], "admin", set()),  # no division: ignored
    ],
)
def test_divisions_for_grants(grants, role, expected):
    found = divisions_for(grants, role)
    assert found == (None if expected is None else frozenset(expected))


def test_divisions_for_follows_the_role_map():
    grants = [grant("A", "quality:calibration:view")]
    assert divisions_for(grants, "evaluator") == frozenset()
    assert divisions_for(grants, "evaluator", {"evaluator": ["quality:calibration:view"]}) == {"A"}


# --- the directory and the rule -----------------------------------------------------------------


def test_rule_against_the_directory(app):
    with get_db(app).session_scope() as db:
        directory.put(db, "user", "u-a", "A")
        directory.put(db, "user", "u-b", "B")
        directory.put(db, "queue", "u-c", "A")  # a queue id is not a user
        scoped = Principal("s", "supervisor", "me", frozenset({"A"}))
        both = Principal("s", "supervisor", "me", frozenset({"A", "B"}))
        every = Principal("s", "supervisor", "me", None)
        ids = ["u-a", "u-b", "u-c", "nobody"]
        assert divisions.visible_agents(db, scoped, ids) == {"u-a"}
        assert divisions.visible_agents(db, both, ids) == {"u-a", "u-b"}
        assert divisions.visible_agents(db, every, ids) == set(ids)
        assert [divisions.agent_visible(db, scoped, i) for i in ids] == [True, False, False, False]
        assert divisions.agent_visible(db, scoped, None) is False
        from sqlalchemy import select

        query = select(DirectoryEntry.id).where(
            DirectoryEntry.kind == "user", divisions.agent_clause(scoped, DirectoryEntry.id)
        )
        assert list(db.scalars(query)) == ["u-a"]
        directory.put(db, "user", "u-b", "A")  # moved in Genesys, synced here
        assert divisions.visible_agents(db, scoped, ids) == {"u-a", "u-b"}
