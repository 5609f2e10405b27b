"""Job API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from service.api import Input, Output
from service.jobs.models import Job
from service.paging import PageLimit


class JobOut(Output):
    id: str
    kind: str
    state: str
    attempts: int
    maxAttempts: int
    runAt: datetime
    lastError: str | None
    idempotencyKey: str | None
    payload: dict[str, Any]
    createdAt: datetime
    finishedAt: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobOut:
        """Serialize a job row."""
        return cls(
            id=job.id,
            kind=job.kind,
            state=job.state,
            attempts=job.attempts,
            maxAttempts=job.max_attempts,
            runAt=job.run_at,
            lastError=job.last_error,
            idempotencyKey=job.idempotency_key,
            payload=job.payload,
            createdAt=job.created_at,
            finishedAt=job.finished_at,
        )


class JobList(Output):
    jobs: list[JobOut]
    counts: dict[str, int]


class JobQuery(Input):
    state: Literal["queued", "running", "done", "dead"] | None = None
    kind: str | None = Field(default=None, max_length=100)
    limit: PageLimit = 100


class PurgeIn(Input):
    state: Literal["done", "dead"]
    olderThanDays: float = Field(default=0.0, ge=0, le=36500)


class RetryAllIn(Input):
    kind: str | None = Field(default=None, max_length=100)


class CountOut(Output):
    count: int
