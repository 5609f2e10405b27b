"""Check ``terraform/`` without the provider: parse every file, follow every reference.

The Genesys provider cannot be downloaded here, so ``terraform validate`` cannot run; these
checks cover what it would catch for this configuration (dangling references, unused
variables) and what it would not (every action file deployed, every flow file present,
Velocity left un-interpolated). Local modules under ``terraform/modules/`` are checked
like the root; ``service.kit.tf_files`` checks what is committed.
"""

from __future__ import annotations

import re
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
# `moved` blocks name addresses that no longer exist, on purpose: not references.
_MOVED = re.compile(r"(?ms)^moved\s*\{.*?^\}")
_WHOLE_VAR = re.compile(r"\$\{var\.([A-Za-z_][\w-]*)\}")
MODULES = "modules"
# Module block arguments that are Terraform's own, not the module's input variables.
MODULE_META = {"source", "version", "count", "for_each", "providers", "depends_on", "__is_block__"}
SECRET_NAMES = re.compile(r"(?i)secret|password|token")


@dataclass
class Config:
    """The parsed Terraform configuration of a checkout (or of one local module)."""

    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    # terraform/modules/<folder>/ -> that module's configuration (the root's only).
    modules: dict[str, Config] = field(default_factory=dict)

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

    def module_calls(self) -> dict[str, dict[str, Any]]:
        return {unquote(k): v for b in self.blocks("module") for k, v in b.items()}

    def called_module(self, call: dict[str, Any]) -> Config | None:
        """The local module a ``module`` block's ``source = "./modules/<folder>"`` names."""
        source = str(unquote(call.get("source", "")))
        prefix = f"./{MODULES}/"
        return self.modules.get(source[len(prefix) :]) if source.startswith(prefix) else None

    def text(self) -> str:
        """All files, comments and ``moved`` blocks removed."""
        return "\n".join(_MOVED.sub("", _COMMENT.sub("", t)) for t in self.raw.values())

    def all_raw(self) -> dict[str, str]:
        """File name -> text, the modules' files named ``modules/<folder>/<file>``."""
        found = dict(self.raw)
        for module in self.modules.values():
            found.update(module.raw)
        return found


def unquote(value: Any) -> Any:
    """python-hcl2 keeps string quotes; drop them."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def load(root: Path) -> Config:
    """Parse every ``terraform/*.tf`` and ``terraform/modules/*/*.tf``; parse errors are
    collected (the modules' ones in the root's list too), not raised."""
    config = _load_folder(root / "terraform", "")
    for folder in sorted(p for p in (root / "terraform" / MODULES).glob("*") if p.is_dir()):
        module = _load_folder(folder, f"{MODULES}/{folder.name}/")
        config.modules[folder.name] = module
        config.errors += module.errors
    return config


def _load_folder(folder: Path, prefix: str) -> Config:
    config = Config()
    for path in sorted(folder.glob("*.tf")):
        name = prefix + path.name
        text = path.read_text(encoding="utf-8")
        config.raw[name] = text
        try:
            config.files[name] = hcl2.loads(text)
        except Exception as exc:  # python-hcl2 raises lark errors of many types
            config.errors.append(f"{name}: does not parse: {str(exc).splitlines()[0]}")
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
    """Dangling ``var.``/``local.``/resource references and unused variables, in the root and
    in each local module; module calls that name a missing module or input."""
    problems = _references(config) + check_module_calls(config)
    for folder, module in config.modules.items():
        problems += [f"{MODULES}/{folder}: {p}" for p in _references(module)]
    return sorted(problems)


def check_module_calls(config: Config) -> list[str]:
    """Each ``module`` block names a folder under ``terraform/modules/``, gives only its
    variables and every one without a default; each module folder is used."""
    problems = []
    used = set()
    for name, call in config.module_calls().items():
        module = config.called_module(call)
        if module is None:
            problems.append(f"module {name!r}: source must be ./{MODULES}/<a folder there>")
            continue
        used.add(id(module))
        inputs = module.variables()
        given = set(call) - MODULE_META
        problems += [
            f"module {name!r}: {a} is not a variable of the module" for a in given - set(inputs)
        ]
        problems += [
            f"module {name!r}: {v} has no default and is not given"
            for v, body in inputs.items()
            if "default" not in body and v not in given
        ]
    problems += [
        f"{MODULES}/{folder} is not used by any module block"
        for folder, module in config.modules.items()
        if id(module) not in used
    ]
    return sorted(problems)


def _references(config: Config) -> list[str]:
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
    return problems


def check_variables(config: Config) -> list[str]:
    """Each variable has a type and a description, and a validation block unless it is a bool
    or passed whole (``x = var.name``) to a module input that validates it; secrets are
    sensitive with no default. The local modules' variables likewise."""
    problems = _variable_problems(config.variables(), validated_by_modules(config))
    for folder, module in config.modules.items():
        problems += [
            f"{MODULES}/{folder}: {p}" for p in _variable_problems(module.variables(), set())
        ]
    return problems


