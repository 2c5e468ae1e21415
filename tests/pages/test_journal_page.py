"""pages/journal.py: the secretariat reads the audit log and filters it; nobody else sees it."""

import re

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


def test_admin_reads_the_whole_log_as_sentences(run_page, renamed_by_admin):
    at = run_page(PAGE, "admin")

    assert not at.exception
    assert [title.value for title in at.title] == ["Journal des modifications"]
    log = _log(at)
    assert list(log.columns) == ["when", "who", "what", "detail"]
    rename = log[log["what"] == "a modifié la structure « MS »"].to_dict("records")
    assert len(rename) == 1
    assert rename[0]["who"] != "admin"  # the person's name, not the login
    assert rename[0]["detail"].endswith(": Ministère de la Santé → Ministère de la Santé publique")
    assert "name_fr" not in rename[0]["detail"]
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", rename[0]["when"])
    assert "Le système" in set(log["who"])
    # The raw events stay behind the expander, and in the download.
    raw = at.dataframe[1].value
    assert [(r["action"], r["object_label"], r["field"], r["old_value"], r["new_value"])
            for r in raw[raw["user_login"] == "admin"].to_dict("records")] == [
        ("modification", "MS", "name_fr", "Ministère de la Santé",
         "Ministère de la Santé publique")]


def test_journal_filters_by_user(run_page, renamed_by_admin):
    at = run_page(PAGE, "admin")
    everything = len(_log(at))

    at.selectbox(key="journal_user").select("admin").run()

    assert not at.exception
    log = _log(at)
    assert list(log["what"]) == ["a modifié la structure « MS »"]
    assert len(log) == 1 < everything
    assert "1 modification (2 000 événements au plus lus)." in [c.value for c in at.caption]


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
