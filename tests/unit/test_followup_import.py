"""Importing the secretariat's follow-up spreadsheet: preview, per-row refusals as the user sees
them, all-or-nothing confirmation, idempotent re-import, and the closed-session rule."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest
from sqlmodel import func, select

from tracker.conference import actions
from tracker.conference import followup as fi
from tracker.core.db import reading, transaction
from tracker.core.errors import PermissionDenied, StaleEdit, UploadError
from tracker.core.models import (
    ActionItem,
    AuditEvent,
    Conference,
    Recommendation,
    Result,
    Structure,
)
from tracker.core.refdata import load_structures_csv
from tracker.files import exports

HEADER = "Session;Recommandation/Action;Type;Responsable;Échéance;Statut;Observations"


@pytest.fixture(autouse=True)
def data(engine, seeded):
    """The 17e session (closed) with one recommendation for MS; the 18e (held, 24/06/2025) with
    one action for MEF; the 19e planned without a date."""
    with transaction(engine) as session:
        closed = Conference(number=17, year=2025, rank_in_year=1, session_date=date(2025, 3, 10),
                            status="closed")
        held = Conference(number=18, year=2025, rank_in_year=2, session_date=date(2025, 6, 24),
                          status="held")
        planned = Conference(number=19, year=2025, rank_in_year=3, status="planned")
        session.add_all([closed, held, planned])
        session.flush()
        session.add_all([
            Recommendation(conference_id=closed.id, number="R1",
                           text="Publier le schéma directeur", status="in_progress",
                           owner_structure_id=seeded.structures["MS"],
                           due_date=date(2025, 6, 30)),
            ActionItem(conference_id=held.id, number="A1", title="Raccorder le MEF à X-Road",
                       owner_structure_id=seeded.structures["MEF"], status="not_started",
                       due_date=date(2025, 9, 30)),
        ])
    return seeded


def csv_file(*lines: str, encoding: str = "cp1252") -> bytes:
    return "\r\n".join(lines).encode(encoding)


def preview(engine, actor, content: bytes, name: str = "suivi.csv", who: str = "admin"):
    with reading(engine) as session:
        return fi.read_followup_file(session, actor(who), content, name)


def run_import(engine, actor, content: bytes, name: str = "suivi.csv"):
    """What the page's confirmation does: a fresh preview and the write, in one transaction."""
    with transaction(engine) as session:
        fresh = fi.read_followup_file(session, actor("admin"), content, name)
        return fi.apply_followup(session, actor("admin"), fresh)


def rows(engine, model):
    with reading(engine) as session:
        return session.exec(select(model).order_by(model.id)).all()


def audit_count(engine) -> int:
    with reading(engine) as session:
        return session.exec(select(func.count()).select_from(AuditEvent)).one()


def ministries_on(day: date) -> list[str]:
    return [s.code for s in load_structures_csv() if s.kind == "ministere" and s.in_force(day)]


NEW_ITEMS = csv_file(
    HEADER,
    "18e conférence;Raccorder le MS à X-Road;action;MS;fin T3 2025;en cours;Test en cours",
    "18;Publier les données ouvertes;Recommandation;Ministère de la Santé;31/03/2025;réalisé;",
    "24/06/2025;Désigner un RSSI;action;Tous les ministères;sans délai;non démarré;",
    "18e;Former les agents;;MEF;permanent;;",
)


