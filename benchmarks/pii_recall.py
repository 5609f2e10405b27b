"""Recall of the PII redactor on the ABCD sample: labelled data plus planted data.

``python benchmarks/pii_recall.py [--data DIR]`` (default ../shared/data/abcd, then
/work/shared/data/abcd).

Labels come from each conversation's scenario record (customer name and its words, e-mail,
phone, username, order id, zip code, street address) wherever the value occurs in the chat.
Planted data: for each conversation, customer turns carrying a card number, an SSN, an IBAN, a
phone in another format, an e-mail, a street address with a zip code, an account id and a name
in context are appended. A datum counts as found when it no longer appears in the redacted text.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from service.governance.redaction import Redactor
from service.governance.rules import leaked
from service.transcripts.rules import Transcript, Turn

PLANTED = [
    ("my card is 4111 1111 1111 1111", "CREDIT_CARD", "4111 1111 1111 1111"),
    ("card number 5500-0000-0000-0004 expires soon", "CREDIT_CARD", "5500-0000-0000-0004"),
    ("my social is 536-22-8726", "US_SSN", "536-22-8726"),
    ("IBAN DE89 3704 0044 0532 0130 00 please", "IBAN_CODE", "DE89 3704 0044 0532 0130 00"),
    ("you can reach me on 415.555.0132", "PHONE_NUMBER", "415.555.0132"),
    ("or +44 20 7946 0958 in London", "PHONE_NUMBER", "+44 20 7946 0958"),
    ("write to jane.doe@example.org", "EMAIL_ADDRESS", "jane.doe@example.org"),
    ("I live at 42 Oak Street, zip code 94110", "STREET_ADDRESS", "42 Oak Street"),
    ("I live at 42 Oak Street, zip code 94110", "ZIP_CODE", "94110"),
    ("my account id is jdoe482", "ACCOUNT_ID", "jdoe482"),
    ("My name is Maria Gonzalez", "PERSON", "Maria Gonzalez"),
]


def _data_dir(arg: str | None) -> Path:
    for cand in [arg, "../shared/data/abcd", "/work/shared/data/abcd"]:
        if cand and (Path(cand) / "abcd_sample.json").exists():
            return Path(cand)
    sys.exit("abcd_sample.json not found; pass --data DIR")


def labelled(convo: dict[str, Any]) -> list[tuple[str, str]]:
    """(type, value) of every scenario value that occurs in the chat text."""
    personal, order = convo["scenario"]["personal"], convo["scenario"]["order"]
    name = personal.get("customer_name", "")
    values = [("PERSON", name), *[("PERSON", w) for w in name.split()]]
    values += [
        ("EMAIL_ADDRESS", personal.get("email", "")),
        ("PHONE_NUMBER", personal.get("phone", "")),
        ("ACCOUNT_ID", personal.get("username", "")),
        ("ORDER_ID", order.get("order_id", "")),
        ("ZIP_CODE", order.get("zip_code", "")),
        ("STREET_ADDRESS", order.get("street_address", "")),
    ]
    text = " ".join(t for _, t in convo["original"]).lower()
    return [(k, v) for k, v in values if v and v.lower() in text]


def transcript(convo: dict[str, Any], planted: bool) -> Transcript:
    turns = [Turn("customer" if s == "customer" else "agent", t) for s, t in convo["original"]]
    if planted:
        turns += [Turn("customer", text) for text, _, _ in PLANTED]
    return Transcript(turns=tuple(turns))


def _over_redaction(convos: list[dict[str, Any]], redactor: Redactor) -> tuple[int, int]:
    """Turns of the unplanted chats that changed although they carry no labelled datum."""
    over = turns = 0
    for convo in convos:
        before = transcript(convo, planted=False)
        values = [v.lower() for _, v in labelled(convo)]
        for a, b in zip(before.turns, redactor.redact(before).turns, strict=True):
            turns += 1
            if a.text != b.text and not any(v in a.text.lower() for v in values):
                over += 1
                print("over-redacted:", repr(a.text), "->", repr(b.text))
    return over, turns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data")
    args = parser.parse_args()
    convos = json.loads((_data_dir(args.data) / "abcd_sample.json").read_text())
    redactor = Redactor()
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    missed: list[str] = []
    for convo in convos:
        out = redactor.redact(transcript(convo, planted=True))
        text = "\n".join(t.text for t in out.turns)
        data = [(f"labelled:{k}", v) for k, v in labelled(convo)]
        data += [(f"planted:{k}", v) for _, k, v in PLANTED]
        for kind, value in data:
            total[kind] += 1
            if leaked(value, text):
                missed.append(f"{convo['convo_id']} {kind} {value!r}")
            else:
                found[kind] += 1
    print(f"{'kind':32} {'found':>5} {'total':>5} {'recall':>7}")
    for kind in sorted(total):
        print(f"{kind:32} {found[kind]:>5} {total[kind]:>5} {found[kind] / total[kind]:>7.3f}")
    for group in ("labelled", "planted"):
        f = sum(v for k, v in found.items() if k.startswith(group))
        n = sum(v for k, v in total.items() if k.startswith(group))
        print(f"{group + ' (all)':32} {f:>5} {n:>5} {f / n:>7.3f}")
    over, turns = _over_redaction(convos, redactor)
    print(f"over-redacted turns (changed, no labelled datum): {over} of {turns}")
    for line in missed:
        print("missed:", line)


if __name__ == "__main__":
    main()
