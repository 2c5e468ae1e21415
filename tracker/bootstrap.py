"""First start and every start: migrate the schema, load reference data, and (in demo mode)
the demo data set and demo accounts."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from tracker.accounts.users import create_user
from tracker.core import repository as repo
from tracker.core.db import exclusive, migrate, transaction
from tracker.core.i18n import t
from tracker.core.progress import step
from tracker.reference.catalogue import load_reference_data

DEMO_PASSWORD = "demo"  # noqa: S105  (shown on the login page in demo mode only)
DEMO_ACCOUNTS: list[dict[str, str | None]] = [
    {"login": "admin", "display_name": "Secrétariat CDSI (démo)", "role": "admin",
     "structure_code": "ASIN"},
    {"login": "direction", "display_name": "Direction générale ASIN (démo)",
     "role": "leadership", "structure_code": "ASIN"},
    {"login": "dsi-ms", "display_name": "DSI Ministère de la Santé (démo)", "role": "dsi",
     "structure_code": "MS"},
    {"login": "dsi-mef", "display_name": "DSI MEF (démo)", "role": "dsi",
     "structure_code": "MEF"},
    {"login": "observateur", "display_name": "Observateur (démo)", "role": "viewer",
     "structure_code": None},
]
# Reserved .invalid addresses: reminders can be tried on the demo data without reaching anyone.
for _account in DEMO_ACCOUNTS:
    _account["email"] = f"{_account['login']}@cdsi.demo.invalid"


_READY: set[str] = set()


def ensure_ready(engine: Engine, *, demo: bool) -> None:
    """Initialise a database once per process (the server's start usually already did)."""
    if engine.url.render_as_string(hide_password=False) not in _READY:
        initialize(engine, demo=demo)


def initialize(engine: Engine, *, demo: bool, today: date | None = None,
               scale: str = "default") -> bool:
    """Bring a database to a usable state; returns True when demo data was loaded just now.

    Safe to run at every start and from several replicas: migrations are idempotent, reference
    rows are only added when missing, demo data only on an empty installation.
    """
    step(t("progress.migrating"))
    migrate(engine)
    _READY.add(engine.url.render_as_string(hide_password=False))
    with transaction(engine) as session:
        exclusive(session)
        load_reference_data(session)
        if not demo or repo.get_setting(session, "initialized") is not None:
            repo.set_setting(session, "initialized",
                             repo.get_setting(session, "initialized") or "1")
            return False
        repo.set_setting(session, "initialized", "1")
        if repo.count_users(session) > 0:
            return False
        step(t("progress.demo_start", scale=scale))
        for account in DEMO_ACCOUNTS:
            # The demo accounts' password is « demo », printed on the sign-in page of a demo:
            # they are created here, outside the password policy, and nowhere else.
            create_user(session, None, {**account, "password": DEMO_PASSWORD},
                        password_policy=False)
        from tracker.demo.generator import generate_demo

        generate_demo(session, scale=scale, today=today or date.today())
        repo.set_setting(session, "demo", "1")
        step(t("progress.committing"))
    step(t("progress.done"))
    return True