@pytest.mark.postgres
def test_a_french_csv_is_previewed_then_creates_items_with_owner_due_and_status(engine, actor):
    shown = preview(engine, actor, NEW_ITEMS)
    ministries = ministries_on(date(2025, 6, 24))

    assert shown.rejected == []
    assert (shown.to_create, shown.to_update, shown.unchanged) == (3 + len(ministries), 0, 0)
    assert rows(engine, ActionItem)[1:] == []  # nothing written by the preview

    counts = run_import(engine, actor, NEW_ITEMS)

    assert counts == fi.FollowupCounts(created=3 + len(ministries), updated=0, unchanged=0)
    actions = {(a.title, a.owner_structure_id): a for a in rows(engine, ActionItem)}
    with reading(engine) as session:
        ids = {s.code: s.id for s in session.exec(select(Structure)).all()}
    ms_action = actions[("Raccorder le MS à X-Road", ids["MS"])]
    assert (ms_action.status, ms_action.due_date, ms_action.due_kind,
            ms_action.progress_comment) == ("in_progress", date(2025, 9, 30), "date",
                                            "Test en cours")
    training = actions[("Former les agents", ids["MEF"])]
    assert (training.due_kind, training.due_date, training.status) == ("recurring", None,
                                                                      "not_started")
    rssi = [a for a in actions.values() if a.title == "Désigner un RSSI"]
    code_of = {i: code for code, i in ids.items()}
    assert sorted(code_of[a.owner_structure_id] for a in rssi) == sorted(ministries)
    assert {a.due_date for a in rssi} == {date(2025, 7, 1)}  # "sans délai": session + 7 days
    assert len({a.group_ref for a in rssi}) == 1 and rssi[0].group_ref
    reco = [r for r in rows(engine, Recommendation) if r.text == "Publier les données ouvertes"]
    assert [(r.status, r.owner_structure_id, r.due_date) for r in reco] == [
        ("done", ids["MS"], date(2025, 3, 31))]
    with reading(engine) as session:
        created = session.exec(select(AuditEvent).where(
            AuditEvent.action == "create", AuditEvent.object_type == "ActionItem")).all()
        imported = session.exec(select(AuditEvent).where(AuditEvent.action == "import")).one()
    assert {e.object_id for e in created} == {a.id for a in actions.values()
                                               if a.title != "Raccorder le MEF à X-Road"}
    assert {e.user_login for e in created} == {"admin"}
    assert imported.object_label == f"suivi.csv ({3 + len(ministries)})"


@pytest.mark.postgres
def test_importing_the_same_file_again_changes_nothing(engine, actor):
    run_import(engine, actor, NEW_ITEMS)
    before = (audit_count(engine), [(a.id, a.version) for a in rows(engine, ActionItem)],
              [(r.id, r.version) for r in rows(engine, Recommendation)])

    again = preview(engine, actor, NEW_ITEMS)
    counts = run_import(engine, actor, NEW_ITEMS)

    assert (again.to_create, again.to_update, again.pending) == (0, 0, False)
    assert counts.created == counts.updated == 0
    assert counts.unchanged == again.unchanged == 3 + len(ministries_on(date(2025, 6, 24)))
    after = (audit_count(engine), [(a.id, a.version) for a in rows(engine, ActionItem)],
             [(r.id, r.version) for r in rows(engine, Recommendation)])
    assert after == before


@pytest.mark.postgres
def test_a_known_item_gets_its_new_status_and_comment_audited_whatever_the_spelling(engine,
                                                                                   actor):
    content = csv_file("Session;Intitulé;Responsable;Statut;Commentaire",
                       "18;RACCORDER le MEF a X-Road.;mef;Réalisé;Raccordé le 2 juillet")

    shown = preview(engine, actor, content)
    counts = run_import(engine, actor, content)

    assert (shown.to_create, shown.to_update) == (0, 1)
    assert counts == fi.FollowupCounts(created=0, updated=1, unchanged=0)
    action = rows(engine, ActionItem)
    assert len(action) == 1
    assert (action[0].status, action[0].progress_comment, action[0].version) == (
        "done", "Raccordé le 2 juillet", 2)
    assert action[0].closed_at is not None
    with reading(engine) as session:
        changes = {(e.field, e.old_value, e.new_value) for e in session.exec(select(AuditEvent)
                   .where(AuditEvent.object_type == "ActionItem",
                          AuditEvent.object_id == action[0].id)).all()}
    assert ("status", "not_started", "done") in changes
    assert ("progress_comment", "", "Raccordé le 2 juillet") in changes
    assert {c[0] for c in changes} == {"status", "progress_comment", "closed_at"}


