"""Conversations, recordings, Speech & Text Analytics transcripts and metrics of the sample org.

Chats come from the ABCD preview (``genesys_abcd``) and from a few generated dialogs; a third of
the conversations are voice, with some phrases transcribed at low confidence.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta
from typing import Any

from service.fakes.genesys_abcd import ABCD_CHATS
from service.fakes.genesys_sample import DIVISION
from service.genesys.formats import genesys_datetime as iso

Json = dict[str, Any]

GENERATED = [
    [
        ("agent", "Thank you for calling Acme, this is {agent}. How can I help you today?"),
        ("customer", "Hi, I was charged twice for my last order and I'm really frustrated."),
        (
            "agent",
            "I'm sorry about that. Can I have your full name and the zip code on the account?",
        ),
        ("customer", "It's Maria Lopez, zip 94110."),
        ("agent", "Thanks Maria, I can see the duplicate charge. I've issued a refund for it."),
        ("customer", "Okay, how long will that take?"),
        ("agent", "Three to five business days. Is there anything else I can do for you?"),
        ("customer", "No, that's all. Thanks."),
        ("agent", "Have a great day."),
    ],
    [
        ("agent", "Hello, you're through to support."),
        ("customer", "My package never arrived and the tracking hasn't moved in a week."),
        ("agent", "What's the order number?"),
        ("customer", "Order 5521043."),
        ("agent", "It shows delivered. Not much I can do."),
        ("customer", "That's not acceptable, I never got it."),
        ("agent", "You can file a claim with the carrier."),
        ("customer", "This is useless."),
    ],
    [
        ("agent", "Good morning, thanks for contacting us. Who am I speaking with?"),
        ("customer", "Tom Becker. I want to change the shipping address on my order."),
        ("agent", "Sure Tom. For security, can you confirm the email and phone number on file?"),
        ("customer", "tbecker@example.com and 555 201 3344."),
        ("agent", "Verified, thank you. What's the new address?"),
        ("customer", "12 Harbour Road, Bristol."),
        ("agent", "Done, the order will ship to 12 Harbour Road. Anything else?"),
        ("customer", "That's great, thank you so much!"),
    ],
]
IVR_GREETING = "Thank you for calling Acme. This call may be recorded for quality purposes."
NEGATIVE = re.compile(r"frustrat|useless|not acceptable|never|wrong|annoy", re.I)
POSITIVE = re.compile(r"thank|great|perfect|appreciate", re.I)


def _dialogs() -> list[list[tuple[str, str]]]:
    return [list(map(tuple, chat["turns"])) for chat in ABCD_CHATS] + GENERATED


def _words(text: str, rng: random.Random, low: bool, start: int, ms: int) -> list[Json]:
    tokens = re.findall(r"[\w']+", text.lower())
    step = ms // max(len(tokens), 1)
    return [
        {
            "word": tok,
            "confidence": round(rng.uniform(0.3, 0.6) if low else rng.uniform(0.85, 0.99), 3),
            "startTimeMs": start + i * step,
            "durationMs": step,
        }
        for i, tok in enumerate(tokens)
    ]


def _phrases(
    turns: list[tuple[str, str]], start_ms: int, voice: bool, rng: random.Random, agent_name: str
) -> tuple[list[Json], list[Json], int]:
    phrases, sentiment = [], []
    t = start_ms + 4000
    for index, (speaker, text) in enumerate(turns):
        text = text.replace("{agent}", agent_name.split()[0])
        ms = 900 + 320 * len(text.split())
        low = voice and rng.random() < 0.15
        words = _words(text, rng, low, t, ms)
        phrase: Json = {
            "phraseIndex": index,
            # The IVR speaks as "internal" too; only participants[] windows tell it from the agent.
            "participantPurpose": "external" if speaker == "customer" else "internal",
            "text": " ".join(w["word"] for w in words),
            "decoratedText": text,
            "confidence": round(sum(w["confidence"] for w in words) / max(len(words), 1), 3),
            "stability": 1.0,
            "startTimeMs": t,
            "duration": {"milliseconds": ms},
            "words": words,
        }
        phrases.append(phrase)
        value = -1 if NEGATIVE.search(text) else (1 if POSITIVE.search(text) else 0)
        if value:
            sentiment.append(
                {
                    "participant": phrase["participantPurpose"],
                    "phraseIndex": index,
                    "sentiment": value,
                }
            )
        t += ms + rng.randint(300, 1500)
    return phrases, sentiment, t


def add_conversations(org: Any, rng: random.Random, ids: Any, count: int = 36) -> None:
    """Create ``count`` conversations with recordings, transcripts and STA metrics."""
    dialogs = _dialogs()
    for i in range(count):
        agent = org.agents[i % len(org.agents)]
        voice = i % 3 == 0
        start = org.anchor - timedelta(days=1 + (i * 29) // count, minutes=rng.randint(0, 600))
        _one_conversation(org, rng, ids, agent, voice, start, dialogs[i % len(dialogs)])


def _one_conversation(
    org: Any,
    rng: random.Random,
    ids: Any,
    agent: str,
    voice: bool,
    start: Any,
    turns: list[tuple[str, str]],
) -> None:
    cid, comm, queue, customer_pid, agent_pid = ids(), ids(), ids(), ids(), ids()
    start_ms = int(start.timestamp() * 1000)
    agent_name = org.users[agent]["name"]
    if voice:
        turns = [("ivr", IVR_GREETING), *turns]
    phrases, sentiment, end_ms = _phrases(turns, start_ms, voice, rng, agent_name)
    agent_join = phrases[1]["startTimeMs"] - 200 if voice else start_ms + 3000
    end = start + timedelta(milliseconds=end_ms - start_ms + 2000)
    media = "voice" if voice else "chat"
    org.conversations[cid] = {
        "id": cid,
        "startTime": iso(start),
        "endTime": iso(end),
        "participants": [
            {
                "id": customer_pid,
                "purpose": "customer",
                "name": "Customer",
                "startTime": iso(start),
                "endTime": iso(end),
            },
            {
                "id": agent_pid,
                "purpose": "agent",
                "userId": agent,
                "name": agent_name,
                "queueId": queue,
                "queueName": "Customer Care",
                "startTime": iso(start),
                "endTime": iso(end),
            },
        ],
        "recordingState": "none",
        "divisions": [{"division": {"id": org_division()}, "entities": []}],
        "selfUri": f"/api/v2/conversations/{cid}",
        # Fake-only bookkeeping (underscored keys are stripped before serving).
        "_mediaType": media,
        "_communicationId": comm,
        "_agentId": agent,
        "_queueId": queue,
        "_talkMs": end_ms - start_ms,
        "_recording": {
            "id": ids(),
            "conversationId": cid,
            "startTime": iso(start),
            "endTime": iso(end),
            "media": "audio" if voice else "chat",
            "fileState": "AVAILABLE",
            "sessionId": comm,
            "selfUri": f"/api/v2/conversations/{cid}/recordings",
        },
        "_metrics": _metrics(cid, agent, sentiment, rng),
    }
    org.transcripts[f"{cid}/{comm}"] = {
        "organizationId": "00000000-0000-4000-8000-00000000000f",
        "conversationId": cid,
        "communicationId": comm,
        "mediaType": "call" if voice else "chat",
        "conversationStartTime": start_ms,
        "startTime": start_ms,
        "duration": {"milliseconds": end_ms - start_ms},
        "participants": [
            {"participantPurpose": "external", "startTimeMs": start_ms, "endTimeMs": end_ms},
            *(
                [{"participantPurpose": "ivr", "startTimeMs": start_ms, "endTimeMs": agent_join}]
                if voice
                else []
            ),
            {
                "participantPurpose": "internal",
                "userId": agent,
                "queueId": queue,
                "startTimeMs": agent_join,
                "endTimeMs": end_ms,
            },
        ],
        "transcripts": [
            {
                "transcriptId": ids(),
                "language": "en-US",
                "programId": None,
                "engineProvider": "GENESYS",
                "phrases": phrases,
                "analytics": {
                    "sentiment": sentiment,
                    "topics": topics_of(cid, phrases),
                    "acoustic": [],
                },
            }
        ],
        "uri": None,
    }


# Topics a Speech & Text Analytics program detects (id, name); every other conversation has none.
TOPICS = (
    ("5b1a3c9e-0000-4000-8000-000000000101", "Billing dispute"),
    ("5b1a3c9e-0000-4000-8000-000000000102", "Cancel service"),
    ("5b1a3c9e-0000-4000-8000-000000000103", "Payment arrangement"),
)


def topics_of(cid: str, phrases: list[Json]) -> list[Json]:
    """The transcript's ``analytics.topics`` (Developer Center shape: ``topicId``,
    ``topicName``, ``topicPhrase``, ``transcriptPhrase``, ``confidence``, ``startTimeMs``,
    ``duration``), chosen from the conversation id (no random draw: the sample stays the same)."""
    pick = sum(cid.encode()) % (2 * len(TOPICS))
    if pick >= len(TOPICS) or not phrases:
        return []
    topic_id, name = TOPICS[pick]
    first = phrases[0]
    return [
        {
            "topicId": topic_id,
            "topicName": name,
            "topicPhrase": name.lower(),
            "transcriptPhrase": str(first.get("text") or ""),
            "confidence": 0.82,
            "startTimeMs": first.get("startTimeMs"),
            "duration": {"milliseconds": 1200},
        }
    ]


def org_division() -> str:
    """The sample org's only division."""
    return DIVISION["id"]


