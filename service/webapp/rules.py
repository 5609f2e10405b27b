"""Pure rules of the web app: roles from permissions, security headers, loopback, tags.

No Flask, no database: everything here is tested with plain values.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

# Highest first: a person holding permissions of several roles gets the highest one.
ROLE_ORDER = ("admin", "supervisor", "evaluator", "agent")

# Genesys Cloud permission strings (``domain:entity:action``) that make each role. A held
# permission matches a required one segment by segment, ``*`` matching anything (Genesys grants
# wildcards such as ``quality:*:*``). Override with ``QM_WEB_ROLE_MAP`` (docs/webapp.md).
DEFAULT_ROLE_MAP: Mapping[str, tuple[str, ...]] = {
    "admin": ("authorization:role:edit", "quality:evaluationForm:edit"),
    "supervisor": ("coaching:appointment:add", "directory:user:viewDirectReports"),
    "evaluator": ("quality:evaluation:add", "quality:calibration:add"),
    "agent": ("quality:evaluation:view", "coaching:appointment:view"),
}


def permission_matches(held: str, required: str) -> bool:
    """True when a held permission grants the required one (``*`` matches any segment).

    ``quality:*:*`` grants ``quality:evaluation:add``; ``quality:evaluation:view`` does not grant
    ``quality:evaluation:add``. Genesys permissions have three segments; a held permission with
    fewer segments only matches when its last one is ``*`` (it covers the rest).
    """
    have, want = held.strip().split(":"), required.strip().split(":")
    for i, part in enumerate(want):
        if i >= len(have):
            return have[-1] == "*"
        if have[i] not in ("*", part):
            return False
    return len(have) == len(want)


def role_for(
    permissions: Iterable[str], role_map: Mapping[str, Sequence[str]] | None = None
) -> str | None:
    """The highest role whose any required permission the person holds, or None.

    ``role_map`` maps a role (admin, supervisor, evaluator, agent) to permissions (for OIDC:
    role or group names, compared exactly); roles missing from it keep the defaults.
    """
    merged = {**DEFAULT_ROLE_MAP, **(role_map or {})}
    held = [p for p in permissions if isinstance(p, str) and p.strip()]
    for role in ROLE_ORDER:
        for required in merged.get(role, ()):
            if any(permission_matches(h, required) for h in held):
                return role
    return None


def grant_permissions(grant: Mapping[str, Any]) -> list[str]:
    """The ``domain:entity:action`` permissions of one Genesys ``AuthzGrant``'s role policies
    (present with ``includeFullRoles=true``)."""
    policies = (grant.get("role") or {}).get("policies") or []
    return [
        f"{p.get('domain')}:{p.get('entityName')}:{action}"
        for p in policies
        if isinstance(p, Mapping)
        for action in p.get("actions") or []
    ]


def divisions_for(
    grants: Iterable[Mapping[str, Any]],
    role: str,
    role_map: Mapping[str, Sequence[str]] | None = None,
) -> frozenset[str] | None:
    """The divisions a person sees in ``role``: those of the grants (``AuthzGrant``: a role in a
    division) whose role holds a permission that makes ``role`` (``DEFAULT_ROLE_MAP`` merged
    with ``role_map``). None (every division) when such a grant is on division ``*``, Genesys's
    "all divisions". A grant without policies counts for its division (a role we cannot
    inspect). Example: a Team Lead grant in division A plus the Employee role in Home gives a
    supervisor {A}: Employee's permissions do not make a supervisor.
    """
    wanted = {**DEFAULT_ROLE_MAP, **(role_map or {})}.get(role, ())
    found: set[str] = set()
    for grant in grants:
        division = str((grant.get("division") or {}).get("id") or "")
        held = grant_permissions(grant)
        if not division or (
            held and not any(permission_matches(h, w) for h in held for w in wanted)
        ):
            continue
        if division == "*":
            return None
        found.add(division)
    return frozenset(found)


def apps_host(api_base_url: str) -> str:
    """The Genesys apps origin that embeds client apps, from the API base URL.

    ``https://api.mypurecloud.ie`` -> ``https://apps.mypurecloud.ie``; "" when the host is not a
    Genesys ``api.`` host (a local fake), so only ``'self'`` may frame the app.
    """
    if not api_base_url:
        return ""
    parts = urlsplit(api_base_url if "://" in api_base_url else "https://" + api_base_url)
    host = parts.hostname or ""
    if not host.startswith("api."):
        return ""
    return "https://apps." + host[len("api.") :]


def content_security_policy(frame_origin: str) -> str:
    """A strict CSP: our own scripts and styles only, no inline script, framed only by Genesys."""
    ancestors = f"'self' {frame_origin}" if frame_origin else "'self'"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "form-action 'self' https:" if frame_origin else "form-action 'self' http: https:",
            "base-uri 'none'",
            "object-src 'none'",
            f"frame-ancestors {ancestors}",
        ]
    )


def security_headers(frame_origin: str, secure: bool) -> dict[str, str]:
    """The headers every ``/app/`` page carries (HSTS only over HTTPS)."""
    headers = {
        "Content-Security-Policy": content_security_policy(frame_origin),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cache-Control": "no-store",
    }
    if secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


def is_loopback(address: str) -> bool:
    """True for 127.0.0.0/8 and ::1 (and their IPv4-mapped form); False for anything else."""
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return address.strip().lower() == "localhost"
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool((mapped or ip).is_loopback)


def host_is_loopback(host_header: str) -> bool:
    """True when the Host header names a loopback address (port ignored)."""
    host = host_header.strip()
    if host.startswith("["):
        host = host[1 : host.find("]")] if "]" in host else host
    else:
        host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return is_loopback(host)


def tags_with_overflow(areas: Sequence[str], shown: int = 2) -> tuple[list[str], int]:
    """The first ``shown`` coaching areas as tags and the ``+N`` count of the rest (seed 004)."""
    clean = [a for a in areas if a]
    return clean[:shown], max(0, len(clean) - shown)


def display_name(name: str) -> str:
    """A person's name for a page; never an id (seed 004: names, not ids)."""
    return name.strip() or "Unknown person"


def age_text(seconds: float) -> str:
    """A duration for a table cell: ``45 s``, ``12 min``, ``5 h``, ``3 d`` (rounded down;
    negative durations, from clock skew, read as ``0 s``)."""
    s = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if s >= size:
            return f"{s // size} {unit}"
    return f"{s} s"