def test_rejected_rows_give_the_row_as_in_the_file_the_column_as_written_and_why(engine,
                                                                                actor):
    content = csv_file(
        "Tableau de suivi des recommandations de la CDSI",
        "",
        "Session;Recommandation/Action;Type;Responsable;Échéance;Statut;Observations",
        "25e conférence;Action inconnue;action;MS;;;",
        "18;Action sans responsable connu;action;XYZ;;;",
        "18;Action au statut étrange;action;MS;;peut-être;",
        "18;=HYPERLINK(\"x\");action;MS;;;",
        "18;Action à l'échéance floue;action;MS;bientôt;;",
        "18;;action;MS;;en cours;",
        "18;Action typée bizarrement;décision;MS;;;",
        "18;Action pour deux;action;MEF, MS;;;",
        "18;Action en double;action;MS;;;",
        "18;action en double;action;MS;;;",
        "19;Pour tous;action;Tous les ministères;;;",
    )

    shown = preview(engine, actor, content)

    assert [(e.row, e.column, e.reason) for e in shown.rejected] == [
        (4, "Session", "Aucune session enregistrée ne correspond à « 25e conférence » : "
                       "créez-la d'abord (page Conférences)."),
        (5, "Responsable", "Responsable inconnu : « XYZ » (indiquez le sigle, par exemple MS, "
                           "le nom de la structure ou « Tous les ministères »)."),
        (6, "Statut", "Statut inconnu : « peut-être » (exemples : réalisé, en cours, "
                      "partiellement réalisé, non démarré, bloqué, sans objet)."),
        (7, "Recommandation/Action", "Les formules ne sont pas acceptées : saisissez le texte "
                                     "ou la date eux-mêmes, pas une formule commençant par "
                                     "« = »."),
        (8, "Échéance", "Échéance illisible : « bientôt » (exemples : 31/03/2026, fin T1 2026, "
                        "sans délai, avant la prochaine session, permanent)."),
        (9, "Recommandation/Action", "L'intitulé de la recommandation ou de l'action est "
                                     "obligatoire."),
        (10, "Type", "Type inconnu : « décision » (recommandation ou action)."),
        (11, "Responsable", "« MEF, MS » désigne plusieurs structures ou n'est pas clair : une "
                            "ligne par structure, ou « Tous les ministères »."),
        (13, "Recommandation/Action", "Doublon : la même recommandation ou action figure déjà "
                                      "à la ligne 12 de ce fichier."),
        (14, "Responsable", "« Tous les ministères » demande une session datée : indiquez "
                            "d'abord la date de la session."),
    ]
    assert shown.rejected_rows == [4, 5, 6, 7, 8, 9, 10, 11, 13, 14]
    assert [r.row for r in shown.accepted] == [12]


def test_confirming_writes_the_accepted_rows_and_none_of_the_rejected(engine, actor):
    content = csv_file(HEADER, "18;Bonne ligne;action;MS;;;", "18;Mauvaise ligne;action;XYZ;;;")

    counts = run_import(engine, actor, content)

    assert counts.created == 1
    assert sorted(a.title for a in rows(engine, ActionItem)) == ["Bonne ligne",
                                                                 "Raccorder le MEF à X-Road"]


def test_a_closed_session_takes_status_and_comment_but_no_new_item_nor_new_due(engine, actor):
    content = csv_file(
        HEADER,
        "17;Publier le schéma directeur;recommandation;MS;30/06/2025;réalisé;Publié",
        "17;Nouvelle recommandation;recommandation;MS;;;",
    )
    new_due = csv_file(HEADER, "17;Publier le schéma directeur;recommandation;MS;31/12/2025;;")

    shown = preview(engine, actor, content)
    refused = preview(engine, actor, new_due)

    assert [(e.row, e.column, e.reason) for e in shown.rejected] == [
        (3, "Session", "17e conférence (1re session 2025) est clôturée : on ne peut plus y "
                       "ajouter de recommandation ni d'action (un ajout passe par la session "
                       "suivante)."),
    ]
    assert [(e.row, e.column, e.reason) for e in refused.rejected] == [
        (2, "Échéance", "17e conférence (1re session 2025) est clôturée : seuls le statut et le "
                        "commentaire peuvent encore changer, pas l'échéance."),
    ]
    counts = run_import(engine, actor, content)
    assert counts == fi.FollowupCounts(created=0, updated=1, unchanged=0)
    assert run_import(engine, actor, new_due) == fi.FollowupCounts(0, 0, 0)
    reco = rows(engine, Recommendation)
    assert [(r.text, r.status, r.progress_comment, r.due_date) for r in reco] == [
        ("Publier le schéma directeur", "done", "Publié", date(2025, 6, 30))]


