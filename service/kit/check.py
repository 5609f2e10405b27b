"""Run every kit check against a checkout: action files, contracts, live runs, flows, Terraform."""

from __future__ import annotations

import json
import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.kit import terraform, tf_files
from service.kit.actions import Action, lint, lint_custom_auth, load_actions, load_custom_auth
from service.kit.contracts import check_contract, registry
from service.kit.emulator import Credential, Emulator
from service.kit.exports import case_warnings, check_export, templates
from service.kit.flows import check_event_input, check_flow

PASS, FAIL, SKIP, WARN = "PASS", "FAIL", "SKIP", "WARN"


@dataclass
class Result:
    """One line of the report, with the problems behind a failure."""

    name: str
    status: str
    problems: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # shown with --verbose


def _result(name: str, problems: list[str]) -> Result:
    return Result(name, FAIL if problems else PASS, problems)


@dataclass
class Target:
    """Where live runs go: a base URL, the integration's credential, optional sample inputs."""

    url: str
    client_id: str
    client_secret: str
    # Field values of real evaluations the service can fetch (the local fake Genesys org),
    # laid over each action's first example so the Genesys-reading paths run too.
    samples: list[dict[str, Any]] = field(default_factory=list)


SAMPLE_EVALUATIONS = 3


def sample_inputs(evaluation: dict[str, Any]) -> dict[str, Any]:
    """The data action input fields a Genesys evaluation provides."""
    return {
        "evaluationId": evaluation["id"],
        "conversationId": evaluation["conversation"]["id"],
        "agentId": evaluation["agent"]["id"],
        "status": evaluation["status"],
        "formId": evaluation["evaluationForm"]["id"],
    }


