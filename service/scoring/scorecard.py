"""Scorecards: built from a Genesys published evaluation form or written in YAML.

A scorecard's ``fingerprint`` hashes everything the prompt depends on, so a form change makes a
new scorecard version and a new prompt (the seed's "scorecard version drift").
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from service.transcripts.rules import RedactionPatternError, redaction_regex

# A Genesys help text can mark a verbatim disclosure: Verbatim: "this call may be recorded".
_VERBATIM_RE = re.compile(r"verbatim:\s*[\"“]([^\"”]+)[\"”]", re.IGNORECASE)
_FORBIDDEN_RE = re.compile(r"forbidden:\s*[\"“]([^\"”]+)[\"”]", re.IGNORECASE)


class ScorecardError(ValueError):
    """The scorecard definition is unusable."""


@dataclass(frozen=True)
class AnswerOption:
    id: str
    text: str
    value: float


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    answers: tuple[AnswerOption, ...]
    help_text: str = ""
    na_enabled: bool = False
    is_critical: bool = False
    is_kill: bool = False
    kind: str = "llm"  # "llm" or "phrase"
    phrases: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()
    evidence_speakers: tuple[str, ...] = ("agent",)

    @property
    def best(self) -> AnswerOption:
        """The highest-value option (a pass)."""
        return max(self.answers, key=lambda a: a.value)

    @property
    def worst(self) -> AnswerOption:
        """The lowest-value option (no credit)."""
        return min(self.answers, key=lambda a: a.value)

    def option(self, text: str) -> AnswerOption | None:
        """The option with this text (exact, then case-insensitive)."""
        for opt in self.answers:
            if opt.text == text:
                return opt
        folded = text.strip().casefold()
        return next((o for o in self.answers if o.text.casefold() == folded), None)


@dataclass(frozen=True)
class Section:
    id: str
    name: str
    weight: float
    questions: tuple[Question, ...]
    na_enabled: bool = False


@dataclass(frozen=True)
class Scorecard:
    id: str
    name: str
    version: str
    sections: tuple[Section, ...]
    source: str = "yaml"
    context_id: str = ""
    weight_mode: str = "SCALED"
    redaction_patterns: tuple[str, ...] = ()  # added to the settings' (docs/scoring.md)
    languages: tuple[str, ...] = ()  # BCP 47 tags it is valid for; () = any (docs/governance.md)
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def questions(self) -> list[Question]:
        """Every question in form order."""
        return [q for s in self.sections for q in s.questions]

    def question(self, qid: str) -> Question | None:
        """The question with this id, or None."""
        return next((q for q in self.questions if q.id == qid), None)

    @property
    def fingerprint(self) -> str:
        """A short hash of the content: equal content, equal prompt."""
        body = asdict(self)
        body.pop("extra", None)
        raw = json.dumps(body, sort_keys=True, default=str).encode()
        return hashlib.sha256(raw).hexdigest()[:12]

    def id_pairs(self) -> set[tuple[str, str, str]]:
        """(section id, question id, answer id) triples, for write-back parity checks."""
        return {(s.id, q.id, a.id) for s in self.sections for q in s.questions for a in q.answers}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _answers(raw: Any, where: str) -> tuple[AnswerOption, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        raise ScorecardError(f"{where}: 'answers' needs at least two options")
    out = []
    for i, a in enumerate(raw):
        if not isinstance(a, dict) or "text" not in a or "value" not in a:
            raise ScorecardError(f"{where}: answer {i} needs 'text' and 'value'")
        try:
            value = float(a["value"])
        except (TypeError, ValueError) as exc:
            raise ScorecardError(f"{where}: answer {i} value must be a number") from exc
        out.append(AnswerOption(str(a.get("id") or _slug(str(a["text"]))), str(a["text"]), value))
    if len({a.text for a in out}) != len(out):
        raise ScorecardError(f"{where}: answer texts must be unique")
    return tuple(out)


def _question(raw: dict[str, Any], where: str) -> Question:
    if not isinstance(raw, dict) or not raw.get("id") or not raw.get("text"):
        raise ScorecardError(f"{where}: a question needs 'id' and 'text'")
    kind = str(raw.get("type") or "llm")
    if kind not in ("llm", "phrase"):
        raise ScorecardError(f"{where}: type must be 'llm' or 'phrase'")
    phrases = tuple(str(p) for p in raw.get("phrases") or [])
    forbidden = tuple(str(p) for p in raw.get("forbidden") or [])
    if kind == "phrase" and not (phrases or forbidden):
        raise ScorecardError(f"{where}: a phrase question needs 'phrases' or 'forbidden'")
    speakers = raw.get("evidenceSpeaker", "agent")
    speakers = ("agent", "customer") if speakers == "any" else (str(speakers),)
    return Question(
        id=str(raw["id"]),
        text=str(raw["text"]),
        answers=_answers(raw.get("answers"), f"{where} ({raw['id']})"),
        help_text=str(raw.get("helpText") or ""),
        na_enabled=bool(raw.get("naEnabled", False)),
        is_critical=bool(raw.get("critical", raw.get("isCritical", False))),
        is_kill=bool(raw.get("kill", raw.get("isKill", False))),
        kind=kind,
        phrases=phrases,
        forbidden=forbidden,
        evidence_speakers=speakers,
    )


def from_dict(data: Any) -> Scorecard:
    """Build a scorecard from the YAML form (already loaded); raises ``ScorecardError``."""
    if not isinstance(data, dict) or not data.get("id") or not data.get("sections"):
        raise ScorecardError("a scorecard needs 'id', 'version' and 'sections'")
    sections = []
    for i, s in enumerate(data["sections"]):
        if not isinstance(s, dict) or not s.get("id") or not s.get("questions"):
            raise ScorecardError(f"section {i} needs 'id' and 'questions'")
        questions = tuple(
            _question(q, f"section {s['id']} question {j}") for j, q in enumerate(s["questions"])
        )
        sections.append(
            Section(
                id=str(s["id"]),
                name=str(s.get("name") or s["id"]),
                weight=float(s.get("weight", 1)),
                questions=questions,
                na_enabled=bool(s.get("naEnabled", False)),
            )
        )
    ids = [q.id for sec in sections for q in sec.questions]
    if len(set(ids)) != len(ids):
        raise ScorecardError("question ids must be unique across the scorecard")
    return Scorecard(
        id=str(data["id"]),
        name=str(data.get("name") or data["id"]),
        version=str(data.get("version", "1")),
        sections=tuple(sections),
        redaction_patterns=_redaction_patterns(data.get("redactionPatterns")),
        languages=_languages(data.get("languages")),
    )


def _languages(raw: Any) -> tuple[str, ...]:
    """The declared languages (``["en", "en-GB"]``); raises ``ScorecardError`` when malformed."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
        raise ScorecardError("'languages' must be a list of language tags such as 'en-US'")
    return tuple(x.strip() for x in raw)