def _metrics(cid: str, agent: str, sentiment: list[Json], rng: random.Random) -> Json:
    """``ConversationMetrics``: scores from -100 to +100, weighted toward the end of the call."""
    customer = [s["sentiment"] for s in sentiment if s["participant"] == "external"]
    weights = list(range(1, len(customer) + 1))
    value = sum(w * s for w, s in zip(weights, customer, strict=True)) / max(sum(weights), 1)
    trend = round((customer[-1] - customer[0]) * 50.0, 1) if len(customer) > 1 else 0.0
    trend_class = "Improving" if trend > 0 else ("Declining" if trend < 0 else "NoChange")
    return {
        "conversation": {"id": cid, "selfUri": f"/api/v2/conversations/{cid}"},
        "sentimentScore": round(100 * value, 1),
        "sentimentTrend": trend,
        "sentimentTrendClass": trend_class,
        "empathyScores": [{"userId": agent, "score": round(rng.uniform(-40, 90), 1)}],
        "participantMetrics": {
            "agentDurationPercentage": round(rng.uniform(35, 60), 1),
            "customerDurationPercentage": round(rng.uniform(30, 55), 1),
            "silenceDurationPercentage": round(rng.uniform(3, 15), 1),
            "ivrDurationPercentage": 0.0,
            "acdDurationPercentage": 0.0,
            "overtalkDurationPercentage": round(rng.uniform(0, 6), 1),
            "otherDurationPercentage": 0.0,
            "overtalkCount": rng.randint(0, 5),
        },
    }
