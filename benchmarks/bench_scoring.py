"""Scoring throughput against a fake LLM with a fixed 500 ms latency, and our own CPU cost.

    python benchmarks/bench_scoring.py [--per-worker 4] [--latency 0.5]

1. Transcripts per second with 1, 4 and 16 concurrent workers (a thread pool running the
   scoring engine, as the job worker does), against the ideal workers / latency. The fake runs
   in its own process (threaded server). Target: at least 0.8 of ideal at 16 workers.
2. CPU time per transcript outside the LLM call, for a 60-turn transcript (parse, prompt,
   validation, evidence verification, phrase matching, totals). Target: under 20 ms.
3. Prompt tokens per transcript (4 characters a token), split into the static prefix (system
   prompt with the rubric, identical for every transcript, so prefix caches reuse it) and the
   transcript.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._harness import free_port  # noqa: E402
from service.fakes.llm import judge  # noqa: E402
from service.llm.budget import MinuteBudget  # noqa: E402
from service.llm.client import ChatResult, OpenAIChat  # noqa: E402
from service.scoring.engine import EngineConfig, score  # noqa: E402
from service.scoring.prompt import PROMPTS, messages  # noqa: E402
from service.scoring.scorecard import load_yaml  # noqa: E402
from service.transcripts.rules import Transcript, neutralize_redactions, parse_document  # noqa: E402

CARD = load_yaml(ROOT / "examples" / "scorecards" / "retail_support.yaml")


def sixty_turns() -> Transcript:
    """A 60-turn chat stitched from the ABCD samples (with the disclosure and a redaction)."""
    turns: list[dict[str, str]] = []
    for path in sorted((ROOT / "examples" / "transcripts").glob("abcd_*.json")):
        turns += [t for t in json.loads(path.read_text())["turns"] if t["speaker"] != "system"]
    turns.insert(2, {"speaker": "agent", "text": "This chat may be recorded for quality purposes."})
    turns.insert(5, {"speaker": "customer", "text": "My card is [REDACTED], zip [REDACTED]."})
    return parse_document({"turns": turns[:60], "mediaType": "chat"})


def start_fake(latency: float) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "service.fakes.llm",
        "--port",
        str(port),
        "--latency",
        str(latency),
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(url + "/v1/models", timeout=1)
            return proc, url + "/v1"
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("the fake LLM did not start")


def throughput(base_url: str, transcript: Transcript, workers: int, per_worker: int) -> float:
    chat = OpenAIChat(
        base_url=base_url, api_key="x", model="fake-judge", budget=MinuteBudget(0, 0), timeout=30
    )
    cfg = EngineConfig()
    score(transcript, CARD, chat, cfg)  # warm-up: connections, prompt cache
    n = workers * per_worker
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda _: score(transcript, CARD, chat, cfg), range(n)))
    elapsed = time.perf_counter() - started
    assert not any(r.needs_review for r in results), results[0].review_reasons
    return n / elapsed


class InstantJudge:
    """A ChatModel answering at once with the fake judge's JSON: isolates our own CPU time."""

    model = "instant-judge"

    def complete_json(
        self, msgs: list[dict[str, str]], schema: dict[str, Any], *, name: str, max_tokens: int
    ) -> ChatResult:
        body = {
            "messages": msgs,
            "response_format": {"type": "json_schema", "json_schema": {"schema": schema}},
        }
        content = self.cache.setdefault(msgs[1]["content"], json.dumps(judge(body)))
        return ChatResult(content, "stop", self.model, 0, 0, 0.0, "json_schema")

    cache: dict[str, str] = {}


def cpu_per_transcript(transcript: Transcript, rounds: int = 200) -> float:
    chat, cfg = InstantJudge(), EngineConfig()
    raw = {"turns": [{"speaker": t.speaker, "text": t.text} for t in transcript.turns]}
    score(transcript, CARD, chat, cfg)  # fill the judge cache: its work is not ours
    started = time.process_time()
    for _ in range(rounds):
        score(parse_document(raw), CARD, chat, cfg)
    return (time.process_time() - started) / rounds * 1000


def prompt_tokens(transcript: Transcript) -> tuple[int, int]:
    msgs = messages(PROMPTS.get(CARD), neutralize_redactions(transcript))
    return len(msgs[0]["content"]) // 4, len(msgs[1]["content"]) // 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-worker", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.5)
    args = parser.parse_args()
    transcript = sixty_turns()
    print(f"transcript: {len(transcript.turns)} turns; scorecard: {len(CARD.questions)} questions")
    proc, base_url = start_fake(args.latency)
    try:
        for workers in (1, 4, 16):
            tps = throughput(base_url, transcript, workers, args.per_worker)
            ideal = workers / args.latency
            print(
                f"workers {workers:2}: {tps:6.2f} transcripts/s  ideal {ideal:5.1f}  "
                f"ratio {tps / ideal:.2f}"
            )
    finally:
        proc.terminate()
        proc.wait(5)
    print("target: ratio >= 0.80 at 16 workers")
    ms = cpu_per_transcript(transcript)
    print(f"our CPU per 60-turn transcript (LLM excluded): {ms:.2f} ms  (target < 20 ms)")
    static, dynamic = prompt_tokens(transcript)
    print(
        f"prompt tokens per transcript ~{static + dynamic}: static prefix ~{static} "
        f"(system prompt + rubric, identical across transcripts), transcript ~{dynamic}"
    )


if __name__ == "__main__":
    main()
