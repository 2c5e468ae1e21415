"""Settings from the environment (``TRACKER_*``), with the embedded SQLite default."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def runtime_dir(root: Path, cwd: Path) -> Path:
    """Where runtime state (SQLite database, cookie secret) lives: ``data/`` beside app.py in a
    checkout, ``data/`` of the working directory for an installed package (never site-packages)."""
    return (root if (root / "app.py").is_file() else cwd) / "data"


DATA_DIR = runtime_dir(ROOT, Path.cwd())
DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'tracker.db'}"
DEFAULT_UPLOAD_LIMIT_MB = 10
DEFAULT_DB_POOL_SIZE = 10


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


Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK = ("127.0.0.1", "::1")  # Streamlit gives no address (None) for these


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class TrustedProxies:
    """Who may tell the client's address in X-Forwarded-For (``TRACKER_TRUSTED_PROXIES``):
    nobody (the default: the connection's own address counts), ``hops`` reverse proxies in
    front of every request whatever their addresses, or the proxies at ``networks``."""

    hops: int = 0
    networks: tuple[Network, ...] = ()

    def _trusted(self, peer: str | None) -> bool:
        candidates = LOOPBACK if peer is None else (peer,)
        for text in candidates:
            address = _address(text)
            if address is not None and any(address in net for net in self.networks):
                return True
        return False

    def client(self, peer: str | None, forwarded_for: Sequence[str] | str | None) -> str | None:
        """The client's address: ``peer`` (the connection's, None for localhost), unless it is
        a trusted proxy; then the address its proxies recorded in X-Forwarded-For (every header
        of that name, in order), read from the right past the trusted ones."""
        if isinstance(forwarded_for, str):
            forwarded_for = [forwarded_for]
        chain = [part.strip() for header in forwarded_for or () for part in header.split(",")
                 if part.strip()]
        if self.hops:
            # Each proxy appends the address it was reached from: the client is the one the
            # outermost proxy wrote. Fewer entries than proxies: the header is not theirs.
            return chain[-self.hops] if len(chain) >= self.hops else peer
        if not self.networks or not self._trusted(peer):
            return peer  # not through a trusted proxy: its header proves nothing
        nearest = peer
        for entry in reversed(chain):
            if _address(entry) is None:
                return nearest  # a trusted proxy never writes this: stop at the last sure hop
            if not self._trusted(entry):
                return entry
            nearest = entry
        return nearest

    def scheme(self, peer: str | None, own: str, forwarded_proto: Sequence[str] | str | None
               ) -> str:
        """The scheme the browser used: ``own`` (the connection's, already ``https`` when
        Streamlit's server took X-Forwarded-Proto from a proxy on this machine), unless the
        connection comes from a trusted proxy (``hops``, or one of ``networks``); then the
        X-Forwarded-Proto it wrote (the last value: the nearest proxy's). So the session cookie
        keeps its ``Secure`` flag behind a TLS proxy on another machine."""
        if isinstance(forwarded_proto, str):
            forwarded_proto = [forwarded_proto]
        values = [part.strip().lower() for header in forwarded_proto or ()
                  for part in header.split(",") if part.strip()]
        if own == "https" or not values or not (self.hops or self._trusted(peer)):
            return own
        return values[-1] if values[-1] in {"http", "https"} else own


def trusted_proxies(env: Mapping[str, str]) -> TrustedProxies:
    """``TRACKER_TRUSTED_PROXIES``: empty (nobody), a number of proxy hops (``1`` behind one
    reverse proxy), or proxy addresses and networks separated by commas (``10.0.0.5,
    10.1.0.0/16``). Streamlit's server (uvicorn) already puts the client's address in place of
    a proxy's at 127.0.0.1 or ::1 (its FORWARDED_ALLOW_IPS): this is for proxies elsewhere."""
    raw = (env.get("TRACKER_TRUSTED_PROXIES") or "").strip()
    if not raw:
        return TrustedProxies()
    if raw.isdigit():
        return TrustedProxies(hops=int(raw))
    networks = []
    for part in raw.replace(" ", ",").split(","):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"TRACKER_TRUSTED_PROXIES must be a number of proxies or proxy "
                             f"addresses and networks separated by commas; {part!r} is "
                             "neither") from None
    return TrustedProxies(networks=tuple(networks))


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
    smtp_tls: str = "starttls"
    trusted_proxies: TrustedProxies = field(default_factory=TrustedProxies)
    api_rate_per_minute: int = 120
    db_pool_size: int = DEFAULT_DB_POOL_SIZE
    log_json: bool = False

    def refusal_to_serve(self) -> str | None:
        """Why the web server must not start with these settings, or None. On PostgreSQL
        (several replicas share it) each replica would otherwise make up its own cookie
        secret: a user signed in through one would be unknown to the others."""
        if not self.cookie_secret:
            return ("TRACKER_COOKIE_SECRET is not set: on PostgreSQL the app may run as several "
                    "replicas, which must all sign the session cookie with the same secret "
                    "(a secret made up by each replica would sign a user out whenever the load "
                    "balancer sends them to another). Set it to the same long random value on "
                    "every replica, for example the output of "
                    "python -c 'import secrets; print(secrets.token_urlsafe(48))'.")
        return None
    local_login: bool = True
    sso_create: str = ""
    sso_label: str = ""


def upload_limit_mb(env: Mapping[str, str] | None = None) -> int:
    """The largest file the imports accept, in MB: ``TRACKER_UPLOAD_LIMIT_MB`` (default 10).

    The one source of the limit: the upload checks and the upload widgets both read it.
    """
    env = os.environ if env is None else env
    raw = (env.get("TRACKER_UPLOAD_LIMIT_MB") or "").strip()
    if not raw:
        return DEFAULT_UPLOAD_LIMIT_MB
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"TRACKER_UPLOAD_LIMIT_MB must be a whole number of MB (1 or more), "
                         f"not {raw!r}")
    return int(raw)


