"""Every public function of tracker/ that takes an ``actor`` is listed here, and each service is
called by forged actors of every role, for their own structure and for another one: it must
allow or refuse exactly as ``tracker.accounts.permissions`` says, and a refusal writes nothing
(every table's row count, the audit log included, is unchanged).

A new public function with an ``actor`` parameter fails ``test_every_function_taking_an_actor_is
_listed`` until it gets a case in ``CASES`` or a reason in ``EXCLUDED``.

The target structure is MS; "own" forges an actor answering for MS, "other" for MEF. Each call
runs in a write transaction that is rolled back, so every call sees the same seeded world."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

import tracker
from tracker.accounts import tokens
from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, may, own_structure, sees_the_national_picture
from tracker.api.endpoints import Query
from tracker.conference.actions import Filters
from tracker.core.db import transaction
from tracker.core.errors import PermissionDenied
from tracker.core.models import (
    ActionItem,
    Conference,
    DueKind,
    Initiative,
    Milestone,
    Pillar,
    Role,
    Submission,
    SubmissionWindow,
    User,
)
from tracker.core.tables import RowChange
from tracker.results import review
from tracker.results.entry import EntryRow, save_entries
from tracker.results.targets import TargetPreview

TODAY = date.today()
YEAR, QUARTER = 2026, 1
STRONG = "Cinq-Lapins-Verts-2026!"

# --- what must be listed ------------------------------------------------------------------

SKIPPED_MODULES = ("tracker.migrations", "tracker.__main__")

EXCLUDED: dict[str, str] = {
    # The rules themselves.
    **{f"tracker.accounts.permissions.{name}": "the permission rules themselves" for name in (
        "audience", "may", "own_structure", "reads_drafts_anywhere", "require",
        "sees_the_national_picture", "writes_for_own_structure_only")},
    # Plumbing that records what a service has already decided.
    **{f"tracker.core.audit.{name}": "audit plumbing: the actor only names who did it, the "
       "calling service has checked" for name in (
           "add_new", "created", "creation_event_rows", "creation_events", "event_rows",
           "event_values", "record", "record_event", "save_edit", "stamp", "write_changes")},
    "tracker.conference.kpi_links.write_links":
        "writes the KPI links its calling service (set_kpi_links, save_followup, "
        "confirm_minutes) has checked; the actor names who",
    "tracker.conference.snapshots.take_snapshot":
        "freezes the roadmap when set_status (in CASES, edit_conferences) closes a session; "
        "the actor names who",
    "tracker.core.saving.write_rows": "the save skeleton: writes rows its calling service has "
                                      "checked (permissions included); the actor names who",
    # Streamlit panels: they call the services of CASES.
    **{f"tracker.ui.{name}": "Streamlit code; the services it calls are in CASES" for name in (
        "base.language_switch", "base.sidebar", "links.page_link", "imports.followup_import_panel",
        "agenda_review.agenda_proposal",
        "imports.results_import_panel", "exchange.dhis2_panel", "exchange.open_data_panel",
        "exchange.dhis2_caption",
        "imports.targets_import_panel")},
    # No session: answers computed from permissions, nothing read or written.
    **{name: "no session: a pure answer built from permissions, reads and writes nothing"
       for name in (
           "tracker.conference.actions.column_specs", "tracker.conference.actions.editable_columns",
           "tracker.dashboards.home.uses_national_home", "tracker.dashboards.trajectories.scope_of",
           "tracker.results.entry.can_edit", "tracker.exchange.dhis2.may_edit_mapping",
           "tracker.exchange.dhis2.may_export", "tracker.exchange.dhis2.may_import",
           "tracker.exchange.dhis2.require_import", "tracker.exchange.releases.may_publish",
           "tracker.roadmap.views.initiative_specs",
           "tracker.roadmap.views.milestone_specs", "tracker.roadmap.views.pillar_specs")},
    "tracker.conference.minutes.confirm_minutes":
        "needs a whole reviewed minutes parse (frames of decisions, recommendations, actions); "
        "covered by tests/unit for the secretariat only",
    "tracker.results.ratings.may_read": "no session: a pure answer built from permissions",
    "tracker.reports.trajectories.forecast_section":
        "draws one structure's section into the PDF of fiche_pdf and bilan_pdf (in CASES, which "
        "require read_reports); its ratings come from confidence.rating_lines (in CASES)",
}


def _functions_taking_an_actor() -> dict[str, Callable[..., Any]]:
    """Every public function defined in tracker/ whose signature names ``actor``."""
    found: dict[str, Callable[..., Any]] = {}
    for info in pkgutil.walk_packages(tracker.__path__, "tracker."):
        if info.name.startswith(SKIPPED_MODULES):
            continue
        module = importlib.import_module(info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != info.name:
                continue
            if "actor" in inspect.signature(function).parameters:
                found[f"{info.name}.{name}"] = function
    return found


def _listed_as(found: str, listed: set[str]) -> str | None:
    """The listed name of a found function: the same path, or its package's path when the
    function lives in a submodule of it (``tracker.roadmap.editing.save_pillars`` lists
    ``tracker.roadmap.editing.pillars.save_pillars``)."""
    if found in listed:
        return found
    module, name = found.rsplit(".", 1)
    while "." in module:
        module = module.rsplit(".", 1)[0]
        if f"{module}.{name}" in listed:
            return f"{module}.{name}"
    return None


# --- the seeded world ---------------------------------------------------------------------


@dataclass
class World:
    ms: int
    mef: int
    users: dict[str, int]
    conference_id: int
    action_id: int
    milestone_id: int
    token_id: int = 0


@pytest.fixture
def world(engine, seeded, actor) -> World:
    """Reference data and accounts; T1 2026 open; MS's draft (one value), MEF's declaration
    submitted, SGG's T4 2025 validated; a dated planned session with an action owned by MS
    due at the next session; a 2026 initiative of MS with one milestone."""
    ms, mef = seeded.structures["MS"], seeded.structures["MEF"]
    with transaction(engine) as db:
        db.add(SubmissionWindow(year=YEAR, quarter=QUARTER, opens_on=TODAY - timedelta(days=5),
                                closes_on=TODAY + timedelta(days=5)))
    with transaction(engine) as db:
        save_entries(db, actor("dsi-ms"), ms, YEAR, QUARTER, [EntryRow(1, "ESV_PUB", value="5")],
                     seen_version=None, today=TODAY)
    with transaction(engine) as db:
        review.save_and_submit(db, actor("dsi-mef"), mef, YEAR, QUARTER,
                               [EntryRow(1, "ESV_PUB", value="6")], seen_version=None,
                               today=TODAY)
    sgg = seeded.structures["SGG"]  # a validated quarter: the reports have something to show
    with transaction(engine) as db:
        review.save_and_submit(db, actor("admin"), sgg, YEAR - 1, 4,
                               [EntryRow(1, "ESV_PUB", value="4")], seen_version=None,
                               today=TODAY)
    with transaction(engine) as db:
        validated = _submission(db, sgg)
        review.validate(db, actor("admin"), validated.id, seen_version=validated.version)
    with transaction(engine) as db:
        earlier = Conference(number=1, year=YEAR, rank_in_year=1,
                             session_date=TODAY - timedelta(days=60))
        db.add(earlier)
        db.flush()
        item = ActionItem(conference_id=earlier.id, title="Plan de continuité",
                          owner_structure_id=ms, due_kind=DueKind.next_session)
        db.add(item)
        conference = Conference(number=2, year=YEAR, rank_in_year=2, session_date=TODAY)
        db.add(conference)
        pillar = Pillar(year=YEAR, position=1, title_fr="Gouvernance")
        db.add(pillar)
        db.flush()
        initiative = Initiative(pillar_id=pillar.id, title="Schéma directeur",
                                owner_structure_id=ms)
        db.add(initiative)
        db.flush()
        milestone = Milestone(initiative_id=initiative.id, title="Schéma validé",
                              due_date=date(YEAR, 6, 30))
        db.add(milestone)
        db.flush()
        assert conference.id is not None and item.id is not None and milestone.id is not None
        token = tokens.issue_token(db, None, seeded.users["observateur"])
        return World(ms=ms, mef=mef, users=dict(seeded.users), conference_id=conference.id,
                     action_id=item.id, milestone_id=milestone.id, token_id=token.id)


def _forged(world: World, role: Role, structure_id: int) -> Actor:
    """An actor of ``role`` answering for ``structure_id``, under a real account's id."""
    login = {Role.admin: "admin", Role.leadership: "direction", Role.dsi: "dsi-ms",
             Role.viewer: "observateur"}[role]
    code = "MS" if structure_id == world.ms else "MEF"
    return Actor(id=world.users[login], login=login, display_name=login, role=role,
                 structure_id=structure_id, structure_code=code)


