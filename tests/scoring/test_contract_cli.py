"""The data action JSON matches the service's models; ``qmloop score`` and ``qmloop eval``."""

from __future__ import annotations

import json

from click.testing import CliRunner

from service.cli import main
from service.scoring.schemas import ScoreTranscriptIn, ScoreTranscriptOut
from tests.scoring.conftest import EXAMPLES, GOOD_TURNS, ROOT

ACTION = json.loads((ROOT / "data_actions" / "score-transcript.json").read_text())
ACTION_EXAMPLES = json.loads(
    (ROOT / "data_actions" / "examples" / "score-transcript.json").read_text()
)


def test_data_action_contract_matches_the_models():
    inp = ACTION["contract"]["input"]["inputSchema"]
    assert set(inp["properties"]) == set(ScoreTranscriptIn.model_fields)
    required = {n for n, f in ScoreTranscriptIn.model_fields.items() if f.is_required()}
    assert set(inp["required"]) == required == {"conversationId"}
    out = ACTION["contract"]["output"]["successSchema"]
    assert set(out["properties"]) == set(ScoreTranscriptOut.model_fields) == set(out["required"])
    assert set(ACTION["config"]["response"]["translationMap"]) == set(out["properties"])
    assert ACTION["config"]["request"]["requestUrlTemplate"].endswith(
        "/data-actions/score-transcript"
    )


def test_contract_examples_are_accepted_by_the_endpoint(app, auth):
    for example in ACTION_EXAMPLES:
        resp = app.test_client().post("/data-actions/score-transcript", json=example, headers=auth)
        assert resp.status_code == 200
        assert set(resp.get_json()) == set(ScoreTranscriptOut.model_fields)


def _env(fake_llm):
    return {"QM_LLM_BASE_URL": fake_llm.base_url, "QM_LLM_MODEL": "fake-judge"}


def test_qmloop_score_json(fake_llm):
    runner = CliRunner()
    args = [
        "score",
        str(EXAMPLES / "transcripts" / "abcd_3592.json"),
        "--scorecard",
        str(EXAMPLES / "scorecards" / "retail_support.yaml"),
        "--format",
        "json",
    ]
    res = runner.invoke(main, args, env=_env(fake_llm))
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    for key in ("scorecardId", "scorecardVersion", "model", "promptVersion", "percentage"):
        assert key in out
    assert out["needsReview"] is False and out["reviewReasons"] == []
    assert out["model"] == "fake-judge" and out["scorecardVersion"] == "2024-06"
    assert len(out["items"]) == 5
    for item in out["items"]:
        assert {"id", "answer", "score", "method", "verified", "evidence"} <= set(item)
        assert item["method"] in ("llm", "phrase")
        for ev in item["evidence"]:
            assert set(ev) >= {"turn", "quote", "verified"} and isinstance(ev["turn"], int)


def test_qmloop_score_table_and_bad_input(fake_llm, tmp_path):
    runner = CliRunner()
    card = str(EXAMPLES / "scorecards" / "retail_support.yaml")
    t = str(EXAMPLES / "genesys" / "transcript.json")
    res = runner.invoke(main, ["score", t, "--scorecard", card], env=_env(fake_llm))
    assert res.exit_code == 0 and "percentage:" in res.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"turns": []}')
    res = runner.invoke(main, ["score", str(bad), "--scorecard", card], env=_env(fake_llm))
    assert res.exit_code != 0 and "non-empty" in res.output


def test_qmloop_score_without_llm_is_needs_review(tmp_path):
    res = CliRunner().invoke(
        main,
        [
            "score",
            str(EXAMPLES / "transcripts" / "abcd_3592.json"),
            "--scorecard",
            str(EXAMPLES / "scorecards" / "retail_support.yaml"),
            "--format",
            "json",
        ],
        env={"QM_LLM_BASE_URL": "", "QM_LLM_MODEL": ""},
    )
    # The result is still printed (needs review), but the command could not score: exit 1.
    out = json.loads(res.stdout)
    assert out["needsReview"] and out["reviewReasons"][0] == "llm_not_configured"
    assert res.exit_code == 1 and "error: no model configured: set QM_LLM_BASE_URL" in res.stderr


def test_qmloop_eval_reports_accuracy_and_kappa(fake_llm, tmp_path):
    turns = [{"speaker": s, "text": t} for s, t in GOOD_TURNS]
    for i in range(4):
        doc = {"turns": turns if i % 2 == 0 else turns[:1] + turns[4:5] + turns[7:]}
        doc["labels"] = {"identity": "Yes" if i % 2 == 0 else "No", "courtesy": "Yes"}
        (tmp_path / f"t{i}.json").write_text(json.dumps(doc))
    (tmp_path / "t4.json").write_text(json.dumps({"turns": turns}))
    (tmp_path / "t4.labels.json").write_text(json.dumps({"identity": "No"}))
    res = CliRunner().invoke(
        main,
        [
            "eval",
            str(tmp_path),
            "--scorecard",
            str(EXAMPLES / "scorecards" / "retail_support.yaml"),
            "--format",
            "json",
        ],
        env=_env(fake_llm),
    )
    assert res.exit_code == 0, res.output
    report = json.loads(res.output[res.output.index("{") :])
    q = {x["id"]: x for x in report["questions"]}
    assert report["transcripts"] == 5
    assert q["identity"]["n"] == 5 and q["identity"]["accuracy"] == 0.8
    assert q["courtesy"]["accuracy"] == 1.0 and q["greeting"]["n"] == 0
    assert q["identity"]["kappa"] is not None and q["identity"]["kappa"] < 1


def test_score_batch_writes_json_lines_with_progress(fake_llm, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for p in (EXAMPLES / "transcripts").glob("*.json"):
        (src / p.name).write_text(p.read_text())
    (src / "broken.json").write_text('{"nope": 1}')
    out = tmp_path / "out.jsonl"
    res = CliRunner().invoke(
        main,
        [
            "score-batch",
            str(src),
            "--scorecard",
            str(EXAMPLES / "scorecards" / "retail_support.yaml"),
            "--out",
            str(out),
            "--workers",
            "2",
        ],
        env=_env(fake_llm),
    )
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 4 and sum("error" in r for r in rows) == 1
    assert "scored 4/4" in res.output and "4 transcripts scored, 1 need review" in res.output
