"""Who may do what: the one answer to every « may this user … » question.

The roles, as the conference works:

- **admin**, ASIN's secretariat: everything, for every structure.
- **leadership**, ASIN's direction: reads everything that is validated, the submissions matrix,
  the reports and who did what; publishes validated quarters as open data; writes nothing else.
- **dsi**, a ministry's IT director: reads what is validated, and their own structure's drafts;
  enters, imports and submits their own structure's results and rates their confidence in
  its key KPIs; updates their own structure's actions and roadmap milestones; nothing of
  another structure.
- **viewer**: reads what is validated, nothing else.

Services call ``require`` (or ``may``) with the structure concerned; pages read the same answers
(or a service's view built from them) and never compare a role themselves. The command line,
which acts as the installation's operator, has no actor (``None``) and may do everything.
"""

from __future__ import annotations

from enum import StrEnum

from tracker.accounts.auth import Actor
from tracker.core.errors import PermissionDenied
from tracker.core.i18n import t
from tracker.core.models import Role


class Action(StrEnum):
    """What an actor may ask to do; ``OWN`` actions concern one structure."""

    # results
    read_drafts = "read_drafts"  # OWN: a structure's results before validation
    enter_results = "enter_results"  # OWN: enter, import, submit a structure's quarter
    enter_for_any = "enter_for_any"  # pick any structure on the entry page
    validate = "validate"  # validate, return, reopen a declaration; ASIN's confidence rating
    rate_confidence = "rate_confidence"  # OWN: the DSI's confidence rating of the key KPIs
    see_submissions = "see_submissions"  # the structures × quarters matrix
    manage_windows = "manage_windows"  # entry windows and targets
    # reference data and accounts
    edit_reference = "edit_reference"
    manage_users = "manage_users"
    read_journal = "read_journal"
    # conference
    edit_conferences = "edit_conferences"  # sessions, agenda, attendance, minutes, follow-up
    update_action = "update_action"  # OWN: an action item owned by the structure
    # roadmap
    edit_roadmap = "edit_roadmap"  # pillars, initiatives, all milestones, next-year copy
    record_milestone = "record_milestone"  # OWN: a milestone of the structure's initiatives
    see_who = "see_who"  # who changed what, in the session review
    # dashboards and reports
    read_reports = "read_reports"  # bilan, fiche, workbook
    read_submission_history = "read_submission_history"  # OWN: a structure's submissions
    compare_structures = "compare_structures"  # every structure's quality score side by side
    publish_open_data = "publish_open_data"  # publish a quarter or a year as open data


# Actions each role may take for every structure.
_EVERYWHERE: dict[Role, frozenset[Action]] = {
    Role.admin: frozenset(Action),
    Role.leadership: frozenset({Action.see_submissions, Action.see_who, Action.read_reports,
                                Action.read_submission_history, Action.compare_structures,
                                Action.publish_open_data}),
    Role.dsi: frozenset(),
    Role.viewer: frozenset(),
}
# Actions a DSI may take for their own structure only.
_OWN_STRUCTURE = frozenset({Action.read_drafts, Action.enter_results, Action.update_action,
                            Action.record_milestone, Action.read_submission_history,
                            Action.rate_confidence})


def may(actor: Actor | None, action: Action, structure_id: int | None = None) -> bool:
    """True when ``actor`` may take ``action`` (for ``structure_id`` when it concerns one)."""
    if actor is None:
        return True
    if action in _EVERYWHERE[actor.role]:
        return True
    return (actor.role == Role.dsi and action in _OWN_STRUCTURE and structure_id is not None
            and structure_id == actor.structure_id)


def require(actor: Actor | None, action: Action, structure_id: int | None = None) -> None:
    """Refuse, with the usual message, what ``may`` does not allow."""
    if not may(actor, action, structure_id):
        raise PermissionDenied(t("common.permission"), action=action.value,
                               structure_id=structure_id)


def own_structure(actor: Actor | None) -> int | None:
    """The structure an actor answers for (a DSI's own), None for ASIN and readers."""
    if actor is None or actor.role != Role.dsi:
        return None
    return actor.structure_id


def reads_drafts_anywhere(actor: Actor | None) -> bool:
    """True for whoever reads every structure's drafts (the secretariat, the command line)."""
    return may(actor, Action.read_drafts, None)


def writes_for_own_structure_only(actor: Actor | None) -> bool:
    """True for a DSI: what they may change is limited to their own structure."""
    return own_structure(actor) is not None


def audience(actor: Actor | None) -> str:
    """Which help texts a page shows: ``admin``, ``dsi`` (acts for one structure) or
    ``reader`` (leadership and viewers)."""
    if may(actor, Action.edit_conferences):
        return "admin"
    return "dsi" if writes_for_own_structure_only(actor) else "reader"


def sees_the_national_picture(actor: Actor) -> bool:
    """Whose home page is the national one: everyone but a DSI of a structure."""
    return not writes_for_own_structure_only(actor)
