"""A fake Genesys Cloud Platform API for tests, benchmarks and ``qmloop demo``.

In process::

    fake = FakeGenesys(seed=1).start()      # listens on 127.0.0.1, random port
    fake.url, fake.org, fake.faults.fail_next(2), fake.calls_to("/api/v2/users/*")
    fake.stop()

As a process: ``python -m service.fakes.genesys --port 8765 --seed 1`` or ``qmloop fake-genesys``.
Control endpoints (no auth): ``GET /__fake__/org``, ``GET /__fake__/calls``,
``GET /__fake__/created``, ``GET /__fake__/evaluations/<id>/versions``,
``POST /__fake__/faults`` (``{"kind": "fail"|"drop"|"latency"|"chaos"|"rate_limit"|"clear",
...}``), ``POST /__fake__/revoke-tokens``, ``POST /__fake__/reset``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import secrets
import socket
import threading
import time
import uuid
from collections import Counter
from datetime import datetime
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from service.fakes.genesys_faults import Faults, retry_after_header
from service.fakes.genesys_http import FakeError, fake
from service.fakes.genesys_org import Org, build_org

Json = dict[str, Any]


class FakeGenesys:
    """The fake's state (org, tokens, created objects, calls), its faults and its server."""

    def __init__(
        self,
        seed: int = 1,
        *,
        client_id: str = "fake-client",
        client_secret: str = "fake-secret",
        token_ttl: int = 86400,
        anchor: datetime | None = None,
        port: int = 0,
    ) -> None:
        self.seed, self.anchor, self.port = seed, anchor, port
        self.client_id, self.client_secret, self.token_ttl = client_id, client_secret, token_ttl
        self.lock = threading.RLock()
        self.faults = Faults()
        self.signing_key = secrets.token_bytes(16)
        self.transcript_url_ttl = 600  # seconds a pre-signed transcript URL stays valid
        self.app = create_fake_app(self)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.reset()

    def reset(self) -> None:
        """Back to the freshly built sample org; faults off, tokens and counters cleared."""
        with self.lock:
            self.org: Org = build_org(self.seed, self.anchor)
            self.tokens: dict[str, float] = {}
            self.calls: Counter[str] = Counter()
            self.idempotency: dict[str, str] = {}
            self.learning_assignments: dict[str, Json] = {}
            self.workitems: dict[str, Json] = {}
            self.appointments: dict[str, Json] = {}
            self.deleted: list[Json] = []  # {kind, id} of every item a client deleted
            self.calibrations: dict[str, Json] = {}
            self.created_evaluations: list[str] = []
            self.evaluation_versions: dict[str, list[Json]] = {}  # retracted, by evaluation id
            self.transcript_downloads: list[dict[str, str]] = []  # request headers seen
            self.faults.clear()
            self.app.extensions.pop("fake_signin", None)  # sign-in codes, users' tokens, grants

    # ------------------------------------------------------------------ server

    def start(self) -> FakeGenesys:
        """Serve on 127.0.0.1 (only) in a background thread."""
        self._server = make_server(
            "127.0.0.1", self.port, self.app, threaded=True, request_handler=_QuietHandler
        )
        self._server.daemon_threads = True  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            if self._thread:
                self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> FakeGenesys:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, for example ``http://127.0.0.1:54321``."""
        if not self._server:
            raise RuntimeError("FakeGenesys is not started")
        return f"http://127.0.0.1:{self._server.port}"

    def settings_overrides(self) -> dict[str, str]:
        """``Settings`` fields that point QM Loop's Genesys client at this fake."""
        return {
            "genesys_api_host": self.url,
            "genesys_client_id": self.client_id,
            "genesys_client_secret": self.client_secret,
        }

    # ------------------------------------------------------------------ tokens and inspection

    def issue_token(self) -> str:
        """A new bearer token valid for ``token_ttl`` seconds."""
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = time.time() + self.token_ttl
        return token

    def token_valid(self, token: str) -> bool:
        """True for a known, unexpired token."""
        with self.lock:
            return self.tokens.get(token, 0) > time.time()

    def revoke_tokens(self) -> None:
        """Invalidate every issued token (the next API call answers 401)."""
        with self.lock:
            self.tokens.clear()

    def calls_to(self, pattern: str = "*", method: str | None = None) -> int:
        """How many requests hit route templates matching ``pattern`` (fnmatch)."""
        import fnmatch

        with self.lock:
            return sum(
                n
                for key, n in self.calls.items()
                if fnmatch.fnmatchcase(key.split(" ", 1)[1], pattern)
                and (method is None or key.startswith(method.upper() + " "))
            )

    def created(self) -> Json:
        """Objects clients created through the API."""
        with self.lock:
            return {
                "evaluations": [self.org.evaluations[e] for e in self.created_evaluations],
                "learningAssignments": list(self.learning_assignments.values()),
                "workitems": list(self.workitems.values()),
                "appointments": list(self.appointments.values()),
                "calibrations": list(self.calibrations.values()),
            }


class _QuietHandler(WSGIRequestHandler):
    """No access log lines: tests and benchmarks make thousands of calls."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def error_body(status: int, code: str, message: str) -> Json:
    """The Platform API's error envelope."""
    return {
        "message": message,
        "code": code,
        "status": status,
        "messageParams": {},
        "contextId": str(uuid.uuid4()),
        "details": [],
        "errors": [],
    }


