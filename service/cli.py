"""The ``qmloop`` command line: serve, worker, db, jobs, and each domain's own commands."""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

import click

from service.cliutil import (
    GENESYS_ID,
    InputError,
    QmGroup,
    check_port_free,
    counts_line,
    echo_json,
    format_option,
    read_json_file,
    render_table,
)
from service.settings import Settings

JOB_STATES = ("queued", "running", "done", "dead")


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment; a local credential is made once for the embedded setup."""
    settings = Settings(**overrides)  # a ValidationError becomes one line in service.cliutil
    if (
        settings.client_id
        and settings.client_secret.get_secret_value()
        and settings.secret_key.get_secret_value()
    ):
        return settings
    creds = _local_credentials(settings.instance_path)
    return Settings(
        **{
            "client_id": settings.client_id or creds["client_id"],
            "client_secret": settings.client_secret.get_secret_value() or creds["client_secret"],
            "secret_key": settings.secret_key.get_secret_value() or creds["secret_key"],
            **overrides,
        }
    )


def _local_credentials(instance: Path) -> dict[str, str]:
    """Read or create ``instance/credentials.json`` (mode 0600) for a zero-config start."""
    path = instance / "credentials.json"
    if path.exists():
        data = read_json_file(path, "credentials")
        if not isinstance(data, dict) or not {"client_id", "client_secret", "secret_key"} <= set(
            data
        ):
            raise InputError(
                f"{path}: needs client_id, client_secret and secret_key; delete the file and "
                "a new local credential is made"
            )
        return {str(k): str(v) for k, v in data.items()}
    instance.mkdir(parents=True, exist_ok=True)
    data = {
        "client_id": "qmloop-local",
        "client_secret": secrets.token_urlsafe(32),
        "secret_key": secrets.token_urlsafe(32),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2)
    return data


def cli_verbosity() -> int:
    """How many ``-v`` the root command got (0 outside a command)."""
    ctx = click.get_current_context(silent=True)
    return int(((ctx.find_root().obj if ctx else None) or {}).get("verbose", 0))


def cli_log_level(settings: Settings, server: bool = False) -> str:
    """The root log level of this command: quiet (WARNING) unless ``-v``; servers keep theirs.

    ``-v`` shows INFO (migrations, requests), ``-vv`` DEBUG. A server (``serve``, ``worker``),
    or any command when ``QM_LOG_LEVEL`` is set, logs at ``QM_LOG_LEVEL`` (default INFO).
    """
    verbose = cli_verbosity()
    if verbose:
        return "DEBUG" if verbose > 1 else "INFO"
    return settings.log_level if server or "QM_LOG_LEVEL" in os.environ else "WARNING"


def setup_logging(settings: Settings, server: bool = False) -> None:
    """Configure logging for a command; Alembic's and werkzeug's chatter only with ``-v``."""
    import logging

    from service.logs import configure_logging

    level = cli_log_level(settings, server)
    configure_logging(level, settings.log_json)
    for name in ("alembic", "werkzeug"):  # werkzeug repeats our request log, with colours
        logging.getLogger(name).setLevel(level if cli_verbosity() else "WARNING")


def _app_and_settings(migrate: bool = False, server: bool = False) -> tuple[Any, Settings]:
    from service import create_app

    settings = load_settings()
    setup_logging(settings, server)
    app = create_app(settings)
    if migrate:
        from service.db import get_db
        from service.migrate import upgrade

        upgrade(get_db(app).engine)
    return app, settings


class DomainGroup(QmGroup):
    """The root group; each domain's commands are imported when first asked for.

    A command is looked up first in the domain package named like it (``export`` in
    ``service.exports``), so ``qmloop export`` loads no other domain's code and stays small
    (``benchmarks/bench_export.py`` measures it); listing them (``--help``) imports them all.
    """

    _all_loaded = False

    def _add(self, modules: list[Any]) -> None:
        for module in modules:
            for command in getattr(module, "commands", []):
                self.add_command(command)

    def load_all(self) -> None:
        """Register every domain's commands."""
        from service import domain_modules

        if not self._all_loaded:
            self._add(domain_modules("cli"))
            self._all_loaded = True

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.load_all()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from service import domain_module

        found = super().get_command(ctx, cmd_name)
        for package in (cmd_name, cmd_name + "s"):
            if found is None:
                self._add([m for m in [domain_module(package, "cli")] if m is not None])
                found = super().get_command(ctx, cmd_name)
        if found is None:
            self.load_all()
            found = super().get_command(ctx, cmd_name)
        return found


