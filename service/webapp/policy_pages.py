"""``/app/console/policies``: the QA manager's coaching and sentiment policies: view, edit with
the REST API's own schemas (errors next to each field, nothing saved on error), the diff of a
candidate against the current policy, replay of the candidate, and the history of changes.

Every save goes through ``service.policies.service.put``, which writes the history row (the
same function behind the REST API and the CLI)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from flask import Response, redirect, request
from pydantic import BaseModel

from service.auth.views import current_principal
from service.coaching.policies import COACHING
from service.db import get_session
from service.errors import BadRequest, NotFound
from service.policies import rules as policy_rules
from service.policies import service as store
from service.policies.service import PolicyKind
from service.sentiment.policies import SENTIMENT
from service.webapp import policy_form
from service.webapp.blueprint import bp, done, page
from service.webapp.policy_hints import HINTS

KINDS: dict[str, PolicyKind] = {"coaching": COACHING, "sentiment": SENTIMENT}
TITLES = {"coaching": "Coaching policy", "sentiment": "Sentiment policy"}
KEY_LABELS = {"coaching": "Evaluation form id", "sentiment": "Queue id"}
REPLAY_DAYS = 28
RECENT = 20


def _kind(kind: str) -> PolicyKind:
    if kind not in KINDS:
        raise NotFound("No such kind of policy.", code="unknown_policy_kind")
    return KINDS[kind]


def policy_url(kind: str, key: str, suffix: str = "") -> str:
    """The console path of one policy (the key quoted: ``*`` is the default policy)."""
    return f"/app/console/policies/{kind}/{quote(key, safe='*')}{suffix}"


@bp.get("/app/console/policies", endpoint="console_policies")
def policies_page() -> tuple[str, int]:
    """Every stored coaching and sentiment policy, and the latest changes to any of them."""
    db = get_session()
    stored = {name: store.list_rows(db, kind) for name, kind in KINDS.items()}
    recent = store.revisions(db, limit=RECENT)
    return page(
        "console_policies.html",
        stored=stored,
        kinds=KINDS,
        titles=TITLES,
        key_labels=KEY_LABELS,
        recent=recent,
        policy_url=policy_url,
        key_of=store.key_of,
    )


@bp.get("/app/console/policies/new", endpoint="console_policy_new")
def new_policy() -> Response:
    """Start a policy for a form or queue id (the edit page of a key with no policy yet)."""
    kind, key = request.args.get("kind", ""), request.args.get("key", "").strip()
    _kind(kind)
    if not key or len(key) > 128 or "/" in key:
        raise BadRequest("Give a form or queue id (up to 128 characters, no /).", code="bad_key")
    return redirect(policy_url(kind, key, "/edit"), 303)  # type: ignore[return-value]


@bp.get("/app/console/policies/<kind>/<key>", endpoint="console_policy")
def policy_page(kind: str, key: str) -> tuple[str, int]:
    """One policy as stored, and its history: who changed what and when, each change a diff."""
    found = _kind(kind)
    db = get_session()
    row = store.find(db, found, key=key)
    history = store.revisions(db, kind=found.name, key=key)
    if row is None and not history:
        raise NotFound("No such policy.", code="policy_not_found")
    changes = [
        (
            rev,
            policy_rules.diff_lines(
                policy_rules.document_yaml(rev.before), policy_rules.document_yaml(rev.after)
            ),
        )
        for rev in history
    ]
    return page(
        "console_policy.html",
        kind=kind,
        key=key,
        row=row,
        title=TITLES[kind],
        key_label=KEY_LABELS[kind],
        text=policy_rules.document_yaml(row.document if row else None),
        changes=changes,
        policy_url=policy_url,
    )


@bp.get("/app/console/policies/<kind>/<key>/edit", endpoint="console_policy_edit")
def edit_page(kind: str, key: str) -> tuple[str, int]:
    """The edit form, filled with the stored policy (empty for a new one)."""
    found = _kind(kind)
    row = store.find(get_session(), found, key=key)
    fields = policy_form.fields_for(found.doc_schema, found.key)
    values = policy_form.values_of(row.document if row else None, fields)
    return _edit(kind, key, row, values, {}, None)


@bp.post("/app/console/policies/<kind>/<key>/edit", endpoint="console_policy_submit")
def submit_policy(kind: str, key: str) -> Any:
    """Preview (validate and diff) or save a candidate; on any error nothing is saved and the
    form comes back with each message next to its field (422)."""
    found = _kind(kind)
    db = get_session()
    row = store.find(db, found, key=key)
    form = {k: v for k, v in request.form.items() if k not in ("csrf_token", "action", "version")}
    based_on = _based_on(row)
    doc, errors = policy_form.candidate(found.doc_schema, found.key, key, form)
    if doc is None:
        return _edit(kind, key, row, form, errors, None, status=422, version=based_on)
    current = row.version if row else 0
    if request.form.get("action") == "save" and based_on != current:
        # Someone saved since this form was opened: show the candidate against what is stored
        # now; a second Save (on the current version) overwrites it knowingly.
        return _edit(kind, key, row, form, {}, doc, status=409, conflict=True)
    if request.form.get("action") == "save":
        store.put(db, found, doc=doc, updated_by=current_principal().subject)
        return done(policy_url(kind, key, "#history"))
    return _edit(kind, key, row, form, {}, doc, version=based_on)


def _based_on(row: Any) -> int:
    """The stored version the submitted form was opened on (its hidden ``version``; a form
    without one is taken as based on the current version)."""
    raw = request.form.get("version", "").strip()
    if not raw:
        return row.version if row else 0
    if not raw.isdigit() or len(raw) > 9:
        raise BadRequest("The form's version is not a number; reload the page.", code="bad_version")
    return int(raw)


def _edit(
    kind: str,
    key: str,
    row: Any,
    values: dict[str, str],
    errors: dict[str, str],
    doc: BaseModel | None,
    status: int = 200,
    version: int | None = None,
    conflict: bool = False,
) -> tuple[str, int]:
    found = KINDS[kind]
    before = policy_rules.document_yaml(row.document if row else None)
    after = (
        policy_rules.document_yaml(doc.model_dump(mode="json", exclude_none=True)) if doc else ""
    )
    return page(
        "console_policy_edit.html",
        status=status,
        kind=kind,
        key=key,
        row=row,
        title=TITLES[kind],
        key_label=KEY_LABELS[kind],
        fields=policy_form.fields_for(found.doc_schema, found.key),
        hints=HINTS[kind],
        values=values,
        errors=errors,
        diff=policy_rules.diff_lines(before, after) if doc else None,
        replay=_replay(found, doc) if doc is not None and kind == "coaching" else None,
        policy_url=policy_url,
        version=(row.version if row else 0) if version is None else version,
        conflict=conflict,
    )


def _replay(kind: PolicyKind, doc: BaseModel) -> dict[str, str]:
    """The replay form's fields: the candidate in the ``qmloop policies export`` format (every
    stored policy, this one replaced), the current export to compare with, and a period."""
    db = get_session()
    key = store.key_of(kind, doc)
    current = [row.document for row in store.list_rows(db, kind)]
    mine = doc.model_dump(mode="json", exclude_none=True)
    others = [d for d in current if str(d.get(kind.key)) != key]
    candidate = sorted([*others, mine], key=lambda d: (d[kind.key] != "*", str(d[kind.key])))
    today = date.today()
    return {
        "from": (today - timedelta(days=REPLAY_DAYS)).isoformat(),
        "to": today.isoformat(),
        "policy_yaml": policy_rules.dump_yaml("policies", candidate),
        "compare_yaml": policy_rules.dump_yaml("policies", current),
    }
