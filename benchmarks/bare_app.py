"""The yardstick: a bare Flask endpoint that parses the same JSON and answers a flat object."""

from __future__ import annotations

import json

from flask import Flask, Response, jsonify, request

app = Flask(__name__)


@app.post("/data-actions/normalize-score")
def normalize() -> Response:
    """Parse the body and answer the same shape without any of the service's layers."""
    body = json.loads(request.get_data())
    pct = round(body["score"] / body["totalPoints"] * 100, 2) if body["totalPoints"] else 0.0
    return jsonify(
        evaluationId=body["evaluationId"],
        percentage=pct,
        eligible=True,
        belowThreshold=pct < 75,
        threshold=75.0,
        decision="coach" if pct < 75 else "skip",
        reason="below_threshold" if pct < 75 else "meets_threshold",
    )
