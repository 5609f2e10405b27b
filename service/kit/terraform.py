"""Check ``terraform/`` without the provider: parse every file, follow every reference.

The Genesys provider cannot be downloaded here, so ``terraform validate`` cannot run; these
checks cover what it would catch for this configuration (dangling references, unused
variables) and what it would not (every action file deployed, every flow file present,
Velocity left un-interpolated, no secrets or state committed).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

from service.kit.emulator import OAUTH_HEADER

TF_NAMESPACES = {"var", "local", "each", "path", "count", "data", "module", "self", "terraform"}
_INTERPOLATION = re.compile(r"(?<!\$)\$\{\s*([A-Za-z_][\w-]*+)(?!\s*\()")
_FOR_VARS = re.compile(r"\bfor\s+(\w+)(?:\s*,\s*(\w+))?\s+in\b")
_REF = re.compile(r"\b(var|local)\.([A-Za-z_][\w-]*)")
_RESOURCE_REF = re.compile(r"\b(genesyscloud_[a-z_]+)\.([A-Za-z_][\w-]*)")
_ACTION_KEY = re.compile(r'genesyscloud_integration_action\.action\["([^"]+)"\]')
_COMMENT = re.compile(r"(?m)(#|//).*$")
SECRET_NAMES = re.compile(r"(?i)secret|password|token")


@dataclass
class Config:
    """The parsed Terraform configuration of a checkout."""

    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def blocks(self, kind: str) -> list[dict[str, Any]]:
        return [b for doc in self.files.values() for b in doc.get(kind, [])]

    def variables(self) -> dict[str, dict[str, Any]]:
        return {unquote(k): v for b in self.blocks("variable") for k, v in b.items()}

    def locals(self) -> dict[str, Any]:
        return {k: v for b in self.blocks("locals") for k, v in b.items()}

    def resources(self) -> dict[str, dict[str, Any]]:
        found = {}
        for block in self.blocks("resource"):
            for kind, named in block.items():
                for name, body in named.items():
                    found[f"{unquote(kind)}.{unquote(name)}"] = body
        return found

    def text(self) -> str:
        """All files, comments removed."""
        return "\n".join(_COMMENT.sub("", t) for t in self.raw.values())


def unquote(value: Any) -> Any:
    """python-hcl2 keeps string quotes; drop them."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def load(root: Path) -> Config:
    """Parse every ``terraform/*.tf``; parse errors are collected, not raised."""
    config = Config()
    for path in sorted((root / "terraform").glob("*.tf")):
        text = path.read_text(encoding="utf-8")
        config.raw[path.name] = text
        try:
            config.files[path.name] = hcl2.loads(text)
        except Exception as exc:  # python-hcl2 raises lark errors of many types
            config.errors.append(f"{path.name}: does not parse: {str(exc).splitlines()[0]}")
    return config


def flow_substitutions(config: Config) -> dict[str, dict[str, str]]:
    """Flow file -> {placeholder: action slug, or the literal/expression text}."""
    flows = config.locals().get("flows", {})
    found = {}
    for entry in flows.values():
        subs = {}
        for key, value in (entry.get("substitutions") or {}).items():
            match = _ACTION_KEY.search(str(value))
            subs[key] = match.group(1) if match else str(unquote(value))
        found[str(unquote(entry.get("file")))] = subs
    return found


def check_references(config: Config) -> list[str]:
    """Dangling ``var.``/``local.``/resource references and unused variables."""
    text = config.text()
    variables = config.variables()
    local_names = set(config.locals())
    resources = set(config.resources())
    problems = []
    used_vars = set()
    for kind, name in set(_REF.findall(text)):
        if kind == "var":
            used_vars.add(name)
            if name not in variables:
                problems.append(f"var.{name} is not declared")
        elif name not in local_names:
            problems.append(f"local.{name} is not declared")
    for kind, name in set(_RESOURCE_REF.findall(text)):
        if f"{kind}.{name}" not in resources:
            problems.append(f"{kind}.{name} is not declared")
    for name in sorted(used_vars & set(variables)):
        # A variable's own validation block does not count as a use.
        pattern = re.compile(rf"\bvar\.{re.escape(name)}\b")
        if len(pattern.findall(text)) <= len(pattern.findall(str(variables[name]))):
            used_vars.discard(name)
    problems += [f"variable {v!r} is never used" for v in sorted(set(variables) - used_vars)]
    return sorted(problems)


def check_variables(config: Config) -> list[str]:
    """Each variable has a type and a description; secrets are sensitive with no default."""
    problems = []
    for name, body in config.variables().items():
        if not unquote(body.get("description", "")):
            problems.append(f"variable {name!r} has no description")
        if "type" not in body:
            problems.append(f"variable {name!r} has no type")
        elif body["type"] != "bool" and "validation" not in body:
            problems.append(f"variable {name!r} has no validation block")
        if SECRET_NAMES.search(name):
            if body.get("sensitive") is not True:
                problems.append(f"variable {name!r} must be sensitive")
            if "default" in body:
                problems.append(f"variable {name!r} must not have a default")
    return problems


