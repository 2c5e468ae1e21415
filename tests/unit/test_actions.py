"""Follow-up of actions: who may change what, stale saves, overdue, age, escalation, CDSI_RECO."""

from dataclasses import replace
from datetime import date

import pytest
from sqlmodel import select

from tracker.conference import actions
from tracker.conference import charts as charts_actions
from tracker.core import repository as repo
from tracker.core.db import reading, transaction
from tracker.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from tracker.core.models import (
    ActionItem,
    AuditEvent,
    Conference,
    Recommendation,
    Role,
)
from tracker.core.repository import initiative_labels as roadmap_labels
from tracker.core.tables import RowChange

TODAY = date(2025, 11, 20)


@pytest.fixture(autouse=True)
def data(engine, seeded):
    """Three sessions of 2025 (the 17e closed), three actions and two recommendations."""
    codes = seeded.structures
    with transaction(engine) as session:
        sessions = [Conference(number=n, year=2025, rank_in_year=n - 16,
                               session_date=date(2025, 3 * (n - 16), 10),
                               status="closed" if n == 17 else "held")
                    for n in (17, 18, 19)]
        session.add_all(sessions)
        session.flush()
        session.add_all([
            ActionItem(conference_id=sessions[0].id, number="A1", title="Raccorder X-Road",
                       owner_structure_id=codes["MS"], due_date=date(2025, 6, 30),
                       status="in_progress", topic="xroad"),
            ActionItem(conference_id=sessions[0].id, number="A2", title="Budget PKI",
                       owner_structure_id=codes["MEF"], due_date=date(2025, 12, 31),
                       status="not_started", topic="pki"),
            ActionItem(conference_id=sessions[1].id, number="A1", title="Former les agents",
                       owner_structure_id=codes["MS"], due_date=date(2025, 1, 31),
                       status="done", topic="training"),
            Recommendation(conference_id=sessions[0].id, number="R1", text="Publier",
                           owner_structure_id=codes["MS"], due_date=date(2025, 5, 31),
                           status="done"),
            Recommendation(conference_id=sessions[0].id, number="R2", text="Certifier",
                           owner_structure_id=codes["MS"], due_date=date(2025, 9, 30)),
        ])


def item(engine, title) -> ActionItem:
    with reading(engine) as session:
        return session.exec(select(ActionItem).where(ActionItem.title == title)).one()


def events(engine, object_id, object_type="ActionItem"):
    with reading(engine) as session:
        return session.exec(select(AuditEvent).where(AuditEvent.object_type == object_type,
                                                     AuditEvent.object_id == object_id)).all()


def save(engine, who, rows, kind=actions.ACTION):
    """rows: list of (item, {column: value}); the version is the one read before."""
    changes = [RowChange(i, row.id, values) for i, (row, values) in enumerate(rows, start=1)]
    versions = {row.id: row.version for row, _ in rows}
    with transaction(engine) as session:
        return actions.save_followup(session, who, kind, changes, versions)


def frame(engine, who, **filters):
    with reading(engine) as session:
        return actions.followup_frame(session, who, actions.ACTION,
                                      actions.Filters(**filters), TODAY)


def test_dsi_updates_status_comment_and_blocker_of_own_action_and_it_is_audited(engine, actor):
    a1 = item(engine, "Raccorder X-Road")
    written = save(engine, actor("dsi-ms"), [(a1, {
        "status": "blocked", "progress_comment": "Serveur commandé", "blocker": "Budget gelé"})])
    assert written == 1
    after = item(engine, "Raccorder X-Road")
    assert (after.status, after.progress_comment, after.blocker) == (
        "blocked", "Serveur commandé", "Budget gelé")
    assert after.version == a1.version + 1
    fields = {e.field: (e.old_value, e.new_value, e.user_login) for e in events(engine, a1.id)}
    assert fields["status"] == ("in_progress", "blocked", "dsi-ms")
    assert fields["blocker"] == ("", "Budget gelé", "dsi-ms")


