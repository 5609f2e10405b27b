"""The policy store shared by coaching and sentiment policies, and the history of changes.

Every way a policy changes (``PUT``/``DELETE`` on the REST API, ``qmloop policies load``,
``qmloop sentiment policies load``, the web console) goes through ``put``/``delete`` here, which
write a ``policy_revisions`` row in the same transaction. An unchanged document is no change:
no new version, no revision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.db import utcnow
from service.errors import NotFound
from service.policies import rules
from service.policies.models import PolicyRevision

DEFAULT_KEY = "*"
HISTORY_LIMIT = 200


def _nothing(_session: Session) -> None:
    return None


@dataclass(frozen=True)
class PolicyKind:
    """One kind of stored policy: its table, the key column, the schemas and the wording.

    ``model`` rows have ``<key>``, ``name``, ``document``, ``version`` and ``updated_by``;
    ``on_change`` runs before any write (coaching forgets its resolved-policy cache).
    """

    name: str  # the revision's kind: "coaching", "sentiment"
    model: Any
    key: str  # "form_id", "queue_id"
    doc_schema: type[BaseModel]
    file_schema: type[BaseModel]
    what: str  # the YAML file in messages: "policies file"
    not_found: str  # "No coaching policy for form {key}."
    on_change: Callable[[Session], None] = _nothing


def key_of(kind: PolicyKind, row_or_doc: Any) -> str:
    """The form or queue id of a stored row or a validated document."""
    return str(getattr(row_or_doc, kind.key))


def _find(session: Session, kind: PolicyKind, key: str) -> Any:
    return session.scalar(select(kind.model).where(getattr(kind.model, kind.key) == key))


def get(session: Session, kind: PolicyKind, *, key: str) -> Any:
    """One stored policy; raises ``NotFound`` (``policy_not_found``)."""
    row = _find(session, kind, key)
    if row is None:
        raise NotFound(kind.not_found.format(key=key), code="policy_not_found")
    return row


def find(session: Session, kind: PolicyKind, *, key: str) -> Any:
    """One stored policy, or None."""
    return _find(session, kind, key)


def list_rows(session: Session, kind: PolicyKind) -> list[Any]:
    """Every stored policy of a kind, the default (``*``) first, then by key."""
    rows = list(session.scalars(select(kind.model).order_by(getattr(kind.model, kind.key))))
    return sorted(rows, key=lambda r: (key_of(kind, r) != DEFAULT_KEY, key_of(kind, r)))


def record(
    session: Session,
    kind: PolicyKind,
    *,
    key: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    actor: str,
) -> PolicyRevision:
    """Write one revision (before None: created; after None: deleted)."""
    revision = PolicyRevision(
        kind=kind.name, key=key, before=before, after=after, actor=actor[:200], at=utcnow()
    )
    session.add(revision)
    return revision


def _insert(session: Session, kind: PolicyKind, doc: Any, document: dict[str, Any], by: str) -> Any:
    """Insert a new row; None when another transaction inserted the same key first."""
    row = kind.model(
        name=doc.name, document=document, updated_by=by, **{kind.key: key_of(kind, doc)}
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        if _find(session, kind, key_of(kind, doc)) is None:
            raise  # not the unique key: a real error
        return None
    return row


# The size of the policy tables' ``updated_by`` column (a caller's subject can be longer).
UPDATED_BY_LENGTH = 128


def put(session: Session, kind: PolicyKind, *, doc: BaseModel, updated_by: str = "") -> Any:
    """Create or replace the policy of the document's key; a change is written to the history."""
    kind.on_change(session)
    key = key_of(kind, doc)
    document = doc.model_dump(mode="json", exclude_none=True)
    by = updated_by[:UPDATED_BY_LENGTH]  # the row's column; the revision keeps up to 200
    row = _find(session, kind, key)
    if row is None:
        row = _insert(session, kind, doc, document, by)
        if row is not None:
            record(session, kind, key=key, before=None, after=document, actor=updated_by)
            session.flush()
            return row
        row = get(session, kind, key=key)
    before = row.document
    if before != document:
        row.document, row.name, row.updated_by = document, getattr(doc, "name", ""), by
        row.version += 1
        record(session, kind, key=key, before=before, after=document, actor=updated_by)
    session.flush()
    return row


def delete(session: Session, kind: PolicyKind, *, key: str, actor: str = "") -> None:
    """Remove a stored policy (written to the history); raises ``NotFound``."""
    kind.on_change(session)
    row = get(session, kind, key=key)
    record(session, kind, key=key, before=row.document, after=None, actor=actor)
    session.delete(row)
    session.flush()


def parse_file(kind: PolicyKind, text: str) -> Any:
    """Validate a policies YAML document; raises ``InvalidInput`` with every problem."""
    return rules.parse_yaml(
        text, kind.file_schema, list_key="policies", what=kind.what, code="invalid_policies"
    )


def load_file(
    session: Session, kind: PolicyKind, *, text: str, replace: bool = False, updated_by: str = "cli"
) -> list[Any]:
    """Store every policy of a YAML document; with ``replace``, delete the ones not in it."""
    parsed = parse_file(kind, text)
    docs = list(parsed.policies)
    rows = [put(session, kind, doc=doc, updated_by=updated_by) for doc in docs]
    if replace:
        keep = {key_of(kind, doc) for doc in docs}
        for row in list_rows(session, kind):
            if key_of(kind, row) not in keep:
                delete(session, kind, key=key_of(kind, row), actor=updated_by)
    return rows


def export_yaml(session: Session, kind: PolicyKind) -> str:
    """Every stored policy of a kind as the YAML document ``load_file`` reads back."""
    return rules.dump_yaml("policies", [row.document for row in list_rows(session, kind)])


def revisions(
    session: Session, *, kind: str | None = None, key: str | None = None, limit: int = HISTORY_LIMIT
) -> list[PolicyRevision]:
    """The history of changes, newest first (optionally of one kind, one key)."""
    query = select(PolicyRevision).order_by(PolicyRevision.at.desc(), PolicyRevision.id)
    if kind:
        query = query.where(PolicyRevision.kind == kind)
    if key is not None:
        query = query.where(PolicyRevision.key == key)
    return list(session.scalars(query.limit(limit)))