def check_velocity_escaped(config: Config) -> list[str]:
    """Velocity ``${x}`` written in HCL must be ``$${x}`` or Terraform interpolates it."""
    problems = []
    for name, text in config.raw.items():
        code = _COMMENT.sub("", text)
        bound = {v for pair in _FOR_VARS.findall(code) for v in pair if v}
        for ident in _INTERPOLATION.findall(code):
            if ident not in TF_NAMESPACES | bound and not ident.startswith("genesyscloud_"):
                problems.append(f"{name}: ${{{ident}...}} is Velocity; write $${{{ident}...}}")
    return problems


def check_oauth_header(config: Config) -> list[str]:
    """The Bearer header Terraform adds equals the one the emulator sends."""
    wanted = OAUTH_HEADER[1].replace("${", "$${")
    if f'{OAUTH_HEADER[0]} = "{wanted}"' not in config.text():
        return [f'locals: expected {OAUTH_HEADER[0]} = "{wanted}" for User Defined OAuth']
    return []


def check_fmt(root: Path) -> tuple[bool | None, str]:
    """``terraform fmt -check``: None when terraform is not installed."""
    binary = shutil.which("terraform")
    if binary is None:
        return None, "terraform not installed"
    proc = subprocess.run(
        [binary, "fmt", "-check", "-recursive", "-no-color", str(root / "terraform")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc.returncode == 0, proc.stdout.strip()


def tracked_files(root: Path) -> list[Path]:
    """Files under ``terraform/`` that git tracks (every file when this is not a git checkout)."""
    tf = root / "terraform"
    git = shutil.which("git")
    if git is not None:
        proc = subprocess.run(
            [git, "-C", str(root), "ls-files", "-z", "--", "terraform"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if proc.returncode == 0:
            return [root / name for name in proc.stdout.split("\0") if name]
    return [p for p in tf.rglob("*") if p.is_file()]


def check_committed_files(root: Path) -> list[str]:
    """No state, plan, local tfvars or provider cache; no debug flag; no secret in tfvars."""
    problems = []
    for path in tracked_files(root):
        rel = path.relative_to(root)
        name = path.name
        if (
            ".terraform" in rel.parts
            or ".tfstate" in name
            or name.endswith(".tfplan")
            or name == "terraform.tfvars"
            or name.endswith(".auto.tfvars")
        ):
            problems.append(f"{rel} must not be committed")
        elif name.endswith(".tf") and re.search(r"sdk_debug\s*=\s*true", path.read_text("utf-8")):
            problems.append(f"{rel}: sdk_debug = true")
        elif name.endswith(".tfvars"):
            problems += _secrets_in_tfvars(path, rel)
    return problems


def _secrets_in_tfvars(path: Path, rel: Path) -> list[str]:
    problems = []
    for line in path.read_text(encoding="utf-8").splitlines():
        key = line.split("=", 1)[0].strip()
        if "=" in line and not line.lstrip().startswith("#") and SECRET_NAMES.search(key):
            problems.append(f"{rel}: {key} holds a secret")
    return problems


def check_actions_wired(config: Config, slugs: list[str]) -> list[str]:
    """One action resource per data action file, and no reference to a missing file."""
    problems = []
    action = config.resources().get("genesyscloud_integration_action.action")
    if action is None or "local.actions" not in str(action.get("for_each")):
        problems.append("genesyscloud_integration_action.action must use for_each = local.actions")
    source = str(config.locals().get("actions", ""))
    if "fileset(local.data_actions_dir" not in source or '"*.json"' not in source:
        problems.append('local.actions must read fileset(local.data_actions_dir, "*.json")')
    if '"../data_actions"' not in str(config.locals().get("data_actions_dir", "")).replace(
        "${path.module}/", ""
    ):
        problems.append("local.data_actions_dir must be ${path.module}/../data_actions")
    for slug in sorted(set(_ACTION_KEY.findall(config.text())) - set(slugs)):
        problems.append(f'action["{slug}"] is referenced but data_actions/{slug}.json is missing')
    return problems


def check_flows_wired(config: Config, root: Path) -> list[str]:
    """Every flow entry has its file, every workflow file is deployed, flows wait for actions."""
    problems = []
    listed = set(flow_substitutions(config))
    files = {p.name for p in (root / "architect").glob("*.yaml")}
    problems += [
        f"architect/{f} is listed in local.flows but missing" for f in sorted(listed - files)
    ]
    problems += [
        f"architect/{f} is not deployed (add it to local.flows)" for f in sorted(files - listed)
    ]
    flow = config.resources().get("genesyscloud_flow.workflow")
    if flow is None or "local.flows" not in str(flow.get("for_each")):
        return problems + ["genesyscloud_flow.workflow must use for_each = local.flows"]
    if "genesyscloud_integration_action.action" not in str(flow.get("depends_on")):
        problems.append("genesyscloud_flow.workflow must depends_on the data actions")
    if "architect_dir" not in str(flow.get("filepath")):
        problems.append("genesyscloud_flow.workflow filepath must be under local.architect_dir")
    return problems


def flow_actions(config: Config) -> dict[str, list[str]]:
    """Flow key -> the action slugs its ``actions`` list names (the update_trigger_hash input)."""
    flows = config.locals().get("flows", {})
    return {
        str(unquote(key)): [str(unquote(s)) for s in entry.get("actions") or []]
        for key, entry in flows.items()
    }


def check_flow_republish(config: Config) -> list[str]:
    """Each workflow's ``update_trigger_hash`` covers its file and the ids of the actions it
    calls, so an action re-created by a contract change (new id) republishes the workflow."""
    problems = []
    flows = config.locals().get("flows", {})
    listed = flow_actions(config)
    for key, entry in flows.items():
        name = str(unquote(key))
        called = {
            m.group(1)
            for value in (entry.get("substitutions") or {}).values()
            if (m := _ACTION_KEY.search(str(value)))
        }
        if set(listed[name]) != called:
            problems.append(
                f"local.flows[{name!r}].actions is {sorted(listed[name])}, its substitutions "
                f"call {sorted(called)}"
            )
    flow = config.resources().get("genesyscloud_flow.workflow", {})
    hashed = str(flow.get("update_trigger_hash", ""))
    if "each.value.actions" not in hashed or ".id" not in hashed:
        problems.append(
            "genesyscloud_flow.workflow: update_trigger_hash must include the ids of "
            "genesyscloud_integration_action.action[each.value.actions]"
        )
    if "filesha256" not in hashed:
        problems.append(
            "genesyscloud_flow.workflow: update_trigger_hash must include the flow file's "
            "filesha256 (it replaces the provider's own file hash)"
        )
    return problems


def check_trigger(config: Config) -> list[str]:
    """Every trigger: Json data, an event TTL, a workflow target; one on finished evaluations."""
    triggers = {
        k: b
        for k, b in config.resources().items()
        if k.startswith("genesyscloud_processautomation_trigger.")
    }
    problems = []
    for key, body in triggers.items():
        if "'data_format': '\"Json\"'" not in str(body):
            problems.append(f'{key}: use data_format = "Json" (flows read Flow.jsonData)')
        if "event_ttl_seconds" not in body and "delay_by_seconds" not in body:
            problems.append(f"{key}: needs event_ttl_seconds")
        if "event_ttl_seconds" in body and "delay_by_seconds" in body:
            problems.append(f"{key}: cannot set both event_ttl_seconds and delay_by_seconds")
        if "genesyscloud_flow." not in str(body.get("target")):
            problems.append(f"{key}: target must be a genesyscloud_flow")
    evaluation = [
        b for b in triggers.values() if unquote(b.get("topic_name")) == "v2.quality.evaluations"
    ]
    if not evaluation:
        problems.append("no trigger on topic_name v2.quality.evaluations")
    elif not any('value = "Finished"' in str(b.get("match_criteria")) for b in evaluation):
        problems.append('the v2.quality.evaluations trigger must match status "Finished"')
    elif not any("event_ttl_seconds" in b for b in evaluation):
        problems.append("the v2.quality.evaluations trigger needs event_ttl_seconds")
    return problems


def trigger_targets(config: Config) -> list[str]:
    """The workflow keys ``var.trigger_workflow`` may name (from its validation list)."""
    body = config.variables().get("trigger_workflow", {})
    match = re.search(r"contains\(\[([^\]]*)\]", str(body.get("validation", "")))
    return re.findall(r'\\?"([^"\\]+)\\?"', match.group(1)) if match else []


def check_trigger_targets(config: Config) -> list[str]:
    """Every workflow the trigger may start is deployed and reads the event as Flow.jsonData."""
    targets = trigger_targets(config)
    if not targets:
        return ["var.trigger_workflow needs a contains([...]) validation listing the workflows"]
    flows = {unquote(k): v for k, v in config.locals().get("flows", {}).items()}
    problems = []
    for key in targets:
        if key not in flows:
            problems.append(f"trigger target {key!r} is not in local.flows")
    return problems


def trigger_target_files(config: Config) -> set[str]:
    """Workflow files the trigger may start."""
    flows = {unquote(k): v for k, v in config.locals().get("flows", {}).items()}
    return {str(unquote(flows[k].get("file"))) for k in trigger_targets(config) if k in flows}


def action_category(config: Config) -> str | None:
    """The expression the data actions' ``category`` is set from, as flows must substitute it."""
    action = config.resources().get("genesyscloud_integration_action.action", {})
    value = action.get("category")
    return None if value is None else str(unquote(value))