def upload_limit_mismatch(limit_mb: int, server_max_upload_mb: int) -> str | None:
    """Why the server's upload limit (Streamlit's ``server.maxUploadSize``) and
    ``TRACKER_UPLOAD_LIMIT_MB`` disagree, or None when they are the same."""
    if limit_mb == server_max_upload_mb:
        return None
    if server_max_upload_mb < limit_mb:
        effect = (f"files between {server_max_upload_mb} and {limit_mb} MB are refused by the "
                  "server before the imports can say why")
    else:
        effect = (f"the server accepts request bodies up to {server_max_upload_mb} MB that the "
                  f"imports then refuse above {limit_mb} MB")
    return (f"TRACKER_UPLOAD_LIMIT_MB is {limit_mb} but Streamlit's server.maxUploadSize is "
            f"{server_max_upload_mb}: {effect}. Set both to the same value "
            "(.streamlit/config.toml or --server.maxUploadSize).")


def db_pool_size(env: Mapping[str, str] | None = None) -> int:
    """Connections each process keeps to PostgreSQL at most: ``TRACKER_DB_POOL_SIZE``
    (default 10; one pool per process, no overflow beyond it)."""
    env = os.environ if env is None else env
    raw = (env.get("TRACKER_DB_POOL_SIZE") or "").strip()
    if not raw:
        return DEFAULT_DB_POOL_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        raise ValueError(f"TRACKER_DB_POOL_SIZE must be a whole number of connections "
                         f"(1 to 1000), not {raw!r}")
    return int(raw)


def log_json(env: Mapping[str, str] | None = None) -> bool:
    """``TRACKER_LOG_JSON=1``: the logs as JSON lines (one object a line) instead of text."""
    env = os.environ if env is None else env
    return (env.get("TRACKER_LOG_JSON") or "").strip().lower() in {"1", "true", "yes"}


