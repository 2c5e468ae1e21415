"""Issue 14, the restore drill, on SQLite and PostgreSQL: the demo data set is backed up with
``python -m tracker backup`` and restored with ``python -m tracker restore`` into an empty
database; every table then holds the same rows (counts, and the first and last rows of each
compared value by value: results, the audit trail, users with their password hashes), the
schema revision is the backup's, and the restored database takes new rows. A restore into a
database that holds data is refused (exit 2) and changes nothing."""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from postgres_databases import fresh_postgres_database
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from tracker.accounts import users
from tracker.bootstrap import initialize
from tracker.cli import main
from tracker.core import backup as backups
from tracker.core.db import alembic_config, make_engine, migrate, transaction

pytestmark = pytest.mark.postgres

PG_ENV = "TRACKER_TEST_DATABASE_URL"
DEMO_TODAY = date(2026, 6, 15)
SAMPLE = 50  # rows compared value by value at each end of every table


@pytest.fixture
def empty_target(backend: str, tmp_path: Path, worker_id: str) -> Iterator[str]:
    """A database that exists and holds nothing: a new PostgreSQL database, a new file."""
    if backend == "postgres":
        with fresh_postgres_database(os.environ[PG_ENV], f"restore_{worker_id}") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'restored' / 'tracker.db'}"


def _cli(*words: str) -> int:
    return main(list(words))


def _ends(engine: Engine, table: str) -> list[tuple[Any, ...]]:
    """The first and last SAMPLE rows of a table in primary-key order, every column."""
    with engine.connect() as connection:
        quote = connection.dialect.identifier_preparer.quote
        inspector = inspect(connection)
        key = inspector.get_pk_constraint(table)["constrained_columns"] or [
            c["name"] for c in inspector.get_columns(table)]
        rows = []
        for direction in ("ASC", "DESC"):
            ordered = ", ".join(f"{quote(c)} {direction}" for c in key)
            rows += [tuple(r) for r in connection.execute(text(
                f"SELECT * FROM {quote(table)} ORDER BY {ordered} LIMIT {SAMPLE}"))]
        return rows


def _users(engine: Engine) -> dict[str, tuple[Any, ...]]:
    with engine.connect() as connection:
        return {r[0]: tuple(r[1:]) for r in connection.execute(text(
            'SELECT login, password_hash, role, structure_id, active FROM "user"'))}