def test_dsi_cannot_change_another_structures_action_even_with_a_forged_actor(engine, actor):
    a2 = item(engine, "Budget PKI")  # owned by MEF
    dsi_ms = actor("dsi-ms")
    with pytest.raises(PermissionDenied):
        save(engine, dsi_ms, [(a2, {"status": "done"})])
    # A forged Actor claiming the DSI role with no structure, or a viewer, fares no better.
    for forged in (replace(dsi_ms, structure_id=None), replace(dsi_ms, role=Role.viewer),
                   replace(dsi_ms, role=Role.leadership)):
        with pytest.raises(PermissionDenied):
            save(engine, forged, [(a2, {"status": "done"})])
    assert item(engine, "Budget PKI").status == "not_started"
    assert events(engine, a2.id) == []


def test_dsi_cannot_rewrite_the_title_or_owner_of_own_action(engine, actor):
    a1 = item(engine, "Raccorder X-Road")
    with pytest.raises(PermissionDenied):
        save(engine, actor("dsi-ms"), [(a1, {"title": "Autre chose"})])
    with pytest.raises(PermissionDenied):
        save(engine, actor("dsi-ms"), [(a1, {"status": "done", "owner": "MEF"})])
    after = item(engine, "Raccorder X-Road")
    assert (after.title, after.status) == ("Raccorder X-Road", "in_progress")


def test_stale_save_is_rejected_naming_who_and_changes_nothing(engine, actor):
    a1 = item(engine, "Raccorder X-Road")
    save(engine, actor("admin"), [(a1, {"progress_comment": "premier"})])
    with pytest.raises(StaleEdit, match="Secrétariat CDSI"):
        save(engine, actor("dsi-ms"), [(a1, {"progress_comment": "second"})])
    assert item(engine, "Raccorder X-Road").progress_comment == "premier"


def test_overdue_is_derived_from_due_date_and_status(engine, actor):
    table = frame(engine, actor("admin"))
    by_title = table.set_index("title")
    assert bool(by_title.loc["Raccorder X-Road", "overdue"]) is True  # due 30/06, in progress
    assert bool(by_title.loc["Budget PKI", "overdue"]) is False  # due 31/12
    assert bool(by_title.loc["Former les agents", "overdue"]) is False  # done
    only = frame(engine, actor("admin"), overdue_only=True)
    assert list(only["title"]) == ["Raccorder X-Road"]


def test_open_for_counts_sessions_held_since_the_deciding_one(engine, actor):
    by_title = frame(engine, actor("admin")).set_index("title")
    assert by_title.loc["Raccorder X-Road", "open_sessions"] == 2  # 18e and 19e since the 17e
    assert by_title.loc["Former les agents", "open_sessions"] is pd_na()  # done: not open


def pd_na():
    import pandas as pd

    return pd.NA


def test_filters_by_structure_status_session_and_topic(engine, actor):
    with reading(engine) as session:
        ms = repo.get_structure_by_code(session, "MS").id
        first = session.exec(select(Conference).where(Conference.number == 17)).one().id
    assert sorted(frame(engine, actor("admin"), structure_id=ms)["title"]) == ["Former les agents",
                                                                "Raccorder X-Road"]
    assert list(frame(engine, actor("admin"), status="done")["title"]) == ["Former les agents"]
    assert sorted(frame(engine, actor("admin"), conference_id=first)["title"]) == ["Budget PKI",
                                                                   "Raccorder X-Road"]
    assert list(frame(engine, actor("admin"), topic="pki")["title"]) == ["Budget PKI"]