def test_an_xlsx_with_title_block_band_rows_date_cells_and_merged_sessions(engine, actor):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Suivi des recommandations et actions de la Conférence des DSI"])
    sheet.append([])
    sheet.append(["N°", "Session", "Recommandation / Action", "Type", "Responsable",
                  "Échéance", "Statut", "Observations"])
    sheet.append([None, "18e conférence — 24/06/2025"])  # band row naming the session below
    sheet.append([1, None, "Migrer la messagerie", "Action", "ASIN", datetime(2025, 12, 31),
                  "partiellement réalisé", "Lot 1 fait"])
    sheet.append([2, None, "Évaluer le cloud souverain", "Recommandation", "SBIN",
                  "fin du 1er trimestre 2026", "en attente", None])
    sheet.append([3, datetime(2025, 6, 24), "Sécuriser les sauvegardes", None, "ASIN", None,
                  None, None])
    buffer = io.BytesIO()
    book.save(buffer)

    shown = preview(engine, actor, buffer.getvalue(), "suivi.xlsx")

    assert shown.rejected == []
    assert shown.skipped == 1
    assert [(r.row, r.kind, r.number, r.status, r.due_date) for r in shown.accepted] == [
        (5, "action", "1", "partial", date(2025, 12, 31)),
        (6, "recommendation", "2", "blocked", date(2026, 3, 31)),
        (7, "action", "3", None, None),
    ]
    run_import(engine, actor, buffer.getvalue(), "suivi.xlsx")
    created = {a.title: a for a in rows(engine, ActionItem)}
    assert (created["Sécuriser les sauvegardes"].status,
            created["Sécuriser les sauvegardes"].due_kind) == ("not_started", "none")
    assert created["Migrer la messagerie"].number == "1"


def test_a_row_without_type_updates_the_recommendation_rather_than_adding_an_action(engine,
                                                                                  actor):
    content = csv_file("Session;Intitulé;Responsable;Statut",
                       "17;Publier le schéma directeur;MS;réalisée")

    counts = run_import(engine, actor, content)

    assert counts == fi.FollowupCounts(created=0, updated=1, unchanged=0)
    assert len(rows(engine, ActionItem)) == 1
    assert rows(engine, Recommendation)[0].status == "done"


def test_a_due_date_only_implied_is_flagged_and_a_resolved_next_session_date_is_kept(
        engine, actor):
    with transaction(engine) as session:
        item = session.exec(select(ActionItem)).one()
        item.due_kind = "date"  # "avant la prochaine session", dated when the 19e was dated
        session.add(item)
    content = csv_file(HEADER, "18;Raccorder le MEF à X-Road;action;MEF;avant la prochaine "
                               "session;;", "18;Nouvelle action;action;MS;T4 2025;;")

    shown = preview(engine, actor, content)

    assert [(r.row, r.to_create, r.to_update, r.check) for r in shown.accepted] == [
        (2, 0, 0, ""), (3, 1, 0, "échéance à vérifier")]
    assert shown.accepted[1].due_date == date(2025, 12, 31)
    frame = fi.preview_frame(shown)
    assert list(frame.columns) == ["Ligne", "Type", "Session", "Recommandation/Action",
                                   "Responsable", "Échéance", "Statut", "Commentaire", "Effet",
                                   "À vérifier"]
    assert frame["Effet"].tolist() == ["déjà à jour", "à créer (1)"]
    assert frame["Échéance"].tolist() == ["avant la prochaine session", "31/12/2025"]


@pytest.mark.postgres
def test_the_same_text_twice_in_a_session_is_told_apart_by_number_then_by_order(engine,
                                                                               actor, data):
    with transaction(engine) as session:
        held = session.exec(select(Conference).where(Conference.number == 18)).one()
        session.add_all([ActionItem(conference_id=held.id, number=number, title="Inventorier",
                                    owner_structure_id=data.structures["MS"])
                         for number in ("A3", "A5")])
    content = csv_file("Session;N°;Intitulé;Responsable;Statut",
                       "18;A5;Inventorier;MS;réalisé", "18;A3;Inventorier;MS;en cours",
                       "18;;Inventorier;MS;bloqué")

    shown = preview(engine, actor, content)
    run_import(engine, actor, content)

    assert [(e.row, e.reason) for e in shown.rejected] == [
        (4, "Doublon : la même recommandation ou action figure déjà à la ligne 2 de ce fichier.")]
    assert {a.number: a.status for a in rows(engine, ActionItem)
            if a.title == "Inventorier"} == {"A3": "in_progress", "A5": "done"}
    assert preview(engine, actor, content).pending is False


@pytest.mark.parametrize("kind", [actions.ACTION, actions.RECOMMENDATION])
def test_the_follow_up_page_export_imports_back_without_any_change(engine, actor, kind):
    with transaction(engine) as session:
        item = session.exec(select(ActionItem)).one()
        # Due "before the next session", since dated: the export shows the date.
        item.due_kind = "next_session"
        session.add(item)
    with reading(engine) as session:
        frame = actions.followup_frame(session, actor("admin"), kind, actions.Filters(),
                                       date(2025, 11, 20))
    shown = actions.display_frame(frame)
    for name, content in (("suivi.csv", exports.csv_bytes(shown, header_lines=["Filtres"])),
                          ("suivi.xlsx", exports.xlsx_bytes({"suivi": shown},
                                                            header_lines=["Filtres"]))):
        again = preview(engine, actor, content, name)
        assert (again.rejected, len(again.accepted), again.pending) == ([], 1, False), name


