"""Issue 17, part B: open-data releases (frozen, validated results only, a Frictionless Data
Package the ``frictionless`` library validates), the DHIS2 exchange (mapping, dataValueSets
export, import through the results import, round trip into an empty database) and the standard
CSV that ``pandas.read_csv`` reads with its default arguments."""

from __future__ import annotations

import ast
import io
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from frictionless import validate
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tracker import cli
from tracker.accounts.auth import Actor
from tracker.core.db import make_engine, migrate, transaction
from tracker.core.errors import PermissionDenied, UploadError, ValidationFailed
from tracker.core.i18n import t
from tracker.core.models import (
    AuditEvent,
    Dhis2Mapping,
    Kpi,
    OpenDataRelease,
    Result,
    Structure,
    SubmissionStatus,
    SubmissionWindow,
)
from tracker.core.tables import RowChange
from tracker.exchange import datapackage, dhis2, releases
from tracker.files.exports import csv_bytes, standard_csv_bytes
from tracker.reference.catalogue import load_reference_data
from tracker.results import review
from tracker.results.entry import EntryRow, get_submission

ROOT = Path(__file__).resolve().parents[2]
YEAR, QUARTER = 2025, 3
TODAY = date(2025, 10, 20)
# One figure of each kind: a count, a ratio (numerator / denominator), hours, a yes/no KPI.
MS_ROWS = [EntryRow(1, "ESV_PUB", value="41"), EntryRow(2, "ESV_DEMAT", numerator="21",
                                                         denominator="33"),
           EntryRow(3, "ESV_DELAI", value="12.5"), EntryRow(4, "SEC_RSSI", value="oui")]
MEF_ROWS = [EntryRow(1, "ESV_PUB", value="17"), EntryRow(2, "SEC_RSSI", value="non")]


def _declare(engine: Engine, admin: Actor, structure_id: int, rows: list[EntryRow], *,
             validated: bool = True, quarter: int = QUARTER) -> None:
    with transaction(engine) as db:
        review.save_and_submit(db, admin, structure_id, YEAR, quarter, rows, seen_version=None,
                               today=TODAY)
    if validated:
        with transaction(engine) as db:
            submission = get_submission(db, structure_id, YEAR, quarter)
            assert submission is not None and submission.id is not None
            review.validate(db, admin, submission.id, seen_version=submission.version)


@pytest.fixture
def declared(engine: Engine, seeded, actor: Callable[[str], Actor]) -> None:
    """MS and MEF validated for T3 2025; SGG submitted but not validated."""
    admin = actor("admin")
    _declare(engine, admin, seeded.structures["MS"], MS_ROWS)
    _declare(engine, admin, seeded.structures["MEF"], MEF_ROWS)
    _declare(engine, admin, seeded.structures["SGG"], [EntryRow(1, "ESV_PUB", value="99")],
             validated=False)


def _counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as db:
        return (len(db.exec(select(OpenDataRelease)).all()),
                len(db.exec(select(AuditEvent)).all()), len(db.exec(select(Result)).all()))


def _correct(engine: Engine, structure: str, kpi: str, value: float) -> None:
    """A correction of a validated result (as after a reopening and a new validation)."""
    with transaction(engine) as db:
        result = db.exec(select(Result).join(Structure, col(Structure.id) == Result.structure_id)
                         .join(Kpi, col(Kpi.id) == Result.kpi_id)
                         .where(Structure.code == structure, Kpi.code == kpi)).one()
        result.value = value
        db.add(result)


# --- standard CSV -------------------------------------------------------------------------


def test_the_standard_csv_is_read_by_pandas_with_default_arguments() -> None:
    frame = pd.DataFrame({"Structure": ["MS", "MEF"], "Valeur": [1234.5, None],
                          "Date": [date(2025, 9, 30), date(2025, 12, 31)],
                          "Commentaire": ["a; b, « c »", "=1+2"]})

    data = standard_csv_bytes(frame)
    read = pd.read_csv(io.BytesIO(data))

    assert not data.startswith(b"\xef\xbb\xbf") and b"#" not in data
    assert list(read.columns) == ["Structure", "Valeur", "Date", "Commentaire"]
    assert read["Valeur"].dtype == "float64" and read["Valeur"][0] == 1234.5
    assert pd.isna(read["Valeur"][1])
    assert list(read["Date"]) == ["2025-09-30", "2025-12-31"]
    assert list(read["Commentaire"]) == ["a; b, « c »", "'=1+2"]  # a formula stays inert
    # The French Excel CSV of the same frame is what pandas' defaults cannot read.
    with pytest.raises(pd.errors.ParserError):
        pd.read_csv(io.BytesIO(csv_bytes(frame, header_lines=["Filtre : tout"])))


