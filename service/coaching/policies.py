"""Coaching policies: stored per evaluation form, loaded from YAML, resolved into one view.

Resolution layers, first set value wins: the form's own policy, the default policy (``*``),
then the settings (``QM_COACHING_*``). A policy change never needs a flow change.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from service.coaching import rules
from service.coaching.models import CoachingPolicy
from service.coaching.schemas import PolicyDoc, PolicyFile, SectionRule, TargetOptions
from service.policies import service as store
from service.settings import Settings

DEFAULT_FORM = "*"


@dataclass(frozen=True)
class ResolvedPolicy:
    """Everything the assignment rules need for one form, every value set."""

    form_id: str
    threshold: float
    weekly_cap: int
    max_open: int
    due_business_days: int
    holidays: tuple[date, ...]
    target: str
    default_module_id: str
    sections: dict[str, SectionRule] = field(default_factory=dict)
    target_options: TargetOptions = field(default_factory=TargetOptions)
    source: str = "settings"

    def section_rule(self, section_id: str, section_name: str) -> tuple[str, str]:
        """(module id, target) for a section: its own entry, else the policy's defaults."""
        found = rules.match_section(self.sections, section_id, section_name)
        rule = found[1] if found else SectionRule()
        return rule.module_id or self.default_module_id, rule.target or self.target


def _sections(doc: PolicyDoc | None) -> dict[str, SectionRule]:
    if doc is None:
        return {}
    return {
        key: SectionRule(module_id=value) if isinstance(value, str) else value
        for key, value in doc.sections.items()
    }


def _first(*values: Any) -> Any:
    return next(v for v in values if v is not None)


def resolve_docs(
    form_id: str, own: PolicyDoc | None, default: PolicyDoc | None, settings: Settings
) -> ResolvedPolicy:
    """Layer a form policy over the default policy over the settings."""
    layers = [d for d in (own, default) if d is not None]

    def pick(name: str, fallback: Any) -> Any:
        return _first(*(getattr(d, name) for d in layers), fallback)

    holidays = pick("holidays", [date.fromisoformat(h) for h in settings.coaching_holidays])
    return ResolvedPolicy(
        form_id=form_id,
        threshold=float(pick("threshold", settings.coaching_threshold)),
        weekly_cap=int(pick("weekly_cap", settings.coaching_weekly_cap)),
        max_open=int(pick("max_open", settings.coaching_max_open)),
        due_business_days=int(pick("due_business_days", settings.coaching_due_business_days)),
        holidays=tuple(holidays),
        target=str(pick("target", settings.coaching_default_target)),
        default_module_id=str(pick("default_module_id", settings.coaching_default_module_id)),
        # Section entries of the default policy apply unless the form overrides the same key.
        sections={**_sections(default), **_sections(own)},
        target_options=pick("target_options", TargetOptions()),
        source=own.form_id if own else (DEFAULT_FORM if default else "settings"),
    )


def _doc(row: CoachingPolicy | None) -> PolicyDoc | None:
    return PolicyDoc.model_validate(row.document) if row is not None else None


_CACHE: weakref.WeakKeyDictionary[Any, dict[str, tuple[float, ResolvedPolicy]]] = (
    weakref.WeakKeyDictionary()
)
_CACHE_LOCK = threading.Lock()


def _cache_of(session: Session) -> dict[str, tuple[float, ResolvedPolicy]]:
    """This database's resolved-policy cache (one per engine, so one per app)."""
    with _CACHE_LOCK:
        return _CACHE.setdefault(session.get_bind(), {})


def invalidate(session: Session) -> None:
    """Forget cached policies now and again when the writing transaction commits."""
    cache = _cache_of(session)
    cache.clear()
    event.listen(session, "after_commit", lambda _s: cache.clear(), once=True)


def resolve(session: Session, settings: Settings, form_id: str = "") -> ResolvedPolicy:
    """The effective policy for an evaluation form (or the default one), briefly cached."""
    ttl = settings.coaching_policy_cache_seconds
    cache = _cache_of(session)
    hit = cache.get(form_id)
    if ttl > 0 and hit is not None and time.monotonic() - hit[0] < ttl:
        return hit[1]
    policy = _resolve_uncached(session, settings, form_id)
    if ttl > 0:
        cache[form_id] = (time.monotonic(), policy)
    return policy


def _resolve_uncached(session: Session, settings: Settings, form_id: str) -> ResolvedPolicy:
    wanted = [DEFAULT_FORM] + ([form_id] if form_id and form_id != DEFAULT_FORM else [])
    rows = {
        row.form_id: row
        for row in session.scalars(select(CoachingPolicy).where(CoachingPolicy.form_id.in_(wanted)))
    }
    own = _doc(rows.get(form_id)) if form_id != DEFAULT_FORM else None
    return resolve_docs(form_id, own, _doc(rows.get(DEFAULT_FORM)), settings)


COACHING = store.PolicyKind(
    name="coaching",
    model=CoachingPolicy,
    key="form_id",
    doc_schema=PolicyDoc,
    file_schema=PolicyFile,
    what="policies file",
    not_found="No coaching policy for form {key}.",
    on_change=invalidate,
)


def put(session: Session, *, doc: PolicyDoc, updated_by: str = "") -> CoachingPolicy:
    """Create or replace the policy of ``doc.form_id`` (a change is written to the history)."""
    return store.put(session, COACHING, doc=doc, updated_by=updated_by)


def get(session: Session, *, form_id: str) -> CoachingPolicy:
    """One stored policy; raises ``NotFound``."""
    return store.get(session, COACHING, key=form_id)


def delete(session: Session, *, form_id: str, actor: str = "") -> None:
    """Remove a stored policy (written to the history); raises ``NotFound``."""
    store.delete(session, COACHING, key=form_id, actor=actor)


def list_policies(session: Session) -> list[CoachingPolicy]:
    """Every stored policy, the default first."""
    return store.list_rows(session, COACHING)


def parse_file(text: str) -> PolicyFile:
    """Validate a policies YAML document; raises ``InvalidInput`` with every problem."""
    return store.parse_file(COACHING, text)


def load_file(
    session: Session, *, text: str, replace: bool = False, updated_by: str = "cli"
) -> list[CoachingPolicy]:
    """Store every policy of a YAML document; with ``replace``, drop the ones not in it."""
    return store.load_file(session, COACHING, text=text, replace=replace, updated_by=updated_by)


def export_yaml(session: Session) -> str:
    """Every stored policy as a YAML document ``load_file`` reads back."""
    return store.export_yaml(session, COACHING)