def test_owners_are_read_by_code_or_full_name_in_any_case_and_accents(engine, actor):
    content = csv_file(
        HEADER,
        "18;Action A;action;Ministère de l'Enseignement supérieur et de la Recherche "
        "scientifique;;;",
        "18;Action B;action;ministere de la sante;;;",
        "18;Action C;action;asin;;;")

    shown = preview(engine, actor, content)

    assert shown.rejected == []
    assert [r.owner for r in shown.accepted] == ["MESRS", "MS", "ASIN"]


def test_an_item_changed_since_the_preview_fails_the_whole_import(engine, actor):
    content = csv_file(HEADER, "18;Raccorder le MEF à X-Road;action;MEF;;en cours;",
                       "18;Nouvelle action;action;MS;;;")
    with reading(engine) as session:
        shown = fi.read_followup_file(session, actor("admin"), content, "suivi.csv")
    with transaction(engine) as session:
        item = session.exec(select(ActionItem)).one()
        item.progress_comment = "changé entre-temps"
        session.add(item)

    with pytest.raises(StaleEdit), transaction(engine) as session:
        fi.apply_followup(session, actor("admin"), shown)

    assert [a.title for a in rows(engine, ActionItem)] == ["Raccorder le MEF à X-Road"]
    assert rows(engine, ActionItem)[0].status == "not_started"


def test_only_the_secretariat_may_import(engine, actor):
    content = csv_file(HEADER, "18;Nouvelle action;action;MS;;;")
    with pytest.raises(PermissionDenied):
        preview(engine, actor, content, who="dsi-ms")
    shown = preview(engine, actor, content)
    with pytest.raises(PermissionDenied), transaction(engine) as session:
        fi.apply_followup(session, actor("dsi-ms"), shown)
    assert len(rows(engine, ActionItem)) == 1


def test_a_file_without_session_column_is_refused_whole(engine, actor):
    with pytest.raises(UploadError, match="n'a pas de colonne Session"):
        preview(engine, actor, csv_file("Intitulé;Responsable;Statut", "Former;MS;en cours"))


def test_importing_recommendations_refreshes_the_computed_conference_indicator(engine, actor):
    content = csv_file(HEADER,
                       "18;Publier les données ouvertes;recommandation;MS;31/03/2025;réalisé;",
                       "18;Ouvrir les API;recommandation;MS;31/03/2025;en cours;")

    run_import(engine, actor, content)

    with reading(engine) as session:
        stored = session.exec(select(Result).where(Result.year == 2025,
                                                   Result.quarter == 1)).all()
    assert [(r.numerator, r.denominator, r.source, r.status) for r in stored] == [
        (1.0, 2.0, "computed", "validated")]


@pytest.mark.parametrize(("raw", "expected"), [
    ("18", ("number", 18)), (18, ("number", 18)), (18.0, ("number", 18)),
    ("18e", ("number", 18)), ("18e conférence", ("number", 18)),
    ("18ème CDSI", ("number", 18)), ("Conférence n° 18", ("number", 18)),
    ("18e conférence (2e session 2025)", ("number", 18)),
    ("24/06/2025", ("date", date(2025, 6, 24))),
    ("24 juin 2025", ("date", date(2025, 6, 24))),
    (datetime(2025, 6, 24), ("date", date(2025, 6, 24))),
    ("2e session de 2025", ("rank", (2025, 2))),
    ("bientôt", None),
])
def test_sessions_are_read_by_number_date_or_rank(raw, expected):
    assert fi.parse_session(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("réalisé", "done"), ("Exécuté", "done"), ("achevée", "done"), ("en cours", "in_progress"),
    ("partiellement réalisée", "partial"), ("non réalisé", "not_started"),
    ("non démarrée", "not_started"), ("pas encore", "not_started"),
    ("sans objet", "cancelled"), ("abandonné", "cancelled"), ("en attente", "blocked"),
    ("suspendu", "blocked"), ("bloquée", "blocked"), ("done", "done"),
    ("in progress", "in_progress"), ("partially done", "partial"), ("peut-être", None),
])
def test_statuses_are_read_from_the_words_of_follow_up_tables(raw, expected):
    assert fi.parse_status(raw) == expected
