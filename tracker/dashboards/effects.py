"""« Effet des recommandations »: for a recommendation tied to KPIs, the KPI's validated series
of the structures that completed it against the others, around the session that decided it.

The comparison (``compare_groups``, a pure function): the structures that completed the
recommendation (their copy of it done, or an action item tied to it done) against every other
structure with validated values of the KPI; for each group, the average of its values over the
quarters before the session's quarter and over the quarters after it (the session's own quarter
belongs to neither), with the number of structures and of values behind each average. It is an
observation: the page says so, and never calls the difference an effect.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlmodel import Session, col, select

from tracker.conference.kpi_links import links_by_object
from tracker.conference.sessions import conference_label
from tracker.core.errors import NotFound
from tracker.core.formats import format_value
from tracker.core.i18n import get_language, t
from tracker.core.models import (
    ActionItem,
    ActionStatus,
    Conference,
    FollowupKind,
    Kpi,
    Recommendation,
)
from tracker.core.periods import quarter_of
from tracker.dashboards.views import successor_codes, validated_results
from tracker.results.kpis import KpiRule, display_value

WINDOW = 4  # quarters before and after the session
DONE, OTHERS = "done", "others"
COMPARISON_COLUMNS = ["group", "period", "average", "structures", "values"]


def _index(year: int, quarter: int) -> int:
    return year * 4 + quarter - 1


def compare_groups(values: pd.DataFrame, done_codes: Iterable[str], session_quarter:
                   tuple[int, int], window: int = WINDOW) -> pd.DataFrame:
    """Averages of the two groups before and after the session's quarter.

    ``values``: columns code, year, quarter, value (validated values; missing ones dropped).
    Returns one row per group (done, others) and period (before, after): average (None when
    the group has no value then), structures and values counted. A pure function."""
    done = set(done_codes)
    at = _index(*session_quarter)
    data = values.dropna(subset=["value"])
    offset = data["year"].astype(int) * 4 + data["quarter"].astype(int) - 1 - at
    data = data.assign(offset=offset)
    rows = []
    for group in (DONE, OTHERS):
        mine = data[data["code"].isin(done)] if group == DONE else data[~data["code"].isin(done)]
        for period, inside in (("before", (mine["offset"] < 0) & (mine["offset"] >= -window)),
                               ("after", (mine["offset"] > 0) & (mine["offset"] <= window))):
            chosen = mine[inside]
            rows.append({"group": group, "period": period,
                         "average": float(chosen["value"].mean()) if len(chosen) else None,
                         "structures": int(chosen["code"].nunique()),
                         "values": len(chosen)})
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def group_series(values: pd.DataFrame, done_codes: Iterable[str]) -> pd.DataFrame:
    """The average per quarter of each group (columns group, year, quarter, value, structures)."""
    done = set(done_codes)
    data = values.dropna(subset=["value"])
    data = data.assign(group=[DONE if c in done else OTHERS for c in data["code"]])
    if data.empty:
        return pd.DataFrame(columns=["group", "year", "quarter", "value", "structures"])
    out = data.groupby(["group", "year", "quarter"], as_index=False).agg(
        value=("value", "mean"), structures=("code", "nunique"))
    return out.sort_values(["group", "year", "quarter"]).reset_index(drop=True)


@dataclass(frozen=True)
class Effect:
    """What the page shows for one recommendation and one of its KPIs."""

    recommendation: str
    session: str
    session_date: date
    kpi_code: str
    kpi_label: str
    unit: str
    done_codes: tuple[str, ...]
    series: pd.DataFrame
    comparison: pd.DataFrame

    @property
    def session_day(self) -> pd.Timestamp:
        return pd.Timestamp(self.session_date)


def _group_rows(session: Session, reco: Recommendation) -> list[Recommendation]:
    if not reco.group_ref:
        return [reco]
    return list(session.exec(select(Recommendation).where(
        Recommendation.conference_id == reco.conference_id,
        Recommendation.group_ref == reco.group_ref)).all())


def effects_revision(session: Session) -> str:
    """Changes whenever what « Effet des recommandations » shows may change: a KPI tied to a
    recommendation or untied, a recommendation, an action item or a session edited, a KPI
    renamed, a result validated (the key of the page's cache: its choices and its effect are read
    once per revision, not on each run)."""
    from tracker.core import repository as repo
    from tracker.core.models import FollowupKpi
    from tracker.dashboards.views import validated_revision

    return "|".join([repo.stamp(session, FollowupKpi, column="created_at"),
                     repo.stamp(session, FollowupKpi, column="id"),
                     *(repo.stamp(session, model)
                       for model in (Recommendation, ActionItem, Conference)),
                     validated_revision(session)])


def page_choices(session: Session, today: date) -> tuple[dict[int, str], int | None]:
    """The page's list of recommendations and the one it opens on (see
    ``recommendation_choices`` and ``default_choice``)."""
    choices = recommendation_choices(session)
    return choices, default_choice(session, choices, today)


def recommendation_choices(session: Session) -> dict[int, str]:
    """Recommendations tied to at least one KPI (one entry per « Tous les ministères » group),
    newest session first: id → « session — number · text »."""
    linked = links_by_object(session, FollowupKind.recommendation.value)
    if not linked:
        return {}
    rows = session.exec(select(Recommendation).where(col(Recommendation.id).in_(list(linked)))
                        .order_by(col(Recommendation.id))).all()
    conferences = {c.id: c for c in session.exec(select(Conference)).all()}
    seen: set[tuple[int, str]] = set()
    out: list[tuple[int, int, str]] = []
    for row in rows:
        key = (row.conference_id, row.group_ref or f"#{row.id}")
        conference = conferences.get(row.conference_id)
        if key in seen or conference is None or conference.session_date is None:
            continue
        seen.add(key)
        text = row.text if len(row.text) <= 90 else row.text[:89] + "…"
        out.append((-conference.number, row.id or 0,
                    f"{conference_label(conference)} — {row.number} · {text}"))
    return {rid: label for _n, rid, label in sorted(out)}


def default_choice(session: Session, choices: dict[int, str], today: date) -> int | None:
    """The recommendation the page opens on: the newest one adopted two quarters ago or more
    (so that quarters after the session can be compared) that some structure implemented; else
    the newest adopted two quarters ago or more; else the newest."""
    limit_index = _index(today.year, quarter_of(today)) - 2
    old_enough = []
    for rid in choices:
        reco = session.get(Recommendation, rid)
        conference = session.get(Conference, reco.conference_id) if reco else None
        day = conference.session_date if conference else None
        if reco is not None and day is not None \
                and _index(day.year, quarter_of(day)) <= limit_index:
            if completed_structures(session, _group_rows(session, reco)):
                return rid
            old_enough.append(rid)
    return old_enough[0] if old_enough else next(iter(choices), None)


def kpi_options(session: Session, recommendation_id: int) -> list[str]:
    """The codes of the KPIs the recommendation (or its group) is tied to."""
    reco = session.get(Recommendation, recommendation_id)
    if reco is None:
        raise NotFound(t("common.not_found"))
    linked = links_by_object(session, FollowupKind.recommendation.value)
    codes: list[str] = []
    for row in _group_rows(session, reco):
        codes += [c for c in linked.get(row.id or 0, []) if c not in codes]
    return codes


def completed_structures(session: Session, rows: list[Recommendation]) -> set[int]:
    """Structures whose copy of the recommendation is done, or that completed an action item
    tied to it."""
    done = {r.owner_structure_id for r in rows
            if r.status == ActionStatus.done and r.owner_structure_id is not None}
    ids = [r.id for r in rows if r.id is not None]
    for action in session.exec(select(ActionItem).where(
            col(ActionItem.recommendation_id).in_(ids),
            ActionItem.status == ActionStatus.done)).all():
        if action.owner_structure_id is not None:
            done.add(action.owner_structure_id)
    return {sid for sid in done if sid is not None}


def effect_of(session: Session, recommendation_id: int, kpi_code: str,
              window: int = WINDOW) -> Effect:
    """The series and the comparison for one recommendation and one of its KPIs, from validated
    results only (every role reads them)."""
    reco = session.get(Recommendation, recommendation_id)
    kpi = session.exec(select(Kpi).where(Kpi.code == kpi_code)).first()
    if reco is None or kpi is None or kpi_code not in kpi_options(session, recommendation_id):
        raise NotFound(t("common.not_found"))
    conference = session.get(Conference, reco.conference_id)
    if conference is None or conference.session_date is None:
        raise NotFound(t("common.not_found"))
    rows = _group_rows(session, reco)
    codes = successor_codes(session)
    done_codes = tuple(sorted({codes[s] for s in completed_structures(session, rows)
                               if s in codes}))
    rule = KpiRule(kpi.code, kpi.unit, kpi.direction, kpi.agg_quarters, kpi.agg_structures,
                   kpi.ratio)
    results = validated_results(session)
    results = results[results["kpi_id"] == kpi.id]
    values = pd.DataFrame({
        "code": results["code"], "year": results["year"], "quarter": results["quarter"],
        "value": [display_value(rule, v, n, d) for v, n, d in zip(
            results["value"], results["numerator"], results["denominator"], strict=True)]},
        columns=["code", "year", "quarter", "value"])
    values["value"] = values["value"].astype("float64")
    day = conference.session_date
    label = kpi.label_en if get_language() == "en" and kpi.label_en else kpi.label_fr
    return Effect(f"{reco.number} · {reco.text}", conference_label(conference), day, kpi.code,
                  label, kpi.unit, done_codes, group_series(values, done_codes),
                  compare_groups(values, done_codes, (day.year, quarter_of(day)), window))


def kpi_labels(session: Session) -> dict[str, str]:
    """KPI code → « code — name » in the user's language."""
    english = get_language() == "en"
    return {k.code: f"{k.code} — {k.label_en if english and k.label_en else k.label_fr}"
            for k in session.exec(select(Kpi)).all()}


def comparison_display(comparison: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The comparison as read: one row per group, averages before and after with their counts."""
    rows = []
    for group in (DONE, OTHERS):
        part = comparison[comparison["group"] == group].set_index("period")
        row: dict[str, object] = {t("effects.col_group"): t(f"effects.group_{group}")}
        for period in ("before", "after"):
            average = part.loc[period, "average"]
            row[t(f"effects.col_average_{period}")] = (
                "—" if average is None or pd.isna(average) else format_value(average, unit))
            row[t(f"effects.col_count_{period}")] = t(
                "effects.counts",
                structures=t("effects.structures_n", n=int(part.loc[period, "structures"])),
                values=t("effects.values_n", n=int(part.loc[period, "values"])))
        rows.append(row)
    return pd.DataFrame(rows)
