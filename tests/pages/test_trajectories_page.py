"""pages/trajectories.py: the national picture, the matrix of classes, a KPI's trajectory and
the quality scores, per role; validated data only."""

from datetime import date

import pytest

from tracker.core import repository as repo
from tracker.core.db import transaction
from tracker.core.models import Result, Submission, Target

YEAR = date.today().year
ROLES = ["admin", "direction", "dsi-ms", "observateur"]


@pytest.fixture
def history(engine, seeded):
    """ESV_NEW for MS (10 a quarter, target 60: off track) and MEF (30 a quarter, target 60
    by structure... the national target 60 applies to both) over five years and Q1–Q2 of this
    year; a draft of MEF's Q3 that must never be forecast."""
    with transaction(engine) as db:
        pub = repo.get_kpi_by_code(db, "ESV_NEW")
        for code, level in (("MS", 10.0), ("MEF", 30.0)):
            sid = seeded.structures[code]
            for year in range(YEAR - 5, YEAR + 1):
                for quarter in (1, 2, 3, 4):
                    if year == YEAR and quarter > 2:
                        continue
                    db.add(Submission(structure_id=sid, year=year, quarter=quarter,
                                      status="validated"))
                    db.add(Result(structure_id=sid, kpi_id=pub.id, year=year, quarter=quarter,
                                  value=level, status="validated"))
        db.add(Result(structure_id=seeded.structures["MEF"], kpi_id=pub.id, year=YEAR,
                      quarter=3, value=500.0, status="draft"))
        db.add(Target(kpi_id=pub.id, year=YEAR, value=60))
    return pub


@pytest.mark.parametrize("login", ROLES)
def test_trajectories_shows_classes_from_validated_results(run_page, login, history):
    at = run_page("pages/trajectories.py", login)

    assert not at.exception
    assert at.title[0].value.startswith("Trajectoires")
    matrix = at.dataframe(key="trajectories_matrix").value
    rows = list(matrix["structure"])
    assert rows[0] == "Ensemble national"
    # a DSI sees their own structure's line and the nation's, nobody else's
    assert ("MEF" in rows) == (login != "dsi-ms")
    assert "MS" in rows
    ms = matrix[matrix["structure"] == "MS"].iloc[0]
    assert ms["ESV_NEW"] == "compromis"  # 20 so far, 40 at year end, against 60
    if "MEF" in rows:  # 60 so far: met for good (a sum only grows)
        assert matrix[matrix["structure"] == "MEF"].iloc[0]["ESV_NEW"] == "atteint"


def test_choosing_a_cell_draws_its_trajectory_with_the_forecast(run_page, history):
    at = run_page("pages/trajectories.py", "direction",
                  trajectories_structure="MS", trajectories_kpi="ESV_NEW")

    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Prévision"] == "40"  # 10 a quarter, four quarters
    assert metrics["Classe"] == "compromis"
    assert metrics["Réalisé à date"] == "20"
    assert any(c.value.startswith("Valeur : droite sur 8 trimestres, pente 0") for c in at.caption)


def test_quality_league_is_for_leadership_and_a_dsi_sees_their_own_score(run_page, history):
    direction = run_page("pages/trajectories.py", "direction")
    dsi = run_page("pages/trajectories.py", "dsi-ms")

    assert any("Classement" in m.value for m in direction.markdown)
    assert not any("Classement" in m.value for m in dsi.markdown)
    assert any(m.value.startswith("Votre score") for m in dsi.metric)
    components = dsi.dataframe[-1].value
    assert list(components["component"]) == [
        "Ponctualité (25)", "Complétude (30)", "Renvois par l'ASIN (15)",
        "Corrections après validation (10)", "Valeurs signalées expliquées (20)"]
