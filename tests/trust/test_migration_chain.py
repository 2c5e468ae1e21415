"""Issue 14, a deployed database is upgraded, never recreated: a database at the first
migration's schema, holding rows of every table written with plain SQL as that schema knew them,
is upgraded to the newest revision (``head``: a migration added later is covered without
touching this test), on SQLite and PostgreSQL. Nothing is lost: every row keeps every value it
had; a column added since has its default in the old rows; a table added since starts empty;
the app's models read every row; the app then starts on it without loading demo data.

A migration that deliberately drops or rewrites old rows says so in INTENDED below."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel, select

import tracker.core.models  # noqa: F401  (registers every table on the metadata)
from tracker.bootstrap import initialize
from tracker.core.db import alembic_config, make_engine, migrate

pytestmark = pytest.mark.postgres

# table -> why a migration empties it (its old rows are not expected after the upgrade).
INTENDED = {"loginthrottle": "0003 starts the sign-in counters afresh (keys and counts changed)"}
ARGON2 = ("$argon2id$v=19$m=65536,t=3,p=4$c2VsZGVtaWdyYXRpb24$"
          "0Jq2mQ0Ydq8m3T6nqkqQvJmE3Y9yQ2m0cUe3n3l1n2o")


def _rows(stamp: Any) -> list[tuple[str, dict[str, Any]]]:
    """One realistic installation at the first schema, in foreign-key order. ``stamp(text)``
    writes a UTC timestamp as that database stores it."""
    t1, t2, t3 = (stamp(f"2025-{when}") for when in ("03-20 09:00:00", "04-12 16:45:30",
                                                     "05-02 08:01:02"))
    audit = {"updated_at": t1, "updated_by_id": None, "version": 1}
    return [
        ("appsetting", {"key": "initialized", "value": "1"}),
        ("appsetting", {"key": "demo", "value": "0"}),
        ("loginthrottle", {"identifier": "dsi-ms", "failures": 3, "last_failure_at": t3}),
        ("structure", {"id": 1, "code": "ASIN", "name_fr": "Agence des Services et Systèmes "
                       "d'Information", "name_en": "Digital agency", "kind": "agence",
                       "valid_from": None, "valid_to": None, "successor_id": None, "note": "",
                       **audit}),
        ("structure", {"id": 2, "code": "MS", "name_fr": "Ministère de la Santé",
                       "name_en": "Ministry of Health", "kind": "ministere",
                       "valid_from": date(2016, 4, 6), "valid_to": None, "successor_id": None,
                       "note": "", **audit}),
        ("structure", {"id": 3, "code": "MSP-2015", "name_fr": "Ministère de la Santé publique",
                       "name_en": "Ministry of Public Health", "kind": "ministere",
                       "valid_from": None, "valid_to": date(2016, 4, 5), "successor_id": 2,
                       "note": "remplacé en 2016 « par » le MS", **audit, "version": 2}),
        ("user", {"id": 1, "login": "secretariat", "display_name": "Secrétariat CDSI",
                  "email": "cdsi@asin.bj", "role": "admin", "structure_id": 1, "active": True,
                  "password_hash": ARGON2, "sso_subject": None, "language": "fr",
                  "created_at": t1, "last_login_at": t3, **audit}),
        ("user", {"id": 2, "login": "dsi-ms", "display_name": "DSI Santé", "email": "",
                  "role": "dsi", "structure_id": 2, "active": True, "password_hash": ARGON2,
                  "sso_subject": None, "language": "fr", "created_at": t1,
                  "last_login_at": None, **audit}),
        ("user", {"id": 3, "login": "observateur", "display_name": "Observateur",
                  "email": "obs@example.invalid", "role": "viewer", "structure_id": None,
                  "active": False, "password_hash": None, "sso_subject": "oidc|4242",
                  "language": "en", "created_at": t1, "last_login_at": None, **audit}),
        ("auditevent", {"id": 1, "at": t2, "user_id": 2, "user_login": "dsi-ms",
                        "action": "update", "object_type": "result", "object_id": 1,
                        "object_label": "MS · SVC_EN_LIGNE · T1 2025", "field": "value",
                        "old_value": "60", "new_value": "62.5"}),
        ("auditevent", {"id": 2, "at": t3, "user_id": 1, "user_login": "secretariat",
                        "action": "validate", "object_type": "submission", "object_id": 1,
                        "object_label": "MS · T1 2025", "field": "status",
                        "old_value": "submitted", "new_value": "validated"}),
        ("auditevent", {"id": 3, "at": t3, "user_id": None, "user_login": "cli",
                        "action": "create", "object_type": "result", "object_id": None,
                        "object_label": "import", "field": "", "old_value": None,
                        "new_value": None}),
        ("conference", {"id": 1, "number": 18, "year": 2025, "rank_in_year": 1,
                        "session_date": date(2025, 3, 20), "place": "Cotonou, salle ASIN",
                        "theme": "Interopérabilité : X-Road et PKI", "chair": "DG ASIN",
                        "rapporteur": "DSI MEF", "status": "closed", "closed_at": t2,
                        **audit, "updated_by_id": 1, "version": 3}),
        ("conference", {"id": 2, "number": 19, "year": 2025, "rank_in_year": 2,
                        "session_date": None, "place": "", "theme": "", "chair": "",
                        "rapporteur": "", "status": "planned", "closed_at": None, **audit}),
        ("kpi", {"id": 1, "code": "MIG_SVC_EN_LIGNE", "group": "services",
                 "label_fr": "Services publics en ligne", "label_en": "Public services online",
                 "unit": "percent", "direction": "up", "agg_quarters": "last",
                 "agg_structures": "avg", "ratio": False, "indicative_target": "80 %",
                 "platform": "portail", "gtmi": "PSDI", "note": "", "active": True,
                 "position": 1, **audit}),
        ("kpi", {"id": 2, "code": "MIG_INCIDENTS", "group": "sécurité",
                 "label_fr": "Incidents de sécurité", "label_en": "Security incidents",
                 "unit": "count", "direction": "down", "agg_quarters": "sum",
                 "agg_structures": "sum", "ratio": False, "indicative_target": "",
                 "platform": "", "gtmi": "", "note": "", "active": True, "position": 2,
                 **audit}),
        ("kpi", {"id": 3, "code": "MIG_PKI_TAUX", "group": "plateformes",
                 "label_fr": "Agents dotés d'un certificat", "label_en": "Staff with a certificate",
                 "unit": "percent", "direction": "up", "agg_quarters": "ratio",
                 "agg_structures": "ratio", "ratio": True, "indicative_target": "",
                 "platform": "pki", "gtmi": "", "note": "numérateur / dénominateur",
                 "active": False, "position": 3, **audit}),
        ("pillar", {"id": 1, "year": 2025, "position": 1, "title_fr": "Infrastructures",
                    "title_en": "Infrastructure", **audit}),
        ("submission", {"id": 1, "structure_id": 2, "year": 2025, "quarter": 1,
                        "status": "validated", "deadline": date(2025, 4, 20), "reopened": False,
                        "submitted_at": t2, "submitted_by_id": 2, "reviewed_at": t3,
                        "reviewer_id": 1, "review_comment": "", **audit, "version": 3}),
        ("submission", {"id": 2, "structure_id": 2, "year": 2025, "quarter": 2,
                        "status": "returned", "deadline": None, "reopened": True,
                        "submitted_at": t3, "submitted_by_id": 2, "reviewed_at": t3,
                        "reviewer_id": 1, "review_comment": "Valeur à justifier", **audit}),
        ("submissionwindow", {"id": 1, "year": 2025, "quarter": 1,
                              "opens_on": date(2025, 4, 1), "closes_on": date(2025, 4, 20),
                              **audit}),
        ("usersession", {"id": 1, "user_id": 1, "token_hash": "a" * 64, "handoff_hash": None,
                         "handoff_expires_at": None, "created_at": t2, "last_seen_at": t3,
                         "revoked_at": None}),
        ("usersession", {"id": 2, "user_id": 2, "token_hash": None, "handoff_hash": "b" * 64,
                         "handoff_expires_at": t3, "created_at": t2, "last_seen_at": t2,
                         "revoked_at": t3}),
        ("agendaitem", {"id": 1, "conference_id": 1, "position": 1,
                        "title": "Point de mise en œuvre des recommandations",
                        "tags": "suivi", "notes": "3 actions en retard", **audit}),
        ("attendance", {"id": 1, "conference_id": 1, "structure_id": 2, "status": "present",
                        "representative": "M. Dossou", "representative_role": "DSI", **audit}),
        ("attendance", {"id": 2, "conference_id": 1, "structure_id": 1, "status": "excused",
                        "representative": "", "representative_role": "", **audit}),
        ("decision", {"id": 1, "conference_id": 1, "number": "D1",
                      "text": "La PKI nationale est adoptée par tous les ministères.", **audit}),
        ("initiative", {"id": 1, "pillar_id": 1, "title": "Raccordement X-Road",
                        "owner_structure_id": 2, "start_quarter": 1, "end_quarter": 4,
                        "status": "at_risk", "status_override": True,
                        "override_reason": "retard du fournisseur", "weight": 2.5,
                        "copied_from_id": None, **audit}),
        ("initiative", {"id": 2, "pillar_id": 1, "title": "Raccordement X-Road (suite)",
                        "owner_structure_id": None, "start_quarter": 2, "end_quarter": 3,
                        "status": "on_track", "status_override": False, "override_reason": "",
                        "weight": 1.0, "copied_from_id": 1, **audit}),
        ("minutes", {"id": 1, "conference_id": 1, "filename": "pv-session-18.md",
                     "content_type": "text/markdown",
                     "original": "# PV\n\nSession 18 — décisions\n".encode(),
                     "text": "PV Session 18 — décisions", "imported_at": t2,
                     "imported_by_id": 1, "version": 1}),
        ("recommendation", {"id": 1, "conference_id": 1, "number": "R1",
                            "text": "Raccorder les DSI à X-Road avant la prochaine session",
                            "owner_structure_id": 2, "group_ref": "S18-R1",
                            "due_date": date(2025, 6, 30), "due_kind": "next_session",
                            "status": "in_progress", "progress_comment": "50 %",
                            "created_at": t1, "closed_at": None, **audit}),
        ("result", {"id": 1, "structure_id": 2, "kpi_id": 1, "year": 2025, "quarter": 1,
                    "value": 62.5, "numerator": None, "denominator": None, "comment": "",
                    "evidence_url": "https://sante.gouv.bj/rapport-t1.pdf",
                    "source": "entered", "status": "validated", **audit, "version": 4}),
        ("result", {"id": 2, "structure_id": 2, "kpi_id": 2, "year": 2025, "quarter": 1,
                    "value": 14.0, "numerator": None, "denominator": None,
                    "comment": "dont 2 graves", "evidence_url": "", "source": "imported",
                    "status": "validated", **audit}),
        ("result", {"id": 3, "structure_id": 2, "kpi_id": 3, "year": 2025, "quarter": 1,
                    "value": 0.5, "numerator": 10.0, "denominator": 20.0, "comment": "",
                    "evidence_url": "", "source": "entered", "status": "validated", **audit}),
        ("result", {"id": 4, "structure_id": 2, "kpi_id": 1, "year": 2025, "quarter": 2,
                    "value": 70.0, "numerator": None, "denominator": None,
                    "comment": "hausse « nette »", "evidence_url": "", "source": "entered",
                    "status": "returned", **audit}),
        ("result", {"id": 5, "structure_id": 2, "kpi_id": 2, "year": 2025, "quarter": 2,
                    "value": None, "numerator": None, "denominator": None, "comment": "",
                    "evidence_url": "", "source": "entered", "status": "draft", **audit}),
        ("target", {"id": 1, "kpi_id": 1, "year": 2025, "structure_id": None, "quarter": 0,
                    "value": 80.0, **audit}),
        ("target", {"id": 2, "kpi_id": 1, "year": 2025, "structure_id": 2, "quarter": 4,
                    "value": 75.0, **audit}),
        ("actionitem", {"id": 1, "conference_id": 1, "recommendation_id": 1, "number": "A1",
                        "title": "Signer la convention X-Road", "owner_structure_id": 2,
                        "group_ref": "S18-A1", "person": "DSI MS",
                        "due_date": date(2025, 5, 31), "due_kind": "date", "status": "blocked",
                        "priority": "high", "topic": "interop", "progress_comment": "",
                        "blocker": "budget non voté", "escalated": True, "escalated_at": t3,
                        "initiative_id": 1, "created_at": t1, "closed_at": None, **audit,
                        "version": 5}),
        ("actionitem", {"id": 2, "conference_id": None, "recommendation_id": None,
                        "number": "", "title": "Mettre à jour l'inventaire",
                        "owner_structure_id": None, "group_ref": "", "person": "",
                        "due_date": None, "due_kind": "none", "status": "done",
                        "priority": "normal", "topic": "", "progress_comment": "fait",
                        "blocker": "", "escalated": False, "escalated_at": None,
                        "initiative_id": None, "created_at": t1, "closed_at": t2, **audit}),
        ("initiativekpi", {"initiative_id": 1, "kpi_id": 1}),
        ("initiativepartner", {"initiative_id": 1, "structure_id": 1}),
        ("milestone", {"id": 1, "initiative_id": 1, "title": "Convention signée",
                       "due_date": date(2025, 5, 31), "done_on": date(2025, 6, 2),
                       "weight": 1.0, **audit}),
        ("milestone", {"id": 2, "initiative_id": 1, "title": "Premier échange",
                       "due_date": date(2025, 9, 30), "done_on": None, "weight": 2.0,
                       **audit}),
    ]


def _stamp(dialect: str) -> Any:
    """UTC timestamps as each database stores them (SQLite: SQLAlchemy's text form)."""
    if dialect == "sqlite":
        return lambda value: f"{value}.000000"
    return lambda value: f"{value}+00"


def _insert(connection: Connection, table: str, row: dict[str, Any]) -> None:
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in row)
    marks = ", ".join(f":{c}" for c in row)
    connection.execute(text(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"), row)


def _snapshot(connection: Connection) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as dicts, in primary-key order."""
    quote = connection.dialect.identifier_preparer.quote
    inspector = inspect(connection)
    found = {}
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        key = inspector.get_pk_constraint(table)["constrained_columns"]
        order = ", ".join(quote(c) for c in key)
        found[table] = [dict(r._mapping) for r in connection.execute(
            text(f"SELECT * FROM {quote(table)} ORDER BY {order}"))]
    return found


def _default(column: Any) -> tuple[bool, Any]:
    """(True, value) when the model gives a new column a constant default."""
    default = column.default
    if default is None or not default.is_scalar:
        return False, None
    value = default.arg
    return True, value.value if isinstance(value, Enum) else value


def _advance_sequences(connection: Connection) -> None:
    """Rows written with their ids, as a deployed database has them: its sequences are past
    them (PostgreSQL)."""
    if connection.dialect.name != "postgresql":
        return
    for table in inspect(connection).get_table_names():
        if any(c["name"] == "id" for c in inspect(connection).get_columns(table)):
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f"(SELECT MAX(id) FROM \"{table}\"))"))


def test_a_database_at_the_first_schema_is_upgraded_to_head_without_losing_a_row(
        backend: str, empty_database_url: str) -> None:
    config = alembic_config(empty_database_url)
    scripts = ScriptDirectory.from_config(config)
    first, head = scripts.get_base(), scripts.get_current_head()
    assert first is not None and head is not None
    command.upgrade(config, first)

    engine: Engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            rows = _rows(_stamp(connection.dialect.name))
            for table, row in rows:
                _insert(connection, table, row)
            _advance_sequences(connection)
        with engine.connect() as connection:
            before = _snapshot(connection)
        empty = [table for table, found in before.items() if not found]
        assert not empty, f"the fill leaves tables of the first schema empty: {empty}"

        migrate(engine)  # what every start of the app does: upgrade to head

        with engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert version.scalar_one() == head
            after = _snapshot(connection)
        for table, old_rows in before.items():
            assert table in after, f"table {table} was dropped by a migration"
            if table in INTENDED:
                continue
            new_rows = after[table]
            assert len(new_rows) == len(old_rows), f"{table}: {len(old_rows)} → {len(new_rows)}"
            old_columns = set(old_rows[0])
            for old, new in zip(old_rows, new_rows, strict=True):
                kept = {c: new[c] for c in old_columns if c in new}
                assert kept == old, f"{table}: a value changed during the upgrade"
            added = set(new_rows[0]) - old_columns
            model = SQLModel.metadata.tables[table]
            for name in sorted(added):
                has_default, value = _default(model.c[name])
                for new in new_rows:
                    if has_default:
                        assert new[name] == value, f"{table}.{name}: {new[name]!r}, not {value!r}"
                    elif not model.c[name].nullable:
                        assert new[name] is not None, f"{table}.{name} left empty"
        for table in set(after) - set(before):
            assert after[table] == [], f"the new table {table} was filled by the upgrade"
        for table in INTENDED:
            assert after[table] == [], f"{table}: {INTENDED[table]}"

        # The app's models read every upgraded row (types, enums, timestamps)...
        with Session(engine) as session:
            for mapper in SQLModel._sa_registry.mappers:
                model_class = mapper.class_
                table_name = model_class.__table__.name
                assert len(session.exec(select(model_class)).all()) == len(after[table_name])
        # ...and the app starts on the upgraded database as on any deployed one: no demo data,
        # the old rows as they were.
        assert initialize(engine, demo=True) is False
        with engine.connect() as connection:
            started = _snapshot(connection)
        for table in ("user", "result", "submission", "actionitem", "conference", "minutes"):
            assert started[table] == after[table], table
    finally:
        engine.dispose()
