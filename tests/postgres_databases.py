"""Whole PostgreSQL databases for the tests that need more than the worker's own (a restore's
target, a server of its own): created fresh on the server that TRACKER_TEST_DATABASE_URL names,
dropped at the end. Their names start with that database's name (``cdsi_ci_…`` in CI, where
.ci/run drops any left behind before the run)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ENV = "TRACKER_TEST_DATABASE_URL"
PG_SKIP_REASON = f"PostgreSQL run skipped: {PG_ENV} is not set"  # as tests/conftest.py says it


def _admin(base_url: str, statement: str) -> None:
    engine = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


@contextmanager
def fresh_postgres_database(base_url: str, purpose: str) -> Iterator[str]:
    """``with fresh_postgres_database(url, "restore_gw0") as url:`` a new, empty database on the
    server of ``base_url`` (whose own database is used to create and drop it)."""
    base = make_url(base_url)
    name = f"{base.database}_{re.sub(r'[^a-z0-9_]', '_', purpose.lower())}"[:63]
    _admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(base_url, f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