def test_only_a_described_blocked_action_is_escalated_and_unblocking_ends_it(engine, actor):
    dsi = actor("dsi-ms")
    a1 = item(engine, "Raccorder X-Road")
    with pytest.raises(ValidationFailed) as refused:
        save(engine, dsi, [(a1, {"escalated": True})])
    assert refused.value.errors[0].row == 1
    assert not item(engine, "Raccorder X-Road").escalated

    save(engine, dsi, [(a1, {"status": "blocked", "blocker": "Pas de budget",
                             "escalated": True})])
    after = item(engine, "Raccorder X-Road")
    assert after.escalated and after.escalated_at is not None
    assert any(e.action == "escalate" for e in events(engine, a1.id))

    save(engine, dsi, [(after, {"status": "in_progress"})])
    final = item(engine, "Raccorder X-Road")
    assert (final.escalated, final.escalated_at) == (False, None)


def test_done_sets_closed_at_and_reopening_clears_it(engine, actor):
    a1 = item(engine, "Raccorder X-Road")
    save(engine, actor("dsi-ms"), [(a1, {"status": "done"})])
    done = item(engine, "Raccorder X-Road")
    assert done.closed_at is not None
    save(engine, actor("dsi-ms"), [(done, {"status": "partial"})])
    assert item(engine, "Raccorder X-Road").closed_at is None


def test_a_closed_sessions_decided_text_is_kept_but_its_status_follows(engine, actor):
    admin = actor("admin")
    a1 = item(engine, "Raccorder X-Road")  # 17e conférence, closed
    with pytest.raises(ValidationFailed, match="rien n'a été enregistré"):
        save(engine, admin, [(a1, {"title": "Réécrit"})])
    save(engine, admin, [(a1, {"status": "done", "due_date": date(2025, 12, 31)})])
    after = item(engine, "Raccorder X-Road")
    assert (after.title, after.status, after.due_date) == ("Raccorder X-Road", "done",
                                                           date(2025, 12, 31))


def test_admin_gets_one_reason_per_bad_row_and_nothing_is_written(engine, actor):
    admin = actor("admin")
    a2, done = item(engine, "Budget PKI"), item(engine, "Former les agents")
    with pytest.raises(ValidationFailed) as refused:
        save(engine, admin, [(a2, {"person": "Awa"}), (done, {"owner": "NOPE"}),
                             (a2, {"owner": "MS"})])
    assert [(e.row, e.column) for e in refused.value.errors] == [(2, "Responsable"),
                                                                  (3, "Responsable")]
    assert "NOPE" in refused.value.errors[0].reason
    assert "clôturée" in refused.value.errors[1].reason
    assert item(engine, "Budget PKI").person == ""


def test_leadership_cannot_save(engine, actor):
    with pytest.raises(PermissionDenied):
        save(engine, actor("direction"), [(item(engine, "Budget PKI"),
                                                   {"status": "done"})])


def test_recommendations_follow_the_same_rules(engine, actor):
    with reading(engine) as session:
        r2 = session.exec(select(Recommendation).where(Recommendation.number == "R2")).one()
    save(engine, actor("dsi-ms"), [(r2, {"status": "done"})], kind=actions.RECOMMENDATION)
    with pytest.raises(PermissionDenied):
        save(engine, actor("dsi-mef"), [(r2, {"status": "blocked"})],
             kind=actions.RECOMMENDATION)
    with reading(engine) as session:
        assert session.get(Recommendation, r2.id).status == "done"


def test_charts_count_items_with_french_separators_and_dated_titles(engine, actor):
    table = frame(engine, actor("admin"))
    counts = actions.status_by_structure_frame(table)
    figure = charts_actions.status_by_structure_chart(counts, "Actions — données au 20/11/2025")
    assert figure.layout.separators == ", "
    assert "20/11/2025" in figure.layout.title.text
    bars = {bar.name: dict(zip(bar.y, bar.x, strict=True)) for bar in figure.data}  # horizontal
    assert bars["en cours"] == {"MS": 1}
    assert bars["réalisée"] == {"MS": 1}
    assert bars["non démarrée"] == {"MEF": 1}
    ages = actions.overdue_age_frame(table, TODAY)
    assert dict(zip(ages["age"], ages["count"], strict=True))["3 à 6 mois"] == 1  # 143 days


