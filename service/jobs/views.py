"""Jobs API: list, retry and purge (the dead-letter queue from outside the CLI)."""

from __future__ import annotations

from flask import Blueprint, Response

from service.api import parse_body, parse_query, respond, route
from service.db import get_session
from service.jobs import service
from service.jobs.schemas import CountOut, JobList, JobOut, JobQuery, PurgeIn, RetryAllIn

bp = Blueprint("jobs", __name__)


@route(bp, "get", "/api/v1/jobs", "List jobs", query=JobQuery, response=JobList)
def list_jobs() -> Response:
    """List jobs, newest first."""
    q = parse_query(JobQuery)
    session = get_session()
    jobs = service.list_jobs(session, state=q.state, kind=q.kind, limit=q.limit)
    return respond(JobList(jobs=[JobOut.of(j) for j in jobs], counts=service.counts(session)))


@route(bp, "get", "/api/v1/jobs/<job_id>", "One job", response=JobOut)
def get_job(job_id: str) -> Response:
    """One job by id."""
    return respond(JobOut.of(service.get(get_session(), job_id=job_id)))


@route(bp, "post", "/api/v1/jobs/<job_id>/retry", "Requeue a dead job", response=JobOut)
def retry_job(job_id: str) -> Response:
    """Requeue one dead job."""
    return respond(JobOut.of(service.retry(get_session(), job_id=job_id)))


@route(
    bp,
    "post",
    "/api/v1/jobs/retry-dead",
    "Requeue every dead job",
    body=RetryAllIn,
    response=CountOut,
)
def retry_dead() -> Response:
    """Requeue every dead job, optionally of one kind."""
    body = parse_body(RetryAllIn)
    return respond(CountOut(count=service.retry_all_dead(get_session(), kind=body.kind)))


@route(
    bp, "post", "/api/v1/jobs/purge", "Delete done or dead jobs", body=PurgeIn, response=CountOut
)
def purge_jobs() -> Response:
    """Delete done or dead jobs older than an age."""
    body = parse_body(PurgeIn)
    count = service.purge(get_session(), state=body.state, older_than_days=body.olderThanDays)
    return respond(CountOut(count=count))
