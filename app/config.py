"""Settings: one pydantic-settings class, grouped with nested models.

Read from environment variables prefixed ``VELDWERK_`` (nested with ``__``, e.g.
``VELDWERK_SMTP__HOST``) and from a ``.env`` file. Nothing reads ``os.environ``
elsewhere; the app receives settings through ``create_app(settings)`` and the
``get_settings`` dependency.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout (or installed tree) holding questionnaires/, mailings/, templates/."""

DEV_SECRET = "dev-only-secret-change-me-in-production"  # noqa: S105 - refused in production


class SmtpSettings(BaseModel):
    """Outgoing mail. With no ``host`` the platform catches mail itself (the
    embedded default): messages are stored and shown on the staff pages."""

    host: str | None = None
    port: int = 25
    username: str | None = None
    password: SecretStr | None = None
    use_tls: bool = False
    start_tls: bool = False
    timeout_seconds: float = 30.0
    from_address: str = "Monitor Integriteit en Veiligheid <monitor@veldwerk.test>"
    bounce_domain: str = "bounces.veldwerk.test"
    """Domain of the VERP return path: ``bounce+<invitation>-<mailing>@<domain>``."""
    connections: int = Field(default=4, ge=1, le=64)
    """Concurrent SMTP connections per worker process."""
    rate_per_second: float = Field(default=50.0, gt=0)
    """Overall sending rate per worker process."""
    rate_per_domain_per_minute: float = Field(default=120.0, gt=0)
    """Per receiving domain: hundreds of council members share one mail server."""
    local_hostname: str | None = None
    """Name given in EHLO (default: this machine's FQDN)."""
    validate_certs: bool = True
    reply_to: str | None = None
    """Where replies from respondents go (default: the From address)."""
    unsubscribe_local_part: str = "afmelden"
    """``mailto:`` unsubscribe address: ``<local>+<token>@<bounce_domain>``."""


class WorkerSettings(BaseModel):
    poll_seconds: float = Field(default=2.0, gt=0)
    batch_size: int = Field(default=200, ge=1, le=5000)
    lease_seconds: int = Field(default=300, ge=2)
    """A claim lapses this long after the worker's last heartbeat (renewed every
    third of it while the worker lives)."""
    max_attempts: int = Field(default=8, ge=1)
    """Temporary refusals of one recipient before the mail is given up."""
    handoff_chunk: int = Field(default=50, ge=1, le=1000)
    """Mails marked as handed to SMTP per commit: at most this many per worker
    can end up with an unknown fate when the worker is killed."""
    retry_base_seconds: float = Field(default=60.0, gt=0)
    retry_max_seconds: float = Field(default=3600.0, gt=0)
    relay_backoff_seconds: float = Field(default=5.0, gt=0)
    """First pause after our SMTP relay failed (unreachable, dropped, 421); doubles."""
    domain_backoff_seconds: float = Field(default=120.0, gt=0)
    """Pause for a receiving domain after it answered 421/451 (doubles, capped)."""


class SamplesSettings(BaseModel):
    """Address-file imports and draws."""

    max_upload_mb: int = Field(default=200, ge=1)
    """Largest address file accepted through the staff pages."""
    insert_batch_size: int = Field(default=5000, ge=100, le=50000)
    """Rows per INSERT executemany when importing frames and creating invitations."""
    max_reported_problems: int = Field(default=5000, ge=10)
    """Problems kept in a rejection report; the total is always counted."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="VELDWERK_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./var/veldwerk.db"
    database_pool_size: int = Field(default=20, ge=1, le=500)
    """PostgreSQL connections each app process keeps open. A request beyond
    that waits for one to come free rather than opening another: under load,
    connections opened and closed per request cost more CPU (here and in
    PostgreSQL) than the wait. Processes times this must stay below the
    server's ``max_connections``."""
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    """Derives respondent links (HMAC) and signs nothing else; keep it secret."""
    previous_secret_keys: list[SecretStr] = Field(default_factory=list)
    """Older keys, still able to re-derive links of invitations made with them."""
    base_url: str = "http://127.0.0.1:8000"
    questionnaires_dir: Path = PROJECT_ROOT / "questionnaires"
    """Where the questionnaire files are; by default the project's own, whatever
    the working directory."""
    check_questionnaires_on_startup: bool = True
    """Load and check every questionnaire file at startup; refuse to start on errors."""
    mailings_dir: Path = PROJECT_ROOT / "mailings"
    timezone: str = "Europe/Amsterdam"
    session_hours: int = Field(default=10, ge=1, le=24 * 14)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    """Failures count within this window; the first lock lasts as long and
    every further lock of the same account twice as long as the one before."""
    login_lock_max_minutes: int = Field(default=24 * 60, ge=1)
    """The longest lock (after many lockouts in a row)."""
    login_address_max_failures: int = Field(default=50, ge=1)
    """Failures from one client address (on any accounts) before it is locked,
    except for accounts that logged in from it before."""
    trusted_proxies: list[str] = Field(default_factory=list)
    """Addresses or networks of reverse proxies whose ``X-Forwarded-For`` and
    ``X-Forwarded-Proto`` are believed (e.g. ``["10.0.0.5"]``). Empty: the
    connecting address is the client, whatever headers say."""
    two_factor_roles: (
        list[Literal["researcher", "fieldwork_manager", "analyst", "admin"]] | None
    ) = None
    """Roles that must log in with a second factor (TOTP). Default: in
    production the roles that see contact data or identifying files
    (fieldwork_manager, analyst) and admin; elsewhere (the demo, development)
    none, though anyone may enrol at /staff/2fa."""
    secure_cookies: bool | None = None
    """Defaults to true when ``base_url`` is https."""
    disclosure_k: int = Field(default=5, ge=2)
    """Disclosure threshold k: the shareable export holds no combination of
    quasi-identifiers that fewer than k respondents share, and monitor
    downloads show no cell based on fewer than k people."""
    monitor_refresh_seconds: float = Field(default=10.0, gt=0, le=3600)
    """How often an open monitor page fetches fresh figures (htmx polling)."""
    retention_days_after_close: int = Field(default=90, ge=0)
    """Contact data of a wave are purged automatically (by the worker) this many
    days after fieldwork closes, unless a manager postpones it with a reason."""
    privacy_controller: str = (
        "het Ministerie van Binnenlandse Zaken en Koninkrijksrelaties (opdrachtgever)"
    )
    """Who is responsible for the data (the privacy notice names them)."""
    privacy_researcher: str = "het onderzoeksbureau dat het veldwerk uitvoert"
    """Who carries out the survey and sees contact data."""
    privacy_contact: str = "privacy@veldwerk.test"
    """Where respondents ask for access or erasure (privacy notice, accessibility
    statement)."""
    smtp: SmtpSettings = SmtpSettings()
    worker: WorkerSettings = WorkerSettings()
    samples: SamplesSettings = SamplesSettings()

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Self:
        if self.environment == "production" and self.secret_key.get_secret_value() in (
            DEV_SECRET,
            "",
        ):
            raise ValueError(
                "set VELDWERK_SECRET_KEY to a long random value in production"
            )
        return self

    @property
    def effective_two_factor_roles(self) -> frozenset[str]:
        if self.two_factor_roles is not None:
            return frozenset(self.two_factor_roles)
        if self.environment == "production":
            return frozenset({"fieldwork_manager", "analyst", "admin"})
        return frozenset()

    @property
    def cookies_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.base_url.startswith("https://")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
