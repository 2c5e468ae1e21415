"""Confidence ratings on the pages (issue 18): the DSI's table « Niveau de confiance » on the
entry page, ASIN's rating on the validation page, the ratings and the flagged lines on
« Trajectoires » per role, the section « Trajectoires et prévisions » of « Fiche ministère »."""

from datetime import date

import pytest
from sqlmodel import select

from tracker.core import repository as repo
from tracker.core.db import reading, transaction
from tracker.core.models import ConfidenceRating, Result, Submission, Target
from tracker.results import ratings as rt
from tracker.results import review
from tracker.results.entry import EntryRow

NO_EDITS = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}
YEAR = date.today().year


def _ratings_key(at, prefix):
    return next(w.key for w in at.data_editor if w.key and w.key.startswith(prefix))


def _stored(engine):
    with reading(engine) as db:
        return {(r.source, r.level, r.reason) for r in db.exec(select(ConfidenceRating))}


@pytest.fixture
def key_targets(engine, seeded, open_quarter):
    """Yearly targets of the open year for ESV_DEMAT and SEC_MFA: MS's two key KPIs."""
    year, _ = open_quarter
    with transaction(engine) as db:
        for code, value in (("ESV_DEMAT", 60.0), ("SEC_MFA", 90.0)):
            db.add(Target(kpi_id=repo.get_kpi_by_code(db, code).id, year=year, value=value))
    return open_quarter


# --- entry ----------------------------------------------------------------------------------


def test_the_dsi_rates_key_kpis_and_a_bad_level_needs_a_reason(run_page, key_targets, engine):
    at = run_page("pages/results_entry.py", "dsi-ms")
    assert not at.exception
    assert "Niveau de confiance" in [s.value for s in at.subheader]
    key = _ratings_key(at, "entry_ratings_")
    assert list(at.data_editor(key=key).value["code"]) == ["ESV_DEMAT", "SEC_MFA"]
    assert any("ESV_DEMAT" in w.value and "SEC_MFA" in w.value for w in at.warning)

    at.session_state[key] = {**NO_EDITS, "edited_rows": {0: {"level": "difficultés sérieuses"}}}
    at.button(key="entry_save").click().run()
    assert any("raison est obligatoire" in str(df.value) for df in at.dataframe) or at.error
    assert _stored(engine) == set()

    key = _ratings_key(at, "entry_ratings_")
    at.session_state[key] = {**NO_EDITS, "edited_rows": {
        0: {"level": "difficultés sérieuses", "reason": "Budget gelé"}}}
    at.button(key="entry_save").click().run()
    assert not at.exception and not at.error
    assert _stored(engine) == {("dsi", "serious", "Budget gelé")}


def test_submitting_with_a_key_kpi_unrated_warns_and_submits(run_page, key_targets, engine):
    at = run_page("pages/results_entry.py", "dsi-ms")
    key = _ratings_key(at, "entry_ratings_")
    at.session_state[key] = {**NO_EDITS, "edited_rows": {0: {"level": "en bonne voie"}}}
    reasons = _ratings_key(at, "entry_reasons_")  # every KPI is blank: each gets a reason
    at.session_state[reasons] = {**NO_EDITS, "edited_rows": {
        i: {"reason": "Donnée non disponible"}
        for i in range(len(at.data_editor(key=reasons).value))}}
    at.checkbox(key="entry_confirm").check().run()
    assert any("SEC_MFA" in w.value and "ESV_DEMAT" not in w.value for w in at.warning)
    at.button(key="entry_submit").click().run()
    assert not at.exception
    with reading(engine) as db:
        assert db.exec(select(Submission)).one().status == "submitted"
    assert _stored(engine) == {("dsi", "on_track", "")}
    assert any("Déclaration soumise" in s.value and "SEC_MFA" in s.value for s in at.success)
    key = _ratings_key(at, "entry_ratings_")
    assert at.data_editor(key=key).disabled  # frozen with the submission


# --- validation -----------------------------------------------------------------------------


@pytest.fixture
def rated_submission(engine, seeded, key_targets, actor):
    year, quarter = key_targets
    ms = seeded.structures["MS"]
    with transaction(engine) as db:
        rt.submit_with_ratings(db, actor("dsi-ms"), ms, year, quarter,
                               [EntryRow(1, "ESV_PUB", value="12")],
                               [rt.RatingRow(1, "ESV_DEMAT", "serious", "Prestataire défaillant"),
                                rt.RatingRow(2, "SEC_MFA", "on_track")],
                               seen_version=None, today=date.today(), reasons={
                                   k.code: "Donnée non disponible"
                                   for k in repo.list_kpis(db, active_only=True)})
    return ms


def _pick(at, structure_id):
    return at.selectbox(key="validation_pick").set_value(structure_id)


def test_the_validator_sees_the_dsi_reason_and_gives_asin_s_rating(run_page, rated_submission,
                                                                   engine):
    at = run_page("pages/validation.py", "admin")
    _pick(at, rated_submission).run()
    assert not at.exception
    key = _ratings_key(at, "validation_ratings_")
    shown = at.data_editor(key=key).value
    assert list(shown["other_reason"]) == ["Prestataire défaillant", ""]
    assert list(shown["other_level"]) == ["difficultés sérieuses", "en bonne voie"]
    assert not at.warning
    at.session_state[key] = {**NO_EDITS, "edited_rows": {
        0: {"level": "hors d'atteinte", "reason": "Aucun crédit"},
        1: {"level": "difficultés sérieuses", "reason": "MFA non déployé"}}}
    at.button(key="validation_ratings_save").click().run()
    assert not at.exception and not at.error
    assert ("asin", "out_of_reach", "Aucun crédit") in _stored(engine)
    assert "2 niveaux de confiance enregistrés." in [s.value for s in at.success]
    # the DSI said « en bonne voie » for SEC_MFA, ASIN « difficultés sérieuses »: flagged
    assert [w.value for w in at.warning if "signalé" in w.value] == [
        "Comptes à privilèges protégés par MFA : signalé pour la prochaine session "
        "(le DSI, l'ASIN et la prévision, « — », divergent d'au moins deux niveaux)."]


