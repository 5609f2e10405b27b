"""Execute a data action file against a running service the way Genesys would.

Steps, in Genesys's order: validate the inputs against the input contract; render the URL,
header and body templates (Velocity); send the request with the credential and the
``ININ-*`` headers Genesys adds; on a 2xx, run the response configuration (translation map,
defaults, success template) and validate the result against the output contract. With a
User Defined (OAuth) credential the custom-auth action runs first and its result is
``$authResponse`` in every later template.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import jsonschema
import requests

from service.kit.actions import BASE_URL_TOKEN, Action
from service.kit.exports import INPUT_ALIASES
from service.kit.translate import TranslationError, success_output
from service.kit.velocity import VelocityError, java_values, render

# Terraform adds this header to every action when the credential is User Defined (OAuth);
# a kit test holds terraform/locals.tf to the same text.
OAUTH_HEADER = ("Authorization", "Bearer ${authResponse.access_token}")
BASIC = "basicAuth"
OAUTH = "userDefinedOAuth"


@dataclass
class Credential:
    """A Genesys integration credential: Basic Auth or User Defined (OAuth)."""

    kind: str
    fields: dict[str, str]

    @classmethod
    def basic(cls, user: str, password: str) -> Credential:
        return cls(BASIC, {"userName": user, "password": password})

    @classmethod
    def oauth(cls, client_id: str, client_secret: str) -> Credential:
        return cls(OAUTH, {"clientId": client_id, "clientSecret": client_secret})


@dataclass
class Outcome:
    """What Architect would see: the success outputs, or the failure and why."""

    path: str  # "success", "failure" or "timeout"
    output: dict[str, Any] = field(default_factory=dict)
    status: int = 0
    error: str = ""
    request: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.path == "success"


class Emulator:
    """Runs data actions against ``base_url`` with one credential."""

    def __init__(self, base_url: str, credential: Credential, custom_auth: Action | None = None):
        self.base_url = base_url.rstrip("/")
        self.credential = credential
        self.custom_auth = custom_auth
        self.org_id = str(uuid.uuid4())
        self.auth_response: dict[str, Any] | None = None
        self.http = requests.Session()

    def run(self, action: Action, inputs: dict[str, Any]) -> Outcome:
        """Execute one action with these inputs; never raises for an action failure."""
        problems = input_errors(action, inputs)
        if problems:
            return Outcome("failure", error="inputs do not match the contract: " + problems)
        try:
            auth = self._auth_context()
            prepared = self.prepare(action, inputs, auth)
        except (VelocityError, AuthError) as exc:
            return Outcome("failure", error=str(exc))
        return self._send(action, prepared)

    def prepare(
        self, action: Action, inputs: dict[str, Any], auth: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Render the request; raises ``VelocityError`` on a template fault."""
        present = {k: v for k, v in inputs.items() if v is not None}
        values = {**java_values(present), "rawRequest": json.dumps(present)}
        context = {
            "input": values,
            # Undocumented spellings some exports use; kit check warns about them.
            **dict.fromkeys(INPUT_ALIASES, values),
            "credentials": dict(self.credential.fields),
        }
        if auth is not None:
            context["authResponse"] = java_values(auth)
        request = action.request
        headers = dict(request.get("headers") or {})
        if self.credential.kind == OAUTH:
            headers[OAUTH_HEADER[0]] = OAUTH_HEADER[1]
        url_template = request.get("requestUrlTemplate", "").replace(BASE_URL_TOKEN, self.base_url)
        return {
            "method": request.get("requestType", "POST"),
            "url": render(url_template, context, "requestUrlTemplate"),
            "headers": {k: render(v, context, f"header {k}") for k, v in headers.items()},
            "body": render(
                request.get("requestTemplate", "${input.rawRequest}"), context, "requestTemplate"
            ),
        }

    def _send(self, action: Action, prepared: dict[str, Any]) -> Outcome:
        headers = {**self._genesys_headers(), **prepared["headers"]}
        if self.credential.kind == BASIC:
            headers["Authorization"] = _basic(self.credential)
        content_type = headers.get("Content-Type", "")
        if "json" in content_type:
            try:
                json.loads(prepared["body"])
            except ValueError as exc:
                return Outcome(
                    "failure", error=f"rendered body is not JSON: {exc}", request=prepared
                )
        try:
            resp = self.http.request(
                prepared["method"],
                prepared["url"],
                data=prepared["body"].encode("utf-8"),
                headers=headers,
                timeout=action.timeout_seconds,
            )
        except requests.Timeout:
            return Outcome("timeout", error="no answer within the action timeout", request=prepared)
        except requests.RequestException as exc:
            return Outcome("failure", error=f"request failed: {exc}", request=prepared)
        return _response_outcome(action, resp, prepared)

    def _genesys_headers(self) -> dict[str, str]:
        return {
            "ININ-Correlation-Id": str(uuid.uuid4()),
            "ININ-Organization-Id": self.org_id,
            "ININ-Home-Organization-Id": self.org_id,
            "User-Agent": "qmloop-kit-emulator",
        }

    def _auth_context(self) -> dict[str, Any] | None:
        if self.credential.kind != OAUTH:
            return None
        if self.auth_response is None:
            self.auth_response = self._run_custom_auth()
        return self.auth_response

    def _run_custom_auth(self) -> dict[str, Any]:
        if self.custom_auth is None:
            raise AuthError("User Defined (OAuth) needs the custom-auth action file")
        plain = Emulator(self.base_url, Credential("userDefined", self.credential.fields))
        prepared = plain.prepare(self.custom_auth, {})
        headers = {**self._genesys_headers(), **prepared["headers"]}
        resp = self.http.request(
            prepared["method"],
            prepared["url"],
            data=prepared["body"].encode("utf-8"),
            headers=headers,
            timeout=30,
        )
        if not resp.ok:
            raise AuthError(f"custom-auth action got HTTP {resp.status_code}: {resp.text[:200]}")
        try:
            result = success_output(resp.text, self.custom_auth.response, {"type": "object"})
        except TranslationError as exc:
            raise AuthError(f"custom-auth action: {exc}") from exc
        return result


class AuthError(RuntimeError):
    """The custom-auth action failed, so no action can run."""


def _basic(credential: Credential) -> str:
    raw = f"{credential.fields['userName']}:{credential.fields['password']}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _response_outcome(action: Action, resp: requests.Response, prepared: dict[str, Any]) -> Outcome:
    if not resp.ok:
        return Outcome(
            "failure",
            status=resp.status_code,
            error=f"HTTP {resp.status_code}: {resp.text[:300]}",
            request=prepared,
        )
    try:
        output = success_output(resp.text, action.response, action.output_schema)
    except TranslationError as exc:
        return Outcome("failure", status=resp.status_code, error=str(exc), request=prepared)
    return Outcome("success", output=output, status=resp.status_code, request=prepared)


def input_errors(action: Action, inputs: dict[str, Any]) -> str:
    """Contract violations of the inputs (Genesys refuses these before calling out)."""
    schema = {k: v for k, v in action.input_schema.items() if k != "examples"}
    present = {k: v for k, v in inputs.items() if v is not None}
    errors = jsonschema.Draft4Validator(schema).iter_errors(present)
    return "; ".join(sorted(e.message for e in errors))
