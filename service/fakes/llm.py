"""A fake OpenAI-compatible chat server for tests, demos and the benchmark.

``python -m service.fakes.llm --port 8089 [--mode judge] [--latency 0.5]``

The default "judge" mode answers schema-valid JSON with true quotes from the transcript, chosen
by keyword overlap between each question and the transcript's turns: deterministic, no model.
Fault modes, chosen per request (header ``X-Fake-Mode``), from a script of upcoming requests
(``POST /_fake/script {"modes": [...]}``) or as the default (``POST /_fake/mode``):
``invalid_json``, ``wrong_keys``, ``string_ints``, ``hallucinate``, ``negative_turn``,
``empty_quote`` (bounds the schema no longer carries), ``refusal``, ``text_refusal``,
``truncate``, ``content_filter``, ``rate_limit[:retry_after]`` (seconds or an HTTP date),
``rate_limit_ms:<millis>[:<retry_after>]`` (``retry-after-ms``, and ``Retry-After`` too when
given, as Azure sends both), ``server_error``,
``slow[:seconds]``, ``no_json_schema`` (400 on json_schema, like servers without it), ``html``
(a 200 with a proxy's HTML page).
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from collections import deque
from typing import Any

from flask import Flask, Response, jsonify, request

_LINE_RE = re.compile(r"^\[(\d+)\] ([A-Z]+): (.*)$")
_OPTION_RE = re.compile(r'"([^"]+)" = (-?[\d.]+) points')
_STOP = set(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "that",
        "this",
        "was",
        "were",
        "is",
        "are",
        "be",
        "been",
        "agent",
        "customer",
        "quote",
        "did",
        "does",
        "do",
        "their",
        "they",
        "them",
        "your",
        "you",
        "any",
        "from",
        "when",
        "what",
        "which",
        "about",
        "have",
        "has",
    ]
)


class FakeState:
    """Modes, counters and the last request, shared by the server's threads."""

    def __init__(self, mode: str = "judge", latency: float = 0.0) -> None:
        self.default_mode = mode
        self.latency = latency
        self.script: deque[str] = deque()
        self.lock = threading.Lock()
        self.requests = 0
        self.active = 0
        self.max_active = 0
        self.bodies: list[dict[str, Any]] = []

    def next_mode(self, header: str | None) -> str:
        """The mode of this request: header, then script, then default."""
        with self.lock:
            self.requests += 1
            if header:
                return header
            return self.script.popleft() if self.script else self.default_mode


def _transcript(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(speaker, text) turns from the first user message that holds the transcript."""
    for m in messages:
        if m.get("role") == "user" and "Transcript" in str(m.get("content")):
            turns = []
            for line in str(m["content"]).splitlines():
                hit = _LINE_RE.match(line)
                if hit:
                    turns.append((hit.group(2).lower(), hit.group(3)))
            return turns
    return []


def _schema(body: dict[str, Any]) -> dict[str, Any]:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        schema: dict[str, Any] = fmt["json_schema"]["schema"]
        return schema
    system = str(body["messages"][0].get("content", ""))
    marker = "JSON Schema of the answer:\n"
    if marker in system:
        loaded: dict[str, Any] = json.loads(system.split(marker, 1)[1])
        return loaded
    return {"properties": {}}


def _values(system: str, qid: str) -> dict[str, float]:
    for line in system.split("\n- [")[1:]:
        if line.startswith(qid + "]"):
            return {t: float(v) for t, v in _OPTION_RE.findall(line)}
    return {}


def _keywords(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) >= 4 and w not in _STOP}


def _judge_item(
    prop: dict[str, Any], values: dict[str, float], turns: list[tuple[str, str]]
) -> dict[str, Any]:
    answers = [a for a in prop["properties"]["answer"]["enum"] if a != "N/A"]
    ranked = sorted(answers, key=lambda a: values.get(a, -answers.index(a)))
    description = str(prop.get("description", ""))
    speaker = "customer" if "quote the customer)" in description else "agent"
    keys = _keywords(description.split(" Guidance:")[0] + " " + description)
    best_turn, best_overlap = -1, 0
    for i, (who, text) in enumerate(turns):
        overlap = len(keys & _keywords(text)) if who in (speaker, "agent") else 0
        if overlap > best_overlap:
            best_turn, best_overlap = i, overlap
    if best_overlap >= 2:
        quote = " ".join(turns[best_turn][1].split()[:14])
        return {
            "answer": ranked[-1],
            "evidence": [{"turn": best_turn, "quote": quote}],
            "rationale": "The behaviour is shown in the quoted turn.",
        }
    return {"answer": ranked[0], "evidence": [], "rationale": "No evidence of the behaviour."}


def judge(body: dict[str, Any]) -> dict[str, Any]:
    """The deterministic judge's answer to a request."""
    schema = _schema(body)
    turns = _transcript(body["messages"])
    system = str(body["messages"][0].get("content", ""))
    return {
        qid: _judge_item(prop, _values(system, qid), turns)
        for qid, prop in schema.get("properties", {}).items()
    }


def _corrupt(mode: str, answer: dict[str, Any]) -> str:
    if mode == "invalid_json":
        return json.dumps(answer)[:-7] + "',,}"
    if mode == "wrong_keys":
        answer = {k.upper() + "_score": v for k, v in answer.items()}
        answer["overall"] = 5
    elif mode == "string_ints":
        for item in answer.values():
            for ev in item["evidence"]:
                ev["turn"] = str(ev["turn"])
            item["evidence"] = item["evidence"] or [{"turn": "0", "quote": "hello"}]
    elif mode == "hallucinate":
        for item in answer.values():
            for ev in item["evidence"]:
                ev["quote"] = "I personally guarantee a full refund and a free upgrade today"
    elif mode in _OUT_OF_RANGE:
        _out_of_range(answer, *_OUT_OF_RANGE[mode])
    return json.dumps(answer)


def _out_of_range(answer: dict[str, Any], key: str, value: Any) -> None:
    for item in answer.values():
        item["evidence"] = item["evidence"] or [{"turn": 0, "quote": "hello"}]
        for ev in item["evidence"]:
            ev[key] = value


# Values a constrained decoder that ignores bounds (outlines-core and ``minimum``) lets through.
_OUT_OF_RANGE: dict[str, tuple[str, Any]] = {
    "negative_turn": ("turn", -1),
    "empty_quote": ("quote", " "),
}


def _completion(
    body: dict[str, Any], content: str | None, finish: str = "stop", refusal: str | None = None
) -> dict[str, Any]:
    prompt_chars = sum(len(str(m.get("content") or "")) for m in body.get("messages", []))
    completion_tokens = len(content or "") // 4
    return {
        "id": f"chatcmpl-fake-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake-judge"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "finish_reason": finish,
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_chars // 4,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_chars // 4 + completion_tokens,
        },
    }


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    resp = jsonify({"error": {"message": message, "type": "fake_error", "code": status}})
    resp.status_code = status
    resp.headers.update(headers or {})
    return resp


