"""pages/overview.py, pages/ministry.py, pages/platforms.py: validated data only, for every
role; the numbers shown are the aggregation rules' numbers."""

import pytest

ROLES = ["admin", "direction", "dsi-ms", "observateur"]


@pytest.mark.parametrize("login", ROLES)
def test_overview_shows_national_figures_from_validated_results(run_page, login,
                                                               validated_results):
    at = run_page("pages/overview.py", login)
    assert not at.exception
    metrics = {m.label.split(" — ")[0]: m.value for m in at.metric}
    assert metrics["ESV_PUB"] == "40"  # 10 + 30
    assert metrics["ESV_DEMAT"] == "50\u202f%"  # (5 + 15) / (10 + 30), not the mean of rates
    assert any("2/" in c.value for c in at.caption if c.value.startswith("Cible"))


def test_overview_without_validated_data_says_so(run_page, seeded):
    at = run_page("pages/overview.py", "direction")
    assert [i.value for i in at.info] == ["Aucune donnée validée pour l'instant."]


def test_drafts_never_reach_the_dashboards(run_page, validated_results, engine, seeded):
    from sqlmodel import select

    from tracker.core.db import transaction
    from tracker.core.models import Result

    with transaction(engine) as db:
        for row in db.exec(select(Result).where(Result.structure_id
                                                == seeded.structures["MEF"])):
            row.status = "draft"
            db.add(row)
    at = run_page("pages/overview.py", "direction")
    metrics = {m.label.split(" — ")[0]: m.value for m in at.metric}
    assert metrics["ESV_PUB"] == "10"


@pytest.mark.parametrize("login", ROLES)
def test_ministry_profile_lands_a_dsi_on_their_structure(run_page, login, validated_results,
                                                        seeded):
    at = run_page("pages/ministry.py", login)
    assert not at.exception
    assert at.title[0].value == "Fiche ministère"
    if login == "dsi-ms":
        assert at.selectbox(key="ministry_structure").value == seeded.structures["MS"]


@pytest.mark.parametrize("login", ROLES)
def test_platforms_page_lists_stage_definitions(run_page, login, validated_results):
    at = run_page("pages/platforms.py", login)
    assert not at.exception
    assert any("Interopérabilité X-Road" in m.value for m in at.markdown)


def test_ministry_profile_names_its_kpis_and_states_the_provisional_rule(run_page,
                                                                         validated_results,
                                                                         seeded):
    """The yearly table reads KPI names, not codes; the trend's caption states the rule of a
    provisional quarter, and the quarter whose window is still open today is flagged so."""
    at = run_page("pages/ministry.py", "direction",
                  ministry_from_overview=seeded.structures["MS"])
    assert not at.exception
    summary = next(df.value for df in at.dataframe if "light" in df.value.columns)
    assert "ESV_PUB" not in set(summary["kpi"])
    assert "Taux de dématérialisation complète (demande à délivrance)" in set(summary["kpi"])
    assert any("Un trimestre est provisoire tant que" in c.value for c in at.caption)
    at.toggle(key="ministry_trend_data").set_value(True).run()
    trend = next(df.value for df in at.dataframe if "provisional" in df.value.columns)
    assert trend["provisional"].astype(bool).iloc[-1]  # its window is open today