def _calls_in(path: Path) -> list[tuple[str, str, ast.Call]]:
    """Every call in a file: (enclosing function, called name, node)."""
    found: list[tuple[str, str, ast.Call]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef) else function
            if isinstance(child, ast.Call):
                func = child.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                found.append((function, name, child))
            visit(child, inner)

    visit(ast.parse(path.read_text("utf-8")), "<module>")
    return found


def _is_csv_download(call: ast.Call) -> bool:
    texts = [n.value for n in ast.walk(call) if isinstance(n, ast.Constant)
             and isinstance(n.value, str)]
    names = [n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "")
             for n in ast.walk(call)]
    return any("csv" in text.lower() for text in texts) or any(
        name in {"CSV_MIME", "csv_bytes", "standard_csv_bytes", "template_csv"}
        for name in names)


def test_no_page_offers_the_french_csv_alone() -> None:
    """Every CSV download goes through tracker.ui.widgets.csv_downloads, which draws the French
    Excel CSV and the standard one side by side."""
    files = [*sorted((ROOT / "tracker" / "ui").glob("*.py")), *sorted((ROOT / "pages").glob(
        "*.py")), ROOT / "app.py"]
    alone = []
    helper_calls = 0
    for path in files:
        for function, name, call in _calls_in(path):
            if name in {"csv_bytes", "template_csv"} and function != "csv_downloads":
                alone.append(f"{path.name}: {name}() in {function}")
            if name == "download_button" and _is_csv_download(call) \
                    and function != "csv_downloads":
                alone.append(f"{path.name}: a CSV download_button in {function}")
            helper_calls += name == "csv_downloads"
    assert alone == []
    assert helper_calls >= 3  # the tables' downloads, the charts' data, the import templates


# --- open-data releases -------------------------------------------------------------------


@pytest.mark.postgres
def test_publishing_freezes_validated_results_only_and_is_audited(engine, declared, actor):
    with transaction(engine) as db:
        done = releases.publish(db, actor("direction"), YEAR, QUARTER, note="Premier jeu.")
    release = done.release

    assert done.created and release.edition == 1 and release.rows == 6
    assert release.change_note == "Première publication de T3 2025.\nPremier jeu."
    rows = releases.release_contents(release)[releases.RESULTS]
    assert {r["structure"] for r in rows} == {"MS", "MEF"}  # SGG is not validated
    demat = next(r for r in rows if r["indicateur"] == "ESV_DEMAT")
    assert (demat["numerateur"], demat["denominateur"], demat["valeur"]) == (21, 33, 63.636364)
    with Session(engine) as db:
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "publish",
                                                 AuditEvent.field == "rows")).one()
    assert (event.user_login, event.object_label, event.new_value) == (
        "direction", "T3 2025 — édition 1", "6")


@pytest.mark.postgres
def test_a_correction_leaves_the_release_as_published_and_makes_a_new_edition(
        engine, declared, actor):
    with transaction(engine) as db:
        first = releases.publish(db, actor("admin"), YEAR, QUARTER).release
    before = datapackage.package_zip(first)
    with transaction(engine) as db:  # nothing changed: the edition in force, nothing written
        again = releases.publish(db, actor("admin"), YEAR, QUARTER)
    assert not again.created and again.release.id == first.id

    _correct(engine, "MS", "ESV_PUB", 43)
    with Session(engine) as db:
        stored = db.get(OpenDataRelease, first.id)
        assert stored is not None
        assert datapackage.package_zip(stored) == before  # frozen, byte for byte
    with transaction(engine) as db:
        second = releases.publish(db, actor("admin"), YEAR, QUARTER, note="Correction MS.")

    assert second.created and second.release.edition == 2
    assert second.release.change_note.splitlines() == [
        "Corrige l'édition 1\u00a0: 1 changement.",
        "- MS · ESV_PUB · T3 2025\u00a0: 41 → 43",
        "Correction MS."]
    assert [r.edition for r in releases.list_releases(Session(engine))] == [2, 1]


