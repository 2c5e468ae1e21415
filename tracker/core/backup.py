"""Backup and restore of a whole database, for the restore drill.

SQLite: SQLite's online backup API, which copies a consistent snapshot while the app keeps
reading and writing (WAL: writers are not blocked); the backup is itself a SQLite file.
PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore`` (Debian ``postgresql-client``).

A restore goes only into an empty database (no table holding a row): it never mixes two
installations' data. The restored database carries the backup's Alembic revision; when that is
older than the code's, the usual upgrade runs on the next start (``migrate``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url

from tracker.core.db import alembic_config, is_sqlite, make_engine
from tracker.core.errors import TrackerError
from tracker.core.i18n import t

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
VERSION_TABLE = "alembic_version"
# pg_dump and pg_restore of a demo-sized database take seconds; a hung server is not waited on.
TOOL_TIMEOUT_S = 3600


class BackupError(TrackerError):
    """A backup or restore could not be made; nothing was written to the target."""


class NotEmpty(BackupError):
    """The restore's target database already holds data."""


@dataclass(frozen=True)
class Outcome:
    """What a backup wrote or a restore read: the file, its size, the schema revision, time."""

    path: Path
    size: int
    revision: str | None
    seconds: float


def head_revision() -> str | None:
    """The newest migration of this code."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def revision_of(engine: Engine) -> str | None:
    """The Alembic revision a database is at (None: never migrated)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        found = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    return str(found[0]) if found else None


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows of every table of the database, by table name (the revision table included)."""
    with engine.connect() as connection:
        quote = connection.dialect.identifier_preparer.quote
        names = sorted(inspect(connection).get_table_names())
        # Table names come from the database's own catalogue, quoted.
        return {name: int(connection.execute(
            text(f"SELECT COUNT(*) FROM {quote(name)}")).scalar_one())  # noqa: S608
            for name in names}


def _has_data(engine: Engine) -> bool:
    return any(count for name, count in row_counts(engine).items() if name != VERSION_TABLE)


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(t("backup.memory_database"))
    return Path(database)


def _kind_of_file(path: Path) -> str:
    """``sqlite`` or ``postgresql`` from the file's first bytes; BackupError otherwise."""
    with path.open("rb") as handle:  # FileNotFoundError: the CLI names the missing file
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(t("backup.not_a_backup", file=path))


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The libpq connection string of a SQLAlchemy URL, and the environment that carries its
    password (never on the command line, where ``ps`` would show it)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(t("backup.tool_missing", tool=name))
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True,  # noqa: S603
                              timeout=TOOL_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise BackupError(t("backup.tool_failed", tool=Path(command[0]).name,
                            reason=f"timeout ({TOOL_TIMEOUT_S} s)")) from exc
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower()]
        reason = (errors or lines or [f"code {done.returncode}"])[0]
        raise BackupError(t("backup.tool_failed", tool=Path(command[0]).name, reason=reason))


def _partial(out: Path) -> Path:
    return out.with_name(f".{out.name}.partial")


def backup(url: str, out: Path) -> Outcome:
    """Write a backup of the database at ``url`` to ``out`` (replaced only once complete)."""
    started = time.perf_counter()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(out)
    partial.unlink(missing_ok=True)
    tool = None if is_sqlite(url) else _tool("pg_dump")
    if tool is None and not _sqlite_path(url).is_file():
        # Connecting would create an empty database there: a mistyped path is an error.
        raise BackupError(t("backup.no_database", file=_sqlite_path(url)))
    engine = make_engine(url)
    try:
        revision = revision_of(engine)  # reaches the database first: a clear error if it can't
        if tool is None:
            _sqlite_backup(_sqlite_path(url), out, partial)
        else:
            dsn, env = _libpq(url)
            _run([tool, "--format=custom", f"--file={partial}", f"--dbname={dsn}"], env)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
        engine.dispose()
    return Outcome(out, out.stat().st_size, revision, time.perf_counter() - started)


def _sqlite_backup(source: Path, out: Path, partial: Path) -> None:
    if source.resolve() == out.resolve():
        raise BackupError(t("backup.same_file", file=out))
    live = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    copy = sqlite3.connect(partial)
    try:
        live.backup(copy)  # one step: a consistent snapshot, writers go on meanwhile (WAL)
        # The copy is a self-contained file: no WAL beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        checked = copy.execute("PRAGMA quick_check").fetchone()
        if not checked or checked[0] != "ok":
            raise BackupError(t("backup.corrupt", file=out, reason=checked))
    finally:
        copy.close()
        live.close()


def restore(url: str, source: Path) -> Outcome:
    """Restore the backup ``source`` into the empty database at ``url``.

    Refuses (NotEmpty) when any table of the target holds a row; tables without rows, left by a
    start of the app or a migration, are replaced by the backup's."""
    started = time.perf_counter()
    source = Path(source)
    kind = _kind_of_file(source)
    target = "sqlite" if is_sqlite(url) else "postgresql"
    if kind != target:
        raise BackupError(t("backup.wrong_kind", file=source, kind=kind, target=target))
    engine = make_engine(url)
    try:
        if _has_data(engine):
            raise NotEmpty(t("backup.target_not_empty",
                             url=make_url(url).render_as_string(hide_password=True)))
        has_tables = bool(row_counts(engine))
        engine.dispose()
        if kind == "sqlite":
            _sqlite_restore(source, _sqlite_path(url))
        else:
            dsn, env = _libpq(url)
            tool = _tool("pg_restore")
            if has_tables:
                _drop_empty_tables(engine)
            _run([tool, "--no-owner", "--no-privileges", "--single-transaction",
                  "--exit-on-error", f"--dbname={dsn}", str(source)], env)
        revision = revision_of(engine)
    finally:
        engine.dispose()
    return Outcome(source, source.stat().st_size, revision, time.perf_counter() - started)


def _drop_empty_tables(engine: Engine) -> None:
    """Drop the tables of a database none of whose tables holds a row (a start of the app or a
    migration left them): the backup brings its own, at its own revision."""
    with engine.begin() as connection:
        quote = connection.dialect.identifier_preparer.quote
        names = inspect(connection).get_table_names()
        if names:
            connection.execute(text("DROP TABLE " + ", ".join(quote(n) for n in names)
                                    + " CASCADE"))


def _sqlite_restore(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    backup_file = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        checked = backup_file.execute("PRAGMA quick_check").fetchone()
        if not checked or checked[0] != "ok":
            raise BackupError(t("backup.corrupt", file=source, reason=checked))
        database = sqlite3.connect(target)
        try:
            backup_file.backup(database)
        finally:
            database.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(t("backup.corrupt", file=source, reason=exc)) from exc
    finally:
        backup_file.close()
