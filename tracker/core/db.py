"""Engine factory (URL passed in), write transactions, and schema migration on start."""

from __future__ import annotations

import gc
import queue
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import cache
from itertools import chain
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from tracker.core.config import db_pool_size
from tracker.core.errors import StaleEdit
from tracker.core.i18n import t
from tracker.core.logs import DATABASE, log_event

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is turned off so that BEGIN IMMEDIATE can be issued.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # A writer waits up to 30 s for the one write lock (a crowd signing in at 8:00 queues
    # behind each other's short transactions instead of failing with "database is locked").
    cursor.execute("PRAGMA busy_timeout=30000")
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


def make_engine(url: str, *, echo: bool = False, pool_size: int | None = None) -> Engine:
    """A configured engine for ``url`` (SQLite file or memory, or PostgreSQL with psycopg 3).

    On PostgreSQL its pool keeps at most ``pool_size`` connections (default
    ``TRACKER_DB_POOL_SIZE``), never more: a request beyond them waits for one (up to 30 s).
    A process should hold one engine per URL: ``shared_engine``."""
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
    # A database host that does not answer fails a connection after 10 s, not the system's
    # TCP timeout (minutes): /readyz and a page then say so.
    return create_engine(url, echo=echo, pool_pre_ping=True,
                         pool_size=pool_size or db_pool_size(), max_overflow=0, pool_timeout=30,
                         connect_args={"connect_timeout": 10})


_shared: dict[str, Engine] = {}
_shared_lock = threading.Lock()


def shared_engine(url: str) -> Engine:
    """The process's one engine for ``url`` (the pages, the HTTP routes and the start-up share
    its pool: one pool per process, ``TRACKER_DB_POOL_SIZE`` connections at most)."""
    with _shared_lock:
        engine = _shared.get(url)
        if engine is None:
            engine = _shared[url] = make_engine(url)
        return engine


def dispose_shared_engines() -> None:
    """Close and forget every shared engine (tests that point the app at a new database)."""
    with _shared_lock:
        for engine in _shared.values():
            engine.dispose()
        _shared.clear()


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One session, one transaction: committed on success, rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            session.connection(execution_options={"tracker_write": True})
            yield session
            session.commit()
        except StaleDataError as exc:
            # Another transaction updated or deleted the same row after this one read it: the
            # save is stale, not broken.
            session.rollback()
            raise StaleEdit(t("common.stale_concurrent")) from exc
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


@cache
def code_heads() -> frozenset[str]:
    """The newest migration revision(s) this code knows (Alembic's heads)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def database_revisions(engine: Engine) -> frozenset[str]:
    """The revision(s) the database is at (empty for a database never migrated); raises the
    driver's error when the database cannot be reached."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return frozenset(MigrationContext.configure(connection).get_current_heads())


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest revision (a deployed database is never recreated)."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Several replicas may start at once: one migrates, the others wait.
            connection.execute(text("SELECT pg_advisory_xact_lock(727383)"))
        before = ",".join(sorted(MigrationContext.configure(connection).get_current_heads()))
        head = ",".join(sorted(code_heads()))
        if before == head:
            log_event(DATABASE, "schema_current", revision=head)
            return
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        log_event(DATABASE, "schema_migrated", from_revision=before or None, to_revision=head)


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