def test_a_year_release_takes_every_validated_quarter_of_the_year(engine, declared, actor,
                                                                   seeded):
    _declare(engine, actor("admin"), seeded.structures["MS"], [EntryRow(1, "ESV_PUB", value="38")],
             quarter=2)
    with transaction(engine) as db:
        release = releases.publish(db, actor("admin"), YEAR).release

    rows = releases.release_contents(release)[releases.RESULTS]
    assert release.quarter == releases.WHOLE_YEAR
    assert sorted({r["trimestre"] for r in rows}) == [2, 3] and len(rows) == 7
    assert datapackage.package_name(release) == "cdsi-resultats-2025-e1"


@pytest.mark.parametrize("login", ["dsi-ms", "observateur"])
def test_only_leadership_and_the_secretariat_publish(engine, declared, actor, login):
    before = _counts(engine)
    with transaction(engine) as db, pytest.raises(PermissionDenied):
        releases.publish(db, actor(login), YEAR, QUARTER)
    assert _counts(engine) == before


def test_a_period_without_validated_results_is_refused(engine, declared, actor):
    with transaction(engine) as db, pytest.raises(releases.NothingToPublish) as refused:
        releases.publish(db, actor("admin"), YEAR, 4)
    assert str(refused.value) == "Aucun résultat validé pour T4 2025\u00a0: rien à publier."


def test_a_tampered_release_is_not_served(engine, declared, actor):
    with transaction(engine) as db:
        release = releases.publish(db, actor("admin"), YEAR, QUARTER).release
    release.content = release.content.replace('"valeur":41', '"valeur":4100')
    with pytest.raises(Exception, match="ne correspond plus à son empreinte"):
        datapackage.package_files(release)


@pytest.mark.postgres
def test_the_data_package_is_valid_for_frictionless_and_plain_pandas(engine, declared, actor,
                                                                     tmp_path):
    with transaction(engine) as db:
        release = releases.publish(db, actor("admin"), YEAR, QUARTER).release
    datapackage.write_package(release, tmp_path)

    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert [task.name for task in report.tasks] == ["resultats", "indicateurs", "structures"]
    descriptor = json.loads((tmp_path / "datapackage.json").read_text("utf-8"))
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["temporal"] == {"start": "2025-07-01", "end": "2025-09-30"}
    assert {c["role"] for c in descriptor["contributors"]} == {"publisher", "author"}
    fields = {f["name"]: f for f in descriptor["resources"][0]["schema"]["fields"]}
    assert fields["valeur"]["type"] == "number" and "unite" in fields
    assert descriptor["resources"][0]["schema"]["missingValues"] == [""]
    results = pd.read_csv(tmp_path / "resultats.csv")
    assert results["valeur"].dtype == "float64"
    delay = results[(results["structure"] == "MS") & (results["indicateur"] == "ESV_DELAI")]
    assert delay["valeur"].item() == 12.5
    # The same frozen rows give the same files: a broken file is caught by the validation.
    (tmp_path / "resultats.csv").write_text(
        (tmp_path / "resultats.csv").read_text("utf-8").replace(",41,", ",quarante,"), "utf-8")
    assert not validate(str(tmp_path / "datapackage.json")).valid


def test_publish_command_writes_the_package_and_says_when_nothing_changed(
        engine, declared, database_url, tmp_path, capsys):
    out = tmp_path / "paquet"
    args = ["--database-url", database_url, "publish", "--year", str(YEAR), "--quarter",
            str(QUARTER), "--out", str(out)]

    assert cli.main(args) == 0
    assert capsys.readouterr().out.strip() == (
        f"Data Package de T3 2025 (édition 1, 6 résultats) écrit dans {out}.")
    assert sorted(p.name for p in out.iterdir()) == [
        "datapackage.json", "indicateurs.csv", "resultats.csv", "structures.csv"]
    assert cli.main(args) == 0
    assert "Rien n'a changé depuis l'édition 1 de T3 2025" in capsys.readouterr().out
    assert cli.main([*args[:6], "4", *args[7:]]) == 2  # nothing validated: refused


