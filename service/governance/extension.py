"""Wire governance into the app: the encryption keys of this process."""

from __future__ import annotations

from flask import Flask

from service.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Configure the at-rest encryption keys (``QM_GOVERNANCE_ENCRYPTION_KEYS``)."""
    from service.governance.crypto import configure

    configure(settings.governance_encryption_keys.get_secret_value())
