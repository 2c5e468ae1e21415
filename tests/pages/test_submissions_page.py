"""pages/submissions.py: who has reported, structures × quarters, for the secretariat and
leadership."""

import pytest

PAGE = "pages/submissions.py"


@pytest.mark.parametrize("login", ["admin", "direction"])
def test_matrix_shows_validated_and_not_started_structures(run_page, login, validated_results):
    at = run_page(PAGE, login)
    assert not at.exception
    assert at.title[0].value == "Suivi des soumissions"
    counts = at.dataframe[1].value
    year, quarter = validated_results
    column = f"T{quarter} {year}"
    assert counts.loc["validée", column] == 2
    assert counts.loc["non commencée", column] >= 20


@pytest.mark.parametrize("login", ["dsi-ms", "observateur"])
def test_dsi_and_viewers_cannot_open_the_matrix(run_page, login):
    at = run_page(PAGE, login)
    assert [e.value for e in at.error] == ["Vous n'avez pas le droit d'effectuer cette action."]
