"""pages/journal.py: the secretariat reads the audit log and filters it; nobody else sees it."""

import pytest
from sqlmodel import Session

from tracker.core.db import transaction
from tracker.core.tables import diff_frames
from tracker.reference import catalogue as reference

PAGE = "pages/journal.py"


@pytest.fixture
def renamed_by_admin(engine, seeded, actor):
    """One change by "admin" on top of the "system" events of the seeded accounts."""
    with Session(engine) as db:
        frame = reference.structures_frame(db)
    edited = frame.copy()
    edited.loc[seeded.structures["MS"], "name_fr"] = "Ministère de la Santé publique"
    with transaction(engine) as db:
        reference.save_structures(db, actor("admin"), diff_frames(
            frame, edited, reference.STRUCTURE_COLUMNS), frame["version"].to_dict())


def _log(at):
    return at.dataframe[0].value


def test_admin_reads_the_whole_log(run_page, renamed_by_admin):
    at = run_page(PAGE, "admin")

    assert not at.exception
    assert [title.value for title in at.title] == ["Journal des modifications"]
    log = _log(at)
    assert set(log["user_login"]) == {"admin", "system"}
    rename = log[log["user_login"] == "admin"].to_dict("records")
    assert [(r["action"], r["object_label"], r["field"], r["old_value"], r["new_value"])
            for r in rename] == [("modification", "MS", "name_fr", "Ministère de la Santé",
                                  "Ministère de la Santé publique")]


def test_journal_filters_by_user(run_page, renamed_by_admin):
    at = run_page(PAGE, "admin")
    everything = len(_log(at))

    at.selectbox(key="journal_user").select("admin").run()

    assert not at.exception
    log = _log(at)
    assert set(log["user_login"]) == {"admin"}
    assert len(log) == 1 < everything
    assert "1 événement(s) (2 000 au plus affichés)." in [c.value for c in at.caption]


def test_journal_filter_with_no_match_says_so(run_page, renamed_by_admin):
    at = run_page(PAGE, "admin")
    at.selectbox(key="journal_user").select("admin")
    at.selectbox(key="journal_object").select("User").run()

    assert [info.value for info in at.info] == [
        "Aucune modification ne correspond à ces filtres."]
    assert not at.dataframe


@pytest.mark.parametrize("login", ["direction", "dsi-ms", "observateur"])
def test_other_roles_get_the_permission_error_and_no_log(run_page, renamed_by_admin, login):
    at = run_page(PAGE, login)

    assert not at.exception
    assert [error.value for error in at.error] == [
        "Vous n'avez pas le droit d'effectuer cette action."]
    assert not at.dataframe
    assert not at.selectbox
