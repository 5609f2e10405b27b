"""The HTTP session the Genesys client sends through."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests

# At most this many (scheme, host) answers are kept: the API and login hosts and the few
# hosts of pre-signed download URLs; past it the environment is read as requests does.
_MAX_HOSTS = 64


class EnvOnceSession(requests.Session):
    """A ``requests.Session`` that reads the proxy and CA-bundle environment once per scheme
    and host instead of on every request.

    requests looks the proxy variables up by scanning ``os.environ`` twice per request (about
    0.25 ms each time on the benchmark machine: 4 % of a worker's CPU per after-call event,
    ``benchmarks/bench_sentiment_events.py``). A running process's environment does not change,
    so the merged settings are the same; ``NO_PROXY`` still applies per host. Calls that pass
    their own proxies, stream, verify or cert take requests' own path.
    """

    def __init__(self) -> None:
        super().__init__()
        self._env: dict[tuple[str, str], Any] = {}  # requests' merged settings per host

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        """requests' merged settings for ``url``, from the per-host memo when no call-level
        setting is given (a copy: callers may change the proxies they get)."""
        if proxies or stream is not None or verify is not None or cert is not None:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(str(url))
        key = (parts.scheme, parts.netloc)
        found = self._env.get(key)
        if found is None:
            found = super().merge_environment_settings(url, {}, None, None, None)
            if len(self._env) < _MAX_HOSTS:
                self._env[key] = found
        return {**found, "proxies": dict(found["proxies"])}