def _row_counts(db: Session) -> dict[str, int]:
    return {table.name: int(db.execute(select(func.count()).select_from(table)).scalar_one())
            for table in SQLModel.metadata.sorted_tables}


def _reasons_for_every_kpi(db: Session) -> dict[str, str]:
    """A reason for each KPI left blank (the entry page's submission asks for them)."""
    from tracker.core.repository import list_kpis

    return {k.code: "Donnée non disponible" for k in list_kpis(db, active_only=True)}


def _submission(db: Session, structure_id: int) -> Submission:
    return db.execute(select(Submission).where(
        Submission.structure_id == structure_id)).scalars().one()


# --- the cases ----------------------------------------------------------------------------

Expect = Callable[[Actor, World], bool]
Call = Callable[[Callable[..., Any], Session, Actor, World], Any]


def needs(action: Action, *, for_ms: bool = False) -> Expect:
    """Allowed when ``may`` allows ``action`` (for MS when the action concerns a structure)."""
    return lambda who, w: may(who, action, w.ms if for_ms else None)


def everyone(_who: Actor, _w: World) -> bool:
    """Every signed-in role may (a read that shows each role what it may see)."""
    return True


def _period() -> Any:
    from tracker.reports.document import Period

    return Period(YEAR, QUARTER)


def _conference(db: Session, w: World) -> Conference:
    found = db.get(Conference, w.conference_id)
    assert found is not None
    return found


