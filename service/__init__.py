"""QM Loop: evaluations to coaching, for Genesys Cloud."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import TYPE_CHECKING

from service.settings import Settings

if TYPE_CHECKING:  # Flask loads in create_app: `qmloop export` runs without it (smaller)
    from flask import Flask

# Shared packages that are not loaded as domains (README.md "How the pieces fit" lists them).
_NOT_DOMAINS = {"auth", "migrations", "fakes"}


def domain_modules(name: str) -> list[ModuleType]:
    """Import ``service.<domain>.<name>`` for every domain package that has one."""
    import service

    found = []
    for info in sorted(pkgutil.iter_modules(service.__path__), key=lambda i: i.name):
        if info.ispkg and info.name not in _NOT_DOMAINS:
            module = domain_module(info.name, name)
            if module is not None:
                found.append(module)
    return found


def domain_module(domain: str, name: str) -> ModuleType | None:
    """Import ``service.<domain>.<name>``, or None when there is no such domain or module."""
    if not domain.isidentifier() or domain in _NOT_DOMAINS:
        return None
    try:
        return importlib.import_module(f"service.{domain}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name not in (f"service.{domain}.{name}", f"service.{domain}"):
            raise
        return None


def load_models() -> None:
    """Import every domain's models so ``Base.metadata`` is complete."""
    domain_modules("models")


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app: settings, database, auth, error envelope and every domain blueprint.

    Without a settings object (``gunicorn 'service:create_app()'``) the settings come from the
    environment and the app refuses to start on a database whose schema is not at head; it
    exits with one line naming the fix (``qmloop db upgrade``). Tests and the CLI pass settings.
    """
    from flask import Flask

    from service.api import init_boundary
    from service.auth.views import init_auth
    from service.db import init_db
    from service.errors import register_error_handlers
    from service.logs import init_request_logging

    production_entry = settings is None
    settings = settings or Settings()
    app = Flask(__name__, instance_path=str(settings.instance_path.resolve()))
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["QM_SETTINGS"] = settings
    app.json.sort_keys = False  # type: ignore[attr-defined]
    load_models()
    init_db(app, settings)
    init_request_logging(app)
    init_auth(app, settings)
    init_boundary(app)
    register_error_handlers(app)
    for views in domain_modules("views"):
        app.register_blueprint(views.bp)
    for hook in domain_modules("extension"):
        hook.init_app(app, settings)
    if production_entry:
        refuse_unmigrated(app)
    return app


def refuse_unmigrated(app: Flask) -> None:
    """Exit with one line on stderr unless the schema is at head (web and worker start-up).

    An unreachable database is not a reason to refuse: the process starts, answers 503 and
    ``/health/ready`` says why, and it recovers when the database comes back. Exit status 4 is
    gunicorn's "App failed to load", which stops the arbiter instead of respawning workers.
    """
    import logging
    import sys

    from sqlalchemy.exc import SQLAlchemyError

    from service.db import get_db
    from service.migrate import SchemaNotCurrent, require_head

    try:
        require_head(get_db(app).engine)
    except SchemaNotCurrent as exc:
        print(f"qmloop: refusing to start: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(4) from None
    except SQLAlchemyError as exc:
        logging.getLogger(__name__).warning(
            "database unreachable at start-up (%s); starting anyway", type(exc).__name__
        )


def get_settings(app: Flask | None = None) -> Settings:
    """The settings object of the given or current app."""
    from flask import current_app

    settings: Settings = (app or current_app).config["QM_SETTINGS"]
    return settings