@click.group(cls=DomainGroup)
@click.option("--debug", is_flag=True, help="Show the traceback of a failure.")
@click.option("-v", "--verbose", count=True, help="More log lines (-v INFO, -vv DEBUG).")
@click.version_option(package_name="qmloop")
@click.pass_context
def main(ctx: click.Context, debug: bool, verbose: int) -> None:
    """QM Loop: turn finished Genesys evaluations into targeted coaching.

    Exit codes: 0 done, 1 could not do the work, 2 bad usage or input.
    """
    ctx.obj = {"debug": debug, "verbose": verbose}


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=lambda: os.environ.get("PORT", "8000"),
    show_default="$PORT or 8000",
)
@click.option(
    "--with-worker/--no-worker",
    default=True,
    show_default=True,
    help="Run the job worker in a thread of the same process.",
)
def serve(host: str, port: int, with_worker: bool) -> None:
    """Start the development server (migrates the embedded database first)."""
    import threading

    from service.jobs.worker import run_worker
    from service.logs import redact_url

    check_port_free(host, port)
    app, settings = _app_and_settings(migrate=True, server=True)
    base = f"http://{host}:{port}"
    click.echo(f"QM Loop on {base}  database: {redact_url(settings.database_url)}")
    click.echo(f"API reference: {base}/api/v1/docs")
    if not os.environ.get("QM_CLIENT_SECRET"):
        click.echo(
            f"client id: {settings.client_id}  (secret in "
            f"{settings.instance_path / 'credentials.json'}; `qmloop credentials show` prints it)"
        )
        # The secret itself only on an interactive terminal: redirected output may be a log.
        literal = sys.stdout.isatty()
        click.echo(f"try: {_curl_line(settings, base, literal)}")
    if with_worker:
        stop = threading.Event()
        threading.Thread(target=run_worker, args=(app, settings, stop), daemon=True).start()
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@main.command()
@click.option("--kind", "kinds", multiple=True, help="Only run jobs of these kinds.")
def worker(kinds: tuple[str, ...]) -> None:
    """Run the job worker until SIGTERM."""
    from service import refuse_unmigrated
    from service.jobs.worker import run_worker

    app, settings = _app_and_settings(server=True)
    refuse_unmigrated(app)
    run_worker(app, settings, kinds=list(kinds) or None)


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    _app_and_settings(migrate=True)
    click.echo("database is up to date")


@db.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--head", default="head", show_default=True)
@click.option("--branch", default=None, help="Start a new branch with this label.")
def db_revision(message: str, head: str, branch: str | None) -> None:
    """Write a new migration from the difference between the models and the database."""
    from service.migrate import revision

    _app, settings = _app_and_settings(migrate=True)
    revision(settings, message, head=head, branch=branch)


@main.group()
def jobs() -> None:
    """Inspect and replay the job queue (dead letters included)."""


@jobs.command("list")
@click.option("--state", type=click.Choice(JOB_STATES))
@click.option("--kind")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000))
@format_option()
def jobs_list(state: str | None, kind: str | None, limit: int, fmt: str) -> None:
    """List jobs, newest first, with each one's last error in full."""
    from service.db import get_db
    from service.jobs import service

    app, _ = _app_and_settings()
    with get_db(app).session_scope() as session:
        counts = service.counts(session)
        jobs_ = service.list_jobs(session, state=state, kind=kind, limit=limit)
        rows = [_job_json(job) for job in jobs_]
    if fmt == "json":
        echo_json({"counts": {s: counts.get(s, 0) for s in JOB_STATES}, "jobs": rows})
        return
    click.echo(f"jobs: {counts_line(counts, JOB_STATES)}")
    if not rows:
        click.echo("no jobs match" if state or kind else "the queue is empty")
        return
    table = [[r["id"], r["state"], r["kind"], r["attempts"], r["lastError"]] for r in rows]
    click.echo(render_table(["id", "state", "kind", "tries", "last error"], table))


def _job_json(job: Any) -> dict[str, Any]:
    return {
        "id": job.id,
        "state": job.state,
        "kind": job.kind,
        "attempts": job.attempts,
        "createdAt": job.created_at.isoformat() if job.created_at else "",
        "updatedAt": job.updated_at.isoformat() if job.updated_at else "",
        "lastError": job.last_error or "",
    }


@jobs.command("retry")
@click.argument("job_id", required=False)
@click.option("--all-dead", is_flag=True, help="Requeue every dead job.")
@click.option("--kind", help="With --all-dead: only this kind.")
def jobs_retry(job_id: str | None, all_dead: bool, kind: str | None) -> None:
    """Requeue one dead job, or all of them."""
    from service.db import get_db
    from service.errors import NotFound
    from service.jobs import service

    if not job_id and not all_dead:
        raise click.UsageError("give a JOB_ID or --all-dead")
    app, _ = _app_and_settings()
    with get_db(app).session_scope() as session:
        if all_dead:
            click.echo(f"requeued {service.retry_all_dead(session, kind=kind)} dead jobs")
            return
        try:
            service.retry(session, job_id=str(job_id))
        except NotFound as exc:
            raise InputError(
                f"no job {job_id}; `qmloop jobs list --state dead` shows the ids"
            ) from exc
        click.echo(f"requeued {job_id}")


