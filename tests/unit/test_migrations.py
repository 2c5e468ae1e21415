"""Migrations: `alembic upgrade head` on an empty database gives exactly the models' schema, on
SQLite and on PostgreSQL, and upgrading again changes nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import tracker.core.models  # noqa: F401  (registers every table on the metadata)
from tracker.core.db import make_engine, migrate

ROOT = Path(__file__).resolve().parents[2]


def _differences(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "render_as_batch": engine.dialect.name == "sqlite"})
        return compare_metadata(context, SQLModel.metadata)


@pytest.mark.postgres
def test_upgrade_head_on_an_empty_database_gives_the_models_schema(empty_database_url):
    engine = make_engine(empty_database_url)
    try:
        assert inspect(engine).get_table_names() == []

        migrate(engine)

        tables = set(inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
        assert _differences(engine) == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_upgrading_a_migrated_database_again_changes_nothing(empty_database_url):
    engine = make_engine(empty_database_url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()

        migrate(engine)

        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == revision
        assert revision is not None
    finally:
        engine.dispose()


def test_alembic_check_from_the_command_line_finds_no_drift(tmp_path):
    env = {**os.environ, "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}

    def alembic(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "alembic", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    upgrade = alembic("upgrade", "head")
    assert upgrade.returncode == 0, upgrade.stderr
    check = alembic("check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