def _redaction_patterns(raw: Any) -> tuple[str, ...]:
    """The scorecard's own redaction patterns; raises ``ScorecardError`` when one is invalid."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(p, str) and p for p in raw):
        raise ScorecardError("'redactionPatterns' must be a list of regular expressions")
    try:
        redaction_regex(tuple(raw))
    except RedactionPatternError as exc:
        raise ScorecardError(f"'redactionPatterns': {exc}") from exc
    return tuple(raw)


def load_yaml(path: str | Path) -> Scorecard:
    """Read a YAML scorecard file; raises ``ScorecardError``."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScorecardError(f"cannot read scorecard {path}: {exc}") from exc
    return from_dict(data)


def _form_question(q: dict[str, Any]) -> Question | None:
    options = [
        AnswerOption(str(a["id"]), str(a.get("text") or ""), float(a.get("value") or 0))
        for a in q.get("answerOptions") or []
        if a.get("id") is not None
    ]
    if len(options) < 2:
        return None  # free-text questions carry no points: nothing to score
    help_text = str(q.get("helpText") or "")
    phrases = tuple(_VERBATIM_RE.findall(help_text))
    forbidden = tuple(_FORBIDDEN_RE.findall(help_text))
    return Question(
        id=str(q["id"]),
        text=str(q.get("text") or ""),
        answers=tuple(options),
        help_text=help_text,
        na_enabled=bool(q.get("naEnabled", False)),
        is_critical=bool(q.get("isCritical", False)),
        is_kill=bool(q.get("isKill", False)),
        kind="phrase" if phrases or forbidden else "llm",
        phrases=phrases,
        forbidden=forbidden,
    )


def from_genesys_form(form: dict[str, Any]) -> Scorecard:
    """Build a scorecard from a published evaluation form; raises ``ScorecardError``."""
    sections = []
    for g in form.get("questionGroups") or []:
        questions = tuple(q for q in map(_form_question, g.get("questions") or []) if q)
        if questions:
            sections.append(
                Section(
                    id=str(g["id"]),
                    name=str(g.get("name") or g["id"]),
                    weight=float(g.get("weight", 1) or 0),
                    questions=questions,
                    na_enabled=bool(g.get("naEnabled", False)),
                )
            )
    if not form.get("id") or not sections:
        raise ScorecardError("the published form has no scorable questions")
    return Scorecard(
        id=str(form.get("contextId") or form["id"]),
        name=str(form.get("name") or form["id"]),
        version=str(form["id"]),  # every published version has its own id
        sections=tuple(sections),
        source="genesys",
        context_id=str(form.get("contextId") or ""),
        weight_mode=str(form.get("weightMode") or "SCALED"),
    )
