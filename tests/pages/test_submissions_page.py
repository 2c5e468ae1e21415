"""pages/submissions.py: who has reported, structures × quarters, for the secretariat and
leadership."""

import pytest

PAGE = "pages/submissions.py"


@pytest.mark.parametrize("login", ["admin", "direction"])
def test_matrix_shows_validated_and_not_started_structures(run_page, login, validated_results):
    at = run_page(PAGE, login)
    assert not at.exception
    assert at.title[0].value == "Suivi des soumissions"
    counts = at.dataframe[2].value  # after the matrix and its legend
    year, quarter = validated_results
    column = f"T{quarter} {year}"
    assert counts.loc["validée", column] == 2
    assert counts.loc["non commencée", column] >= 20


@pytest.mark.parametrize("login", ["dsi-ms", "observateur"])
def test_dsi_and_viewers_cannot_open_the_matrix(run_page, login):
    at = run_page(PAGE, login)
    assert [e.value for e in at.error] == ["Vous n'avez pas le droit d'effectuer cette action."]


def test_the_matrix_names_structures_and_filters_by_the_latest_quarters_state(run_page,
                                                                             validated_results):
    at = run_page(PAGE, "direction")
    matrix = at.dataframe[0].value
    assert matrix.index.name == "Structure"
    assert "Ministère de la Santé" in matrix.index
    everything = len(matrix)
    assert not any("⬜" in str(v) or "✅" in str(v) for v in matrix.to_numpy().ravel())

    at.selectbox(key="submissions_state").select("validated").run()

    assert not at.exception
    validated = at.dataframe[0].value
    assert len(validated) == 2 < everything
    assert set(validated.index) == {"Ministère de la Santé",
                               "Ministère d'État chargé de l'Économie et des Finances"}
    year, quarter = validated_results
    assert any(c.value == f"2 structures sur {everything} (T{quarter} {year})." for c in at.caption)
