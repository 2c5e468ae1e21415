"""Confidence ratings beside the forecast, and the disagreement flag.

The forecast is put on the ratings' delivery scale (1 en bonne voie … 4 hors d'atteinte) from
its class and its probability of meeting the target:

- « atteint » (the target is met for good), or « en bonne voie » (probability ≥ 70 %):
  en bonne voie (1);
- « à surveiller » with a probability of 50 % or more: difficultés surmontables (2);
- « à surveiller » under 50 %: difficultés sérieuses (3);
- « compromis » (probability under 30 %, or a year over and missed): hors d'atteinte (4);
- « données insuffisantes »: no forecast level (it takes no part in the comparison).

A line (structure × KPI × quarter) is flagged for the next session when any two of the three
available levels (the DSI's, ASIN's, the forecast's) are two levels apart or more; with fewer
than two levels available nothing is flagged. The forecast compared is the one made from the
validated results known at the end of the rated quarter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlmodel import Session

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import own_structure
from tracker.core import repository as repo
from tracker.core.formats import format_value
from tracker.core.i18n import colon, get_language, t
from tracker.core.models import ConfidenceLevel, RatingSource
from tracker.dashboards import forecast_views as fv
from tracker.dashboards import views as dashboards
from tracker.dashboards.views import Catalogue
from tracker.results import ratings as rt

FLAG_GAP = 2
_BY_CLASS = {"reached": ConfidenceLevel.on_track.value, "on_track": ConfidenceLevel.on_track.value,
             "off_track": ConfidenceLevel.out_of_reach.value}


def forecast_level(forecast_class: object, probability: object = None) -> str | None:
    """The forecast on the ratings' scale (see the module's docstring); None without one."""
    if not isinstance(forecast_class, str):
        return None
    if forecast_class == "watch":
        p = probability if isinstance(probability, float | int) and probability == probability \
            else 0.0
        return ConfidenceLevel.manageable.value if p >= 0.5 else ConfidenceLevel.serious.value
    return _BY_CLASS.get(forecast_class)


def disagrees(levels: Iterable[object]) -> bool:
    """True when two of the available levels are ``FLAG_GAP`` levels apart or more."""
    ranks = [rt.RANK[level] for level in levels if isinstance(level, str) and level in rt.RANK]
    return len(ranks) >= 2 and max(ranks) - min(ranks) >= FLAG_GAP


LINE_COLUMNS = ["structure_id", "structure", "structure_name", "kpi_id", "kpi", "kpi_label",
                "quarter", "dsi_level", "dsi_reason", "dsi_author", "asin_level", "asin_reason",
                "asin_author", "forecast_class", "forecast_level", "flagged"]


def _level(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def lines_frame(ratings: pd.DataFrame, forecasts: pd.DataFrame, codes: dict[int, str],
                names: dict[int, str], cat: Catalogue) -> pd.DataFrame:
    """One line per structure, KPI and quarter rated: both ratings, the forecast's class and
    level (``forecasts``: ``forecast_views.forecast_frame`` rows, by structure code and KPI
    code) and the flag. Pure: frames in, frame out."""
    if ratings.empty:
        return pd.DataFrame(columns=LINE_COLUMNS)
    classes = {(str(s), str(k)): (c, p) for s, k, c, p in zip(
        forecasts["structure"], forecasts["kpi"], forecasts["class"], forecasts["probability"],
        strict=True) if s is not None and s == s} if not forecasts.empty else {}
    lang = get_language()
    keys = ["structure_id", "kpi_id", "quarter"]
    said = ["level", "reason", "author"]

    def side(source: str) -> pd.DataFrame:
        mine = ratings[ratings["source"] == source].drop_duplicates(keys, keep="last")
        return mine.set_index(keys)[said].add_prefix(f"{source}_")

    both = side(RatingSource.dsi.value).join(side(RatingSource.asin.value), how="outer")
    kpi_codes = cat.kpis["code"].astype(str).to_dict()
    kpi_labels = {int(i): str(r["label_en"] or r["label_fr"]) if lang == "en"
                  else str(r["label_fr"]) for i, r in cat.kpis.iterrows()}
    out = []
    for (sid, kpi_id, quarter), row in zip(both.index, both.to_dict("records"), strict=True):
        code = codes.get(int(sid), "?")
        kpi = kpi_codes[int(kpi_id)]
        cls, probability = classes.get((code, kpi), (None, None))
        level = forecast_level(cls, probability)
        dsi_level, asin_level = (_level(row[f"{source}_level"]) for source in ("dsi", "asin"))
        out.append({
            "structure_id": int(sid), "structure": code,
            "structure_name": names.get(int(sid), code),
            "kpi_id": int(kpi_id), "kpi": kpi, "kpi_label": kpi_labels[int(kpi_id)],
            "quarter": int(quarter),
            "dsi_level": dsi_level, "dsi_reason": _text(row["dsi_reason"]),
            "dsi_author": _text(row["dsi_author"]),
            "asin_level": asin_level, "asin_reason": _text(row["asin_reason"]),
            "asin_author": _text(row["asin_author"]),
            "forecast_class": cls, "forecast_level": level,
            "flagged": disagrees([dsi_level, asin_level, level])})
    return pd.DataFrame(out, columns=LINE_COLUMNS).sort_values(
        ["structure", "kpi", "quarter"]).reset_index(drop=True)


def _names(session: Session) -> dict[int, str]:
    english = get_language() == "en"
    return {s.id: (s.name_en or s.name_fr) if english else s.name_fr
            for s in repo.list_structures(session) if s.id is not None}


def _sid_of(session: Session, year: int, quarter: int) -> dict[str, int]:
    codes = dashboards.successor_codes(session)
    return {codes[s.id]: s.id for s in dashboards.structures_in_force(session, year, quarter)
            if s.id is not None}


def quarter_forecasts(session: Session, results: pd.DataFrame, cat: Catalogue,
                      targets: pd.DataFrame, year: int, quarter: int,
                      keys: list[str] | None = None) -> pd.DataFrame:
    """The forecasts as they stood at the end of ``quarter`` (validated results known then)."""
    rows = fv.cut_rows(fv.quarter_rows(results, cat), year, quarter)
    known = min(quarter, fv.known_quarter(rows, year))
    if not known:  # nothing validated this year yet: no forecast (as on « Trajectoires »)
        return pd.DataFrame(columns=[*fv.FORECAST_COLUMNS, "kpi_id"])
    return fv.forecast_frame(rows, cat, targets, year, known, _sid_of(session, year, quarter),
                             keys=keys)


def rating_lines(session: Session, actor: Actor | None, year: int, quarter: int, *,
                 structure_id: int | None = None, forecasts: pd.DataFrame | None = None,
                 data: tuple[pd.DataFrame, Catalogue, pd.DataFrame] | None = None
                 ) -> pd.DataFrame:
    """The rated lines of a quarter this actor may read (a DSI: their own structure's; the
    others: every structure's, validated quarters only unless they read drafts), with the
    forecast and the flag. ``forecasts`` (made at that quarter) and ``data`` (validated
    results, catalogue, targets) are computed when not given."""
    mine = own_structure(actor)
    if mine is not None:
        structure_id = mine if structure_id is None or structure_id == mine else -1
    ratings = rt.ratings_frame(session, actor, year, quarter, structure_id)
    if ratings.empty:
        return pd.DataFrame(columns=LINE_COLUMNS)
    results, cat, targets = data or (dashboards.validated_results(session),
                                      dashboards.catalogue(session),
                                      dashboards.targets_frame(session))
    codes = dashboards.successor_codes(session)
    if forecasts is None:
        wanted = sorted({codes.get(int(s), "?") for s in ratings["structure_id"]})
        forecasts = quarter_forecasts(session, results, cat, targets, year, quarter, wanted)
    return lines_frame(ratings, forecasts, codes, _names(session), cat)


def flagged_lines(session: Session, actor: Actor | None, year: int, quarter: int, *,
                  forecasts: pd.DataFrame | None = None,
                  data: tuple[pd.DataFrame, Catalogue, pd.DataFrame] | None = None
                  ) -> pd.DataFrame:
    """« Points signalés pour la prochaine session »: the lines of a quarter whose ratings and
    forecast disagree by two levels or more (every structure for those who see the national
    picture, their own for a DSI; validated quarters only for readers)."""
    lines = rating_lines(session, actor, year, quarter, forecasts=forecasts, data=data)
    return lines[lines["flagged"].astype(bool)].reset_index(drop=True)


FLAG_DISPLAY = ["structure", "kpi", "dsi", "asin", "forecast"]


def flagged_display(lines: pd.DataFrame) -> pd.DataFrame:
    """Flagged lines as read on screen and in reports: names, levels in words."""
    rating = _said
    return pd.DataFrame({
        "structure": [f"{n} ({c})" for n, c in zip(lines["structure_name"], lines["structure"],
                                                     strict=True)],
        "kpi": list(lines["kpi_label"]),
        "dsi": [rating(lv, r) for lv, r in zip(lines["dsi_level"], lines["dsi_reason"],
                                               strict=True)],
        "asin": [rating(lv, r) for lv, r in zip(lines["asin_level"], lines["asin_reason"],
                                                strict=True)],
        "forecast": [t(f"forecast.classes.{c}") if isinstance(c, str) else "—"
                     for c in lines["forecast_class"]]}, columns=FLAG_DISPLAY)


SECTION_COLUMNS = ["kpi", "actual_to_date", "forecast_value", "interval", "target", "class",
                   "dsi", "asin", "flag"]


@dataclass(frozen=True)
class StructureForecast:
    """« Trajectoires et prévisions » for one structure (fiche ministère, PDF fiche and bilan):
    per KPI with a yearly target, the figure to date, the forecast with its interval, the
    target, the class, both ratings and the flag, every figure written in the user's language
    (``frame``, columns ``SECTION_COLUMNS``)."""

    year: int
    quarter: int
    frame: pd.DataFrame

    @property
    def flagged(self) -> int:
        return int((self.frame["flag"] != "").sum())


def year_forecasts(session: Session, results: pd.DataFrame, cat: Catalogue,
                   targets: pd.DataFrame, year: int, code: str | None = None
                   ) -> tuple[int, pd.DataFrame]:
    """The quarter forecasts of ``year`` are made at (``forecast_views.as_of_quarter``) and
    those forecasts, for one structure (current code) or all: no actor, cacheable."""
    quarter = fv.as_of_quarter(results, year)
    if not quarter:
        return 0, pd.DataFrame(columns=[*fv.FORECAST_COLUMNS, "kpi_id"])
    return quarter, quarter_forecasts(session, results, cat, targets, year, quarter,
                                      None if code is None else [code])


def _label(cat: Catalogue, kpi_id: int) -> str:
    row = cat.kpis.loc[kpi_id]
    return str(row["label_en"] or row["label_fr"]) if get_language() == "en" \
        else str(row["label_fr"])


def _said(level: object, reason: object) -> str:
    text = rt.level_label(level) or "—"
    return f"{text}{colon()}{reason}" if isinstance(reason, str) and reason else text


def structure_forecast(session: Session, actor: Actor | None, structure_id: int, year: int,
                       quarter: int, forecasts: pd.DataFrame,
                       data: tuple[pd.DataFrame, Catalogue, pd.DataFrame]) -> StructureForecast:
    """One structure's section from ``forecasts`` made at the end of ``quarter`` (see
    ``year_forecasts``) and the ratings of that quarter this actor may read."""
    cat = data[1]
    code = dashboards.successor_codes(session).get(structure_id, "?")
    frame = forecasts[forecasts["structure"] == code] if not forecasts.empty else forecasts
    lines = rating_lines(session, actor, year, quarter, structure_id=structure_id,
                         forecasts=frame, data=data) if quarter else \
        pd.DataFrame(columns=LINE_COLUMNS)
    by_kpi = {str(r.kpi): r for r in lines.itertuples()}
    rows = []
    for r in frame.itertuples(index=False):
        unit = str(cat.rules[int(r.kpi_id)].unit)
        line = by_kpi.get(str(r.kpi))
        has = r.forecast is not None and r.forecast == r.forecast
        rows.append({
            "kpi": _label(cat, int(r.kpi_id)),  # the name: officials never read a code
            "actual_to_date": format_value(r.actual_to_date, unit),
            "forecast_value": format_value(r.forecast, unit),
            "interval": f"{format_value(r.low, unit)} – {format_value(r.high, unit)}"
            if has else "—",
            "target": format_value(r.target, unit),
            "class": t(f"forecast.classes.{r[9]}"),  # "class", a keyword: the 10th field
            "dsi": _said(line.dsi_level, line.dsi_reason) if line else "—",
            "asin": _said(line.asin_level, line.asin_reason) if line else "—",
            "flag": t("ratings.flag") if line is not None and line.flagged else ""})
    return StructureForecast(year, quarter, pd.DataFrame(rows, columns=SECTION_COLUMNS))


def cell_sentences(line: pd.Series) -> list[str]:
    """One rated line in words, for the trajectory of a cell: the DSI's level and reason (and
    who gave it), ASIN's, the forecast's level."""
    def said(key: str, level: object, reason: object, author: object) -> str:
        text = f"{t(key)}{colon()}{rt.level_label(level) or '—'}"
        if isinstance(reason, str) and reason:
            text += f" — « {reason} »"
        return text + (f" ({author})" if isinstance(author, str) and author else "")
    return [said("ratings.dsi_rating", line["dsi_level"], line["dsi_reason"], line["dsi_author"]),
            said("ratings.asin_rating", line["asin_level"], line["asin_reason"],
                 line["asin_author"]),
            t("ratings.forecast_rating") + colon()
            + (rt.level_label(line["forecast_level"]) or "—")]
