"""Typed settings, read once from ``QM_*`` environment variables."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Defaults an operator changes through the settings below (named once, used by the modules).
EVIDENCE_THRESHOLD = 92.0  # QM_SCORING_EVIDENCE_THRESHOLD: rapidfuzz score a quote must reach
DEFAULT_JOB_BACKOFF_SECONDS = ("5", "30", "120")  # QM_JOB_BACKOFF_SECONDS: the retry schedule

# Genesys Cloud regions and their API hosts: the SDK's ``PureCloudRegionHosts``, by its names.
GENESYS_REGIONS: dict[str, str] = {
    "us_east_1": "api.mypurecloud.com",
    "us_east_2": "api.use2.us-gov-pure.cloud",
    "us_west_2": "api.usw2.pure.cloud",
    "ca_central_1": "api.cac1.pure.cloud",
    "sa_east_1": "api.sae1.pure.cloud",
    "mx_central_1": "api.mxc1.pure.cloud",
    "eu_central_1": "api.mypurecloud.de",
    "eu_central_2": "api.euc2.pure.cloud",
    "eu_west_1": "api.mypurecloud.ie",
    "eu_west_2": "api.euw2.pure.cloud",
    "eusc_de_east_1": "api.edee1.eusc-pure.cloud",
    "ap_south_1": "api.aps1.pure.cloud",
    "ap_northeast_1": "api.mypurecloud.jp",
    "ap_northeast_2": "api.apne2.pure.cloud",
    "ap_northeast_3": "api.apne3.pure.cloud",
    "ap_southeast_1": "api.apse1.pure.cloud",
    "ap_southeast_2": "api.mypurecloud.com.au",
    "me_central_1": "api.mec1.pure.cloud",
}


def _region_spellings() -> dict[str, str]:
    """Every spelling Genesys uses for a region, mapped to its SDK name.

    The SDK says ``eu_west_1``, the Terraform provider and CLI ``eu-west-1``, the client app
    SDKs and most docs the domain ``mypurecloud.ie``, and the API host is ``api.mypurecloud.ie``.
    """
    out: dict[str, str] = {}
    for name, host in GENESYS_REGIONS.items():
        domain = host.removeprefix("api.")
        for spelling in (name, name.replace("_", "-"), domain, host):
            out[spelling] = name
    return out


REGION_SPELLINGS = _region_spellings()


def region_name(value: str) -> str | None:
    """The SDK region name of any Genesys spelling (case, scheme and a trailing ``/`` ignored)."""
    text = value.strip().lower().removesuffix("/")
    text = text.split("://", 1)[-1]
    return REGION_SPELLINGS.get(text)


def settings_error_lines(exc: ValidationError) -> list[str]:
    """One line per invalid setting: ``QM_NAME: message`` (pydantic's own text is multi-line)."""
    lines = []
    for error in exc.errors():
        name = "QM_" + "_".join(str(part) for part in error["loc"]).upper()
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(message if message.startswith(name) else f"{name}: {message}")
    return lines


CommaList = Annotated[list[str], NoDecode]


def login_host_for(api_host: str) -> str:
    """Derive the OAuth login base URL from an API base URL the way the Genesys SDK does."""
    if "://" not in api_host:
        api_host = "https://" + api_host
    parts = urlsplit(api_host)
    host = parts.netloc
    if host.startswith("api."):
        host = "login." + host[len("api.") :]
    return f"{parts.scheme}://{host}"


class WebhookSubscription(BaseModel):
    """One receiver of outbound events (``QM_WEBHOOK_SUBSCRIPTIONS``)."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    url: str = Field(pattern=r"^https?://")
    secret: SecretStr
    events: list[str] = Field(default_factory=lambda: ["*"])


class Settings(BaseSettings):
    """Everything the service is configured with; secrets are ``SecretStr`` and never logged."""

    model_config = SettingsConfigDict(env_prefix="QM_", extra="ignore", populate_by_name=True)

    # Storage
    database_url: str = ""
    instance_path: Path = Path("instance")
    db_pool_size: int = Field(default=10, ge=1, le=200)

    # How Genesys (or anyone) calls us.
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    secret_key: SecretStr = SecretStr("")
    token_ttl_seconds: int = Field(default=86400, ge=60, le=30 * 86400)
    org_allowlist: CommaList = Field(default_factory=list)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, le=64 * 1024 * 1024)

    # How we call Genesys.
    genesys_api_host: str = ""
    genesys_region: str = ""
    genesys_client_id: str = ""
    genesys_client_secret: SecretStr = SecretStr("")
    genesys_requests_per_minute: int = Field(default=300, ge=1)
    genesys_timeout_seconds: float = Field(default=10.0, gt=0)
    genesys_max_retries: int = Field(default=5, ge=0, le=20)
    genesys_backoff_base_seconds: float = Field(default=0.5, ge=0)
    genesys_backoff_max_seconds: float = Field(default=30.0, ge=0)
    genesys_cache_ttl_seconds: int = Field(default=300, ge=0)
    # The longest a Retry-After (Genesys or the LLM) is waited out in-process; a longer wait
    # sends the job back to the queue for that time instead of holding a worker.
    retry_after_inline_max_seconds: float = Field(default=30.0, ge=0, le=3600)
    genesys_service_user_id: str = ""

    # LLM scoring.
    llm_base_url: str = ""
    llm_api_key: SecretStr = SecretStr("")
    llm_model: str = ""

    # Coaching defaults (a policy in the database overrides them per form).
    coaching_threshold: float = Field(default=75.0, ge=0, le=100)
    coaching_weekly_cap: int = Field(default=3, ge=0)
    coaching_due_business_days: int = Field(default=5, ge=0, le=60)

    # Accept and dispute (Genesys allows 5 dispute rounds within 45 days of the release).
    disputes_enabled: bool = True
    dispute_max_rounds: int = Field(default=5, ge=1, le=50)
    dispute_window_days: int = Field(default=45, ge=1, le=3650)

    # Outbound LMS webhook.
    lms_webhook_url: str = ""
    lms_webhook_secret: SecretStr = SecretStr("")

    # Jobs.
    job_backoff_seconds: CommaList = Field(
        default_factory=lambda: list(DEFAULT_JOB_BACKOFF_SECONDS)
    )
    job_lease_seconds: int = Field(default=300, ge=5)
    worker_poll_seconds: float = Field(default=1.0, gt=0)

    # --- genesys settings (client and fake) ---
    # Burst of the client's request budget; 0 means a tenth of genesys_requests_per_minute.
    genesys_request_burst: int = Field(default=0, ge=0)
    genesys_pool_size: int = Field(default=16, ge=1, le=256)
    genesys_form_cache_size: int = Field(default=512, ge=1)
    genesys_user_cache_size: int = Field(default=4096, ge=1)

    # --- coaching settings ---
    coaching_default_target: str = Field(
        default="local",
        pattern="^(local|genesys_learning|genesys_workitem|genesys_coaching_appointment|lms_webhook)$",
    )
    coaching_default_module_id: str = ""
    coaching_max_open: int = Field(default=0, ge=0)  # open assignments per agent; 0 = no limit
    coaching_holidays: CommaList = Field(default_factory=list)
    coaching_workitem_type_id: str = ""
    lms_webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # How long a data action waits on Genesys before queueing the work instead.
    coaching_genesys_budget_seconds: float = Field(default=8.0, gt=0, le=55)
    # Resolved policies are cached per process this long (0 = off); writes through the API or
    # the CLI in the same process invalidate at once, other processes see a change within it.
    coaching_policy_cache_seconds: float = Field(default=5.0, ge=0, le=3600)

    @field_validator("coaching_holidays", mode="before")
    @classmethod
    def _split_holidays(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("coaching_holidays")
    @classmethod
    def _holidays_are_dates(cls, value: list[str]) -> list[str]:
        for part in value:
            date.fromisoformat(part)
        return value

    # --- scoring settings (transcripts, scorecards, LLM) ---
    # The scorecard: a YAML file path, or ``genesys:<formId>`` for a published Genesys form.
    scoring_scorecard: str = ""
    # Transcripts: wait out diarization (segments keep arriving after disconnect), then policy.
    scoring_diarization_window_seconds: int = Field(default=90, ge=0, le=3600)
    scoring_min_duration_seconds: float = Field(default=30.0, ge=0)
    scoring_min_turns: int = Field(default=4, ge=0)
    scoring_asr_confidence_floor: float = Field(default=0.6, ge=0, le=1)
    scoring_excluded_queues: CommaList = Field(default_factory=list)
    scoring_test_wrapup_codes: CommaList = Field(default_factory=list)
    scoring_risk_max_turns: int = Field(default=3, ge=0)  # 0 switches the content filter off
    scoring_evidence_threshold: float = Field(default=EVIDENCE_THRESHOLD, ge=50, le=100)
    scoring_comment_max_chars: int = Field(default=480, ge=40, le=4000)
    scoring_max_attempts: int = Field(default=3, ge=1, le=10)
    scoring_writeback: bool = True
    # Queue coaching triage for each evaluation we write (idempotent with the Genesys trigger).
    scoring_queue_coaching: bool = True
    # Off-peak batching: when set (for example "22-6", UTC hours), jobs wait for the window.
    scoring_offpeak_hours: str = ""
    scoring_reconcile_max_age_days: float = Field(default=7.0, ge=0)
    # Redaction placeholders (regular expressions, a JSON list) added to the built-in defaults;
    # QM_SCORING_REDACTION_DEFAULTS=false keeps only these (docs/scoring.md).
    scoring_redaction_patterns: list[str] = Field(default_factory=list)
    scoring_redaction_defaults: bool = True
    llm_timeout_seconds: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=4, ge=0, le=20)
    llm_backoff_base_seconds: float = Field(default=1.0, ge=0)
    llm_backoff_max_seconds: float = Field(default=30.0, ge=0)
    llm_requests_per_minute: int = Field(default=600, ge=0)  # 0 = no budget
    llm_tokens_per_minute: int = Field(default=2_000_000, ge=0)
    llm_max_output_tokens: int = Field(default=2000, ge=64)
    llm_response_format: str = Field(default="auto", pattern="^(auto|json_schema|json_object)$")

    # --- calibration settings ---
    calibration_aligned_max: float = Field(default=5.0, ge=0, le=100)
    calibration_variance_flag_over: float = Field(default=15.0, ge=0, le=100)
    calibration_drift_gap: float = Field(default=5.0, ge=0, le=100)
    calibration_bias_min_points: float = Field(default=3.0, ge=0, le=100)
    calibration_criterion_range: float = Field(default=15.0, ge=0, le=100)
    calibration_recurring_months: int = Field(default=2, ge=1, le=36)
    calibration_ai_window: int = Field(default=25, ge=1, le=1000)
    calibration_candidate_days: int = Field(default=14, ge=1, le=90)
    calibration_min_talk_seconds: int = Field(default=180, ge=0)
    calibration_min_agents: int = Field(default=3, ge=1, le=50)
    calibration_session_size: int = Field(default=5, ge=1, le=100)

    # --- insights settings (docs/insights.md) ---
    # Effectiveness windows: scores this many days before an assignment and after its completion.
    insights_before_days: int = Field(default=30, ge=1, le=365)
    insights_after_days: int = Field(default=30, ge=1, le=365)
    # Trust: kappa over the latest N double-scored interactions per question.
    insights_agreement_window: int = Field(default=25, ge=2, le=1000)
    insights_min_kappa: float = Field(default=0.6, ge=-1, le=1)  # alert below (at is fine)
    insights_min_pairs: int = Field(default=10, ge=1, le=1000)  # no kappa alert on fewer
    insights_max_overturn_rate: float = Field(default=0.2, ge=0, le=1)  # alert above
    insights_min_disputes: int = Field(default=5, ge=1, le=1000)  # no overturn alert on fewer
    # Form id -> Genesys user ids to alert ("*": every form without its own entry).
    insights_form_owners: dict[str, list[str]] = Field(default_factory=dict)
    # --- policy replay (docs/replay.md) ---
    # Genesys requests one replay may send (users and query pages, uncached evaluations).
    replay_max_genesys_requests: int = Field(default=5000, ge=1)

    # --- sentiment settings (docs/sentiment.md) ---
    sentiment_enabled: bool = True
    # EU AI Act art. 5(1)(f): off = no agent-side sentiment; only the customer criterion applies.
    sentiment_agent_side: bool = True
    sentiment_genesys_budget_seconds: float = Field(default=8.0, gt=0, le=55)
    sentiment_kudos_webhook_url: str = ""
    sentiment_kudos_webhook_secret: SecretStr = SecretStr("")
    # Optional kudos email to the agent (their Genesys email) through SMTP.
    sentiment_kudos_smtp_host: str = ""
    sentiment_kudos_smtp_port: int = Field(default=587, ge=1, le=65535)
    sentiment_kudos_smtp_starttls: bool = True
    sentiment_kudos_smtp_user: str = ""
    sentiment_kudos_smtp_password: SecretStr = SecretStr("")
    sentiment_kudos_smtp_from: str = ""
    # The facilitator's external calendar: "" (none), "graph" or "google".
    sentiment_calendar: str = Field(default="", pattern="^(|graph|google)$")
    sentiment_calendar_base_url: str = ""  # Graph or Google API base (a fake in tests)
    sentiment_calendar_token_url: str = ""
    sentiment_calendar_client_id: str = ""
    sentiment_calendar_client_secret: SecretStr = SecretStr("")
    sentiment_calendar_timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    # --- governance settings (docs/governance.md) ---
    governance_pii_redaction: bool = True  # typed placeholders before any text goes to the LLM
    governance_ner_model: str = ""  # an installed spaCy NER package (never downloaded)
    governance_pii_threshold: float = Field(default=0.4, ge=0, le=1)
    governance_allow_other_languages: bool = False  # else language_unsupported -> review
    governance_fairness_red_threshold: float = Field(default=0.05, ge=0, le=1)
    governance_encryption_keys: SecretStr = SecretStr("")  # comma list of Fernet keys, newest first
    governance_retention_days: dict[str, int] = Field(default_factory=dict)
    # The purge job runs at most once per this many seconds (checked every 15 minutes).
    governance_purge_every_seconds: int = Field(default=86_400, ge=900, le=30 * 86_400)
    governance_purge_batch_size: int = Field(default=500, ge=1, le=1000)  # rows per transaction
    # Reconciliation with Genesys: a full sweep of the conversations we hold at most once per
    # this many seconds, in runs of at most this many conversations (2 Genesys requests each).
    governance_reconcile_enabled: bool = True
    governance_reconcile_every_seconds: int = Field(default=86_400, ge=300, le=90 * 86_400)
    governance_reconcile_conversations_per_run: int = Field(default=100, ge=1, le=5000)

    # --- kit settings ---

    # --- data out settings (issue 18: exports, outbound webhooks, BI read API) ---
    # Outbound event webhooks: a JSON list of {"name", "url", "secret", "events": [...]}
    # (``"*"`` for every type); see docs/data-out.md.
    webhook_subscriptions: list[WebhookSubscription] = Field(default_factory=list)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_max_attempts: int = Field(default=8, ge=1, le=50)
    # Exports and the BI API leave out rows changed in the last N seconds (see docs/data-out.md).
    export_settle_seconds: int = Field(default=30, ge=0, le=3600)
    bi_requests_per_minute: int = Field(default=120, ge=1, le=100_000)

    # --- database failure settings (issue 9: bounded waits, 503 instead of a hung request) ---
    # Every wait below stays under the data actions' 8 s budget (coaching_genesys_budget_seconds).
    db_connect_timeout_seconds: int = Field(default=3, ge=1, le=30)
    db_lock_timeout_ms: int = Field(default=2000, ge=0, le=60_000)  # PostgreSQL; 0 = no limit
    db_statement_timeout_ms: int = Field(default=5000, ge=0, le=600_000)  # PostgreSQL; 0 = off
    db_busy_timeout_ms: int = Field(default=5000, ge=0, le=600_000)  # SQLite writer queue
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    db_retry_after_seconds: int = Field(default=5, ge=1, le=3600)
    worker_max_backoff_seconds: float = Field(default=60.0, gt=0, le=3600)
    readiness_timeout_seconds: float = Field(default=3.0, gt=0, le=60)  # per /health/ready check

    # --- web app settings (docs/webapp.md) ---
    # How people sign in: "genesys" (OAuth code + PKCE), "oidc" (any OpenID Connect provider).
    web_signin: str = Field(default="genesys", pattern="^(genesys|oidc)$")
    # The Genesys OAuth client (authorization code grant) people sign in through.
    web_genesys_client_id: str = ""
    web_genesys_client_secret: SecretStr = SecretStr("")
    # Any OpenID Connect provider (Entra ID, Okta): its discovery URL and client.
    web_oidc_metadata_url: str = ""
    web_oidc_client_id: str = ""
    web_oidc_client_secret: SecretStr = SecretStr("")
    web_oidc_roles_claim: str = "roles"
    # Genesys permissions (or OIDC role/group names) -> our roles, JSON; empty = the defaults.
    web_role_map: dict[str, list[str]] = Field(default_factory=dict)
    # Development sign-in (pick any person and role): only when enabled AND served on loopback.
    web_dev_signin: bool = False
    # Shown inside Genesys Cloud (an iframe): cookies SameSite=None; Secure.
    web_embedded: bool = False
    web_session_ttl_seconds: int = Field(default=8 * 3600, ge=1, le=30 * 86400)
    web_team_cache_seconds: int = Field(default=900, ge=0, le=86400)

    log_level: str = "INFO"
    log_json: bool = True

    @field_validator(
        "org_allowlist",
        "job_backoff_seconds",
        "scoring_excluded_queues",
        "scoring_test_wrapup_codes",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("scoring_redaction_patterns")
    @classmethod
    def _redaction_patterns_compile(cls, value: list[str]) -> list[str]:
        from service.transcripts.rules import redaction_regex

        redaction_regex(tuple(value))  # raises a ValueError naming the bad pattern
        return value

    @field_validator("job_backoff_seconds")
    @classmethod
    def _backoffs_are_numbers(cls, value: list[str]) -> list[str]:
        for part in value:
            float(part)
        return value

    @model_validator(mode="after")
    def _resolve_database(self) -> Settings:
        if not self.database_url:
            self.database_url = os.environ.get("DATABASE_URL", "")
        if self.database_url.startswith("postgres://"):
            self.database_url = "postgresql+psycopg://" + self.database_url[len("postgres://") :]
        elif self.database_url.startswith("postgresql://"):
            self.database_url = "postgresql+psycopg://" + self.database_url[len("postgresql://") :]
        if not self.database_url:
            path = (self.instance_path / "qmloop.db").resolve()
            self.database_url = f"sqlite:///{path}"
        return self

    @property
    def job_backoffs(self) -> list[float]:
        """Delays between job attempts, in seconds."""
        return [float(part) for part in self.job_backoff_seconds]

    @field_validator("genesys_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        """Any Genesys spelling of a region, as its SDK name; an unknown one stops start-up."""
        if not value.strip():
            return ""
        name = region_name(value)
        if name is None:
            valid = ", ".join(GENESYS_REGIONS)
            raise ValueError(
                f"QM_GENESYS_REGION {value.strip()!r} is not a Genesys Cloud region; use one of "
                f"{valid} (or the same with '-', or the region's domain, e.g. mypurecloud.ie)"
            )
        return name

    @property
    def genesys_base_url(self) -> str:
        """The Platform API base URL, or empty when Genesys is not configured."""
        host = self.genesys_api_host.strip()
        named = region_name(host) if host and "://" not in host else None
        if named:
            host = GENESYS_REGIONS[named]  # "mypurecloud.ie" or "eu-west-1" name a region
        host = host or GENESYS_REGIONS.get(self.genesys_region, "")
        if not host:
            return ""
        return host if "://" in host else "https://" + host

    @property
    def genesys_login_url(self) -> str:
        """The OAuth login base URL matching ``genesys_base_url``."""
        base = self.genesys_base_url
        return login_host_for(base) if base else ""

    @property
    def genesys_enabled(self) -> bool:
        """True when we have what we need to call Genesys."""
        return bool(
            self.genesys_base_url
            and self.genesys_client_id
            and self.genesys_client_secret.get_secret_value()
        )

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded database."""
        return self.database_url.startswith("sqlite")