def pick_samples(
    evaluations: dict[str, dict[str, Any]], users: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The lowest, median and highest scored finished evaluations of active agents."""
    scored = sorted(
        (
            e
            for e in evaluations.values()
            if e["status"] == "FINISHED"
            and (e.get("answers") or {}).get("totalScore", 0) > 0
            and users.get(e["agent"]["id"], {}).get("state") == "active"
        ),
        key=lambda e: (e["answers"]["totalScore"], e["id"]),
    )
    if len(scored) <= SAMPLE_EVALUATIONS:
        return scored
    return [scored[0], scored[len(scored) // 2], scored[-1]]


def _inputs(action: Action, samples: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Every example, then every sample evaluation over the first example."""
    runs = [(f"example {i}", ex) for i, ex in enumerate(action.examples)]
    props = action.input_schema.get("properties", {})
    if samples and action.examples and {"evaluationId", "conversationId"} & set(props):
        for i, sample in enumerate(samples):
            fields = {k: v for k, v in sample.items() if k in props}
            runs.append((f"sample evaluation {i}", {**action.examples[0], **fields}))
    return runs


def check_actions(root: Path) -> tuple[list[Action], list[Result]]:
    """Load and lint every action file."""
    try:
        actions = load_actions(root)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        return [], [Result("data_actions/*.json parse", FAIL, [str(exc)])]
    if not actions:
        return [], [Result("data_actions/*.json", FAIL, ["no action files"])]
    results = [_result(f"action {a.slug}: file shape and escaping", lint(a)) for a in actions]
    for action in actions:
        warnings = case_warnings(templates(action.doc))
        if warnings:
            results.append(Result(f"action {action.slug}: input spelling", WARN, warnings))
    try:
        auth_problems = lint_custom_auth(load_custom_auth(root))
    except (OSError, ValueError) as exc:
        auth_problems = [str(exc)]
    results.append(_result("custom-auth action: file shape and base URL", auth_problems))
    return actions, results


def check_contracts(actions: list[Action]) -> list[Result]:
    """Each contract equals its endpoint's models; each declared route has a file."""
    endpoints = registry()
    results = []
    for action in actions:
        name = f"contract {action.slug}: equals the endpoint's pydantic models"
        endpoint = endpoints.get(action.slug)
        if endpoint is None:
            results.append(Result(name, FAIL, [f"no POST /data-actions/{action.slug} route"]))
        else:
            results.append(_result(name, check_contract(action, endpoint)))
    orphans = sorted(set(endpoints) - {a.slug for a in actions})
    results.append(
        _result(
            "every data action route has a file",
            [f"/data-actions/{s} has no data_actions/{s}.json" for s in orphans],
        )
    )
    return results


def check_live(root: Path, actions: list[Action], target: Target) -> list[Result]:
    """Run every example of every action with both credential types."""
    custom_auth = load_custom_auth(root)
    results = []
    for kind in ("basicAuth", "userDefinedOAuth"):
        credential = (
            Credential.basic(target.client_id, target.client_secret)
            if kind == "basicAuth"
            else Credential.oauth(target.client_id, target.client_secret)
        )
        emulator = Emulator(target.url, credential, custom_auth)
        for action in actions:
            failed: dict[str, list[str]] = {}
            runs = _inputs(action, target.samples)
            for label, inputs in runs:
                outcome = emulator.run(action, inputs)
                if not outcome.ok:
                    error = " ".join(f"{outcome.path}: {outcome.error}".split())
                    failed.setdefault(error, []).append(label)
            problems = [f"{', '.join(labels)}: {err}" for err, labels in failed.items()]
            name = f"live {action.slug} ({kind}): {len(runs)} run(s) succeed"
            results.append(_result(name, problems))
    return results


def check_flows(root: Path, actions: list[Action], config: terraform.Config) -> list[Result]:
    """Every workflow file against the Archy shape, the actions and the substitutions."""
    by_slug = {a.slug: a for a in actions}
    subs = terraform.flow_substitutions(config)
    targets = terraform.trigger_target_files(config)
    category = terraform.action_category(config)
    results = []
    for path in sorted((root / "architect").glob("*.yaml")):
        problems = check_flow(path, subs.get(path.name, {}), by_slug, category)
        if path.name in targets:
            problems += check_event_input(path)
        results.append(_result(f"flow {path.name}: Archy shape, actions, placeholders", problems))
    called = {slug for flow in subs.values() for slug in flow.values()}
    readme_path = root / "architect" / "README.md"
    readme = readme_path.read_text(encoding="utf-8") if readme_path.exists() else ""
    lonely = [s for s in sorted(set(by_slug) - called) if f"`{s}`" not in readme]
    results.append(
        _result(
            "every action is called by a workflow or documented in architect/README.md",
            [f"{s}: no workflow calls it and architect/README.md does not name it" for s in lonely],
        )
    )
    return results


def check_terraform(root: Path, actions: list[Action], config: terraform.Config) -> list[Result]:
    """Parse and wire-check ``terraform/``; run ``terraform fmt -check`` when installed."""
    if config.errors or not config.files:
        return [Result("terraform: every .tf parses", FAIL, config.errors or ["no .tf files"])]
    slugs = [a.slug for a in actions]
    checks: list[tuple[str, Callable[[], list[str]]]] = [
        ("terraform: every .tf parses", lambda: []),
        (
            "terraform: no dangling reference, no unused variable",
            lambda: terraform.check_references(config),
        ),
        (
            "terraform: variables typed and described, secrets sensitive",
            lambda: terraform.check_variables(config),
        ),
        (
            "terraform: Velocity ${} escaped as $${} in HCL",
            lambda: terraform.check_velocity_escaped(config),
        ),
        (
            "terraform: OAuth header matches the emulator",
            lambda: terraform.check_oauth_header(config),
        ),
        (
            "terraform: one action per data action file",
            lambda: terraform.check_actions_wired(config, slugs),
        ),
        (
            "terraform: every workflow deployed, after its actions",
            lambda: terraform.check_flows_wired(config, root),
        ),
        (
            "terraform: a re-created action republishes the workflows that call it",
            lambda: terraform.check_flow_republish(config),
        ),
        ("terraform: v2.quality.evaluations trigger", lambda: terraform.check_trigger(config)),
        (
            "terraform: every workflow the trigger may start is deployed",
            lambda: terraform.check_trigger_targets(config),
        ),
        (
            "terraform: no state, local tfvars, secret or debug flag committed",
            lambda: tf_files.check_committed_files(root),
        ),
    ]
    results = [_result(name, fn()) for name, fn in checks]
    ok, output = tf_files.check_fmt(root)
    if ok is None:
        results.append(Result("terraform fmt -check", SKIP, [output]))
    else:
        results.append(_result("terraform fmt -check", [] if ok else output.splitlines()))
    return results


@contextmanager
def local_service() -> Iterator[Target]:
    """This checkout's app on a loopback port, with a throwaway database and credential, reading
    evaluations from a local fake Genesys org."""
    from service import create_app
    from service.db import get_db
    from service.fakes.genesys import FakeGenesys
    from service.fakes.server import serving
    from service.migrate import upgrade
    from service.settings import Settings

    with tempfile.TemporaryDirectory(prefix="qmloop-kit-") as tmp, FakeGenesys(seed=1) as fake:
        secret = secrets.token_urlsafe(24)
        settings = Settings(
            database_url=f"sqlite:///{Path(tmp) / 'kit.db'}",
            instance_path=Path(tmp),
            client_id="qmloop-kit-check",
            client_secret=secret,
            secret_key=secrets.token_urlsafe(24),
            genesys_api_host=fake.url,
            genesys_client_id=fake.client_id,
            genesys_client_secret=fake.client_secret,
            log_json=False,
            log_level="WARNING",
        )
        samples = [sample_inputs(e) for e in pick_samples(fake.org.evaluations, fake.org.users)]
        app = create_app(settings)
        upgrade(get_db(app).engine)
        try:
            with serving(app) as server:
                yield Target(server.url, settings.client_id, secret, samples)
        finally:
            get_db(app).dispose()


def export_results(paths: list[Path], response_text: str | None = None) -> list[Result]:
    """One exported action per path, checked offline (render, translate, validate), plus a
    warning line for undocumented spellings such as ``$Input.x``."""
    results = []
    for path in paths:
        report = check_export(path, response_text)
        source = "given response" if response_text is not None else "sample response"
        name = f"export {path.name} ({report.name}): request renders, {source} translates"
        result = _result(name, report.problems)
        result.details = [
            f"inputs: {json.dumps(report.inputs, ensure_ascii=False)}",
            *(f"{k}: {v}" for k, v in report.request.items()),
            f"response: {report.response[:500]}",
            f"output: {json.dumps(report.output, ensure_ascii=False)[:500]}",
        ]
        results.append(result)
        if report.warnings:
            results.append(Result(f"export {path.name}: warnings", WARN, report.warnings))
    return results


def run_all(root: Path, target: Target | None, live: bool = True) -> list[Result]:
    """Every check, in the order an admin fixes them."""
    actions, results = check_actions(root)
    config = terraform.load(root)
    results += check_contracts(actions)
    if live and actions:
        if target is None:
            with local_service() as local:
                results += check_live(root, actions, local)
        else:
            results += check_live(root, actions, target)
    elif actions:
        results.append(Result("live runs", SKIP, ["--no-live given"]))
    results += check_flows(root, actions, config)
    results += check_terraform(root, actions, config)
    return results
