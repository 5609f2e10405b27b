"""terraform/: parses, every action and flow is wired, nothing dangles, nothing secret committed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest

from service.kit import terraform, tf_files
from tests.kit.kit_helpers import ROOT, SLUGS, edit_tf

TF_FILES = sorted((ROOT / "terraform").rglob("*.tf"))


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: str(p.relative_to(ROOT / "terraform")))
def test_every_tf_file_parses(path: Path) -> None:
    assert hcl2.loads(path.read_text())


def test_the_real_configuration_passes_every_check() -> None:
    config = terraform.load(ROOT)
    assert config.errors == []
    assert terraform.check_references(config) == []
    assert terraform.check_variables(config) == []
    assert terraform.check_velocity_escaped(config) == []
    assert terraform.check_oauth_header(config) == []
    assert terraform.check_actions_wired(config, SLUGS) == []
    assert terraform.check_flows_wired(config, ROOT) == []
    assert terraform.check_trigger(config) == []
    assert tf_files.check_committed_files(ROOT) == []


def test_flow_substitutions_name_the_actions() -> None:
    subs = terraform.flow_substitutions(terraform.load(ROOT))
    assert subs["triage-evaluation.yaml"]["triage_action_name"] == "triage-evaluation"


def test_both_credential_types_are_supported() -> None:
    text = (ROOT / "terraform" / "variables.tf").read_text()
    assert '"basicAuth", "userDefinedOAuth"' in text
    integration = (ROOT / "terraform" / "integration.tf").read_text()
    assert "genesyscloud_integration_custom_auth_action" in integration


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed")
def test_terraform_fmt_is_clean() -> None:
    proc = subprocess.run(
        ["terraform", "fmt", "-check", "-recursive", str(ROOT / "terraform")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout


def test_a_file_that_does_not_parse_is_caught(checkout: Path) -> None:
    config = edit_tf(checkout, "flows.tf", "for_each = local.flows", "for_each = = local.flows")
    assert config.errors and "flows.tf" in config.errors[0]


@pytest.mark.parametrize(
    ("name", "old", "new", "check", "expected"),
    [
        (
            "triggers.tf",
            "var.trigger_enabled",
            "var.trigger_on",
            "check_references",
            "var.trigger_on is not declared",
        ),
        (
            "flows.tf",
            "local.architect_dir",
            "local.flow_dir",
            "check_references",
            "local.flow_dir is not declared",
        ),
        (
            "triggers.tf",
            "genesyscloud_flow.workflow",
            "genesyscloud_flow.flows",
            "check_references",
            "genesyscloud_flow.flows is not declared",
        ),
        (
            "locals.tf",
            "var.retry_wait_seconds)",
            '"30")',
            "check_references",
            "'retry_wait_seconds' is never used",
        ),
        (
            "locals.tf",
            "$${authResponse",
            "${authResponse",
            "check_velocity_escaped",
            "${authResponse...} is Velocity",
        ),
        (
            "locals.tf",
            "$${authResponse.access_token}",
            "$${authResponse.token}",
            "check_oauth_header",
            "expected Authorization",
        ),
        (
            "triggers.tf",
            '"v2.quality.evaluations"',
            '"v2.quality.evaluation"',
            "check_trigger",
            "topic_name",
        ),
        ("triggers.tf", '"Json"', '"TopLevelPrimitives"', "check_trigger", "data_format"),
        (
            "triggers.tf",
            "  event_ttl_seconds = var.trigger_event_ttl_seconds\n",
            "",
            "check_trigger",
            "event_ttl_seconds",
        ),
        ("variables.tf", "  sensitive   = true\n", "", "check_variables", "must be sensitive"),
        (
            "modules/acw_trigger/main.tf",
            '"Json"',
            '"TopLevelPrimitives"',
            "check_trigger",
            "modules/acw_trigger: genesyscloud_processautomation_trigger.this: use data_format",
        ),
        (
            "modules/acw_trigger/main.tf",
            "var.delay_seconds\n",
            "var.delay\n",
            "check_references",
            "modules/acw_trigger: var.delay is not declared",
        ),
        (
            "scoring.tf",
            'genesyscloud_flow.workflow["score-transcript"].id',
            'genesyscloud_integration_action.action["score-transcript"].id',
            "check_trigger",
            "genesyscloud_processautomation_trigger.this: target must be a genesyscloud_flow",
        ),
        (
            "sentiment.tf",
            "  delay_seconds = var.sentiment_trigger_delay_seconds\n",
            "  delay_seconds = var.sentiment_trigger_delay_seconds\n  delay = 60\n",
            "check_references",
            "module 'sentiment_trigger': delay is not a variable of the module",
        ),
        (
            "sentiment.tf",
            '  flow_id       = genesyscloud_flow.workflow["evaluate-sentiment"].id\n',
            "",
            "check_references",
            "module 'sentiment_trigger': flow_id has no default and is not given",
        ),
        (
            "scoring.tf",
            '"./modules/acw_trigger"',
            '"./modules/acw"',
            "check_references",
            "module 'scoring_trigger': source must be ./modules/",
        ),
        (
            "variables.tf",
            "  validation {\n    condition     = length(trimspace(var.division)) > 0\n"
            '    error_message = "division must not be empty."\n  }\n',
            "",
            "check_variables",
            "'division' has no validation block",
        ),
    ],
)
def test_a_broken_configuration_is_caught(
    checkout: Path, name: str, old: str, new: str, check: str, expected: str
) -> None:
    config = edit_tf(checkout, name, old, new)
    problems = getattr(terraform, check)(config)
    assert any(expected in p for p in problems), problems


def test_a_flow_without_depends_on_is_caught(checkout: Path) -> None:
    config = edit_tf(
        checkout, "flows.tf", "depends_on = [genesyscloud_integration_action.action]", ""
    )
    assert any("depends_on" in p for p in terraform.check_flows_wired(config, checkout))


def test_an_undeployed_or_missing_flow_file_is_caught(checkout: Path) -> None:
    (checkout / "architect" / "extra.yaml").write_text("workflow: {}\n")
    (checkout / "architect" / "coach-step-by-step.yaml").unlink()
    problems = terraform.check_flows_wired(terraform.load(checkout), checkout)
    assert any("extra.yaml is not deployed" in p for p in problems)
    assert any("coach-step-by-step.yaml is listed" in p for p in problems)


def test_an_action_reference_without_a_file_is_caught(checkout: Path) -> None:
    (checkout / "data_actions" / "check-duplicate.json").unlink()
    config = terraform.load(checkout)
    slugs = [p.stem for p in (checkout / "data_actions").glob("*.json")]
    assert any(
        "check-duplicate.json is missing" in p for p in terraform.check_actions_wired(config, slugs)
    )


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("terraform.tfstate", "{}", "terraform.tfstate must not be committed"),
        ("prod.auto.tfvars", 'service_base_url = "x"\n', "must not be committed"),
        ("debug.tf", 'provider "genesyscloud" {\n  sdk_debug = true\n}\n', "sdk_debug"),
        ("example.tfvars", 'qmloop_client_secret = "hunter2hunter2hunter2"\n', "holds a secret"),
    ],
)
def test_committed_secrets_state_and_debug_are_caught(
    checkout: Path, name: str, content: str, expected: str
) -> None:
    (checkout / "terraform" / name).write_text(content)
    assert any(expected in p for p in tf_files.check_committed_files(checkout))


def test_trigger_targets_are_read_from_the_variable() -> None:
    config = terraform.load(ROOT)
    assert terraform.trigger_targets(config) == ["triage-evaluation", "coach-step-by-step"]
    assert terraform.trigger_target_files(config) == {
        "triage-evaluation.yaml",
        "coach-step-by-step.yaml",
    }


def test_a_trigger_target_that_is_not_deployed_is_caught(checkout: Path) -> None:
    config = edit_tf(checkout, "variables.tf", '"coach-step-by-step"], var.trigger_workflow',
                   '"coach-step-by-step", "nightly"], var.trigger_workflow')  # fmt: skip
    assert terraform.check_trigger_targets(config) == [
        "trigger target 'nightly' is not in local.flows"
    ]


def test_a_second_trigger_on_another_topic_is_accepted(checkout: Path) -> None:
    with (checkout / "terraform" / "triggers.tf").open("a") as fh:
        fh.write(
            '\nresource "genesyscloud_processautomation_trigger" "acw" {\n'
            '  name       = "acw"\n'
            '  topic_name = "v2.detail.events.conversation.{id}.acw"\n'
            "  enabled    = true\n"
            "  target {\n"
            '    id   = genesyscloud_flow.workflow["triage-evaluation"].id\n'
            '    type = "Workflow"\n'
            "    workflow_target_settings {\n"
            '      data_format = "Json"\n'
            "    }\n"
            "  }\n"
            "  event_ttl_seconds = 60\n"
            "}\n"
        )
    config = terraform.load(checkout)
    assert terraform.check_trigger(config) == []
    assert terraform.check_references(config) == []


def test_a_variable_is_validated_by_the_module_input_it_is_passed_to(checkout: Path) -> None:
    config = terraform.load(checkout)
    assert "sentiment_trigger_delay_seconds" in terraform.validated_by_modules(config)
    config = edit_tf(
        checkout,
        "modules/acw_trigger/variables.tf",
        "  validation {\n    condition     = var.delay_seconds >= 60 && var.delay_seconds <= 900\n"
        "    error_message = \"delay_seconds must be between 60 and 900 (the trigger's "
        'delay_by_seconds range)."\n  }\n',
        "",
    )
    assert sorted(terraform.check_variables(config)) == [
        "modules/acw_trigger: variable 'delay_seconds' has no validation block",
        "variable 'scoring_trigger_delay_seconds' has no validation block",
        "variable 'sentiment_trigger_delay_seconds' has no validation block",
    ]


def test_an_unused_module_folder_is_caught(checkout: Path) -> None:
    shutil.copytree(
        checkout / "terraform" / "modules" / "acw_trigger",
        checkout / "terraform" / "modules" / "spare",
    )
    problems = terraform.check_references(terraform.load(checkout))
    assert problems == ["modules/spare is not used by any module block"]


def test_the_acw_triggers_are_one_module_called_twice() -> None:
    config = terraform.load(ROOT)
    calls = config.module_calls()
    assert {n: str(c["delay_seconds"]) for n, c in calls.items()} == {
        "scoring_trigger": "${var.scoring_trigger_delay_seconds}",
        "sentiment_trigger": "${var.sentiment_trigger_delay_seconds}",
    }
    assert {config.called_module(c) is config.modules["acw_trigger"] for c in calls.values()} == {
        True
    }
    variables = config.variables()
    assert terraform.unquote(variables["scoring_trigger_delay_seconds"]["default"]) == 120
    assert terraform.unquote(variables["sentiment_trigger_delay_seconds"]["default"]) == 300