def validated_by_modules(config: Config) -> set[str]:
    """Root variables passed whole to a module input that has a validation block."""
    found = set()
    for call in config.module_calls().values():
        module = config.called_module(call)
        inputs = module.variables() if module is not None else {}
        for arg, value in call.items():
            match = _WHOLE_VAR.fullmatch(str(value))
            if match and "validation" in inputs.get(arg, {}):
                found.add(match.group(1))
    return found


def _variable_problems(variables: dict[str, dict[str, Any]], validated: set[str]) -> list[str]:
    problems = []
    for name, body in variables.items():
        if not unquote(body.get("description", "")):
            problems.append(f"variable {name!r} has no description")
        if "type" not in body:
            problems.append(f"variable {name!r} has no type")
        elif body["type"] != "bool" and "validation" not in body and name not in validated:
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
    for name, text in config.all_raw().items():
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


def _triggers(config: Config) -> dict[str, tuple[dict[str, Any], list[str]]]:
    """Every trigger, the local modules' named ``modules/<folder>: <address>``, with the
    text of what its target may be (the module calls' value of a ``var.`` target)."""
    found = {}
    scopes: list[tuple[str, Config, list[dict[str, Any]]]] = [("", config, [])] + [
        (f"{MODULES}/{folder}: ", module, _calls_of(config, module))
        for folder, module in config.modules.items()
    ]
    for prefix, scope, calls in scopes:
        for key, body in scope.resources().items():
            if key.startswith("genesyscloud_processautomation_trigger."):
                target = str(body.get("target"))
                names = set(_REF.findall(target))
                targets = [str(c.get(n, "")) for c in calls for kind, n in names if kind == "var"]
                found[prefix + key] = (body, targets or [target])
    return found


def _calls_of(config: Config, module: Config) -> list[dict[str, Any]]:
    return [c for c in config.module_calls().values() if config.called_module(c) is module]


def check_trigger(config: Config) -> list[str]:
    """Every trigger (the modules' too): Json data, an event TTL or delay, a workflow target;
    one on finished evaluations."""
    triggers = _triggers(config)
    problems = []
    for key, (body, targets) in triggers.items():
        if "'data_format': '\"Json\"'" not in str(body):
            problems.append(f'{key}: use data_format = "Json" (flows read Flow.jsonData)')
        if "event_ttl_seconds" not in body and "delay_by_seconds" not in body:
            problems.append(f"{key}: needs event_ttl_seconds")
        if "event_ttl_seconds" in body and "delay_by_seconds" in body:
            problems.append(f"{key}: cannot set both event_ttl_seconds and delay_by_seconds")
        if not all("genesyscloud_flow." in t for t in targets):
            problems.append(f"{key}: target must be a genesyscloud_flow")
    evaluation = [
        b for b, _ in triggers.values() if unquote(b.get("topic_name")) == "v2.quality.evaluations"
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
