"""Redact personal data from transcripts before any text goes to the LLM (Microsoft Presidio).

The analyzer runs on a blank spaCy pipeline (tokenizer only): every recognizer here is a pattern
or checksum recognizer, so nothing is downloaded and no NER model is needed. An installed spaCy
NER model (``QM_GOVERNANCE_NER_MODEL``, for example ``en_core_web_sm``) adds Presidio's
``SpacyRecognizer`` for names and places; it is never downloaded at run time.

Names without NER come from context: "my name is ...", "pulled up for ...", a short answer to a
question about the name; every word of a detected name is then redacted throughout the transcript.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import replace
from functools import lru_cache
from typing import Any

import spacy
import tldextract
from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
    UsSsnRecognizer,
)
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig

from service.governance import rules
from service.transcripts.rules import Transcript

log = logging.getLogger(__name__)

LANGUAGE = "en"
# The public-suffix list bundled with tldextract: no fetch at run time.
_OFFLINE_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
_STOPWORDS = frozenset(
    [
        "the",
        "and",
        "you",
        "your",
        "for",
        "not",
        "are",
        "but",
        "can",
        "have",
        "has",
        "was",
        "with",
        "this",
        "that",
        "what",
        "how",
        "may",
        "thanks",
        "thank",
        "please",
        "sure",
        "yes",
        "okay",
        "hello",
        "good",
        "great",
        "sorry",
        "customer",
        "agent",
        "account",
        "order",
        "so",
        "much",
        "that's",
        "all",
        "no",
        "not",
        "bye",
    ]
)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recognizer with the bundled suffix list (never fetched)."""

    def validate_result(self, pattern_text: str) -> bool:
        """True when the domain ends in a known public suffix."""
        return bool(_OFFLINE_TLD(pattern_text).fqdn)


class BlankSpacyEngine(SpacyNlpEngine):
    """A spaCy NLP engine on an already built pipeline (blank: tokenizer only, no NER)."""

    def __init__(self, nlp: Any) -> None:
        super().__init__(ner_model_configuration=NerModelConfiguration())
        self.nlp = {LANGUAGE: nlp}  # type: ignore[assignment]

    def load(self) -> None:
        """Nothing to load: the pipeline is given (never downloads a model)."""


def _pattern(entity: str, name: str, regex: str, score: float, context: list[str]) -> Any:
    return PatternRecognizer(
        supported_entity=entity,
        name=name,
        patterns=[Pattern(name, regex, score)],
        context=context,
        supported_language=LANGUAGE,
        # Case-sensitive (Presidio's default is IGNORECASE): a name starts with a capital.
        global_regex_flags=re.DOTALL | re.MULTILINE,
    )


def custom_recognizers() -> list[EntityRecognizer]:
    """Recognizers for what contact-center chats carry (ABCD: usernames, order ids, zips).

    Scores below the threshold need a context word (in the turn or the turns before it) to count.
    """
    return [
        _pattern(
            "ACCOUNT_ID",
            "account_id",
            r"\b[a-z]{2,}[0-9]{2,6}\b",
            0.3,
            ["username", "user", "account", "id", "login", "member"],
        ),
        _pattern(
            "ACCOUNT_ID",
            "account_number",
            r"\b[0-9]{8,12}\b",
            0.1,
            ["account", "acct", "customer", "membership", "member"],
        ),
        _pattern("ORDER_ID", "order_id", r"\b[0-9]{6,12}\b", 0.1, ["order", "purchase", "id"]),
        _pattern(
            "ZIP_CODE", "zip", r"\b[0-9]{5}(?:-[0-9]{4})?\b", 0.1, ["zip", "postal", "postcode"]
        ),
        _pattern(
            "STREET_ADDRESS",
            "street",
            r"(?i)\b[0-9]{1,6}\s+(?:[a-z0-9]+\s+){1,3}(?:ave|avenue|st|street|rd|road|blvd"
            r"|boulevard|dr|drive|ln|lane|way|ct|court|pl|place|terrace|hwy|highway)\b\.?",
            0.6,
            ["address", "live", "ship"],
        ),
        _pattern(
            "PHONE_NUMBER",
            "us_phone",
            r"(?<!\d)(?:\+?1[\s.-]?)?(?:\([2-9][0-9]{2}\)\s?|[2-9][0-9]{2}[\s.-])[0-9]{3}[\s.-][0-9]{4}(?!\d)",
            0.5,
            ["phone", "number", "call", "mobile", "cell"],
        ),
        _pattern(
            "PERSON",
            "name_in_context",
            r"(?<=\b(?:[Nn]ame is|[Nn]ame's|[Tt]his is|[Pp]ulled up for|[Ss]peaking with|"
            r"[Mm]r\.?|[Mm]rs\.?|[Mm]s\.?|[Cc]all me)\s)[A-Z][a-z'-]+(?:\s[A-Z][a-z'-]+){0,2}",
            0.6,
            ["name"],
        ),
        _pattern(
            "PERSON",
            "name_answer",
            r"^\s*[A-Za-z][a-z'-]+(?:\s+[A-Za-z][a-z'-]+){1,2}(?=\s*(?:,|[.!]?\s*$))",
            0.05,
            ["name"],
        ),
    ]


