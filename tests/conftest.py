"""Shared fixtures: a fresh migrated database per test, seeded accounts, actors, AppTest login.

SQLite by default (a file under tmp_path, copied from a template migrated once per worker).
Tests marked ``@pytest.mark.postgres`` run twice, on SQLite and on the PostgreSQL database named by
``TRACKER_TEST_DATABASE_URL`` (each xdist worker gets its own database, whose public schema is
dropped and recreated before every test); without that variable the PostgreSQL run is skipped.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select

from tracker.accounts import auth, users
from tracker.bootstrap import DEMO_ACCOUNTS, DEMO_PASSWORD
from tracker.core.db import dispose_shared_engines, make_engine, migrate, transaction
from tracker.core.i18n import set_language
from tracker.core.models import Structure, User
from tracker.reference.catalogue import load_reference_data

ROOT = Path(__file__).resolve().parent.parent
# The browser fixtures (server, browser, page), shared by tests/e2e and tests/trust.
pytest_plugins = ["browser_fixtures"]
PG_ENV = "TRACKER_TEST_DATABASE_URL"
PG_SKIP_REASON = f"PostgreSQL run skipped: {PG_ENV} is not set"
COOKIE_SECRET = "test-cookie-secret-0123456789abcdef0123456789"
BACKENDS = ("sqlite", "postgres")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked ``postgres`` that uses the database runs once per backend."""
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("postgres"):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Everything under tests/e2e is a browser journey (so `-m "not e2e"` gives a quick run).
    for item in items:
        if "/tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


# --- database -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _french() -> Iterator[None]:
    """Every test starts in French (a page run may have switched the language)."""
    set_language("fr")
    yield
    set_language("fr")


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """Which database: SQLite by default; both, one run each, for tests marked ``postgres``."""
    name = getattr(request, "param", "sqlite")
    if name == "postgres" and not os.environ.get(PG_ENV):
        print(PG_SKIP_REASON)
        pytest.skip(PG_SKIP_REASON)
    return str(name)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once per worker; each test gets a copy (migrating takes ~0.2 s)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _worker_database_url(base_url: str, worker: str) -> str:
    """One PostgreSQL database per xdist worker (``<name>_gw0``...), created when missing."""
    if worker == "master":
        return base_url
    url = make_url(base_url)
    name = f"{url.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                        {"n": name}).first()
            if exists is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _postgres_url(worker_id: str) -> str:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP_REASON)
    return _worker_database_url(base, worker_id)


def reset_postgres(url: str) -> None:
    """Empty the database: drop and recreate the public schema."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SET lock_timeout = '20s'"))
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A database with no tables at all (for migration tests)."""
    if backend == "postgres":
        url = str(request.getfixturevalue("_postgres_url"))
        reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """URL of a fresh database migrated to the newest revision, private to this test."""
    if backend == "postgres":
        url = str(request.getfixturevalue("_postgres_url"))
        reset_postgres(url)
        engine = make_engine(url)
        try:
            migrate(engine)
        finally:
            engine.dispose()
        return url
    template = request.getfixturevalue("_sqlite_template")
    path = tmp_path / "tracker.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The test's engine (the same configuration the app uses)."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the test database; objects stay readable after commit."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


# --- seeded data --------------------------------------------------------------------------


@cache
def _demo_hash() -> str:
    # argon2 takes ~0.1 s per hash: hash the shared test password once per worker.
    return auth.hash_password(DEMO_PASSWORD)


@dataclass
class Seeded:
    """What ``seeded`` put in the database: ids by login and by structure code."""

    users: dict[str, int] = field(default_factory=dict)
    structures: dict[str, int] = field(default_factory=dict)
    password: str = DEMO_PASSWORD


@pytest.fixture
def seeded(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    """Reference data (structures, KPIs) and the five accounts admin, direction, dsi-ms (MS),
    dsi-mef (MEF), observateur, all with the password "demo"; no demo data."""
    real_hash = users.hash_password
    with monkeypatch.context() as patch:
        patch.setattr(users, "hash_password",
                      lambda p: _demo_hash() if p == DEMO_PASSWORD else real_hash(p))
        with transaction(engine) as db:
            load_reference_data(db)
            for account in DEMO_ACCOUNTS:
                users.create_user(db, None, {**account, "password": DEMO_PASSWORD},
                                  password_policy=False)  # as the demo loader does
    result = Seeded()
    with Session(engine) as db:
        for user in db.exec(select(User)).all():
            assert user.id is not None
            result.users[user.login] = user.id
        for structure in db.exec(select(Structure)).all():
            assert structure.id is not None
            result.structures[structure.code] = structure.id
    return result


@pytest.fixture
def actor(engine: Engine, seeded: Seeded) -> Callable[[str], auth.Actor]:
    """``actor("dsi-ms")``: the Actor of a seeded account, as the database knows it now."""

    def load(login: str) -> auth.Actor:
        with Session(engine) as db:
            return auth.load_actor(db, seeded.users[login])

    return load


# --- pages (AppTest) ----------------------------------------------------------------------


@pytest.fixture
def app_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the app at the test database (no demo data) and start with an empty engine cache."""
    import streamlit as st

    monkeypatch.setenv("TRACKER_DATABASE_URL", database_url)
    monkeypatch.setenv("TRACKER_DEMO", "0")
    monkeypatch.setenv("TRACKER_COOKIE_SECRET", COOKIE_SECRET)
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    dispose_shared_engines()
    yield database_url
    st.cache_resource.clear()
    dispose_shared_engines()


@pytest.fixture
def login_apptest(engine: Engine, seeded: Seeded, app_env: str) -> Callable[[Any, str], int]:
    """``login_apptest(at, "admin")``: open a real session for the account (as the login form
    does) and put its id where the app keeps it; returns the session id."""

    def login(at: Any, login: str) -> int:
        with transaction(engine) as db:
            session_id, _code = auth.open_session(db, auth.load_actor(db, seeded.users[login]))
        at.session_state["auth_session_id"] = session_id
        return session_id

    return login


@pytest.fixture
def apptest(app_env: str) -> Callable[[str], Any]:
    """``apptest("pages/users.py")``: an AppTest of a file of the repository, not run yet."""
    from streamlit.testing.v1 import AppTest

    def make(path: str) -> AppTest:
        return AppTest.from_file(str(ROOT / path), default_timeout=30)

    return make


@pytest.fixture
def run_page(apptest: Callable[[str], Any],
             login_apptest: Callable[[Any, str], int]) -> Callable[..., Any]:
    """``run_page("pages/home.py", "dsi-ms", lang="en")``: the page run once as that user
    (None: signed out), with extra session state set before the run."""

    def run(path: str, login: str | None, **state: Any) -> Any:
        at = apptest(path)
        if login is not None:
            login_apptest(at, login)
        for key, value in state.items():
            at.session_state[key] = value
        return at.run()

    return run