def cookie_secret(env: Mapping[str, str], database_url: str) -> str:
    """``TRACKER_COOKIE_SECRET``; without it, on SQLite (one process) a secret kept in
    ``data/.cookie-secret``, on PostgreSQL nothing (the server then refuses to start)."""
    configured = (env.get("TRACKER_COOKIE_SECRET") or "").strip()
    if configured or database_url.startswith("postgresql"):
        return configured
    return _secret_file()


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read the settings; ``env`` defaults to ``os.environ`` (tests pass their own)."""
    env = dict(os.environ) if env is None else env
    database_url = env.get("TRACKER_DATABASE_URL") or DEFAULT_DATABASE_URL
    return Settings(
        database_url=database_url,
        cookie_secret=cookie_secret(env, database_url),
        session_idle_minutes=int(env.get("TRACKER_SESSION_IDLE_MINUTES", "120")),
        upload_limit_mb=upload_limit_mb(env),
        demo_on_first_start=env.get("TRACKER_DEMO", "1") not in {"0", "false", "no"},
        smtp_host=env.get("TRACKER_SMTP_HOST", ""),
        smtp_port=int(env.get("TRACKER_SMTP_PORT", "25")),
        smtp_user=env.get("TRACKER_SMTP_USER", ""),
        smtp_password=env.get("TRACKER_SMTP_PASSWORD", ""),
        smtp_sender=env.get("TRACKER_SMTP_SENDER", "cdsi@asin.bj"),
        smtp_tls=smtp_tls(env),
        trusted_proxies=trusted_proxies(env),
        api_rate_per_minute=api_rate_per_minute(env),
        db_pool_size=db_pool_size(env),
        log_json=log_json(env),
        local_login=local_login(env),
        sso_create=sso_create(env),
        sso_label=(env.get("TRACKER_SSO_LABEL") or "").strip(),
    )


DEFAULT_API_RATE_PER_MINUTE = 120


def api_rate_per_minute(env: Mapping[str, str]) -> int:
    """How many calls one API token may make per minute: ``TRACKER_API_RATE_PER_MINUTE``
    (default 120)."""
    raw = (env.get("TRACKER_API_RATE_PER_MINUTE") or "").strip()
    if not raw:
        return DEFAULT_API_RATE_PER_MINUTE
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"TRACKER_API_RATE_PER_MINUTE must be a whole number of calls per "
                         f"minute (1 or more), not {raw!r}")
    return int(raw)


def local_login(env: Mapping[str, str]) -> bool:
    """``TRACKER_LOCAL_LOGIN``: ``0`` hides the local sign-in form when single sign-on is
    configured (the form stays when it is not, or nobody could sign in)."""
    raw = (env.get("TRACKER_LOCAL_LOGIN") or "1").strip().lower()
    if raw not in {"0", "1", "false", "true", "no", "yes"}:
        raise ValueError(f"TRACKER_LOCAL_LOGIN must be 1 or 0, not {raw!r}")
    return raw in {"1", "true", "yes"}


def sso_create(env: Mapping[str, str]) -> str:
    """``TRACKER_SSO_CREATE``: empty (an unknown single sign-on identity is refused) or
    ``viewer`` (it gets a viewer account awaiting an admin's role assignment)."""
    raw = (env.get("TRACKER_SSO_CREATE") or "").strip().lower()
    if raw not in {"", "viewer"}:
        raise ValueError(f"TRACKER_SSO_CREATE must be empty or viewer, not {raw!r}")
    return raw


def smtp_tls(env: Mapping[str, str]) -> str:
    """How reminders reach the SMTP server: ``TRACKER_SMTP_TLS`` = starttls (default; ssl when
    the port is 465) or ssl (TLS from the first byte)."""
    raw = (env.get("TRACKER_SMTP_TLS") or "").strip().lower()
    if not raw:
        return "ssl" if env.get("TRACKER_SMTP_PORT", "").strip() == "465" else "starttls"
    if raw not in {"starttls", "ssl"}:
        raise ValueError(f"TRACKER_SMTP_TLS must be starttls or ssl, not {raw!r}")
    return raw
