"""The fake Genesys's evaluation versions, and the write-back payload, against the SDK models."""

from __future__ import annotations

import pytest
import requests

from service.disputes import rules, sync
from service.disputes.models import Review

from .test_disputes_genesys import choose

pytest.importorskip("PureCloudPlatformClientV2")
from genesys.test_genesys_sdk_models import check


def _review(ev, form) -> Review:
    return Review(
        evaluation_id=ev["id"],
        conversation_id=ev["conversation"]["id"],
        agent_id=ev["agent"]["id"],
        evaluator_id=ev["evaluator"]["id"],
        form_id=form["id"],
        questions=rules.question_table(ev, form),
    )


def test_write_back_body_is_an_sdk_evaluation_and_makes_one_version(fake, gclient):
    ev, changes = choose(fake)
    form = fake.org.forms[ev["evaluationForm"]["id"]]
    current = gclient.get_evaluation(ev["conversation"]["id"], ev["id"])
    body = sync.writeback_body(_review(ev, form), current, changes)
    check(body, "Evaluation")

    updated = gclient.update_evaluation(ev["conversation"]["id"], ev["id"], body)
    assert check(updated, "EvaluationResponse").version == 2
    assert rules.changes_applied(updated["answers"], changes)
    # The same PUT again (a retry whose first answer was lost) makes no third version.
    again = gclient.update_evaluation(ev["conversation"]["id"], ev["id"], body)
    assert again["version"] == 2

    kept = requests.get(f"{fake.url}/__fake__/evaluations/{ev['id']}/versions").json()
    assert [(v["version"], v["status"]) for v in kept["entities"]] == [
        (1, "RETRACTED"),
        (2, "FINISHED"),
    ]
    for version in kept["entities"]:
        check(version, "EvaluationResponse")
    assert kept["entities"][0]["answers"] == ev["answers"]  # the earlier version as it was


def test_a_status_only_put_still_makes_a_version(fake, gclient):
    ev, _ = choose(fake)
    got = gclient.update_evaluation(ev["conversation"]["id"], ev["id"], {"status": "INREVIEW"})
    assert (got["version"], got["status"]) == (2, "INREVIEW")