# --- DHIS2 --------------------------------------------------------------------------------


def _mapping_csv(session: Session) -> bytes:
    """A mapping of every KPI (a ratio by its numerator and denominator, on one data element
    with two category option combos) and of MS and MEF."""
    lines = ["type;code;partie;uid;categoryoptioncombo"]
    for number, kpi in enumerate(session.exec(select(Kpi).order_by(col(Kpi.code))), start=1):
        if kpi.ratio:
            lines += [f"kpi;{kpi.code};numerator;de{number:09d};cocNumerat1",
                      f"kpi;{kpi.code};denominator;de{number:09d};cocDenomin1"]
        else:
            lines.append(f"kpi;{kpi.code};value;de{number:09d};")
    lines += ["structure;MS;;ouMinSante1;", "structure;MEF;;ouMinFinanc;"]
    return "\n".join(lines).encode("utf-8")


def _map(engine: Engine, admin: Actor) -> int:
    with transaction(engine) as db:
        preview = dhis2.read_mapping_file(db, admin, _mapping_csv(db), "correspondance.csv")
        assert preview.rejected == []
        return dhis2.apply_mapping_file(db, admin, preview)


def _values(engine: Engine) -> dict[tuple[str, str], tuple[float | None, ...]]:
    with Session(engine) as db:
        rows = db.exec(select(Structure.code, Kpi.code, Result.value, Result.numerator,
                              Result.denominator)
                       .join(Structure, col(Structure.id) == Result.structure_id)
                       .join(Kpi, col(Kpi.id) == Result.kpi_id)
                       .where(Result.year == YEAR, Result.quarter == QUARTER,
                              col(Structure.code).in_(["MS", "MEF"])))
        return {(s, k): (v, n, d) for s, k, v, n, d in rows}


@pytest.mark.postgres
def test_dhis2_round_trip_into_an_empty_database_gives_the_same_values(
        engine, declared, actor, tmp_path):
    assert _map(engine, actor("admin")) > 40
    with Session(engine) as db:
        export = dhis2.export_quarter(db, actor("direction"), YEAR, QUARTER)
        mapping = _mapping_csv(db)
    assert export.unmapped_structures == [] and export.count == 7  # the ratio: two values
    ratio = [v for v in export.payload["dataValues"] if "categoryOptionCombo" in v]
    assert {v["period"] for v in export.payload["dataValues"]} == {"2025Q3"}
    assert sorted((v.get("categoryOptionCombo"), v["value"]) for v in ratio) == [
        ("cocDenomin1", "33"), ("cocNumerat1", "21")]
    assert {v["value"] for v in export.payload["dataValues"]} >= {"12.5", "true", "false"}
    (tmp_path / "dhis2.json").write_bytes(export.json_bytes())

    empty = make_engine(f"sqlite:///{tmp_path / 'vide.db'}")
    migrate(empty)
    with transaction(empty) as db:
        load_reference_data(db)
        dhis2.apply_mapping_file(db, None, dhis2.read_mapping_file(db, None, mapping, "m.csv"))
    report = dhis2.import_dhis2_file(empty, export.json_bytes(), "dhis2.json", dry_run=False)

    assert report == {"accepted": 6, "rejected": []}
    assert _values(empty) == _values(engine)
    with Session(empty) as db:
        assert {r.status for r in db.exec(select(Result))} == {SubmissionStatus.draft.value}
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "import")).one()
        assert event.object_label == "dhis2.json (6)"
    empty.dispose()