def test_the_demo_data_set_survives_a_backup_and_a_restore(
        backend: str, database_url: str, empty_target: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    source = make_engine(database_url)
    assert initialize(source, demo=True, today=DEMO_TODAY)
    before = backups.row_counts(source)
    assert before["result"] > 1000 and before["auditevent"] > 0 and before["user"] >= 5
    out = tmp_path / "sauvegardes" / ("cdsi.db" if backend == "sqlite" else "cdsi.dump")

    started = time.perf_counter()
    assert _cli("backup", "--database-url", database_url, "--out", str(out)) == 0
    backed_up = time.perf_counter() - started
    assert out.stat().st_size > 100_000
    assert "sauvegarde écrite" in capsys.readouterr().out
    started = time.perf_counter()
    assert _cli("restore", str(out), "--database-url", empty_target) == 0
    restored_in = time.perf_counter() - started
    said = capsys.readouterr().out
    assert "restaurée" in said
    with capsys.disabled():  # the drill's numbers, shown with -s
        print(f"\n{backend}: demo database backed up in {backed_up:.2f} s "
              f"({out.stat().st_size / 1e6:.2f} MB), restored in {restored_in:.2f} s")

    target = make_engine(empty_target)
    try:
        assert backups.row_counts(target) == before
        assert backups.revision_of(target) == backups.revision_of(source)
        for table in before:
            assert _ends(target, table) == _ends(source, table), table
        restored_users = _users(target)
        assert restored_users == _users(source)
        assert all(h and h.startswith("$argon2") for h, *_ in restored_users.values())

        # A second restore into the same (now full) database is refused and changes nothing.
        assert _cli("restore", str(out), "--database-url", empty_target) == 2
        assert "contient déjà des données" in capsys.readouterr().err
        assert backups.row_counts(target) == before

        # The restored database is a working installation: it starts (migrates to the code's
        # head) and takes new rows, whose ids follow the restored ones.
        migrate(target)
        with transaction(target) as db:
            made = users.create_user(db, None, {
                "login": "apres-restauration", "display_name": "Après restauration",
                "role": "viewer", "structure_code": None,
                "password": "une phrase de passe après la restauration"})
        assert made.id is not None and made.id > max(
            r[0] for r in _ends(source, "user") if isinstance(r[0], int))
    finally:
        target.dispose()
        source.dispose()


def test_a_backup_at_an_older_revision_keeps_it_and_is_upgraded_on_start(
        backend: str, empty_database_url: str, empty_target: str, tmp_path: Path) -> None:
    from alembic import command

    command.upgrade(alembic_config(empty_database_url), "0002")
    source = make_engine(empty_database_url)
    with source.begin() as connection:
        connection.execute(text("INSERT INTO appsetting (key, value) VALUES ('initialized', '1')"))
    out = tmp_path / "ancienne.backup"
    assert _cli("backup", "--out", str(out), "--database-url", empty_database_url) == 0
    assert _cli("restore", str(out), "--database-url", empty_target) == 0
    target = make_engine(empty_target)
    try:
        assert backups.revision_of(target) == "0002"
        migrate(target)  # what every start does
        assert backups.revision_of(target) == backups.head_revision()
        with target.connect() as connection:
            assert connection.execute(text("SELECT value FROM appsetting")).scalar_one() == "1"
    finally:
        target.dispose()
        source.dispose()


def test_a_migrated_database_without_rows_counts_as_empty(
        backend: str, database_url: str, empty_target: str, tmp_path: Path) -> None:
    """The app started once on the new database (tables, no rows): the restore replaces them."""
    source = make_engine(database_url)
    with transaction(source) as db:
        db.execute(text("INSERT INTO appsetting (key, value) VALUES ('marque', 'source')"))
    out = tmp_path / "cdsi.backup"
    assert _cli("backup", "--out", str(out), "--database-url", database_url) == 0
    target = make_engine(empty_target)
    try:
        migrate(target)
        assert _cli("restore", str(out), "--database-url", empty_target) == 0
        with target.connect() as connection:
            assert connection.execute(text(
                "SELECT value FROM appsetting WHERE key = 'marque'")).scalar_one() == "source"
    finally:
        target.dispose()
        source.dispose()


def test_a_sqlite_backup_is_consistent_while_a_writer_holds_the_database(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The app keeps running: a write transaction in progress neither blocks the backup nor
    leaks into it."""
    path = tmp_path / "live.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO appsetting (key, value) VALUES ('en-cours', 'non validé')")
        started = time.perf_counter()
        assert _cli("backup", "--database-url", f"sqlite:///{path}",
                    "--out", str(tmp_path / "copie.db")) == 0
        assert time.perf_counter() - started < 10  # did not wait for the writer (30 s timeout)
        writer.execute("COMMIT")
    finally:
        writer.close()
    copy = sqlite3.connect(tmp_path / "copie.db")
    try:
        assert copy.execute("SELECT COUNT(*) FROM appsetting").fetchone() == (0,)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    finally:
        copy.close()


def test_a_backup_to_the_database_itself_is_refused(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "tracker.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    before = path.read_bytes()
    assert _cli("backup", "--database-url", f"sqlite:///{path}", "--out", str(path)) == 2
    assert "la base elle-même" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_unreadable_input_and_wrong_kinds_are_refused_with_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "faute-de-frappe.db"
    assert _cli("backup", "--database-url", f"sqlite:///{missing}",
                "--out", str(tmp_path / "copie.db")) == 2
    assert "base SQLite introuvable" in capsys.readouterr().err
    assert not missing.exists() and not (tmp_path / "copie.db").exists()
    target = f"sqlite:///{tmp_path / 'cible.db'}"
    assert _cli("restore", str(tmp_path / "absente.db"), "--database-url", target) == 2
    assert "fichier introuvable" in capsys.readouterr().err
    text_file = tmp_path / "notes.txt"
    text_file.write_text("pas une sauvegarde")
    assert _cli("restore", str(text_file), "--database-url", target) == 2
    assert "n'est pas une sauvegarde" in capsys.readouterr().err
    dump = tmp_path / "cdsi.dump"
    dump.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)
    assert _cli("restore", str(dump), "--database-url", target) == 2
    err = capsys.readouterr().err
    assert re.search(r"sauvegarde postgresql et la base cible est sqlite", err), err


def test_without_pg_dump_the_backup_says_what_to_install(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(backups.shutil, "which", lambda _name: None)
    url = "postgresql+psycopg://cdsi@127.0.0.1:1/absente"  # never reached: the tool comes first
    assert _cli("backup", "--database-url", url, "--out", str(tmp_path / "x.dump")) == 2
    err = capsys.readouterr().err
    assert "pg_dump est introuvable" in err and "postgresql-client" in err
    assert not (tmp_path / "x.dump").exists()