def _transport_fault(name: str, arg: str, body: dict[str, Any]) -> Response | None:
    """Faults answered before any content: 429, 5xx, an HTML page, a 400 on json_schema."""
    if name == "rate_limit":
        return _error(429, "rate limited", {"Retry-After": arg or "1"})
    if name == "rate_limit_ms":
        millis, _, seconds = arg.partition(":")
        headers = {"retry-after-ms": millis}
        if seconds:
            headers["Retry-After"] = seconds
        return _error(429, "rate limited", headers)
    if name == "server_error":
        return _error(500, "the fake had a bad day")
    if name == "html":
        return Response("<html><body>Gateway says hi</body></html>", 200, mimetype="text/html")
    fmt = (body.get("response_format") or {}).get("type")
    if name == "no_json_schema" and fmt == "json_schema":
        return _error(400, "response_format json_schema is not supported by this server")
    return None


_REFUSALS = {
    "refusal": (None, "stop", "I can't help with evaluating this."),
    "text_refusal": ("I'm sorry, but I can't assist with that request.", "stop", None),
    "content_filter": ("", "content_filter", None),
}


def answer(state: FakeState, body: dict[str, Any], mode: str) -> Response:
    """Build the response of one request in the given mode."""
    name, _, arg = mode.partition(":")
    fault = _transport_fault(name, arg, body)
    if fault is not None:
        return fault
    if name == "slow":
        time.sleep(float(arg or "2"))
    if name in _REFUSALS:
        text, finish, refusal = _REFUSALS[name]
        return jsonify(_completion(body, text, finish=finish, refusal=refusal))
    content = json.dumps(judge(body))
    if name == "truncate":
        return jsonify(_completion(body, content[: len(content) // 2], finish="length"))
    if name in ("invalid_json", "wrong_keys", "string_ints", "hallucinate", *_OUT_OF_RANGE):
        content = _corrupt(name, json.loads(content))
    return jsonify(_completion(body, content))


def create_app(mode: str = "judge", latency: float = 0.0) -> Flask:
    """The fake server as a WSGI app (``state`` in ``app.config['FAKE_LLM']``)."""
    app = Flask(__name__)
    state = FakeState(mode, latency)
    app.config["FAKE_LLM"] = state

    @app.post("/v1/chat/completions")
    def chat() -> Response:
        body = request.get_json(force=True)
        mode_now = state.next_mode(request.headers.get("X-Fake-Mode"))
        with state.lock:
            state.active += 1
            state.max_active = max(state.max_active, state.active)
            state.bodies = [*state.bodies[-49:], body]
        try:
            if state.latency:
                time.sleep(state.latency)
            return answer(state, body, mode_now)
        finally:
            with state.lock:
                state.active -= 1

    @app.get("/v1/models")
    def models() -> Response:
        return jsonify({"object": "list", "data": [{"id": "fake-judge", "object": "model"}]})

    @app.post("/_fake/script")
    def script() -> Response:
        modes = request.get_json(force=True).get("modes", [])
        with state.lock:
            state.script.extend(modes)
        return jsonify({"queued": len(state.script)})

    @app.post("/_fake/mode")
    def set_mode() -> Response:
        payload = request.get_json(force=True)
        state.default_mode = payload.get("mode", state.default_mode)
        state.latency = float(payload.get("latency", state.latency))
        return jsonify({"mode": state.default_mode, "latency": state.latency})

    @app.get("/_fake/stats")
    def stats() -> Response:
        return jsonify(
            {"requests": state.requests, "maxActive": state.max_active, "active": state.active}
        )

    return app


def main(argv: list[str] | None = None) -> None:
    """Serve the fake on a local port until interrupted."""
    from werkzeug.serving import run_simple

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--mode", default="judge")
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args(argv)
    print(f"fake LLM on http://{args.host}:{args.port}/v1  mode={args.mode}", flush=True)
    run_simple(args.host, args.port, create_app(args.mode, args.latency), threaded=True)


if __name__ == "__main__":  # pragma: no cover
    main()
