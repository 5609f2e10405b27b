"""The ``qmloop`` command line: serve, worker, db, jobs, and each domain's own commands."""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from service.settings import Settings, settings_error_lines


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment; a local credential is made once for the embedded setup."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:  # one line per bad setting, not a traceback
        raise click.ClickException("; ".join(settings_error_lines(exc))) from None
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
        data: dict[str, str] = json.loads(path.read_text())
        return data
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


def _app_and_settings(migrate: bool = False) -> tuple[Any, Settings]:
    from service import create_app
    from service.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_json)
    app = create_app(settings)
    if migrate:
        from service.db import get_db
        from service.migrate import upgrade

        upgrade(get_db(app).engine)
    return app, settings


@click.group()
def main() -> None:
    """QM Loop: turn finished Genesys evaluations into targeted coaching."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=lambda: int(os.environ.get("PORT", "8000")), show_default="8000")
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

    app, settings = _app_and_settings(migrate=True)
    click.echo(f"QM Loop on http://{host}:{port}  database: {redact_url(settings.database_url)}")
    if not os.environ.get("QM_CLIENT_SECRET"):
        click.echo(
            f"client id: {settings.client_id}  (secret in "
            f"{settings.instance_path / 'credentials.json'})"
        )
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

    app, settings = _app_and_settings()
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
@click.option("--state", type=click.Choice(["queued", "running", "done", "dead"]))
@click.option("--kind")
@click.option("--limit", default=50, show_default=True)
def jobs_list(state: str | None, kind: str | None, limit: int) -> None:
    """List jobs, newest first."""
    from service.db import get_db
    from service.jobs import service

    app, _ = _app_and_settings()
    with get_db(app).session_scope() as session:
        click.echo(f"counts: {service.counts(session)}")
        for job in service.list_jobs(session, state=state, kind=kind, limit=limit):
            error = (job.last_error or "")[:80]
            click.echo(f"{job.id}  {job.state:7}  {job.kind:28}  attempts={job.attempts}  {error}")


@jobs.command("retry")
@click.argument("job_id", required=False)
@click.option("--all-dead", is_flag=True, help="Requeue every dead job.")
@click.option("--kind", help="With --all-dead: only this kind.")
def jobs_retry(job_id: str | None, all_dead: bool, kind: str | None) -> None:
    """Requeue one dead job, or all of them."""
    from service.db import get_db
    from service.jobs import service

    if not job_id and not all_dead:
        raise click.UsageError("give a JOB_ID or --all-dead")
    app, _ = _app_and_settings()
    with get_db(app).session_scope() as session:
        if all_dead:
            click.echo(f"requeued {service.retry_all_dead(session, kind=kind)} dead jobs")
        else:
            service.retry(session, job_id=str(job_id))
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
    click.echo(json.dumps(drain(app, settings)))


@main.group()
def token() -> None:
    """Access tokens for people (agents, supervisors, calibration panelists)."""


@token.command("issue")
@click.option(
    "--role", type=click.Choice(["agent", "evaluator", "supervisor", "admin"]), required=True
)
@click.option("--user-id", required=True, help="The person's Genesys user id (not empty).")
@click.option("--ttl-hours", default=12.0, show_default=True, type=click.FloatRange(0.01, 720))
def token_issue(role: str, user_id: str, ttl_hours: float) -> None:
    """Print a signed Bearer token scoped to one person and role.

    Agents see only their own assignments and scores; panelists see only their own calibration
    scores until a session is revealed. Rotating QM_SECRET_KEY revokes every token.
    """
    from service.auth.service import issue_token

    if not user_id.strip():
        raise click.BadParameter("must not be empty", param_hint="--user-id")
    settings = load_settings()
    scoped = settings.model_copy(update={"token_ttl_seconds": int(ttl_hours * 3600)})
    click.echo(issue_token(scoped, f"{role}:{user_id}", role=role, user_id=user_id))


def _register_domain_commands() -> None:
    from service import domain_modules

    for module in domain_modules("cli"):
        for command in getattr(module, "commands", []):
            main.add_command(command)


_register_domain_commands()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
