"""Settings: one pydantic-settings class, grouped with nested models.

Read from environment variables prefixed ``VELDWERK_`` (nested with ``__``, e.g.
``VELDWERK_SMTP__HOST``) and from a ``.env`` file. Nothing reads ``os.environ``
elsewhere; the app receives settings through ``create_app(settings)`` and the
``get_settings`` dependency.
"""

from __future__ import annotations

import math
import re
import string
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout (or installed tree) holding questionnaires/, mailings/, templates/."""

DEV_SECRET = "dev-only-secret-change-me-in-production"  # noqa: S105 - refused in production
MIN_SECRET_BITS = 256
"""32 bytes of randomness: the key's fingerprint is on every invitation, so a
weaker key could be guessed offline and every survey link derived from it."""


def secret_bits(key: str) -> float:
    """A conservative estimate of the randomness in ``key``, in bits.

    Hex or base64 text counts as the bytes it decodes to (what
    ``secrets.token_hex`` / ``token_urlsafe`` and ``openssl rand`` give); other
    text as its length times the bits of the character classes it uses, halved
    (people choose such keys, not dice). Either is capped by how well the key
    compresses, so repeated text ("abcabc...") counts for little.
    """
    text = key.strip()
    if not text:
        return 0.0
    if re.fullmatch(r"[0-9a-fA-F]+", text) and len(text) % 2 == 0:
        estimate = 4.0 * len(text)
    elif re.fullmatch(r"[A-Za-z0-9_\-+/]+={0,2}", text):
        estimate = float(len(text.rstrip("=")) * 6 // 8 * 8)
    else:
        size = sum(
            n
            for chars, n in (
                (string.ascii_lowercase, 26),
                (string.ascii_uppercase, 26),
                (string.digits, 10),
            )
            if any(c in chars for c in text)
        )
        if any(not (c.isascii() and c.isalnum()) for c in text):
            size += 33
        estimate = len(text) * math.log2(max(size, 2)) / 2
    compressed = 8.0 * (len(zlib.compress(text.encode(), 9)) - 8)
    return max(0.0, min(estimate, compressed))


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
    lease_seconds: int = Field(default=60, ge=2)
    """A claim lapses this long after the worker's last heartbeat (renewed every
    third of it while the worker lives). Also how long after a worker dies its
    mails in flight are reported as of unknown fate: one minute."""
    max_attempts: int = Field(default=8, ge=1)
    """Temporary refusals of one recipient before the mail is given up (with
    the defaults below: about three hours of retries)."""
    handoff_chunk: int = Field(default=50, ge=1, le=1000)
    """Mails marked as handed to SMTP per commit: at most this many per worker
    can end up with an unknown fate when the worker is killed."""
    retry_base_seconds: float = Field(default=420.0, gt=0)
    """First retry of a recipient after a temporary refusal (4xx: greylisting
    mostly). Greylisting servers accept a retry after 1-5 minutes (Postfix
    postgrey: 5 minutes); seven minutes (with jitter 5.6 to 8.4) passes them
    at the first retry. Doubles
    per refusal of that recipient, with jitter."""
    retry_max_seconds: float = Field(default=1800.0, gt=0)
    """Longest wait between two attempts for one recipient (30 minutes)."""
    relay_backoff_seconds: float = Field(default=5.0, gt=0)
    """First pause after our SMTP relay failed (unreachable, dropped, 421); doubles."""
    domain_backoff_seconds: float = Field(default=60.0, gt=0)
    """Pause for a whole receiving domain after it answered 421 at RCPT (the
    server closing on us: slow down). Doubles while it keeps doing so, up to
    ``domain_backoff_max_seconds``. Greylisting (450/451 for one recipient)
    never pauses a domain: one municipality's mail server greylists every new
    recipient, and pausing the domain per refusal would stall all of them."""
    domain_backoff_max_seconds: float = Field(default=600.0, gt=0)
    """Longest pause of a receiving domain (10 minutes)."""


class SamplesSettings(BaseModel):
    """Address-file imports and draws."""

    max_upload_mb: int = Field(default=200, ge=1)
    """Largest address file accepted through the staff pages."""
    insert_batch_size: int = Field(default=5000, ge=100, le=50000)
    """Rows per INSERT executemany when importing frames and creating invitations."""
    max_reported_problems: int = Field(default=5000, ge=10)
    """Problems kept in a rejection report; the total is always counted."""
    max_rows: int = Field(default=1_000_000, ge=1)
    """Rows an address file may have (CSV and XLSX); more is refused."""
    max_columns: int = Field(default=200, ge=10, le=16_384)
    """Columns a row may have; XLSX cells beyond it are refused as they are read."""
    max_xlsx_cells: int = Field(default=5_000_000, ge=1000)
    """Cell elements in an XLSX sheet, empty ones included (reading costs
    about 2 s of CPU per million cells)."""
    max_xlsx_unpacked_mb: int = Field(default=512, ge=1)
    """Total unpacked size of an XLSX file's parts, checked before any parsing."""
    max_read_seconds: float = Field(default=60.0, gt=0)
    """Reading an XLSX file longer than this is given up (per pass)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="VELDWERK_",
        env_nested_delimiter="__",
        # The project's .env first, then one in the working directory (wins).
        env_file=(PROJECT_ROOT / ".env", ".env"),
        extra="ignore",
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'veldwerk.db'}"
    """By default a SQLite file in the project's ``var/``, whatever the working
    directory: ``veldwerk`` run from elsewhere finds the same database."""
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
    """Where people reach the app; every link in mails, previews and printouts
    starts with it. Unless set, ``veldwerk serve``/``demo`` derive it from their
    ``--host``/``--port`` (``served_at``)."""
    questionnaires_dir: Path = PROJECT_ROOT / "questionnaires"
    reports_dir: Path = PROJECT_ROOT / "reports"
    """Report table definitions: ``<questionnaire>/<edition>.yaml``."""
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
    report_min_n: int = Field(default=50, ge=1)
    """Below this base a report cell shows the unweighted count, untested (as the report does)."""
    disclosure_k: int = Field(default=5, ge=2)
    """Disclosure threshold k, one for the whole platform: the shareable export
    holds no combination of quasi-identifiers that fewer than k respondents
    share, monitor downloads show no cell based on fewer than k people, and
    report tables and factsheets suppress cells resting on fewer than k
    respondents (a function with few holders in a breakdown cell identifies a
    person)."""
    monitor_refresh_seconds: float = Field(default=10.0, gt=0, le=3600)
    """How often an open monitor page fetches fresh figures (htmx polling)."""
    burden_refresh_seconds: float = Field(default=300.0, ge=10, le=86400)
    """How often the mail worker looks for stale break-off views of open waves
    and recomputes them (only those whose responses changed, or whose busy
    respondents passed the quiet hours); see docs/monitor.md."""
    max_body_kb: int = Field(default=256, ge=16)
    """Largest request body (forms of respondents and staff); uploads of files
    have their own limits (``samples.max_upload_mb``). Larger bodies get 413."""
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
    def _refuse_weak_secret_in_production(self) -> Self:
        if self.environment != "production":
            return self
        key = self.secret_key.get_secret_value()
        if key == DEV_SECRET or secret_bits(key) < MIN_SECRET_BITS:
            raise ValueError(
                f"VELDWERK_SECRET_KEY is too weak for production (about "
                f"{secret_bits(key):.0f} bits of randomness, {MIN_SECRET_BITS} "
                "needed); set it to the output of: python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'"
            )
        return self

    def served_at(self, host: str, port: int) -> Settings:
        """These settings for an app listening on ``host``:``port``.

        The one place that knows the real base URL: an explicit ``base_url``
        (``VELDWERK_BASE_URL``, e.g. behind a proxy) is kept; otherwise it
        follows the address served, so links never point at a port nobody
        listens on. A wildcard host is reached through the loopback address.
        """
        if "base_url" in self.model_fields_set:
            return self
        shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104
        if ":" in shown:
            shown = f"[{shown}]"
        return self.model_copy(update={"base_url": f"http://{shown}:{port}"})

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


class SettingsProblem(Exception):
    """The settings cannot be used; ``str()`` is one line saying what to change."""


def load_settings() -> Settings:
    """``get_settings()``, with invalid settings as one readable line
    (``SettingsProblem``) instead of pydantic's report and a traceback."""
    try:
        return get_settings()
    except ValidationError as exc:
        raise SettingsProblem(settings_problem(exc)) from None


def settings_problem(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = "__".join(str(p) for p in error.get("loc", ()) if p != "__root__")
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"VELDWERK_{where.upper()}: {message}" if where else message)
    return "; ".join(parts)