@pytest.mark.postgres
def test_unknown_uids_and_other_periods_are_refused_with_their_row(engine, seeded, actor):
    _map(engine, actor("admin"))
    with Session(engine) as db:
        element = db.exec(select(Dhis2Mapping).where(Dhis2Mapping.code == "ESV_PUB")).one().uid
    values = [{"dataElement": element, "period": "2025Q3", "orgUnit": "ouMinSante1",
               "value": "12"},
              {"dataElement": "zzzzzzzzzzz", "period": "2025Q3", "orgUnit": "ouMinSante1",
               "value": "3"},
              {"dataElement": element, "period": "2025Q3", "orgUnit": "ouInconnu01",
               "value": "4"},
              {"dataElement": element, "period": "202507", "orgUnit": "ouMinFinanc",
               "value": "5"},
              {"dataElement": element, "period": "2025Q3", "orgUnit": "ouMinFinanc",
               "value": "beaucoup"}]
    data = json.dumps({"dataValues": values}).encode()
    before = _counts(engine)

    with transaction(engine) as db:
        preview = dhis2.import_preview(db, actor("admin"), data, "lot.json", today=TODAY)

    assert [r.row for r in preview.accepted] == [1]
    assert [(e.row, e.column, e.reason) for e in preview.rejected] == [
        (2, "dataElement", "Élément de données inconnu\u00a0: zzzzzzzzzzz (aucun indicateur "
                           "relié à cet UID)."),
        (3, "orgUnit", "Unité d'organisation inconnue\u00a0: ouInconnu01 (aucune structure "
                       "reliée à cet UID)."),
        (4, "period", "Période «\u00a0202507\u00a0» non trimestrielle (attendu par exemple "
                      "2025Q3)."),
        (5, "value", t("values.not_a_number", text="beaucoup")),  # the results import's rule
    ]
    assert _counts(engine) == before