# --- trajectories ---------------------------------------------------------------------------


@pytest.fixture
def rated_history(engine, seeded, actor):
    """ESV_NEW for MS (10 a quarter: « compromis » against 60) and MEF (30: « atteint ») over
    five years and Q1–Q2 of this year. MS's Q2 ratings: the DSI « en bonne voie » with a reason,
    ASIN « difficultés sérieuses »: flagged against the forecast. MEF's Q2 is only submitted:
    its rating is not shown to readers."""
    with transaction(engine) as db:
        new = repo.get_kpi_by_code(db, "ESV_NEW")
        for code, level in (("MS", 10.0), ("MEF", 30.0)):
            sid = seeded.structures[code]
            for year in range(YEAR - 5, YEAR + 1):
                for quarter in (1, 2, 3, 4):
                    if year == YEAR and quarter > 2:
                        continue
                    status = "submitted" if (code, year, quarter) == ("MEF", YEAR, 2) \
                        else "validated"
                    db.add(Submission(structure_id=sid, year=year, quarter=quarter,
                                      status=status))
                    db.add(Result(structure_id=sid, kpi_id=new.id, year=year, quarter=quarter,
                                  value=level, status="validated"))
        db.add(Target(kpi_id=new.id, year=YEAR, value=60))
        db.flush()
        for code, source, level, reason in (
                ("MS", "dsi", "on_track", "Campagne de numérisation lancée en juin"),
                ("MS", "asin", "serious", "Rythme insuffisant"),
                ("MEF", "dsi", "manageable", "Raison encore brouillon")):
            db.add(ConfidenceRating(structure_id=seeded.structures[code], year=YEAR, quarter=2,
                                    kpi_id=new.id, source=source, level=level, reason=reason,
                                    author_id=seeded.users["admin" if source == "asin" else
                                                           f"dsi-{code.lower()}"]))
    return new


def _frame(at, column):
    """The table showing ``column`` (a read-only table's key is not kept by AppTest)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def _texts(at):
    return [m.value for m in at.markdown] + [w.value for w in at.warning] + \
        [c.value for c in at.caption] + [i.value for i in at.info]


@pytest.mark.parametrize("login", ["admin", "direction", "dsi-ms", "observateur"])
def test_the_cell_shows_the_ratings_and_the_flagged_lines(run_page, rated_history, login):
    at = run_page("pages/trajectories.py", login, trajectories_structure="MS",
                  trajectories_kpi="ESV_NEW")
    assert not at.exception
    texts = " ".join(_texts(at))
    assert "Campagne de numérisation lancée en juin" in texts
    assert "difficultés sérieuses" in texts and "Signalé pour la prochaine session" in texts
    assert "Points signalés pour la prochaine session" in [s.value for s in at.subheader]
    flagged = _frame(at, "dsi")
    assert list(flagged["structure"]) == ["Ministère de la Santé (MS)"]
    assert flagged.iloc[0]["kpi"] == "Nouveaux e-services mis en ligne"  # the name, no code


@pytest.mark.parametrize(("login", "sees"), [("admin", True), ("direction", False),
                                             ("observateur", False), ("dsi-ms", False)])
def test_ratings_of_an_unvalidated_quarter_are_not_shown_to_readers(run_page, rated_history,
                                                                    login, sees):
    at = run_page("pages/trajectories.py", login, trajectories_structure="Ensemble national",
                  trajectories_kpi="ESV_NEW")
    if login != "dsi-ms":
        at.selectbox(key="trajectories_structure").select("MEF").run()
    assert not at.exception
    assert ("Raison encore brouillon" in " ".join(_texts(at))) is sees


# --- fiche ministère ------------------------------------------------------------------------


def test_the_fiche_has_the_structure_s_trajectories_and_forecasts(run_page, rated_history,
                                                                  seeded):
    at = run_page("pages/ministry.py", "direction", ministry_structure=seeded.structures["MS"])
    assert not at.exception
    assert "Trajectoires et prévisions" in [s.value for s in at.subheader]
    section = _frame(at, "forecast_value")
    line = section.iloc[0]
    assert line["kpi"] == "Nouveaux e-services mis en ligne"  # the name, no code
    assert (line["actual_to_date"], line["forecast_value"], line["target"]) == ("20", "40", "60")
    assert line["class"] == "compromis" and line["flag"] == "à discuter"
    ratings = _frame(at, "dsi").iloc[0]  # the ratings' long texts in a table of their own
    assert ratings["kpi"] == line["kpi"]
    assert ratings["dsi"] == "en bonne voie\u00a0: Campagne de numérisation lancée en juin"
    assert any("1 indicateur signalé" in w.value for w in at.warning)


def test_review_submit_keeps_working_without_ratings(engine, seeded, key_targets, actor):
    """Submitting through the old path (no ratings at all) is not refused."""
    year, quarter = key_targets
    with transaction(engine) as db:
        review.save_and_submit(db, actor("dsi-ms"), seeded.structures["MS"], year, quarter,
                               [EntryRow(1, "ESV_PUB", value="3")], seen_version=None,
                               today=date.today())
    assert _stored(engine) == set()