def _admin_preview(db: Session, w: World, code: str) -> Any:
    from tracker.results import loading

    data = f"Structure;Indicateur;Valeur\n{code};ESV_PUB;424242\n".encode()
    return loading.import_preview(db, None, data, "t1.csv", year=YEAR, quarter=QUARTER,
                                  structure_code=None, today=TODAY)


DHIS2_FILE = (b'{"dataValues": [{"dataElement": "deEsvPub001", "period": "2026Q1", '
              b'"orgUnit": "ouMinSante1", "value": "9"}]}')
MAPPING_FILE = b"type;code;uid\nkpi;ESV_PUB;deEsvPub001\nstructure;MS;ouMinSante1\n"


def _mapping_preview(db: Session) -> Any:
    from tracker.exchange.dhis2 import read_mapping_file

    preview = read_mapping_file(db, None, MAPPING_FILE, "correspondance.csv")
    assert len(preview.accepted) == 2, preview.rejected
    return preview


def _user_update(db: Session, w: World) -> Any:
    from tracker.accounts.users import UserUpdate

    user = db.get(User, w.users["observateur"])
    assert user is not None
    return UserUpdate(user_id=w.users["observateur"], version=user.version,
                      display_name="Observateur renommé", role="viewer", structure_code=None,
                      active=True)


def _conference_input(db: Session, w: World, **changes: Any) -> Any:
    from tracker.conference.sessions import ConferenceInput

    conference = _conference(db, w)
    return replace(ConferenceInput(number=conference.number, year=conference.year,
                                   rank_in_year=conference.rank_in_year,
                                   session_date=conference.session_date), **changes)


def _own_structure_home(who: Actor, _w: World) -> bool:
    return own_structure(who) is not None


def _may_pick_a_structure(who: Actor, _w: World) -> bool:
    return own_structure(who) is not None or may(who, Action.enter_for_any)


def _may_enter_or_review(who: Actor, w: World) -> bool:
    return may(who, Action.enter_results, w.ms) or may(who, Action.validate)


def _milestone_done(db: Session, w: World) -> tuple[list[Any], dict[int, int]]:
    milestone = db.get(Milestone, w.milestone_id)
    assert milestone is not None
    return ([RowChange(1, w.milestone_id, {"done_on": TODAY})],
            {w.milestone_id: milestone.version})


FOLLOW_UP_FILE = ("Session;Recommandation/Action;Type;Responsable;Échéance;Statut;Observations\r\n"
                  "2;Publier le schéma directeur;action;MS;;en cours;\r\n").encode("cp1252")


def _follow_up_preview(db: Session) -> Any:
    from tracker.conference.followup import read_followup_file

    preview = read_followup_file(db, None, FOLLOW_UP_FILE, "suivi.csv")  # type: ignore[arg-type]
    assert preview.accepted, preview.rejected
    return preview


def _follow_up_change(db: Session, w: World) -> tuple[list[Any], dict[int, int]]:
    item = db.get(ActionItem, w.action_id)
    assert item is not None
    return ([RowChange(1, w.action_id, {"progress_comment": "Marché lancé"})],
            {w.action_id: item.version})