def test_the_dhis2_csv_form_imports_like_the_json_and_a_dsi_writes_only_its_own(
        engine, seeded, actor, database_url, tmp_path, capsys):
    _map(engine, actor("admin"))
    with transaction(engine) as db:  # T3 2025 open to entry: a DSI may write its own
        db.add(SubmissionWindow(year=YEAR, quarter=QUARTER, opens_on=date(2025, 10, 1),
                                closes_on=date(2025, 10, 31)))
    with Session(engine) as db:
        element = db.exec(select(Dhis2Mapping).where(Dhis2Mapping.code == "ESV_PUB")).one().uid
    csv_text = ("dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,"
                "storedby,lastupdated,comment,followup\n"
                f"{element},2025Q3,ouMinSante1,,,14,admin,2025-10-01,,false\n"
                f"{element},2025Q3,ouMinFinanc,,,15,admin,2025-10-01,,false\n")

    with transaction(engine) as db:
        preview, written = dhis2.import_file(db, actor("dsi-ms"), csv_text.encode(),
                                             "lot.csv", today=TODAY)
    assert written == 1 and [r.structure_code for r in preview.accepted] == ["MS"]
    assert [(e.row, e.reason) for e in preview.rejected] == [
        (3, "Vous ne pouvez pas déclarer pour une autre structure (MEF).")]
    with transaction(engine) as db, pytest.raises(PermissionDenied):
        dhis2.import_preview(db, actor("observateur"), csv_text.encode(), "lot.csv",
                             today=TODAY)

    path = tmp_path / "lot.csv"
    path.write_text(csv_text, encoding="utf-8")
    code = cli.main(["--database-url", database_url, "dhis2", "import", str(path), "--dry-run",
                     "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out) == {"accepted": 2, "rejected": []}


@pytest.mark.parametrize(("data", "message"), [
    (b"{pas du json", "lot.json n'est pas un JSON valide (ligne 1\u00a0: Expecting property "
                      "name enclosed in double quotes)."),
    (b'{"dataValues": []}', "lot.json ne contient aucune valeur."),
    (b'{"autre": 1}', "lot.json n'est pas un fichier dataValueSets de DHIS2"),
])
def test_a_file_that_is_no_data_value_set_is_refused_whole(engine, seeded, actor, data,
                                                           message):
    with transaction(engine) as db, pytest.raises(UploadError) as refused:
        dhis2.import_preview(db, actor("admin"), data, "lot.json", today=TODAY)
    assert str(refused.value).startswith(message)


@pytest.mark.postgres
def test_mapping_rows_are_checked_and_nothing_is_written_when_one_is_wrong(engine, seeded,
                                                                            actor):
    changes = [RowChange(1, None, {"kind": "kpi", "code": "ESV_PUB", "part": "value",
                                   "uid": "deEsvPub001"}),
               RowChange(2, None, {"kind": "kpi", "code": "ESV_DEMAT", "part": "value",
                                   "uid": "trop-court"}),
               RowChange(3, None, {"kind": "structure", "code": "NULLEPART", "part": "",
                                   "uid": "ouNullepart"}),
               RowChange(4, None, {"kind": "kpi", "code": "ESV_NEW", "part": "value",
                                   "uid": "deEsvPub001"})]
    with transaction(engine) as db, pytest.raises(ValidationFailed) as refused:
        dhis2.save_mapping(db, actor("admin"), changes, {})

    assert [(e.row, e.column, e.reason) for e in refused.value.errors] == [
        (2, "UID DHIS2", "UID invalide\u00a0: «\u00a0trop-court\u00a0» (11 caractères, une "
                         "lettre puis des lettres ou chiffres)."),
        (3, "Code", "Structure inconnue\u00a0: «\u00a0NULLEPART\u00a0»."),
        (4, "UID DHIS2", "L'UID deEsvPub001 est déjà relié par une autre ligne."),
    ]
    with Session(engine) as db:
        assert db.exec(select(Dhis2Mapping)).all() == []
    with transaction(engine) as db:
        assert dhis2.save_mapping(db, actor("admin"), changes[:1], {}) == 1
    with transaction(engine) as db, pytest.raises(PermissionDenied):
        dhis2.save_mapping(db, actor("direction"), changes[3:], {})


def test_dhis2_export_command_writes_the_quarter(engine, declared, actor, database_url,
                                                 tmp_path, capsys):
    _map(engine, actor("admin"))
    out = tmp_path / "T3.json"

    code = cli.main(["--database-url", database_url, "dhis2", "export", "--year", str(YEAR),
                     "--quarter", str(QUARTER), "--out", str(out)])

    assert code == 0
    assert capsys.readouterr().out.strip() == f"7 valeurs de 2025Q3 écrites dans {out}."
    assert len(json.loads(out.read_text("utf-8"))["dataValues"]) == 7


def test_a_ratio_refused_is_refused_on_its_two_rows(engine, seeded, actor):
    _map(engine, actor("admin"))
    with Session(engine) as db:
        element = db.exec(select(Dhis2Mapping).where(Dhis2Mapping.code == "ESV_DEMAT",
                                                     Dhis2Mapping.part == "numerator")).one().uid
    values = [{"dataElement": element, "categoryOptionCombo": "cocNumerat1",
               "period": "2025Q3", "orgUnit": "ouMinSante1", "value": "40"},
              {"dataElement": element, "categoryOptionCombo": "cocDenomin1",
               "period": "2025Q3", "orgUnit": "ouMinSante1", "value": "30"}]

    with transaction(engine) as db:
        preview = dhis2.import_preview(db, actor("admin"), json.dumps(
            {"dataValues": values}).encode(), "ratio.json", today=TODAY)

    assert preview.accepted == []
    assert [(e.row, e.column) for e in preview.rejected] == [
        (1, "value (numérateur)"), (2, "value (numérateur)")]
    assert preview.rejected[0].reason == (
        "Le numérateur (40) ne peut pas dépasser le dénominateur (30).")


def test_emptying_a_uid_removes_the_mapping_row_and_the_journal_says_so(engine, seeded, actor):
    change = RowChange(1, None, {"kind": "structure", "code": "MS", "uid": "ouMinSante1"})
    with transaction(engine) as db:
        dhis2.save_mapping(db, actor("admin"), [change], {})
    with Session(engine) as db:
        stored = db.exec(select(Dhis2Mapping)).one()
    emptied = RowChange(1, stored.id, {"kind": "structure", "code": "MS", "uid": ""})

    with transaction(engine) as db, pytest.raises(Exception, match="modifiée par"):
        dhis2.save_mapping(db, actor("admin"), [emptied], {stored.id: stored.version + 1})
    with transaction(engine) as db:
        assert dhis2.save_mapping(db, actor("admin"), [emptied], {stored.id: stored.version}) == 1

    with Session(engine) as db:
        assert db.exec(select(Dhis2Mapping)).all() == []
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "delete")).one()
    assert (event.object_type, event.object_label) == ("Dhis2Mapping",
                                                       "DHIS2 structure MS value → ouMinSante1")
