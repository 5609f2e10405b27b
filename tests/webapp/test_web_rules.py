"""Pure rules of the web app and the workspace: boundary tables."""

from __future__ import annotations

from datetime import date

import pytest

from service.webapp import rules
from service.workspace import rules as ws


@pytest.mark.parametrize(
    ("held", "required", "ok"),
    [
        ("quality:evaluation:add", "quality:evaluation:add", True),
        ("quality:evaluation:view", "quality:evaluation:add", False),
        ("quality:*:*", "quality:evaluation:add", True),
        ("quality:evaluation:*", "quality:evaluation:add", True),
        ("quality:*", "quality:evaluation:add", True),
        ("quality", "quality:evaluation:add", False),
        ("coaching:*:*", "quality:evaluation:add", False),
        ("quality:evaluation:add:extra", "quality:evaluation:add", False),
        ("*", "anything:at:all", True),
    ],
)
def test_permission_matching_with_wildcards(held, required, ok):
    assert rules.permission_matches(held, required) is ok


@pytest.mark.parametrize(
    ("permissions", "role"),
    [
        ([], None),
        (["directory:user:view"], None),
        (["quality:evaluation:view"], "agent"),
        (["quality:evaluation:view", "quality:evaluation:add"], "evaluator"),
        (["quality:evaluation:add", "coaching:appointment:add"], "supervisor"),
        (["coaching:appointment:add", "authorization:role:edit"], "admin"),
        (["*:*:*"], "admin"),
        (["", None, 7], None),
    ],
)
def test_highest_role_wins(permissions, role):
    assert rules.role_for(permissions) == role


def test_role_map_overrides_one_role_and_keeps_the_others():
    mapping = {"supervisor": ["custom:team:lead"]}
    assert rules.role_for(["custom:team:lead"], mapping) == "supervisor"
    assert rules.role_for(["coaching:appointment:add"], mapping) is None  # default replaced
    assert rules.role_for(["quality:evaluation:view"], mapping) == "agent"


@pytest.mark.parametrize(
    ("api", "apps"),
    [
        ("https://api.mypurecloud.ie", "https://apps.mypurecloud.ie"),
        ("api.usw2.pure.cloud", "https://apps.usw2.pure.cloud"),
        ("http://127.0.0.1:8765", ""),
        ("", ""),
    ],
)
def test_apps_host_of_the_region(api, apps):
    assert rules.apps_host(api) == apps


def test_csp_has_no_inline_script_and_only_genesys_frames_us():
    csp = rules.content_security_policy("https://apps.mypurecloud.ie")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'self' https://apps.mypurecloud.ie" in csp
    assert "frame-ancestors 'self'" in rules.content_security_policy("")
    assert "Strict-Transport-Security" in rules.security_headers("", secure=True)
    assert "Strict-Transport-Security" not in rules.security_headers("", secure=False)


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("10.0.0.1", False),
        ("128.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("", False),
        ("example.com", False),
    ],
)
def test_loopback(address, ok):
    assert rules.is_loopback(address) is ok


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("127.0.0.1:8000", True),
        ("localhost", True),
        ("[::1]:8000", True),
        ("qm.example.com", False),
    ],
)
def test_host_header_loopback(host, ok):
    assert rules.host_is_loopback(host) is ok


@pytest.mark.parametrize(
    ("areas", "shown", "more"),
    [
        ([], [], 0),
        (["Empathy"], ["Empathy"], 0),
        (["Empathy", "Compliance"], ["Empathy", "Compliance"], 0),
        (["Empathy", "Compliance", "Etiquette"], ["Empathy", "Compliance"], 1),
        (["a", "b", "c", "d", "e"], ["a", "b"], 3),
    ],
)
def test_tags_overflow(areas, shown, more):
    assert rules.tags_with_overflow(areas) == (shown, more)


TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("follow_up", "status", "overdue"),
    [
        (date(2026, 11, 29), "assigned", True),
        (date(2026, 11, 30), "assigned", False),
        (date(2026, 12, 1), "assigned", False),
        (date(2026, 11, 29), "completed", False),
        (date(2026, 11, 29), "cancelled", False),
        (date(2026, 11, 29), "pending_agent_review", True),
        (None, "assigned", False),
    ],
)
def test_overdue_follow_up(follow_up, status, overdue):
    assert ws.is_overdue(follow_up, status, TODAY) is overdue


@pytest.mark.parametrize(
    ("assignment", "started", "status"),
    [
        ("open", False, "assigned"),
        ("open", True, "in_progress"),
        ("completed", True, "completed"),
        ("cancelled", False, "cancelled"),
    ],
)
def test_status_of_an_automated_assignment(assignment, started, status):
    assert ws.status_from_assignment(assignment, started) == status


@pytest.mark.parametrize(
    ("current", "review", "status"),
    [
        ("assigned", "pending_agent_review", "pending_agent_review"),
        ("in_progress", "pending_supervisor_review", "pending_supervisor_review"),
        ("pending_supervisor_review", None, "in_progress"),
        ("assigned", None, "assigned"),
        ("completed", "pending_agent_review", "completed"),
    ],
)
def test_review_state_shows_on_open_sessions(current, review, status):
    assert ws.review_status(current, review) == status


def test_acknowledge_moves_only_assigned():
    assert ws.after_acknowledge("assigned") == "in_progress"
    assert ws.after_acknowledge("completed") == "completed"


def test_areas_from_a_comma_list():
    assert ws.parse_areas(" Empathy, compliance ,,empathy, Product  Knowledge") == [
        "Empathy",
        "compliance",
        "Product Knowledge",
    ]


@pytest.mark.parametrize(
    ("claim", "role_map", "role"),
    [
        (["agent"], {}, "agent"),
        (["agent", "supervisor"], {}, "supervisor"),
        ("admin", {}, "admin"),
        (["QM-Leads"], {"supervisor": ["QM-Leads"]}, "supervisor"),
        (["Everyone"], {}, None),
        ([], {}, None),
    ],
)
def test_oidc_roles_claim(claim, role_map, role):
    from service.errors import Forbidden
    from service.settings import Settings
    from service.webapp import signin

    settings = Settings(database_url="sqlite://", web_role_map=role_map)
    token = {"userinfo": {"sub": "u-1", "name": "Ada", "roles": claim}}
    if role is None:
        with pytest.raises(Forbidden):
            signin._oidc_person(settings, token)
        return
    person = signin._oidc_person(settings, token)
    assert (person.user_id, person.name, person.role) == ("u-1", "Ada", role)
