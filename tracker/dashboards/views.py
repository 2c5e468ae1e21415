"""The frames behind leadership's dashboards: national figures against targets, attainment per
structure, trends, rankings, platform adoption stages and a ministry's profile.

Dashboards read validated results only (for every role). Merged or renamed structures are shown
under their successor, their history kept. Aggregation rules live in tracker.results.kpis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.core import repository as repo
from tracker.core.formats import format_number, format_value, quarter_key, quarter_label
from tracker.core.i18n import get_language, t
from tracker.core.models import (
    CLOSED_ACTION_STATUSES,
    ActionItem,
    DueKind,
    Result,
    Structure,
    SubmissionStatus,
    Target,
)
from tracker.core.periods import Quarter, previous_quarter, quarter_end
from tracker.results.kpis import (
    KpiRule,
    across_structures,
    aggregate,
    light,
    over_quarters,
    target_keys,
)
from tracker.results.submissions import QuarterProgress, quarter_progress

HEADLINE_KPIS = ("ESV_PUB", "ESV_DEMAT", "XRD_SVC_PUB", "XRD_OK", "CLD_HEB", "SEC_MFA",
                 "FRM_AGENTS", "BUD_ENG")
RESULT_COLUMNS = ["structure_id", "kpi_id", "year", "quarter", "value", "numerator",
                  "denominator"]


@dataclass(frozen=True)
class Revision:
    """Two measures of the data behind the dashboards, parts of their cache keys.

    ``validated``: what the figures and the forecasts are computed from (validated results,
    targets, structures, KPIs). It moves when a quarter is validated, reopened or corrected and
    when the reference data change, never when a DSI saves a draft: in the week before the
    deadline drafts are saved every few seconds, and each would otherwise recompute every
    leadership page for everyone. ``everything``: that, plus what the pages show beside the
    figures (submission states, windows, action items, sessions and attendance, the roadmap,
    confidence ratings). A draft save moves neither, except the first one of a quarter (the
    structure's state becomes « brouillon »)."""

    validated: str
    everything: str


def validated_revision(session: Session) -> str:
    """``Revision.validated`` alone (four count-and-latest queries)."""
    from tracker.core.models import Kpi

    return "|".join([repo.stamp(session, Result, col(Result.status) == SubmissionStatus.validated),
                     *(repo.stamp(session, model) for model in (Target, Structure, Kpi))])


def data_revision(session: Session) -> Revision:
    """The two revisions (see ``Revision``): a dozen count-and-latest queries, no rows read."""
    from tracker.core.models import (
        Attendance,
        Conference,
        ConfidenceRating,
        Initiative,
        Milestone,
        Pillar,
        Submission,
        SubmissionWindow,
    )

    validated = validated_revision(session)
    states = session.exec(select(  # type: ignore[call-overload]
        Submission.status, func.count(), func.max(Submission.submitted_at),
        func.max(Submission.reviewed_at)).group_by(Submission.status).order_by(
        Submission.status)).all()
    others = [repo.stamp(session, model) for model in (
        ActionItem, SubmissionWindow, Conference, Attendance, Pillar, Initiative, Milestone,
        ConfidenceRating)]
    return Revision(validated, "|".join([validated, repr(states), *others]))


def validated_results(session: Session) -> pd.DataFrame:
    """Every validated result, one row each, with the structure's current (successor) code."""
    # Plain tuples straight from the driver: a decade of results loads in a fraction of a second.
    statement = select(Result.structure_id, Result.kpi_id,  # type: ignore[call-overload]
                       Result.year, Result.quarter, Result.value, Result.numerator,
                       Result.denominator).where(Result.status == SubmissionStatus.validated)
    connection = session.connection()
    sql = str(statement.compile(dialect=connection.dialect,
                                compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    frame = pd.DataFrame.from_records(rows, columns=RESULT_COLUMNS)
    for column in ("value", "numerator", "denominator"):
        frame[column] = frame[column].astype("float64")
    current = successor_codes(session)
    frame["code"] = frame["structure_id"].map(current)
    return frame


def successor_codes(session: Session) -> dict[int, str]:
    """Each structure's code as shown today: merged or renamed ones under their successor."""
    # Three columns as plain rows: called by most views, where whole Structure objects cost
    # a tenth of a millisecond each.
    structures: dict[Any, Any] = {row[0]: row for row in session.exec(
        select(Structure.id, Structure.code, Structure.successor_id)).all()}  # type: ignore[call-overload]
    out: dict[int, str] = {}
    for sid, structure in structures.items():
        seen, current = {sid}, structure
        while current[2] and current[2] not in seen:
            seen.add(current[2])
            current = structures[current[2]]
        out[sid] = current[1]
    return out


@dataclass(frozen=True)
class Catalogue:
    kpis: pd.DataFrame  # indexed by kpi id: code, group, label_fr, label_en, unit, direction...
    rules: dict[int, KpiRule]


def catalogue(session: Session) -> Catalogue:
    kpis = repo.list_kpis(session, active_only=True)
    frame = pd.DataFrame([{"id": k.id, "code": k.code, "group": k.group, "label_fr": k.label_fr,
                           "label_en": k.label_en, "unit": k.unit, "direction": k.direction,
                           "position": k.position, "platform": k.platform} for k in kpis]
                         ).set_index("id")
    rules = {k.id or 0: KpiRule(k.code, k.unit, k.direction, k.agg_quarters, k.agg_structures,
                                k.ratio) for k in kpis}
    return Catalogue(frame, rules)


def targets_frame(session: Session) -> pd.DataFrame:
    rows = session.exec(select(Target.kpi_id, Target.year,  # type: ignore[call-overload]
                               Target.structure_id, Target.quarter, Target.value)).all()
    return pd.DataFrame(rows, columns=["kpi_id", "year", "structure_id", "quarter", "value"])


def _target_index(targets: pd.DataFrame) -> dict[tuple[int, int, int | None, int], float]:
    # Built once per targets frame (kept on the frame) so that lookups are dictionary reads.
    index = targets.attrs.get("index")
    if index is None:
        index = {(int(k), int(y), None if pd.isna(s) else int(s), int(q)): float(v)
                 for k, y, s, q, v in targets[["kpi_id", "year", "structure_id", "quarter",
                                               "value"]].itertuples(index=False)}
        targets.attrs["index"] = index
    return index  # type: ignore[no-any-return]


def target_of(targets: pd.DataFrame, kpi_id: int, year: int, quarter: int,
              structure_id: int | None = None) -> float | None:
    """The target that applies (``kpis.target_keys``), from the validated targets frame."""
    index = _target_index(targets)
    for sid, q in target_keys(structure_id, quarter):
        value = index.get((kpi_id, year, sid, q))
        if value is not None:
            return value
    return None


def structures_in_force(session: Session, year: int, quarter: int) -> list[Structure]:
    end = quarter_end(year, quarter)
    return [s for s in repo.list_structures(session) if s.in_force(end)]


def last_validated_quarter(results: pd.DataFrame, today: date) -> tuple[int, int]:
    """Default of the quarter picker: the last quarter with validated data from at least half
    as many structures as the best-covered quarter (else simply the last one with any)."""
    if results.empty:
        year, quarter = previous_quarter(today.year, (today.month - 1) // 3 + 1)
        return year, quarter
    coverage = results.groupby(["year", "quarter"])["structure_id"].nunique().sort_index()
    enough = coverage[coverage >= coverage.max() / 2]
    year, quarter = (enough if not enough.empty else coverage).index[-1]
    return int(year), int(quarter)


def available_quarters(results: pd.DataFrame) -> list[tuple[int, int]]:
    pairs = results[["year", "quarter"]].drop_duplicates().sort_values(["year", "quarter"],
                                                                      ascending=False)
    return [(int(y), int(q)) for y, q in pairs.itertuples(index=False)]


@dataclass(frozen=True)
class DataSummary:
    """What the dashboards' pickers read of the validated data: the catalogue, the quarters
    and years with a validated result (newest first) and the quarter shown first. A page that
    needs no more than this does not copy a decade of results out of the cache on each run."""

    cat: Catalogue
    quarters: list[tuple[int, int]]
    default_quarter: tuple[int, int]
    years: list[int]


def data_summary(results: pd.DataFrame, cat: Catalogue, today: date) -> DataSummary:
    return DataSummary(cat, available_quarters(results), last_validated_quarter(results, today),
                       sorted({int(y) for y in results["year"].unique()}, reverse=True))


# --- overview -----------------------------------------------------------------------------


def headline_frame(results: pd.DataFrame, cat: Catalogue, targets: pd.DataFrame, year: int,
                   quarter: int, expected: int) -> pd.DataFrame:
    """Key KPIs: national value, target, change against the previous quarter, completeness."""
    py, pq = previous_quarter(year, quarter)
    rows = []
    by_code = {row.code: kpi_id for kpi_id, row in cat.kpis.iterrows()}
    # The two quarters only, once: the loop below then works on a few hundred rows.
    both_quarters = results[((results["year"] == year) & (results["quarter"] == quarter))
                            | ((results["year"] == py) & (results["quarter"] == pq))]
    for code in HEADLINE_KPIS:
        kpi_id = by_code.get(code)
        if kpi_id is None:
            continue
        rule = cat.rules[int(kpi_id)]
        mine = both_quarters[both_quarters["kpi_id"] == kpi_id]
        now = mine[(mine["year"] == year) & (mine["quarter"] == quarter)]
        before = mine[(mine["year"] == py) & (mine["quarter"] == pq)]
        value = across_structures(rule, now)
        # Like for like: the change counts only structures that reported in both quarters, so
        # that a late ministry does not read as a national fall.
        both = set(now["structure_id"]) & set(before["structure_id"])
        previous = across_structures(rule, before[before["structure_id"].isin(both)])
        same_now = across_structures(rule, now[now["structure_id"].isin(both)])
        target = target_of(targets, int(kpi_id), year, quarter)
        rows.append({"kpi_id": int(kpi_id), "code": code, "unit": rule.unit,
                     "value": value, "target": target,
                     "delta": None if same_now is None or previous is None
                     else same_now - previous,
                     "reporting": int(now["structure_id"].nunique()), "expected": expected,
                     "light": light(rule.direction, value, target).value})
    return pd.DataFrame(rows)


def attainment_frame(results: pd.DataFrame, cat: Catalogue, targets: pd.DataFrame, year: int,
                     quarter: int, structures: list[Structure]) -> pd.DataFrame:
    """Structures × KPIs for one quarter: value, target and traffic light (missing stays
    missing)."""
    codes = {s.code for s in structures}
    now = results[(results["year"] == year) & (results["quarter"] == quarter)
                  & results["code"].isin(codes) & results["kpi_id"].isin(cat.rules)]
    table = aggregate(now, cat.rules, ["code"])
    sid_of = now.groupby("code")["structure_id"].last().to_dict()
    table["target"] = [target_of(targets, int(k), year, quarter, int(sid_of[c]))
                       for c, k in zip(table["code"], table["kpi_id"], strict=True)]
    table["light"] = [light(cat.rules[int(k)].direction, v, tg).value for k, v, tg in
                      zip(table["kpi_id"], table["value"], table["target"], strict=True)]
    frame = table[["code", "kpi_id", "value", "target", "light"]]
    meta = cat.kpis[["code", "group", "unit", "position"]].rename(columns={"code": "kpi"})
    return frame.join(meta, on="kpi_id").sort_values(["group", "position", "code"])


def trend_frame(results: pd.DataFrame, cat: Catalogue, targets: pd.DataFrame,
                kpi_id: int, progress: Progress | None = None) -> pd.DataFrame:
    """National figure of one KPI per quarter, with its target and completeness, on a real time
    axis: every quarter from the first to the last is a row (one without data is a gap) and, with
    the quarters' ``progress``, a provisional quarter is flagged (``submissions.QuarterProgress``:
    the one rule), never drawn as a national figure."""
    series = aggregate(results[results["kpi_id"] == kpi_id], cat.rules, ["year", "quarter"])
    series = timeline(series, progress)
    series["target"] = [target_of(targets, kpi_id, int(y), int(q)) for y, q in
                        zip(series["year"], series["quarter"], strict=True)]
    return series[["year", "quarter", "value", "reporting", "period", "target", "date",
                   "provisional", "validated", "expected"]]


Progress = Mapping[tuple[int, int], QuarterProgress]


def timeline(table: pd.DataFrame, progress: Progress | None = None) -> pd.DataFrame:
    """Per-quarter rows (year, quarter, value…) filled to every quarter between the first and the
    last (a quarter without data stays a row with no value: a gap, never a zero), with the
    quarter's start date for a time axis and the provisional flag of ``progress``."""
    if table.empty:
        table = table.assign(value=pd.Series(dtype="float64"))
        quarters: list[tuple[int, int]] = []
    else:
        keys = sorted((int(y), int(q)) for y, q in zip(table["year"], table["quarter"],
                                                       strict=True))
        quarters, current = [], Quarter(*keys[0])
        while current.pair <= keys[-1]:
            quarters.append(current.pair)
            current = current.next()
    index = pd.MultiIndex.from_tuples(quarters, names=["year", "quarter"])
    full = table.set_index(["year", "quarter"]).reindex(index).reset_index()
    if "reporting" in full:
        full["reporting"] = full["reporting"].fillna(0).astype(int)
    else:
        full["reporting"] = 0
    full["period"] = [quarter_key(y, q) for y, q in quarters]
    full["date"] = pd.to_datetime([Quarter(y, q).start for y, q in quarters])
    known = [(progress or {}).get(pair) for pair in quarters]
    full["provisional"] = [bool(p and p.provisional) for p in known]
    full["validated"] = pd.array([p.validated if p else None for p in known], dtype="Int64")
    full["expected"] = pd.array([p.expected if p else None for p in known], dtype="Int64")
    return full


def ranking_frame(results: pd.DataFrame, cat: Catalogue, kpi_id: int, year: int,
                  quarter: int) -> pd.DataFrame:
    """Structures ranked on one KPI for one quarter (best first, by the KPI's direction)."""
    now = results[(results["kpi_id"] == kpi_id) & (results["year"] == year)
                  & (results["quarter"] == quarter)]
    frame = aggregate(now, cat.rules, ["code"])[["code", "value"]].dropna()
    return frame.sort_values("value", ascending=cat.rules[kpi_id].direction == "down"
                             ).reset_index(drop=True)


def overdue_by_structure(session: Session, today: date) -> pd.DataFrame:
    """Open action items past their due date, counted per owner structure (current code)."""
    current = successor_codes(session)
    rows = session.exec(select(ActionItem.owner_structure_id, func.count())
                        .where(col(ActionItem.status).not_in(
                            [s.value for s in CLOSED_ACTION_STATUSES]),
                            ActionItem.due_kind == DueKind.date,
                            col(ActionItem.due_date) < today)
                        .group_by(col(ActionItem.owner_structure_id))).all()
    frame = pd.DataFrame([{"code": current.get(sid or -1, "—"), "overdue": n}
                          for sid, n in rows], columns=["code", "overdue"])
    return frame.groupby("code", as_index=False)["overdue"].sum().sort_values(
        "overdue", ascending=False)


# --- structure profile --------------------------------------------------------------------


def structure_trend(results: pd.DataFrame, cat: Catalogue, targets: pd.DataFrame, code: str,
                    kpi_id: int, progress: Progress | None = None) -> pd.DataFrame:
    """One structure's KPI per quarter (predecessors' history included) with its target, on a
    real time axis (``timeline``: gaps kept, provisional quarters flagged)."""
    mine = results[(results["code"] == code) & (results["kpi_id"] == kpi_id)]
    table = timeline(aggregate(mine, cat.rules, ["year", "quarter"]), progress)
    sid = int(mine["structure_id"].iloc[-1]) if not mine.empty else None
    table["target"] = [target_of(targets, kpi_id, int(y), int(q), sid) for y, q in
                       zip(table["year"], table["quarter"], strict=True)]
    return table[["year", "quarter", "period", "value", "target", "date", "provisional",
                  "validated", "expected"]]


def structure_year_summary(results: pd.DataFrame, cat: Catalogue, targets: pd.DataFrame,
                           code: str, year: int) -> pd.DataFrame:
    """Each KPI of one structure over a year (rolled up by its quarterly rule) against target."""
    mine = results[(results["code"] == code) & (results["year"] == year)]
    rows = []
    for kpi_id, group in mine.groupby("kpi_id"):
        rule = cat.rules.get(int(kpi_id))  # type: ignore[call-overload]
        if rule is None:
            continue
        value = over_quarters(rule, group)
        target = target_of(targets, int(kpi_id), year, 0,  # type: ignore[call-overload]
                           int(group["structure_id"].iloc[-1]))
        rows.append({"kpi_id": int(kpi_id), "kpi": rule.code,  # type: ignore[call-overload]
                     "unit": rule.unit, "value": value, "target": target,
                     "light": light(rule.direction, value, target).value,
                     "quarters": int(group[["year", "quarter"]].drop_duplicates().shape[0])})
    return pd.DataFrame(rows, columns=["kpi_id", "kpi", "unit", "value", "target", "light",
                                       "quarters"])


def per_quarter_values(results: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    """Per structure (current code), KPI and quarter: the figure a reader sees (rate for ratio
    KPIs)."""
    ratio_ids = {kid for kid, rule in cat.rules.items() if rule.ratio}
    frame = results.copy()
    is_ratio = frame["kpi_id"].isin(ratio_ids)
    grouped = frame.groupby(["code", "kpi_id", "year", "quarter"], as_index=False)[
        ["value", "numerator", "denominator"]].sum(min_count=1)
    rate = 100 * grouped["numerator"] / grouped["denominator"].where(grouped["denominator"] > 0)
    ratio_rows = grouped["kpi_id"].isin(ratio_ids)
    grouped["value"] = rate.where(ratio_rows, grouped["value"])
    grouped["kpi"] = grouped["kpi_id"].map(cat.kpis["code"])
    del is_ratio
    return grouped[["code", "kpi", "kpi_id", "year", "quarter", "value"]]


def completeness_counts(session: Session, year: int, quarter: int, today: date) -> pd.Series:
    """How many structures in force are in each submission state for a quarter (counts only)."""
    from tracker.core.models import Submission
    from tracker.core.periods import get_window
    from tracker.results.submissions import MATRIX_STATES, state_of

    window = get_window(session, year, quarter)
    subs = {s.structure_id: s for s in session.exec(select(Submission).where(
        Submission.year == year, Submission.quarter == quarter))}
    states = [state_of(subs.get(s.id or 0), window, today)
              for s in structures_in_force(session, year, quarter)]
    return pd.Series([states.count(s) for s in MATRIX_STATES], index=list(MATRIX_STATES))


def kpi_label(cat: Catalogue, kpi_id: int, lang: str) -> str:
    row = cat.kpis.loc[kpi_id]
    label = row["label_fr"] if lang == "fr" else (row["label_en"] or row["label_fr"])
    return f"{row['code']} — {label}"


def kpi_name(cat: Catalogue, kpi_id: int, lang: str) -> str:
    """What officials read: the KPI's name (its code goes in the hover only)."""
    row = cat.kpis.loc[kpi_id]
    return str(row["label_fr"] if lang == "fr" else (row["label_en"] or row["label_fr"]))


def kpi_names(cat: Catalogue, lang: str) -> dict[str, str]:
    """KPI code → name, for the charts' axes."""
    return {str(row["code"]): kpi_name(cat, int(kpi_id), lang)  # type: ignore[arg-type]
            for kpi_id, row in cat.kpis.iterrows()}


def delta_text(delta: float | None, unit: str, year: int, quarter: int) -> str | None:
    """A tile's change with its unit and the quarter it is measured against:
    « +3,3 pts vs T1 2026 » (points for a percentage), « -12 vs T1 2026 »."""
    if delta is None or delta != delta:
        return None
    py, pq = previous_quarter(year, quarter)
    sign = "+" if delta > 0 else ("-" if delta < 0 else "")
    value = format_number(abs(delta), 1) if unit == "percent" else format_value(abs(delta), unit)
    key = "dashboards.delta_points" if unit == "percent" else "dashboards.delta"
    return t(key, sign=sign, value=value, quarter=quarter_label(py, pq))


# --- a structure's profile (other sections) -----------------------------------------------


def lineage_ids(session: Session, structure_id: int) -> list[int]:
    """A structure and every structure it succeeded (merged or renamed), for its history."""
    structures = repo.list_structures(session)
    out, frontier = [structure_id], [structure_id]
    while frontier:
        current = frontier.pop()
        for s in structures:
            if s.successor_id == current and s.id is not None and s.id not in out:
                out.append(s.id)
                frontier.append(s.id)
    return out


def submission_history(session: Session, structure_id: int, today: date) -> pd.DataFrame:
    """Every quarter's submission state for a structure (and its predecessors), newest first."""
    from tracker.core.models import Submission, SubmissionWindow
    from tracker.results.submissions import state_of

    ids = lineage_ids(session, structure_id)
    windows = {(w.year, w.quarter): w for w in session.exec(select(SubmissionWindow))}
    subs = {(s.year, s.quarter): s for s in session.exec(
        select(Submission).where(col(Submission.structure_id).in_(ids)))}
    structure = session.get(Structure, structure_id)
    rows = []
    for (year, quarter), window in sorted(windows.items(), reverse=True):
        if structure and not structure.in_force(quarter_end(year, quarter)) and \
                (year, quarter) not in subs:
            continue
        sub = subs.get((year, quarter))
        rows.append({"period": quarter_key(year, quarter),
                     "state": state_of(sub, window, today),
                     "submitted_at": sub.submitted_at if sub else None,
                     "reviewed_at": sub.reviewed_at if sub else None})
    return pd.DataFrame(rows, columns=["period", "state", "submitted_at", "reviewed_at"])


def attendance_history(session: Session, structure_id: int) -> pd.DataFrame:
    """The structure's attendance at each session (its predecessors' included)."""
    from tracker.core.models import Attendance, Conference

    ids = lineage_ids(session, structure_id)
    rows = session.exec(select(Conference.number,  # type: ignore[type-var]
                               Conference.session_date, Attendance.status,
                               Attendance.representative)
                        .join(Attendance, col(Attendance.conference_id) == col(Conference.id))
                        .where(col(Attendance.structure_id).in_(ids))
                        .order_by(col(Conference.number).desc())).all()
    return pd.DataFrame(rows, columns=["session", "date", "attendance", "representative"])


def owned_initiatives(session: Session, structure_id: int) -> pd.DataFrame:
    """Roadmap initiatives the structure owns, by year and pillar."""
    from tracker.core.models import Initiative, Pillar

    rows = session.exec(select(Pillar.year, Pillar.title_fr, Initiative.title, Initiative.status)
                        .join(Initiative, col(Initiative.pillar_id) == col(Pillar.id))
                        .where(Initiative.owner_structure_id == structure_id)
                        .order_by(col(Pillar.year).desc(), col(Pillar.position))).all()
    return pd.DataFrame(rows, columns=["year", "pillar", "initiative", "status"])


def predecessor_codes(session: Session, structure_id: int) -> list[str]:
    codes = repo.structure_codes_by_id(session)
    return [codes[i] for i in lineage_ids(session, structure_id)[1:]]


@dataclass
class OverviewView:
    """Everything the overview draws for one quarter (built once per data revision)."""

    headline: pd.DataFrame
    attainment: pd.DataFrame
    heatmap: object
    counts: pd.Series
    overdue: pd.DataFrame
    completeness_figure: object
    overdue_figure: object


def view_overview(session: Session, results: pd.DataFrame, cat: Catalogue, targets: pd.DataFrame,
                  year: int, quarter: int, today: date, as_of: str) -> OverviewView:
    from tracker.dashboards import charts

    structures = structures_in_force(session, year, quarter)
    attainment = attainment_frame(results, cat, targets, year, quarter, structures)
    counts = completeness_counts(session, year, quarter, today)
    overdue = overdue_by_structure(session, today)
    return OverviewView(
        headline=headline_frame(results, cat, targets, year, quarter, len(structures)),
        attainment=attainment,
        heatmap=charts.heatmap_chart(attainment, year, quarter,
                                     names=kpi_names(cat, get_language())),
        counts=counts, overdue=overdue,
        completeness_figure=charts.completeness_chart(counts, year, quarter),
        overdue_figure=charts.overdue_chart(overdue, as_of))


def view_trend(session: Session, results: pd.DataFrame, cat: Catalogue, targets: pd.DataFrame,
               kpi_id: int, today: date | None = None) -> tuple[pd.DataFrame, object]:
    from tracker.dashboards import charts

    progress = quarter_progress(session, today or date.today())
    trend = trend_frame(results, cat, targets, kpi_id, progress)
    return trend, charts.trend_chart(trend, kpi_name(cat, kpi_id, get_language()),
                                     cat.kpis.loc[kpi_id, "unit"],
                                     code=str(cat.kpis.loc[kpi_id, "code"]))


def view_ranking(session: Session, results: pd.DataFrame, cat: Catalogue, targets: pd.DataFrame,
                 kpi_id: int, year: int, quarter: int) -> tuple[pd.DataFrame, object]:
    from tracker.dashboards import charts

    del session, targets
    ranking = ranking_frame(results, cat, kpi_id, year, quarter)
    return ranking, charts.ranking_chart(ranking, kpi_name(cat, kpi_id, get_language()),
                                         cat.kpis.loc[kpi_id, "unit"], year, quarter)


def view_platforms(session: Session, results: pd.DataFrame, cat: Catalogue,
                   targets: pd.DataFrame) -> tuple[pd.DataFrame, object]:
    from tracker.dashboards import charts, platforms

    del session, targets
    stages = platforms.stage_frame(per_quarter_values(results, cat))
    return stages, charts.platform_chart(stages, [p.key for p in platforms.PLATFORMS])


def view_structure(session: Session, results: pd.DataFrame, cat: Catalogue,
                   targets: pd.DataFrame, code: str, year: int) -> pd.DataFrame:
    del session
    return structure_year_summary(results, cat, targets, code, year)


def view_structure_trend(session: Session, results: pd.DataFrame, cat: Catalogue,
                         targets: pd.DataFrame, code: str, kpi_id: int,
                         today: date | None = None) -> tuple[pd.DataFrame, object]:
    from tracker.dashboards import charts

    progress = quarter_progress(session, today or date.today())
    trend = structure_trend(results, cat, targets, code, kpi_id, progress)
    return trend, charts.trend_chart(trend, kpi_name(cat, kpi_id, get_language()),
                                     cat.kpis.loc[kpi_id, "unit"], structure=code,
                                     code=str(cat.kpis.loc[kpi_id, "code"]))