def test_cdsi_reco_is_done_over_due_per_structure_and_quarter(engine, actor):
    with reading(engine) as session:
        kpi = actions.recommendation_kpi_frame(session, [(2025, 2), (2025, 3)])
    rows = {(r.structure, r.quarter): (r.numerator, r.denominator) for r in kpi.itertuples()}
    assert rows[("MS", 2)] == (1.0, 1.0)  # R1 due 31/05, done
    assert rows[("MS", 3)] == (1.0, 2.0)  # R2 due 30/09, still open


def _initiatives(engine) -> dict[str, int]:
    """Two initiatives with the same title, one per year (a copy into the next year)."""
    from tracker.core.models import Initiative, Pillar

    with transaction(engine) as session:
        ids = {}
        for year in (2025, 2026):
            pillar = Pillar(year=year, position=1, title_fr="Interopérabilité",
                            title_en="Interoperability")
            session.add(pillar)
            session.flush()
            initiative = Initiative(pillar_id=pillar.id, title="Raccorder les ministères")
            session.add(initiative)
            session.flush()
            ids[f"{year} · Raccorder les ministères"] = initiative.id
        return ids


def test_secretariat_links_an_action_to_an_initiative_and_unlinks_it(engine, actor):
    ids = _initiatives(engine)
    with reading(engine) as session:
        assert list(roadmap_labels(session).values()) == sorted(ids, reverse=True)  # newest first
    a1 = item(engine, "Raccorder X-Road")
    assert save(engine, actor("admin"), [(a1, {"initiative": "2026 · Raccorder les ministères"})])
    linked = item(engine, "Raccorder X-Road")
    assert linked.initiative_id == ids["2026 · Raccorder les ministères"]
    shown = frame(engine, actor("admin")).loc[a1.id, "initiative"]
    assert shown == "2026 · Raccorder les ministères"
    change = next(e for e in events(engine, a1.id) if e.field == "initiative_id")
    assert (change.old_value, change.new_value) == (None, str(linked.initiative_id))
    assert save(engine, actor("admin"), [(linked, {"initiative": ""})])
    assert item(engine, "Raccorder X-Road").initiative_id is None


def test_an_unknown_initiative_is_refused_and_a_dsi_cannot_link(engine, actor):
    _initiatives(engine)
    a1 = item(engine, "Raccorder X-Road")
    with pytest.raises(ValidationFailed) as refused:
        save(engine, actor("admin"), [(a1, {"initiative": "2024 · N'existe pas"})])
    assert [(e.row, e.column) for e in refused.value.errors] == [
        (1, "Initiative de la feuille de route")]
    with pytest.raises(PermissionDenied):
        save(engine, actor("dsi-ms"), [(a1, {"initiative": "2025 · Raccorder les ministères"})])
    assert item(engine, "Raccorder X-Road").initiative_id is None


def test_the_initiative_column_is_editable_by_the_secretariat_only(engine, actor):
    labels = ["2026 · Raccorder les ministères"]
    admin = actions.column_specs(actions.ACTION, actor("admin"), ["MS"], labels)
    dsi = actions.column_specs(actions.ACTION, actor("dsi-ms"), ["MS"], labels)
    assert admin["initiative"].options == ("", *labels) and not admin["initiative"].disabled
    assert dsi["initiative"].disabled


def test_topics_read_in_words_in_the_table_and_the_filters(engine, actor):
    shown = actions.display_frame(frame(engine, actor("admin")))
    assert set(shown["Thème"]) == {"Interopérabilité X-Road", "PKI", "Formation"}
    assert actions.topic_label("") == ""
    assert actions.topic_label("esign") == "Signature électronique"
    structures, sessions = {}, {}
    assert actions.filters_text(actions.Filters(topic="xroad"), structures, sessions) \
        .endswith("Thème = Interopérabilité X-Road")