def _drop_connection() -> Response:
    """Shut the socket down so the client sees a connection closed without an answer."""
    sock = request.environ.get("werkzeug.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    return Response(status=500)


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def _before() -> Response | None:
    """Count the call, then apply faults, authentication and the request budget."""
    f = fake()
    path = request.path
    if path.startswith("/__fake__"):
        return None
    rule = request.url_rule.rule if request.url_rule else path
    with f.lock:
        f.calls[f"{request.method} {rule}"] += 1
    decision = f.faults.decide(path)
    if decision.delay:
        time.sleep(decision.delay)
    if decision.drop:
        return _drop_connection()
    if decision.status:
        headers = {}
        if decision.retry_after is not None:
            value = decision.retry_after
            headers["Retry-After"] = value if isinstance(value, str) else _fmt(value)
        raise FakeError(decision.status, "fault.injected", "Injected fault", headers)
    if path.startswith("/api/"):
        token = _bearer()
        if not token or not f.token_valid(token):
            raise FakeError(401, "bad.credentials", "Invalid login credentials.")
        wait = f.faults.check_budget(token)
        if wait is not None:
            raise FakeError(
                429,
                "too.many.requests",
                "Rate limit exceeded the maximum.",
                {"Retry-After": retry_after_header(wait)},
            )
    return None


def _fmt(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)


def _after(resp: Response) -> Response:
    resp.headers["ININ-Correlation-Id"] = g.get("correlation_id", "")
    return resp


def _on_fake_error(exc: FakeError) -> Response:
    resp = jsonify(error_body(exc.status, exc.code, exc.message))
    resp.status_code = exc.status
    for key, value in exc.headers.items():
        resp.headers[key] = value
    return resp


def _on_http_error(exc: Any) -> Response:
    code = getattr(exc, "code", 500) or 500
    resp = jsonify(error_body(code, "not.found" if code == 404 else "bad.request", str(exc)))
    resp.status_code = code
    return resp


def _token() -> Response:
    """POST /oauth/token: client credentials over HTTP Basic."""
    f = fake()
    header = request.headers.get("Authorization", "")
    try:
        cid, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        cid, secret = "", ""
    ok = header.startswith("Basic ") and cid == f.client_id and secret == f.client_secret
    if not ok:
        return Response(
            '{"error":"invalid_client","description":"client not found"}',
            401,
            mimetype="application/json",
        )
    if request.form.get("grant_type") != "client_credentials":
        return Response('{"error":"unsupported_grant_type"}', 400, mimetype="application/json")
    return jsonify(
        {"access_token": f.issue_token(), "token_type": "bearer", "expires_in": f.token_ttl}
    )


def create_fake_app(instance: FakeGenesys) -> Flask:
    """The Flask app of one FakeGenesys."""
    from werkzeug.exceptions import HTTPException

    from service.fakes.genesys_control import control_bp
    from service.fakes.genesys_lifecycle import lifecycle_bp
    from service.fakes.genesys_media import media_bp
    from service.fakes.genesys_routes import api_bp
    from service.fakes.genesys_signin import signin_bp
    from service.fakes.genesys_targets import targets_bp
    from service.fakes.genesys_versions import versions_bp
    from service.fakes.genesys_wfm import wfm_bp

    app = Flask("fake_genesys")
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["fake_genesys"] = instance
    app.before_request(lambda: g.setdefault("correlation_id", str(uuid.uuid4())) and None)
    app.before_request(_before)
    app.after_request(_after)
    app.register_error_handler(FakeError, _on_fake_error)
    app.register_error_handler(HTTPException, _on_http_error)
    app.add_url_rule("/oauth/token", "token", _token, methods=["POST"])
    app.register_blueprint(api_bp)
    app.register_blueprint(targets_bp)
    app.register_blueprint(media_bp)
    app.register_blueprint(control_bp)
    app.register_blueprint(lifecycle_bp)
    app.register_blueprint(signin_bp)
    app.register_blueprint(versions_bp)
    app.register_blueprint(wfm_bp)
    return app


def main(argv: list[str] | None = None) -> None:
    """Run the fake until interrupted."""
    parser = argparse.ArgumentParser(description="Fake Genesys Cloud Platform API (loopback only)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--client-id", default="fake-client")
    parser.add_argument("--client-secret", default="fake-secret")
    parser.add_argument("--rate-limit", type=int, default=0, help="requests per minute per token")
    args = parser.parse_args(argv)
    serve_forever(args.port, args.seed, args.client_id, args.client_secret, args.rate_limit)


def serve_forever(port: int, seed: int, client_id: str, client_secret: str, rate: int) -> None:
    """Start a FakeGenesys on ``port`` and block until Ctrl-C."""
    instance = FakeGenesys(seed, client_id=client_id, client_secret=client_secret, port=port)
    if rate:
        instance.faults.rate_limit(rate)
    instance.start()
    print(f"fake Genesys on {instance.url} (seed {seed}); client {client_id}:{client_secret}")
    print(
        f"  QM_GENESYS_API_HOST={instance.url} QM_GENESYS_CLIENT_ID={client_id} "
        f"QM_GENESYS_CLIENT_SECRET={client_secret}"
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        instance.stop()


if __name__ == "__main__":
    main()