@jobs.command("purge")
@click.option("--state", type=click.Choice(["done", "dead"]), required=True)
@click.option("--older-than-days", default=7.0, show_default=True)
def jobs_purge(state: str, older_than_days: float) -> None:
    """Delete done or dead jobs older than an age."""
    from service.db import get_db
    from service.jobs import service

    app, _ = _app_and_settings()
    with get_db(app).session_scope() as session:
        count = service.purge(session, state=state, older_than_days=older_than_days)
    click.echo(f"purged {count} {state} jobs")


@jobs.command("run")
def jobs_run() -> None:
    """Run every due job once, then exit (for cron-style batches)."""
    from service.jobs.service import drain

    app, settings = _app_and_settings()
    ran = drain(app, settings)
    if not ran:
        click.echo("no jobs were due")
        return
    click.echo(f"ran {sum(ran.values())} jobs: {counts_line(ran, ('done', 'queued', 'dead'))}")
    if ran.get("queued"):
        click.echo("queued = failed, will be retried later; see `qmloop jobs list`")
    if ran.get("dead"):
        click.echo("dead = out of attempts; `qmloop jobs list --state dead` shows why")


def _curl_line(settings: Settings, base: str, literal: bool = True) -> str:
    """A ready-to-paste request that proves the credential works.

    With ``literal=False`` the secret is read by ``qmloop credentials show --secret`` instead of
    being printed, for output that may end up in a log.
    """
    secret = settings.client_secret.get_secret_value()
    if not literal:
        secret = "$(qmloop credentials show --secret)"
    return f'curl -s -u "{settings.client_id}:{secret}" {base}/api/v1/health'


@main.group()
def credentials() -> None:
    """The credential Genesys (or you, with curl) uses to call this service."""


@credentials.command("show")
@click.option("--secret", "only_secret", is_flag=True, help="Print only the client secret.")
@click.option("--url", default="http://localhost:8000", show_default=True, help="For the example.")
def credentials_show(only_secret: bool, url: str) -> None:
    """Print the client id and secret (made once in instance/credentials.json when unset).

    For scripts: ``SECRET=$(qmloop credentials show --secret)``.
    """
    settings = load_settings()
    if only_secret:
        click.echo(settings.client_secret.get_secret_value())
        return
    source = (
        "QM_CLIENT_ID / QM_CLIENT_SECRET"
        if os.environ.get("QM_CLIENT_SECRET")
        else str(settings.instance_path / "credentials.json")
    )
    click.echo(f"client id:     {settings.client_id}")
    click.echo(f"client secret: {settings.client_secret.get_secret_value()}")
    click.echo(f"from:          {source}")
    click.echo(f"try:           {_curl_line(settings, url.rstrip('/'))}")


@main.group()
def token() -> None:
    """Access tokens for people (agents, supervisors, calibration panelists)."""


@token.command("issue")
@click.option(
    "--role", type=click.Choice(["agent", "evaluator", "supervisor", "admin"]), required=True
)
@click.option(
    "--user-id", type=GENESYS_ID, required=True, help="The person's Genesys user id (not empty)."
)
@click.option("--ttl-hours", default=12.0, show_default=True, type=click.FloatRange(0.01, 720))
@click.option(
    "--division",
    "divisions",
    type=GENESYS_ID,
    multiple=True,
    help="A Genesys division id the person may see (repeat; default: every division).",
)
def token_issue(role: str, user_id: str, ttl_hours: float, divisions: tuple[str, ...]) -> None:
    """Print a signed Bearer token scoped to one person and role.

    Agents see only their own assignments and scores; panelists see only their own calibration
    scores until a session is revealed. With ``--division`` a supervisor, evaluator or admin
    sees only those divisions' people (docs/governance.md); without it, every division.
    Rotating QM_SECRET_KEY revokes every token.
    """
    from service.auth.rules import ALL_DIVISIONS
    from service.auth.service import issue_token

    ids = frozenset(divisions)
    scope = None if not ids or ALL_DIVISIONS in ids else ids
    settings = load_settings()
    scoped = settings.model_copy(update={"token_ttl_seconds": int(ttl_hours * 3600)})
    click.echo(
        issue_token(scoped, f"{role}:{user_id}", role=role, user_id=user_id, divisions=scope)
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