class _CollectorPause:
    """Pause Python's cyclic garbage collector during a bulk job (an import of a whole quarter).

    Such a job allocates hundreds of thousands of small acyclic objects (rows, tuples, numbers),
    each burst of which triggers collections that traverse everything allocated so far: about a
    sixth of the import's time. Reference counting still frees them as usual. Nested and
    concurrent jobs share one pause; the collector resumes when the last one ends, and only if
    it was running before."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._resume = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0 and self._resume:
                    gc.enable()


collector_paused = _CollectorPause()


class BulkWriter:
    """Bulk inserts of one transaction. On SQLite the statements run in a thread of their own
    while the caller prepares the next rows (the driver lets go of Python's interpreter lock
    while SQLite works): storing 100,000 results and building their 128,000 audit events
    overlap on two cores. The caller must not use the session until the writer is closed."""

    def __init__(self, session: Session) -> None:
        connection = self._connection = session.connection()
        self._postgres = connection.dialect.name == "postgresql"
        self._quote = connection.dialect.identifier_preparer.quote
        self._raw: Any = connection.connection.dbapi_connection
        assert self._raw is not None
        self._driver_error: type[Exception] = connection.dialect.dbapi.Error  # type: ignore[union-attr]
        self._queue: queue.Queue[tuple[str, list[Any]] | None] = queue.Queue()
        self._failure: BaseException | None = None
        self._thread: threading.Thread | None = None
        if not self._postgres:
            self._thread = threading.Thread(target=self._work, name="bulk-insert", daemon=True)
            self._thread.start()

    def insert(self, table: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        names = ", ".join(self._quote(c) for c in columns)
        if self._postgres:
            copy_sql = f"COPY {self._quote(table.name)} ({names}) FROM STDIN"
            try:
                with self._raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            except self._driver_error as exc:
                raise self._as_sqlalchemy_error(copy_sql, exc) from exc
            return
        for statement in self._sqlite_statements(table, columns, names, rows):
            self._queue.put(statement)
            if self._failure is not None:
                break

    def insert_returning_ids(self, table: Any, columns: Sequence[str],
                             rows: Sequence[Sequence[Any]], *, key: Sequence[str]) -> list[int]:
        """Insert many new rows (``columns`` without the id) and return their ids, in the rows'
        order, so that their audit events can name them. ``key`` is a unique set of ``columns``.

        SQLite: the ids after the largest one, given before the insert; safe because every write
        transaction holds the database's write lock from its start (BEGIN IMMEDIATE). PostgreSQL:
        the rows take their ids from the sequence while they are copied, then the ids above the
        largest one seen before are read back by key: every id the sequence gives afterwards is
        above it, and rows other sessions add meanwhile have other keys (the key is unique).
        Drawing 100,000 values from the sequence beforehand costs more than this."""
        if not rows:
            return []
        self._drain()
        largest = self._connection.execute(
            select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        if self._postgres:
            self.insert(table, columns, rows)
            positions = [columns.index(name) for name in key]
            found = {tuple(found[1:]): found[0] for found in self._connection.execute(
                select(table.c.id, *(table.c[name] for name in key)).where(
                    table.c.id > largest))}
            return [found[tuple(row[i] for i in positions)] for row in rows]
        ids = list(range(largest + 1, largest + 1 + len(rows)))
        self.insert(table, ("id", *columns),
                    [(new_id, *row) for new_id, row in zip(ids, rows, strict=True)])
        return ids

    def _drain(self) -> None:
        """Wait until every statement handed over has run (before reading the database)."""
        if self._thread is not None:
            self._queue.join()
        if self._failure is not None:
            raise self._failure

    def close(self) -> None:
        """Wait for every statement handed over; the first failure is raised here."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self._failure is not None:
            raise self._failure

    def _work(self) -> None:
        while True:
            statement = self._queue.get()
            try:
                if statement is None:
                    return
                if self._failure is None:
                    self._execute(statement)
            except BaseException as exc:  # raised by close(), in the caller's thread
                self._failure = exc
            finally:
                self._queue.task_done()

    def _execute(self, statement: tuple[str, list[Any]]) -> None:
        cursor = self._raw.cursor()
        try:
            cursor.execute(*statement)
        except self._driver_error as exc:
            raise self._as_sqlalchemy_error(statement[0], exc) from exc
        finally:
            cursor.close()

    def _as_sqlalchemy_error(self, statement: str, error: Exception) -> Exception:
        """The driver's error as SQLAlchemy raises it elsewhere (IntegrityError, ...)."""
        return DBAPIError.instance(statement[:200], None, error, self._driver_error,
                                   hide_parameters=True)

    def _sqlite_statements(self, table: Any, columns: Sequence[str], names: str,
                           rows: Sequence[Sequence[Any]]) -> Iterator[tuple[str, list[Any]]]:
        width = len(columns)
        if any(len(row) != width for row in rows):
            raise ValueError(f"every row must have the {width} columns {columns}")
        converters = []
        for index in range(width):
            convert = _sqlite_converter(next((row[index] for row in rows
                                              if row[index] is not None), None))
            if convert is not None:
                converters.append((index, convert))
        # Multi-row VALUES: one statement per 2,000 rows, not one per row (SQLite runs each
        # statement with its own bookkeeping; a whole quarter inserts twice as fast this way).
        per_statement = max(1, min(2000, self._raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
                                   // width))
        one = "(" + ", ".join("?" for _ in columns) + ")"
        for start in range(0, len(rows), per_statement):
            values = list(chain.from_iterable(rows[start:start + per_statement]))
            for index, convert in converters:
                values[index::width] = list(map(convert, values[index::width]))
            # Table and column names come from the models' metadata (quoted), never a user.
            yield (f"INSERT INTO {self._quote(table.name)} ({names}) "  # noqa: S608
                   f"VALUES {', '.join([one] * (len(values) // width))}", values)


@contextmanager
def bulk_writer(session: Session) -> Iterator[BulkWriter]:
    """Insert many rows in this session's transaction, through the driver itself (PostgreSQL
    COPY, SQLite multi-row INSERT): imports of a whole quarter stay within seconds. Rows hold
    plain Python values in the columns' order (aware datetimes for timestamps).

    The writer is closed (every statement done, or the first failure raised) when the block
    ends; on an error in the block, its statements still end before the error goes on, so that
    the transaction can be rolled back."""
    writer = BulkWriter(session)
    try:
        yield writer
    except BaseException:
        with suppress(BaseException):
            writer.close()
        raise
    writer.close()
