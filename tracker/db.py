"""Engine factory (URL passed in), write transactions, and schema migration on start."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is turned off so that BEGIN IMMEDIATE can be issued.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 64 MiB of page cache: index maintenance of a whole quarter's import stays in memory.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # Under WAL a read transaction that later writes is not retried by busy_timeout: write
    # transactions take the write lock up front; reads stay concurrent.
    if conn.get_execution_options().get("tracker_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """A configured engine for ``url`` (SQLite file or memory, or PostgreSQL with psycopg 3)."""
    if is_sqlite(url):
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if url in {"sqlite://", "sqlite:///:memory:"}:
            kwargs["poolclass"] = StaticPool
        else:
            Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One session, one transaction: committed on success, rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            session.connection(execution_options={"tracker_write": True})
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A read-only session (nothing is committed)."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


def exclusive(session: Session) -> None:
    """Serialise this transaction with others that call it (start-up, first-run seeding).

    SQLite write transactions are already serial (BEGIN IMMEDIATE); PostgreSQL takes an
    advisory lock released at commit.
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import text

        session.execute(text("SELECT pg_advisory_xact_lock(727384)"))


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest revision (a deployed database is never recreated)."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            from sqlalchemy import text

            # Several replicas may start at once: one migrates, the others wait.
            connection.execute(text("SELECT pg_advisory_xact_lock(727383)"))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _sqlite_converter(sample: Any) -> Any:
    """How a column's values are stored on SQLite, the way SQLAlchemy stores them: UTC
    "YYYY-MM-DD HH:MM:SS.ffffff" for timestamps, ISO dates, enum values; None: as they are."""
    if isinstance(sample, datetime):
        memo: dict[datetime, str] = {}  # a batch shares a handful of timestamps

        def timestamp(value: datetime | None) -> str | None:
            if value is None:
                return None
            text = memo.get(value)
            if text is None:
                naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
                text = memo[value] = naive.strftime("%Y-%m-%d %H:%M:%S.%f")
            return text

        return timestamp
    if isinstance(sample, date):
        return lambda value: None if value is None else value.isoformat()
    if isinstance(sample, StrEnum):
        return lambda value: None if value is None else str(value.value)
    return None


def bulk_insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows of one table in this session's transaction, through the driver itself
    (PostgreSQL COPY, SQLite executemany): imports of a whole quarter stay within seconds.
    Every row has the same keys; values are plain Python (aware datetimes for timestamps)."""
    if not rows:
        return
    columns = list(rows[0])
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    raw: Any = connection.connection.dbapi_connection
    assert raw is not None
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    converters = [(c, _sqlite_converter(next((r[c] for r in rows if r[c] is not None), None)))
                  for c in columns]
    if all(convert is None for _, convert in converters):
        values = [[row[c] for c in columns] for row in rows]
    else:
        values = [[row[c] if convert is None else convert(row[c]) for c, convert in converters]
                  for row in rows]
    cursor = raw.cursor()
    marks = ", ".join("?" for _ in columns)
    # Table and column names come from the models' metadata (quoted), never from a user.
    statement = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"  # noqa: S608
    try:
        cursor.executemany(
            statement, values)
    finally:
        cursor.close()
