"""« Effet des recommandations »: the comparison's figures on a small data set with known
averages, the groups read from the follow-up, validated results only."""

from datetime import date

import pandas as pd
import pytest

from tracker.conference import kpi_links
from tracker.core import repository as repo
from tracker.core.db import reading, transaction
from tracker.core.models import (
    ActionItem,
    Conference,
    Recommendation,
    Result,
)
from tracker.dashboards import charts, effects


def test_the_comparison_averages_each_group_before_and_after_the_session_quarter():
    # Session in 2025 T2: before = 2024 T2 .. 2025 T1, after = 2025 T3 .. 2026 T2.
    rows = [
        ("MS", 2024, 4, 10.0), ("MS", 2025, 1, 20.0), ("MS", 2025, 2, 99.0),
        ("MS", 2025, 3, 40.0), ("MS", 2025, 4, 50.0),
        ("MEF", 2025, 1, 30.0), ("MEF", 2025, 3, 60.0),
        ("MISP", 2024, 1, 500.0),  # five quarters before: outside the window
        ("MISP", 2025, 1, 5.0), ("MISP", 2026, 1, 7.0), ("MISP", 2026, 3, 900.0),
        ("MTFP", 2025, 4, None),  # a missing value is not a zero
    ]
    values = pd.DataFrame(rows, columns=["code", "year", "quarter", "value"])
    out = effects.compare_groups(values, {"MS", "MEF"}, (2025, 2))
    got = {(r.group, r.period): (r.average, r.structures, r.values)
           for r in out.itertuples(index=False)}
    assert got == {("done", "before"): (20.0, 2, 3), ("done", "after"): (50.0, 2, 3),
                   ("others", "before"): (5.0, 1, 1), ("others", "after"): (7.0, 1, 1)}


def test_a_group_without_values_has_no_average_rather_than_zero():
    values = pd.DataFrame([("MS", 2025, 1, 3.0)], columns=["code", "year", "quarter", "value"])
    out = effects.compare_groups(values, set(), (2025, 2))
    done_before = out[(out["group"] == "done") & (out["period"] == "before")].iloc[0]
    assert pd.isna(done_before["average"]) and done_before["structures"] == 0
    shown = effects.comparison_display(out, "count")
    assert shown.iloc[0].tolist() == ["Ont mis en œuvre la recommandation", "—",
                                      "0 structure, 0 valeur", "—", "0 structure, 0 valeur"]
    assert shown.iloc[1]["Moyenne avant"] == "3"


@pytest.fixture
def story(engine, seeded, actor):
    """Session of 10/04/2025 (T2); a recommendation to all of MS, MEF, MISP tied to ESV_PUB; MS
    did it, MEF did it through an action item, MISP did not; MTFP's value is a draft."""
    s = seeded.structures
    with transaction(engine) as session:
        conference = Conference(number=17, year=2025, rank_in_year=1,
                                session_date=date(2025, 4, 10), status="closed")
        session.add(conference)
        session.flush()
        recos = [Recommendation(conference_id=conference.id, number="R1", group_ref="S17-R1",
                                text="Publier davantage d'e-services",
                                owner_structure_id=s[code], status=status)
                 for code, status in (("MS", "done"), ("MEF", "in_progress"),
                                      ("MISP", "not_started"))]
        session.add_all(recos)
        session.flush()
        session.add(ActionItem(conference_id=conference.id, recommendation_id=recos[1].id,
                               number="A1", title="Publier trois e-services",
                               owner_structure_id=s["MEF"], status="done"))
        kpi = repo.get_kpi_by_code(session, "ESV_PUB")
        for code, year, quarter, value, status in (
                ("MS", 2025, 1, 4, "validated"), ("MS", 2025, 3, 10, "validated"),
                ("MEF", 2025, 1, 6, "validated"), ("MEF", 2025, 3, 12, "validated"),
                ("MISP", 2025, 1, 3, "validated"), ("MISP", 2025, 3, 3, "validated"),
                ("MTFP", 2025, 3, 1000, "submitted")):
            session.add(Result(structure_id=s[code], kpi_id=kpi.id, year=year, quarter=quarter,
                               value=value, status=status))
        session.flush()
        kpi_links.set_kpi_links(session, actor("admin"), "recommendation", recos[0].id,
                                ["ESV_PUB"])
        return recos[0].id


def test_the_effect_of_a_recommendation_compares_who_did_it_with_the_others(engine, story):
    with reading(engine) as session:
        choices = effects.recommendation_choices(session)
        assert list(choices) == [story]
        assert choices[story].startswith("17e conférence (1re session 2025) — R1 · Publier")
        assert effects.kpi_options(session, story) == ["ESV_PUB"]
        effect = effects.effect_of(session, story, "ESV_PUB")
    assert effect.done_codes == ("MEF", "MS")
    got = {(r.group, r.period): (r.average, r.structures, r.values)
           for r in effect.comparison.itertuples(index=False)}
    assert got == {("done", "before"): (5.0, 2, 2), ("done", "after"): (11.0, 2, 2),
                   ("others", "before"): (3.0, 1, 1), ("others", "after"): (3.0, 1, 1)}
    assert effect.series["value"].max() == 11.0  # the draft 1000 of MTFP is never read
    figure = charts.effect_chart(effect.series, effect.session_day, effect.session,
                                 effect.kpi_label, effect.unit,
                                 {"done": "Ont mis en œuvre", "others": "Autres"})
    assert "Nombre d'e-services en production" in figure.layout.title.text
    assert [trace.name for trace in figure.data] == ["Ont mis en œuvre", "Autres"]
    assert figure.layout.shapes[0].x0 == pd.Timestamp(2025, 4, 10)


def test_the_page_opens_on_a_recommendation_with_quarters_after_it(engine, story, seeded,
                                                                     actor):
    with transaction(engine) as session:
        later = Conference(number=18, year=2025, rank_in_year=2, session_date=date(2025, 10, 1),
                           status="closed")
        session.add(later)
        session.flush()
        reco = Recommendation(conference_id=later.id, number="R1", text="Former les agents",
                              owner_structure_id=seeded.structures["MS"])
        session.add(reco)
        session.flush()
        kpi_links.set_kpi_links(session, actor("admin"), "recommendation", reco.id,
                                ["FRM_AGENTS"])
    with reading(engine) as session:
        choices = effects.recommendation_choices(session)
        assert list(choices) == [reco.id, story]  # newest first
        # Both adopted two quarters ago or more: the one some structure implemented.
        assert effects.default_choice(session, choices, date(2026, 6, 1)) == story
        # Too recent to compare: the newest.
        assert effects.default_choice(session, choices, date(2025, 5, 1)) == reco.id
        assert effects.default_choice(session, {}, date(2025, 12, 1)) is None


def test_the_page_cache_key_moves_when_a_kpi_is_tied_to_a_recommendation(engine, story, actor):
    """« Effet des recommandations » reads its choices and its effect once per
    ``effects_revision``: a KPI tied to a recommendation gives a new one."""
    def revision():
        with reading(engine) as session:
            return effects.effects_revision(session)

    before = revision()
    assert revision() == before
    with transaction(engine) as session:
        kpi_links.set_kpi_links(session, actor("admin"), "recommendation", story,
                                ["ESV_PUB", "ESV_DEMAT"])
    assert revision() != before