@lru_cache(maxsize=4)
def analyzer(ner_model: str = "", regions: tuple[str, ...] = ("US", "GB", "DE", "FR")) -> Any:
    """The analyzer (built once per configuration).

    ``ner_model`` names an installed spaCy package; raises ``RuntimeError`` when it is not
    installed (it is never downloaded).
    """
    if ner_model:
        if not spacy.util.is_package(ner_model):
            raise RuntimeError(f"spaCy model {ner_model!r} is not installed (never downloaded)")
        nlp = spacy.load(ner_model)
    else:
        nlp = spacy.blank(LANGUAGE)
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    for rec in (
        OfflineEmailRecognizer(),
        PhoneRecognizer(supported_regions=regions),
        CreditCardRecognizer(),
        IbanRecognizer(),
        IpRecognizer(),
        UsSsnRecognizer(),
        *custom_recognizers(),
    ):
        registry.add_recognizer(rec)
    if ner_model:
        registry.add_recognizer(SpacyRecognizer(supported_entities=["PERSON", "LOCATION"]))
    return AnalyzerEngine(
        registry=registry, nlp_engine=BlankSpacyEngine(nlp), supported_languages=[LANGUAGE]
    )


_LOCK = threading.Lock()


class Redactor:
    """Replaces personal data in transcripts with typed placeholders (``<PHONE_NUMBER>``)."""

    def __init__(self, ner_model: str = "", threshold: float = 0.4) -> None:
        self.ner_model = ner_model
        self.threshold = threshold

    def spans(self, text: str, context: list[str]) -> list[rules.Span]:
        """Detected data in one text; ``context`` holds words of the surrounding turns."""
        if not text.strip():
            return []
        engine = analyzer(self.ner_model)
        with _LOCK:  # spaCy pipelines are not documented thread-safe
            found: list[RecognizerResult] = engine.analyze(
                text=text,
                language=LANGUAGE,
                context=context,
                score_threshold=self.threshold,
            )
        entity = {"LOCATION": "STREET_ADDRESS"}
        return [
            rules.Span(r.start, r.end, entity.get(r.entity_type, r.entity_type), r.score)
            for r in found
            if r.entity_type != "PERSON" or _plausible_name(text[r.start : r.end])
        ]

    def redact_text(self, text: str, context: list[str] | None = None) -> str:
        """One text with every detected datum replaced by its placeholder."""
        return anonymize(text, self.spans(text, context or []))

    def redact(self, transcript: Transcript) -> Transcript:
        """The transcript with personal data replaced; turn count and order are unchanged.

        Context of a turn is the words of the two turns before it (a customer's bare
        "7916676427" after "give me the order ID" is an order id). Words of detected names are
        then redacted in every turn ("Crystal" after "Crystal Minh" was given).
        """
        turns = transcript.turns
        texts: list[str] = []
        names: list[str] = []
        for i, turn in enumerate(turns):
            # The blank pipeline has no lemmas, so the turn's own words are passed as context too.
            context = " ".join(t.text for t in turns[max(0, i - 2) : i + 1]).lower().split()
            found = self.spans(turn.text, [w.strip("?.,!:;") for w in context])
            names += [turn.text[s.start : s.end] for s in found if s.entity_type == "PERSON"]
            texts.append(anonymize(turn.text, found))
        words = rules.name_tokens(names, _STOPWORDS)
        if words:
            texts = [_redact_words(text, words) for text in texts]
        new_turns = tuple(replace(t, text=x) for t, x in zip(turns, texts, strict=True))
        return replace(transcript, turns=new_turns)


_ANONYMIZER = AnonymizerEngine()


def anonymize(text: str, spans: list[rules.Span]) -> str:
    """Presidio's anonymizer on the merged spans: each becomes ``<ENTITY_TYPE>``."""
    merged = rules.merge_spans(spans)
    if not merged:
        return text
    results = [RecognizerResult(s.entity_type, s.start, s.end, s.score) for s in merged]
    operators = {"DEFAULT": OperatorConfig("replace")}  # "<ENTITY_TYPE>"
    return str(_ANONYMIZER.anonymize(text, results, operators=operators).text)  # type: ignore[arg-type]


def _plausible_name(text: str) -> bool:
    """A detected name made of no common word ("thanks so much" is no name)."""
    return not any(w.lower() in _STOPWORDS for w in text.split())


def _redact_words(text: str, words: set[str]) -> str:
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words)) + r")\b", re.I)
    text = pattern.sub(rules.placeholder("PERSON"), text)
    # "<PERSON> <PERSON>" reads as one name.
    return re.sub(r"<PERSON>(?:\s+<PERSON>)+", "<PERSON>", text)
