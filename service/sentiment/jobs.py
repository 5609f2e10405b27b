"""Sentiment background jobs: evaluate (when Genesys was slow) and deliver kudos."""

from __future__ import annotations

import json
import logging
import smtplib
import time
from email.message import EmailMessage
from typing import Any

import requests

from service.coaching.rules import lms_signature
from service.genesys import get_genesys
from service.genesys.api import GenesysError, GenesysUnavailable
from service.jobs.registry import JobContext, PermanentFailure, RetryLater, job_handler
from service.sentiment import service
from service.sentiment.models import Recognition
from service.sentiment.schemas import EvaluateSentimentIn

log = logging.getLogger(__name__)


@job_handler("sentiment.evaluate")
def run_evaluate(ctx: JobContext) -> dict[str, Any]:
    """Finish an ``evaluate-sentiment`` call that was queued because Genesys was slow."""
    body = EvaluateSentimentIn.model_validate(ctx.payload)
    try:
        out = service.evaluate(
            ctx.session,
            settings=ctx.settings,
            genesys=get_genesys(ctx.app),
            body=body,
            queue_on_unavailable=False,
        )
    except GenesysUnavailable as exc:
        raise RetryLater(str(exc), retry_after=exc.retry_after) from exc
    except GenesysError as exc:
        raise PermanentFailure(f"{type(exc).__name__}: {exc}") from exc
    return out.model_dump(mode="json")


def kudos_payload(rec: Recognition) -> dict[str, Any]:
    """What the recognition webhook receives (no customer data; ``recognitionId`` is the key)."""
    return {
        "event": "sentiment.kudos",
        "recognitionId": rec.id,
        "agentId": rec.agent_id,
        "conversationId": rec.conversation_id,
        "day": rec.day.isoformat(),
        "customerScore": rec.customer_score,
    }


@job_handler("sentiment.kudos")
def run_kudos(ctx: JobContext) -> dict[str, Any]:
    """POST the recognition, signed like the LMS webhook (``X-QMLoop-Signature``)."""
    rec = ctx.session.get(Recognition, ctx.payload["recognition_id"])
    if rec is None:
        raise PermanentFailure("recognition not found")
    if rec.delivery_state == "delivered":
        return {"state": "delivered"}
    s = ctx.settings
    body = json.dumps(kudos_payload(rec), separators=(",", ":")).encode("utf-8")
    secret = s.sentiment_kudos_webhook_secret.get_secret_value()
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": rec.id,
        "X-QMLoop-Signature": lms_signature(secret, int(time.time()), body),
    }
    try:
        resp = requests.post(
            s.sentiment_kudos_webhook_url,
            data=body,
            headers=headers,
            timeout=s.lms_webhook_timeout_seconds,
        )
    except requests.RequestException as exc:
        raise RetryLater(f"kudos webhook unreachable: {type(exc).__name__}") from exc
    if resp.status_code in (408, 429) or resp.status_code >= 500:
        header = resp.headers.get("Retry-After", "")
        raise RetryLater(
            f"kudos webhook answered {resp.status_code}",
            retry_after=float(header) if header.isdigit() else None,
        )
    if resp.status_code >= 400:
        rec.delivery_state, rec.delivery_error = "failed", f"{resp.status_code} {resp.text[:200]}"
        raise PermanentFailure(f"kudos webhook refused: {resp.status_code}")
    rec.delivery_state = "delivered"
    return {"state": "delivered"}


def kudos_email(rec: Recognition, sender: str, to: str) -> EmailMessage:
    """The recognition email (the day and the score; no customer data)."""
    msg = EmailMessage()
    msg["Subject"] = "Kudos: a customer loved your conversation"
    msg["From"], msg["To"] = sender, to
    msg["Message-ID"] = f"<kudos-{rec.id}@qmloop>"
    msg.set_content(
        f"Well done! On {rec.day.isoformat()} a customer's sentiment in one of your "
        f"conversations reached {rec.customer_score:+.2f} (on -1 to +1).\n"
        f"Conversation: {rec.conversation_id}\n"
    )
    return msg


@job_handler("sentiment.kudos_email")
def run_kudos_email(ctx: JobContext) -> dict[str, Any]:
    """Email the agent (their Genesys user's email) through the configured SMTP server."""
    rec = ctx.session.get(Recognition, ctx.payload["recognition_id"])
    if rec is None:
        raise PermanentFailure("recognition not found")
    if rec.email_state == "sent":
        return {"state": "sent"}
    genesys = get_genesys(ctx.app)
    if genesys is None:
        raise PermanentFailure("Genesys is not configured: no email address for the agent")
    try:
        to = str((genesys.get_user(rec.agent_id) or {}).get("email") or "")
    except GenesysUnavailable as exc:
        raise RetryLater(str(exc), retry_after=exc.retry_after) from exc
    if not to:
        rec.email_state = "no_address"
        return {"state": "no_address"}
    _send(ctx, kudos_email(rec, ctx.settings.sentiment_kudos_smtp_from, to))
    rec.email_state = "sent"
    return {"state": "sent", "to": to}


def _send(ctx: JobContext, msg: EmailMessage) -> None:
    s = ctx.settings
    try:
        with smtplib.SMTP(
            s.sentiment_kudos_smtp_host, s.sentiment_kudos_smtp_port, timeout=10
        ) as smtp:
            if s.sentiment_kudos_smtp_starttls:
                smtp.starttls()
            if s.sentiment_kudos_smtp_user:
                smtp.login(
                    s.sentiment_kudos_smtp_user, s.sentiment_kudos_smtp_password.get_secret_value()
                )
            smtp.send_message(msg)
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500:
            raise RetryLater(f"SMTP {exc.smtp_code}") from exc
        raise PermanentFailure(f"SMTP refused: {exc.smtp_code}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise RetryLater(f"SMTP unreachable: {type(exc).__name__}") from exc
