"""Settings from the environment (``TRACKER_*``), with the embedded SQLite default."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'tracker.db'}"


def _secret_file() -> str:
    # One secret per installation when none is configured; replicas share TRACKER_COOKIE_SECRET.
    path = DATA_DIR / ".cookie-secret"
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str
    cookie_secret: str
    session_idle_minutes: int
    upload_limit_mb: int
    demo_on_first_start: bool
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_sender: str


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read the settings; ``env`` defaults to ``os.environ`` (tests pass their own)."""
    env = dict(os.environ) if env is None else env
    return Settings(
        database_url=env.get("TRACKER_DATABASE_URL") or DEFAULT_DATABASE_URL,
        cookie_secret=env.get("TRACKER_COOKIE_SECRET") or _secret_file(),
        session_idle_minutes=int(env.get("TRACKER_SESSION_IDLE_MINUTES", "120")),
        upload_limit_mb=int(env.get("TRACKER_UPLOAD_LIMIT_MB", "10")),
        demo_on_first_start=env.get("TRACKER_DEMO", "1") not in {"0", "false", "no"},
        smtp_host=env.get("TRACKER_SMTP_HOST", ""),
        smtp_port=int(env.get("TRACKER_SMTP_PORT", "25")),
        smtp_user=env.get("TRACKER_SMTP_USER", ""),
        smtp_password=env.get("TRACKER_SMTP_PASSWORD", ""),
        smtp_sender=env.get("TRACKER_SMTP_SENDER", "cdsi@asin.bj"),
    )