def _forecasts_and_data(db: Session) -> tuple[Any, Any]:
    from tracker.dashboards import confidence
    from tracker.dashboards import views as dashboards

    data = (dashboards.validated_results(db), dashboards.catalogue(db),
            dashboards.targets_frame(db))
    return confidence.year_forecasts(db, *data, YEAR)[1], data


@dataclass(frozen=True)
class Case:
    expect: Expect
    call: Call


CASES: dict[str, Case] = {
    # accounts
    "tracker.accounts.auth.open_session": Case(everyone, lambda f, db, a, w: f(db, a)),
    "tracker.accounts.journal.audit_frame": Case(needs(Action.read_journal),
                                                 lambda f, db, a, w: f(db, a)),
    "tracker.accounts.users.choose_language": Case(everyone, lambda f, db, a, w: f(db, a, "en")),
    "tracker.accounts.journal.journal_frames": Case(needs(Action.read_journal),
                                                    lambda f, db, a, w: f(db, a)),
    "tracker.accounts.journal.sentences_frame": Case(needs(Action.read_journal),
                                                     lambda f, db, a, w: f(db, a)),
    "tracker.accounts.journal.filter_choices": Case(needs(Action.read_journal),
                                                    lambda f, db, a, w: f(db, a)),
    "tracker.accounts.users.create_user": Case(needs(Action.manage_users), lambda f, db, a, w: f(
        db, a, {"login": "nouveau", "display_name": "Nouveau", "role": "viewer",
                "password": STRONG})),
    "tracker.accounts.users.locked_keys": Case(needs(Action.manage_users),
                                               lambda f, db, a, w: f(db, a)),
    "tracker.accounts.users.locked_sign_ins": Case(needs(Action.manage_users),
                                                   lambda f, db, a, w: f(db, a)),
    "tracker.accounts.users.reset_password": Case(needs(Action.manage_users), lambda f, db, a, w: f(
        db, a, w.users["observateur"], STRONG)),
    "tracker.accounts.users.save_users": Case(needs(Action.manage_users),
                                              lambda f, db, a, w: f(db, a, [], {})),
    "tracker.accounts.users.unlock": Case(needs(Action.manage_users),
                                          lambda f, db, a, w: f(db, a, "dsi-ms")),
    "tracker.accounts.users.unlock_sign_in": Case(needs(Action.manage_users),
                                                  lambda f, db, a, w: f(db, a, "dsi-ms")),
    "tracker.accounts.users.update_user": Case(needs(Action.manage_users), lambda f, db, a, w: f(
        db, a, _user_update(db, w))),
    "tracker.accounts.users.users_frame": Case(needs(Action.manage_users),
                                               lambda f, db, a, w: f(db, a)),
    "tracker.accounts.tokens.issue_token": Case(needs(Action.manage_users), lambda f, db, a, w: f(
        db, a, w.users["dsi-ms"], 30)),
    "tracker.accounts.tokens.issue_token_for_login": Case(needs(Action.manage_users),
                                                          lambda f, db, a, w: f(db, a, "dsi-ms")),
    "tracker.accounts.tokens.revoke_token": Case(needs(Action.manage_users),
                                                 lambda f, db, a, w: f(db, a, w.token_id)),
    "tracker.accounts.tokens.revoke_tokens_of": Case(needs(Action.manage_users),
                                                     lambda f, db, a, w: f(db, a, "observateur")),
    "tracker.accounts.tokens.revocable_tokens": Case(needs(Action.manage_users),
                                                     lambda f, db, a, w: f(db, a)),
    "tracker.accounts.tokens.tokens_frame": Case(needs(Action.manage_users),
                                                 lambda f, db, a, w: f(db, a)),
    # the API: every role reads what the screens show it; drafts and declarations as they allow
    **{f"tracker.api.endpoints.{name}": Case(everyone, lambda f, db, a, w: f(
        db, a, Query(), TODAY)) for name in ("actions", "kpis", "roadmap", "structures",
                                             "targets")},
    "tracker.api.endpoints.results": Case(needs(Action.read_drafts, for_ms=True),
                                          lambda f, db, a, w: f(db, a, Query(
                                              include_drafts=True, structure_id=w.ms), TODAY)),
    "tracker.api.endpoints.submissions": Case(
        lambda who, w: may(who, Action.see_submissions)
        or may(who, Action.read_submission_history, w.ms),
        lambda f, db, a, w: f(db, a, Query(structure_id=w.ms), TODAY)),
    # conference
    "tracker.conference.actions.followup_frame": Case(everyone, lambda f, db, a, w: f(
        db, a, "action", Filters(), TODAY)),
    "tracker.conference.actions.save_followup": Case(
        needs(Action.update_action, for_ms=True),
        lambda f, db, a, w: f(db, a, "action", *_follow_up_change(db, w))),
    "tracker.conference.followup.read_followup_file": Case(
        needs(Action.edit_conferences),
        lambda f, db, a, w: f(db, a, FOLLOW_UP_FILE, "suivi.csv")),
    "tracker.conference.followup.apply_followup": Case(
        needs(Action.edit_conferences), lambda f, db, a, w: f(db, a, _follow_up_preview(db))),
    "tracker.conference.followup.followup_template": Case(needs(Action.edit_conferences),
                                                          lambda f, db, a, w: f(db, a)),
    "tracker.conference.kpi_links.set_kpi_links": Case(
        needs(Action.edit_conferences),
        lambda f, db, a, w: f(db, a, "action", w.action_id, ["XRD_SS"])),
    "tracker.conference.kpis.refresh_computed_kpis": Case(needs(Action.edit_conferences),
                                                          lambda f, db, a, w: f(db, a,
                                                                                today=TODAY)),
    "tracker.conference.sessions.create_conference": Case(
        needs(Action.edit_conferences), lambda f, db, a, w: f(db, a, _conference_input(
            db, w, number=3, rank_in_year=3, session_date=None))),
    "tracker.conference.sessions.resolve_next_session_dues": Case(
        needs(Action.edit_conferences), lambda f, db, a, w: f(db, a, _conference(db, w))),
    "tracker.conference.agenda.save_agenda": Case(
        needs(Action.edit_conferences), lambda f, db, a, w: f(
            db, a, w.conference_id, [RowChange(1, None, {"position": 2, "title": "Point divers"})],
            {})),
    "tracker.conference.agenda.save_proposed_agenda": Case(
        needs(Action.edit_conferences), lambda f, db, a, w: f(
            db, a, w.conference_id, [(1, "Point divers", "")], {})),
    "tracker.conference.attendance.save_attendance": Case(
        needs(Action.edit_conferences), lambda f, db, a, w: f(db, a, w.conference_id, [], {})),
    "tracker.conference.sessions.set_status": Case(
        needs(Action.edit_conferences), lambda f, db, a, w: f(
            db, a, w.conference_id, _conference(db, w).version, "held")),
    "tracker.conference.sessions.update_conference": Case(
        needs(Action.edit_conferences), lambda f, db, a, w: f(
            db, a, w.conference_id, _conference(db, w).version,
            _conference_input(db, w, place="Cotonou"))),
    # dashboards
    "tracker.dashboards.agenda_proposal.propose_agenda": Case(
        needs(Action.read_reports), lambda f, db, a, w: f(db, a, TODAY)),
    "tracker.dashboards.confidence.flagged_lines": Case(everyone, lambda f, db, a, w: f(
        db, a, YEAR, QUARTER)),
    "tracker.dashboards.confidence.rating_lines": Case(everyone, lambda f, db, a, w: f(
        db, a, YEAR, QUARTER)),
    # « Trajectoires »' cached ratings: rating_lines for this actor (cached per actor).
    "tracker.dashboards.trajectories.view_rated": Case(everyone, lambda f, db, a, w: (
        lambda forecasts, data: f(db, *data, a, YEAR, QUARTER, forecasts))(
        *_forecasts_and_data(db))),
    "tracker.dashboards.confidence.structure_forecast": Case(everyone, lambda f, db, a, w: f(
        db, a, w.ms, YEAR, QUARTER, *_forecasts_and_data(db))),
    "tracker.dashboards.home.structure_home": Case(_own_structure_home,
                                                   lambda f, db, a, w: f(db, a, TODAY)),
    "tracker.dashboards.home.missing_declarations": Case(
        lambda who, w: sees_the_national_picture(who), lambda f, db, a, w: f(db, a, TODAY)),
    "tracker.dashboards.home.overdue_overview": Case(
        lambda who, w: sees_the_national_picture(who), lambda f, db, a, w: f(db, a, TODAY)),
    # reference
    "tracker.reference.catalogue.save_kpis": Case(needs(Action.edit_reference),
                                                  lambda f, db, a, w: f(db, a, [], {})),
    "tracker.reference.catalogue.save_structures": Case(needs(Action.edit_reference),
                                                        lambda f, db, a, w: f(db, a, [], {})),
    # reports
    "tracker.reports.bilan.bilan_pdf": Case(needs(Action.read_reports), lambda f, db, a, w: f(
        db, a, _period(), lang="fr", today=TODAY)),
    "tracker.reports.brief.brief_pdf": Case(needs(Action.read_reports), lambda f, db, a, w: f(
        db, a, TODAY, lang="fr")),
    "tracker.reports.brief.gather": Case(needs(Action.read_reports), lambda f, db, a, w: f(
        db, a, TODAY)),
    "tracker.reports.fiche.fiche_pdf": Case(needs(Action.read_reports), lambda f, db, a, w: f(
        db, a, "MS", _period(), lang="fr", today=TODAY)),
    "tracker.reports.figures.load_data": Case(everyone, lambda f, db, a, w: f(
        db, a, _period(), TODAY)),
    "tracker.reports.workbook.actions_sheet": Case(everyone, lambda f, db, a, w: f(db, a, TODAY)),
    "tracker.reports.workbook.results_sheet": Case(everyone, lambda f, db, a, w: f(
        db, a, _period())),
    "tracker.reports.workbook.roadmap_sheets": Case(everyone, lambda f, db, a, w: f(
        db, a, YEAR, TODAY)),
    "tracker.reports.workbook.submissions_sheet": Case(needs(Action.see_submissions),
                                                       lambda f, db, a, w: f(
                                                           db, a, _period(), TODAY)),
    "tracker.reports.workbook.targets_sheet": Case(needs(Action.read_reports),
                                                   lambda f, db, a, w: f(db, a, _period())),
    "tracker.reports.workbook.workbook_xlsx": Case(needs(Action.read_reports),
                                                   lambda f, db, a, w: f(
                                                       db, a, _period(), lang="fr", today=TODAY)),
    # results
    "tracker.results.completeness.blank_kpis": Case(
        lambda who, w: may(who, Action.validate) or may(who, Action.read_drafts, w.mef),
        lambda f, db, a, w: f(db, a, _submission(db, w.mef).id)),
    "tracker.results.entry.ensure_submission": Case(  # T2 has no declaration yet: one is made
        _may_enter_or_review,
        lambda f, db, a, w: f(db, a, w.ms, YEAR, 2, None, check=True)),
    "tracker.results.entry.entry_sheet": Case(needs(Action.enter_results, for_ms=True),
                                              lambda f, db, a, w: f(
                                                  db, a, w.ms, YEAR, QUARTER, TODAY)),
    "tracker.results.entry.result_history": Case(needs(Action.read_drafts, for_ms=True),
                                                 lambda f, db, a, w: f(
                                                     db, a, w.ms, "ESV_PUB", YEAR, QUARTER)),
    "tracker.results.entry.save_entries": Case(
        needs(Action.enter_results, for_ms=True), lambda f, db, a, w: f(
            db, a, w.ms, YEAR, QUARTER, [EntryRow(1, "ESV_PUB", value="7")],
            seen_version=_submission(db, w.ms).version, today=TODAY)),
    "tracker.results.entry.structure_choices": Case(_may_pick_a_structure,
                                                    lambda f, db, a, w: f(db, a, TODAY)),
    "tracker.results.loading.apply_import": Case(
        needs(Action.enter_results, for_ms=True),
        lambda f, db, a, w: f(db, a, _admin_preview(db, w, "MS"))),  # today: the default
    "tracker.results.loading.import_preview": Case(everyone, lambda f, db, a, w: f(
        db, a, b"Structure;Indicateur;Valeur\nMS;ESV_PUB;8\n", "t1.csv", year=YEAR,
        quarter=QUARTER, structure_code=None, today=TODAY)),
    "tracker.results.loading.screen_preview": Case(everyone, lambda f, db, a, w: f(
        db, a, _admin_preview(db, w, "MS"), today=TODAY)),
    # open data and DHIS2
    "tracker.exchange.releases.publish": Case(needs(Action.publish_open_data),
                                              lambda f, db, a, w: f(db, a, YEAR - 1, 4)),
    "tracker.exchange.dhis2.export_quarter": Case(needs(Action.read_reports),
                                                  lambda f, db, a, w: f(db, a, YEAR - 1, 4)),
    "tracker.exchange.dhis2.read_mapping_file": Case(
        needs(Action.edit_reference), lambda f, db, a, w: f(db, a, MAPPING_FILE, "m.csv")),
    "tracker.exchange.dhis2.apply_mapping_file": Case(
        needs(Action.edit_reference), lambda f, db, a, w: f(db, a, _mapping_preview(db))),
    "tracker.exchange.dhis2.save_mapping": Case(needs(Action.edit_reference), lambda f, db, a, w: f(
        db, a, [RowChange(1, None, {"kind": "structure", "code": "MS", "part": "value",
                                    "uid": "ouMinSante1", "category_option_combo": ""})], {})),
    "tracker.exchange.dhis2.import_preview": Case(_may_pick_a_structure, lambda f, db, a, w: f(
        db, a, DHIS2_FILE, "valeurs.json", today=TODAY)),
    "tracker.exchange.dhis2.import_file": Case(_may_pick_a_structure, lambda f, db, a, w: f(
        db, a, DHIS2_FILE, "valeurs.json", today=TODAY)),
    "tracker.results.ratings.rating_sheet": Case(
        needs(Action.rate_confidence, for_ms=True),
        lambda f, db, a, w: f(db, a, w.ms, YEAR, QUARTER, "dsi", TODAY)),
    "tracker.results.ratings.ratings_frame": Case(everyone, lambda f, db, a, w: f(db, a, YEAR)),
    "tracker.results.ratings.save_ratings": Case(
        needs(Action.rate_confidence, for_ms=True),
        lambda f, db, a, w: f(db, a, w.ms, YEAR, QUARTER, "dsi", [], today=TODAY)),
    "tracker.results.ratings.save_draft_with_ratings": Case(
        needs(Action.enter_results, for_ms=True), lambda f, db, a, w: f(
            db, a, w.ms, YEAR, QUARTER, [EntryRow(1, "ESV_PUB", value="7")], [],
            seen_version=_submission(db, w.ms).version, today=TODAY)),
    "tracker.results.ratings.submit_with_ratings": Case(
        needs(Action.enter_results, for_ms=True), lambda f, db, a, w: f(
            db, a, w.ms, YEAR, QUARTER, [EntryRow(1, "ESV_PUB", value="7")], [],
            seen_version=_submission(db, w.ms).version, today=TODAY,
            reasons=_reasons_for_every_kpi(db))),
    "tracker.results.review.reopen": Case(needs(Action.validate), lambda f, db, a, w: f(
        db, a, w.mef, YEAR, QUARTER, seen_version=_submission(db, w.mef).version)),
    "tracker.results.review.return_submission": Case(needs(Action.validate), lambda f, db, a, w: f(
        db, a, _submission(db, w.mef).id, "Valeur à justifier",
        seen_version=_submission(db, w.mef).version)),
    "tracker.results.review.save_and_submit": Case(
        needs(Action.enter_results, for_ms=True), lambda f, db, a, w: f(
            db, a, w.ms, YEAR, QUARTER, [EntryRow(1, "ESV_PUB", value="7")],
            seen_version=_submission(db, w.ms).version, today=TODAY)),
    "tracker.results.review.submit": Case(needs(Action.enter_results, for_ms=True),
                                          lambda f, db, a, w: f(
                                              db, a, w.ms, YEAR, QUARTER,
                                              seen_version=_submission(db, w.ms).version,
                                              today=TODAY)),
    "tracker.results.review.validate": Case(needs(Action.validate), lambda f, db, a, w: f(
        db, a, _submission(db, w.mef).id, seen_version=_submission(db, w.mef).version)),
    "tracker.results.submissions.matrix_frame": Case(needs(Action.see_submissions),
                                                     lambda f, db, a, w: f(
                                                         db, a, [(YEAR, QUARTER)], TODAY)),
    "tracker.results.submissions.quarter_results_frame": Case(everyone, lambda f, db, a, w: f(
        db, a, YEAR, QUARTER)),
    "tracker.results.submissions.queue_frame": Case(needs(Action.validate), lambda f, db, a, w: f(
        db, a, YEAR, QUARTER, TODAY)),
    "tracker.results.submissions.review_frame": Case(needs(Action.validate), lambda f, db, a, w: f(
        db, a, _submission(db, w.mef).id)),
    "tracker.results.submissions.save_targets": Case(needs(Action.manage_windows),
                                                     lambda f, db, a, w: f(db, a, YEAR, [], {})),
    "tracker.results.submissions.set_window": Case(needs(Action.manage_windows),
                                                   lambda f, db, a, w: f(
                                                       db, a, YEAR, QUARTER, TODAY, TODAY,
                                                       seen_version=db.execute(select(
                                                           SubmissionWindow.version)).scalar_one())),
    "tracker.results.submissions.targets_frame": Case(needs(Action.read_reports),
                                                      lambda f, db, a, w: f(db, a, YEAR)),
    "tracker.results.targets.apply_targets": Case(
        needs(Action.manage_windows),
        lambda f, db, a, w: f(db, a, TargetPreview(filename="cibles.csv", year=YEAR))),
    "tracker.results.targets.read_targets_file": Case(needs(Action.manage_windows),
                                                      lambda f, db, a, w: f(
                                                          db, a, b"Indicateur;Valeur\nESV_PUB;10\n",
                                                          "cibles.csv", YEAR)),
    "tracker.results.targets.targets_template": Case(needs(Action.manage_windows),
                                                     lambda f, db, a, w: f(db, a, YEAR)),
    # roadmap
    "tracker.roadmap.editing.create_default_pillars": Case(needs(Action.edit_roadmap),
                                                           lambda f, db, a, w: f(db, a, YEAR)),
    "tracker.roadmap.editing.save_initiatives": Case(needs(Action.edit_roadmap),
                                                     lambda f, db, a, w: f(
                                                         db, a, YEAR, [], {}, TODAY)),
    "tracker.roadmap.editing.save_milestones": Case(
        needs(Action.record_milestone, for_ms=True),
        lambda f, db, a, w: f(db, a, YEAR, *_milestone_done(db, w), TODAY)),
    "tracker.roadmap.editing.save_pillars": Case(needs(Action.edit_roadmap),
                                                 lambda f, db, a, w: f(db, a, YEAR, [], {})),
    "tracker.roadmap.nextyear.copy_to_next_year": Case(needs(Action.edit_roadmap),
                                                       lambda f, db, a, w: f(
                                                           db, a, YEAR, TODAY)),
    "tracker.roadmap.review.session_review": Case(everyone, lambda f, db, a, w: f(
        db, a, w.conference_id, TODAY)),
    "tracker.roadmap.views.roadmap_view": Case(everyone, lambda f, db, a, w: f(
        db, a, YEAR, TODAY)),
}

