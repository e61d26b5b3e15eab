"""Settings from environment variables and `.env` (prefix ``YUTANG_``)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="YUTANG_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    #: Where mutable state lives on the embedded default (SQLite file, huey queue, secrets).
    var_dir: Path = Path("var")
    #: SQLAlchemy async URL. Defaults to an SQLite file under ``var_dir``;
    #: ``postgresql+asyncpg://...`` switches to PostgreSQL.
    database_url: str = ""
    #: ``redis://...``: jobs, cache invalidation, live-code counters go through Redis.
    redis_url: str | None = None
    #: Signs sessions and salts IP hashes. Generated into ``var_dir`` when unset.
    secret_key: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    #: Run the huey consumer inside the web process (the embedded default).
    worker_in_process: bool = True
    #: How often buffered clicks are written to the database (seconds).
    click_flush_interval: float = Field(default=0.25, gt=0, le=5)
    #: Hand a batch off early once this many clicks are buffered.
    click_batch_size: int = Field(default=2000, ge=1)
    #: Who writes the clicks handed off through the spool (``var_dir/clicks``):
    #: ``process`` — a ``yutang clicks-writer`` process (``yutang serve`` sets this and
    #: starts one); ``inline`` — each serving process itself, after every hand-off.
    click_writer: Literal["inline", "process"] = "inline"
    #: Behind your own reverse proxy only: take the client IP from X-Forwarded-For and
    #: the scheme (https → Secure cookies, HSTS) from X-Forwarded-Proto. The proxy must
    #: overwrite (not pass on) both headers; sign-in limits take the rightmost address.
    trust_forwarded_for: bool = False
    #: Console sessions end after this many seconds without a request …
    session_idle_timeout: int = Field(default=8 * 3600, ge=60, le=30 * 24 * 3600)
    #: … and this many seconds after sign-in, whatever the activity.
    session_max_age: int = Field(default=7 * 24 * 3600, ge=300, le=90 * 24 * 3600)
    #: Sign-in attempts per e-mail address, and per client IP, in ``sign_in_window``
    #: seconds; one more locks that address (or IP) out for ``sign_in_lockout`` seconds.
    sign_in_account_limit: int = Field(default=5, ge=1, le=1000)
    sign_in_ip_limit: int = Field(default=20, ge=1, le=100_000)
    sign_in_window: int = Field(default=900, ge=1, le=24 * 3600)
    sign_in_lockout: int = Field(default=900, ge=1, le=24 * 3600)
    #: How long an invitation to a workspace can be accepted (seconds).
    invitation_ttl: int = Field(default=7 * 24 * 3600, ge=600, le=90 * 24 * 3600)
    #: ``Strict-Transport-Security`` max-age on https answers (0: no HSTS header).
    hsts_max_age: int = Field(default=365 * 24 * 3600, ge=0)
    #: Link domain used when a workspace is created without one.
    default_link_domain: str = "127.0.0.1:8000"
    #: Name of the first-party visitor cookie set on redirects.
    visitor_cookie: str = "yt_vid"
    log_level: str = "info"
    #: The largest request body the app reads (bytes); larger ones are refused with 413.
    #: 4 MiB holds a bulk request of 1,000 links with long URLs and a 2 MB poster picture.
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024, le=1024**3)
    #: Keys that encrypt PII at rest (AES-256-GCM): ``id:base64url-32-bytes`` separated by
    #: commas, the first one encrypts, all decrypt (rotation: put the new one first, then
    #: ``yutang pii rotate``). Unset: one key derived from ``secret_key``.
    pii_keys: str = ""
    #: Key of the blind index (keyed hash) used for exact PII look-ups. Unset: derived
    #: from ``secret_key``. Changing it needs ``yutang pii rotate`` (it rehashes).
    pii_index_key: str = ""

    #: The event store of the reports: a DuckDB file (default ``var_dir/analytics.duckdb``).
    analytics_path: Path | None = None
    #: ClickHouse instead of the DuckDB file, for the store at scale: a clickhouse-connect
    #: DSN, ``clickhouse://user:password@host:8123/yutang`` (docs/operations.md).
    analytics_url: str | None = None

    def resolved_analytics_path(self) -> Path:
        return self.analytics_path or self.var_dir / "analytics.duckdb"

    def click_spool_dir(self) -> Path:
        return self.var_dir / "clicks"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / 'yutang.db').as_posix()}"

    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url().startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests and CLI options change the environment)."""
    get_settings.cache_clear()