ROLES = tuple(Role)
STRUCTURES = ("own", "other")


# --- the tests ----------------------------------------------------------------------------


def test_every_function_taking_an_actor_is_listed():
    listed = set(CASES) | set(EXCLUDED)
    found = _functions_taking_an_actor()
    unlisted = sorted(name for name in found if _listed_as(name, listed) is None)
    assert not unlisted, f"list these in CASES or EXCLUDED (with the reason): {unlisted}"
    gone = sorted(listed - {_listed_as(name, listed) for name in found})
    assert not gone, f"listed but no longer in tracker/: {gone}"
    assert not set(CASES) & set(EXCLUDED)


def _function(listed_name: str) -> Callable[..., Any]:
    listed = set(CASES) | set(EXCLUDED)
    matches = [f for name, f in _functions_taking_an_actor().items()
               if _listed_as(name, listed) == listed_name]
    assert len(matches) == 1, listed_name
    return matches[0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_role_is_allowed_or_refused_as_permissions_say_and_a_refusal_writes_nothing(
        engine, world, name):
    case, function = CASES[name], _function(name)
    wrong: list[str] = []
    for role in ROLES:
        for where in STRUCTURES:
            who = _forged(world, role, world.ms if where == "own" else world.mef)
            allowed = case.expect(who, world)
            with Session(engine, expire_on_commit=False) as db:
                db.connection(execution_options={"tracker_write": True})
                before = _row_counts(db)
                try:
                    case.call(function, db, who, world)
                except PermissionDenied:
                    db.flush()
                    if allowed:
                        wrong.append(f"{role}/{where}: refused, permissions allow it")
                    elif _row_counts(db) != before:
                        wrong.append(f"{role}/{where}: refused but wrote rows")
                except Exception as exc:  # reported with the case
                    wrong.append(f"{role}/{where}: {type(exc).__name__}: {exc}")
                else:
                    if not allowed:
                        wrong.append(f"{role}/{where}: allowed, permissions refuse it")
                finally:
                    db.rollback()
    assert not wrong, f"{name}: " + "; ".join(wrong)
