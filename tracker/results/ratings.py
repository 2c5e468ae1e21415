"""Confidence ratings: when submitting a quarter the DSI rates each key KPI of their structure
(the active KPIs with a yearly target and a direction, computed ones apart) on the delivery
scale « en bonne voie / difficultés surmontables / difficultés sérieuses / hors d'atteinte »,
with a short reason; ASIN's validator adds its own rating.

Rules: a DSI rates only their own structure, only while its quarter can be edited (draft or
returned, in the window or reopened), as the entry page allows; ASIN's rating is given by whoever
may validate, once the quarter is submitted (or validated). A reason (500 characters at most) is
required for the two bad levels. Each rating carries a version: a save against a rating that
changed since it was shown is refused with the usual message and writes nothing; every change is
audited. Who reads ratings: the quarter's ratings once it is validated, to everyone; before, to
whoever reads the structure's drafts or validates. The disagreement flag, which needs the
forecast, is decided in ``tracker.dashboards.confidence``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, may, require
from tracker.core import audit
from tracker.core import cells as read
from tracker.core import repository as repo
from tracker.core.errors import (
    NotFound,
    PermissionDenied,
    RowError,
    StaleEdit,
    ValidationFailed,
)
from tracker.core.i18n import get_language, t
from tracker.core.models import (
    ConfidenceLevel,
    ConfidenceRating,
    Kpi,
    RatingSource,
    Structure,
    Submission,
    SubmissionStatus,
)
from tracker.core.periods import get_window
from tracker.core.tables import ColumnSpec
from tracker.results import completeness, review
from tracker.results.entry import (
    COMPUTED_KPIS,
    EntryRow,
    can_edit,
    entry_sheet,
    get_submission,
    save_entries,
    target_for,
    targets_lookup,
)

LEVELS = tuple(level.value for level in ConfidenceLevel)  # best first
RANK = {level: rank for rank, level in enumerate(LEVELS, start=1)}  # 1 best … 4 worst
REASON_REQUIRED = (ConfidenceLevel.serious.value, ConfidenceLevel.out_of_reach.value)
REASON_MAX = 500
SOURCES = tuple(source.value for source in RatingSource)
RATING_COLUMNS = ["code", "label", "level", "reason"]
# Where ASIN may rate: a declaration it has received.
ASIN_STATUSES = (SubmissionStatus.submitted, SubmissionStatus.validated)


def level_label(level: object) -> str:
    """« en bonne voie », « hors d'atteinte »… (empty for no level)."""
    return t(f"ratings.levels.{level}") if isinstance(level, str) and level in RANK else ""


def level_choices() -> dict[str, str]:
    """The scale as a select offers it: label (in the user's language) → level."""
    return {level_label(level): level for level in LEVELS}


# --- reading ------------------------------------------------------------------------------


def key_kpis(session: Session, structure_id: int, year: int) -> list[Kpi]:
    """The KPIs a structure rates for a year: active, neither computed nor neutral, with a
    yearly target (its own or the national one), in catalogue order."""
    lookup = targets_lookup(session, year)
    return [k for k in repo.list_kpis(session, active_only=True)
            if k.id is not None and k.code not in COMPUTED_KPIS and k.direction != "neutral"
            and target_for(lookup, k.id, structure_id, 0) is not None]


def may_read(actor: Actor | None, structure_id: int, status: str | None) -> bool:
    """Ratings of a quarter are read by all once it is validated; before, by whoever reads the
    structure's drafts or validates."""
    return status == SubmissionStatus.validated or may(actor, Action.read_drafts, structure_id) \
        or may(actor, Action.validate)


def kpi_label(kpi: Kpi) -> str:
    return kpi.label_en or kpi.label_fr if get_language() == "en" else kpi.label_fr


@dataclass
class RatingSheet:
    """A structure's key KPIs for one quarter with both ratings; ``frame`` (index kpi_id):
    code, label, level, reason (the rating of ``source`` as it can be edited), version, and
    the other source's level and reason (``other_level``, ``other_reason``)."""

    structure_id: int
    year: int
    quarter: int
    source: str
    editable: bool
    frame: pd.DataFrame


def _ratings(session: Session, structure_id: int, year: int,
             quarter: int) -> dict[tuple[int, str], ConfidenceRating]:
    return {(r.kpi_id, r.source): r for r in session.exec(select(ConfidenceRating).where(
        ConfidenceRating.structure_id == structure_id, ConfidenceRating.year == year,
        ConfidenceRating.quarter == quarter))}


def rating_sheet(session: Session, actor: Actor, structure_id: int, year: int, quarter: int,
                 source: str, today: date) -> RatingSheet:
    """The table « Niveau de confiance » of the entry page (``dsi``) or of the validation page
    (``asin``), with whether this actor may change it now."""
    submission = get_submission(session, structure_id, year, quarter)
    status = submission.status if submission else None
    if source == RatingSource.dsi:
        require(actor, Action.rate_confidence, structure_id)
        editable = can_edit(actor, submission, get_window(session, year, quarter), today)
    elif source == RatingSource.asin:
        require(actor, Action.validate)
        editable = status in ASIN_STATUSES
    else:
        raise NotFound(t("common.not_found"))
    ratings = _ratings(session, structure_id, year, quarter)
    other = RatingSource.asin if source == RatingSource.dsi else RatingSource.dsi
    rows = []
    for kpi in key_kpis(session, structure_id, year):
        assert kpi.id is not None
        mine, theirs = ratings.get((kpi.id, source)), ratings.get((kpi.id, other))
        rows.append({"kpi_id": kpi.id, "code": kpi.code, "label": kpi_label(kpi),
                     "level": level_label(mine.level) if mine else None,
                     "reason": mine.reason if mine else "",
                     "version": mine.version if mine else None,
                     "other_level": level_label(theirs.level) if theirs else "",
                     "other_reason": theirs.reason if theirs else ""})
    frame = pd.DataFrame(rows, columns=["kpi_id", *RATING_COLUMNS, "version", "other_level",
                                        "other_reason"]).set_index("kpi_id")
    return RatingSheet(structure_id, year, quarter, str(source), editable, frame)


RATINGS_FRAME_COLUMNS = ["structure_id", "kpi_id", "year", "quarter", "source", "level",
                         "reason", "author", "updated_at"]


def ratings_frame(session: Session, actor: Actor | None, year: int,
                  quarter: int | None = None, structure_id: int | None = None) -> pd.DataFrame:
    """Every rating of a year (or one quarter, or one structure) this actor may read: one row
    per structure, KPI, quarter and source, with its author's name."""
    # Plain columns, not objects: a decade's quarter holds thousands of ratings.
    r = ConfidenceRating
    statement = select(r.structure_id, r.kpi_id, r.year, r.quarter, r.source,  # type: ignore[call-overload]
                       r.level, r.reason, r.author_id, r.updated_at).where(r.year == year)
    if quarter is not None:
        statement = statement.where(r.quarter == quarter)
    if structure_id is not None:
        statement = statement.where(r.structure_id == structure_id)
    rows = session.exec(statement.order_by(col(r.id))).all()
    states = {(sid, q): status for sid, q, status in session.exec(
        select(Submission.structure_id, Submission.quarter, Submission.status)
        .where(Submission.year == year))}
    names = {u.id: u.display_name for u in repo.list_users(session)}
    out = [{"structure_id": sid, "kpi_id": kpi_id, "year": y, "quarter": q, "source": source,
            "level": level, "reason": reason,
            "author": names.get(author_id, "") if author_id else "", "updated_at": updated_at}
           for sid, kpi_id, y, q, source, level, reason, author_id, updated_at in rows
           if may_read(actor, sid, states.get((sid, q)))]
    return pd.DataFrame(out, columns=RATINGS_FRAME_COLUMNS)


# --- writing ------------------------------------------------------------------------------


@dataclass
class RatingRow:
    """One KPI's rating as typed: ``level`` a level or its label (None: not rated),
    ``seen_version`` the rating's version on screen (None: none was shown)."""

    position: int
    kpi_code: str
    level: object = None
    reason: str = ""
    seen_version: int | None = None


def rating_rows_from_frame(edited: pd.DataFrame) -> list[RatingRow]:
    """The ratings table as typed, row by row (positions as shown, 1-based)."""
    rows = []
    for position, (_, row) in enumerate(edited.iterrows(), start=1):
        level, reason, version = row.get("level"), row.get("reason"), row.get("version")
        rows.append(RatingRow(
            position=position, kpi_code=str(row["code"]),
            level=None if read.is_blank(level) else level,
            reason="" if read.is_blank(reason) else str(reason),
            seen_version=None if read.is_blank(version) else int(version)))
    return rows


def _level_of(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if text in RANK:
        return text
    by_label = {label.casefold(): level for label, level in level_choices().items()}
    by_label |= {t(f"ratings.levels.{level}", lang="fr").casefold(): level for level in LEVELS}
    return by_label.get(text.casefold(), "?") if text else None


def _checked(kpis: dict[str, Kpi], rows: Sequence[RatingRow]
             ) -> tuple[list[tuple[Kpi, RatingRow, str | None]], list[RowError]]:
    clean, errors = [], []
    for row in rows:
        kpi = kpis.get(row.kpi_code)
        if kpi is None:
            errors.append(RowError(row.position, t("ratings.col.code"),
                                   t("ratings.not_key", code=row.kpi_code)))
            continue
        level = _level_of(row.level)
        reason = (row.reason or "").strip()
        if level == "?":
            errors.append(RowError(row.position, t("ratings.col.level"),
                                   t("ratings.bad_level", value=str(row.level))))
        elif level in REASON_REQUIRED and not reason:
            errors.append(RowError(row.position, t("ratings.col.reason"),
                                   t("ratings.reason_required", level=level_label(level))))
        elif len(reason) > REASON_MAX:
            errors.append(RowError(row.position, t("ratings.col.reason"),
                                   t("ratings.reason_too_long", n=REASON_MAX)))
        else:
            clean.append((kpi, row, level))
    return clean, errors


def save_ratings(session: Session, actor: Actor, structure_id: int, year: int, quarter: int,
                 source: str, rows: Sequence[RatingRow], *, today: date) -> int:
    """Save a structure's ratings of one source for a quarter: every row valid and fresh, or
    nothing written. Returns the number of ratings created, changed or removed."""
    sheet = rating_sheet(session, actor, structure_id, year, quarter, source, today)
    if not sheet.editable:
        raise PermissionDenied(t("ratings.locked") if source == RatingSource.dsi
                               else t("ratings.not_received"))
    structure = session.get(Structure, structure_id)
    if structure is None:
        raise NotFound(t("common.not_found"))
    kpis = {k.code: k for k in key_kpis(session, structure_id, year)}
    clean, errors = _checked(kpis, rows)
    if errors:
        raise ValidationFailed(t("common.errors_title"), errors)
    existing = _ratings(session, structure_id, year, quarter)
    written = 0
    for kpi, row, level in clean:
        assert kpi.id is not None
        label = f"{structure.code} {year}-T{quarter} {kpi.code} ({source})"
        rating = existing.get((kpi.id, source))
        reason = (row.reason or "").strip()
        if rating is None:
            if row.seen_version is not None:  # shown, then removed by someone else
                raise StaleEdit(t("common.stale_concurrent"))
            if level is None:
                continue
            rating = ConfidenceRating(structure_id=structure_id, year=year, quarter=quarter,
                                      kpi_id=kpi.id, source=source, level=level, reason=reason,
                                      author_id=actor.id)
            audit.add_new(session, actor, rating)
            audit.created(session, actor, rating, label=label,
                          entered={"level": level, "reason": reason})
            written += 1
        elif level is None:
            audit.ensure_fresh(session, rating, row.seen_version)
            audit.record(session, actor, "delete", rating, label=label,
                         changes={"level": (rating.level, None),
                                  "reason": (rating.reason, None)})
            session.delete(rating)
            session.flush()
            written += 1
        elif audit.save_edit(session, actor, rating, row.seen_version,
                             {"level": level, "reason": reason, "author_id": actor.id},
                             label=label):
            written += 1
    return written


def unrated(sheet: RatingSheet, rows: Sequence[RatingRow]) -> list[str]:
    """The key KPIs left without a level in the table as typed: « CODE — libellé »."""
    given = {r.kpi_code for r in rows if _level_of(r.level) not in (None, "?")}
    return [f"{r.code} — {r.label}" for r in sheet.frame.itertuples() if r.code not in given]


def save_draft_with_ratings(session: Session, actor: Actor, structure_id: int, year: int,
                            quarter: int, entries: Sequence[EntryRow],
                            ratings: Sequence[RatingRow], *, seen_version: int | None,
                            today: date) -> int:
    """The entry page's « Enregistrer »: the sheet and the DSI's ratings, in one transaction."""
    written = save_ratings(session, actor, structure_id, year, quarter, RatingSource.dsi,
                           ratings, today=today)
    return save_entries(session, actor, structure_id, year, quarter, entries,
                        seen_version=seen_version, today=today) + written


def submit_with_ratings(session: Session, actor: Actor, structure_id: int, year: int,
                        quarter: int, entries: Sequence[EntryRow], ratings: Sequence[RatingRow],
                        *, seen_version: int | None, today: date,
                        reasons: Mapping[str, str] | None = None) -> list[str]:
    """The entry page's « Soumettre »: the DSI's ratings saved, then the sheet saved with the
    reasons given (``reasons``: code → reason, written as the comment of a KPI whose comment is
    empty) and submitted, all in one transaction, against the versions the user saw. Refused,
    writing nothing, while a blank KPI or a flagged value has no reason
    (``completeness.refuse_unexplained``). Returns the key KPIs left unrated (the submission is
    not refused for them)."""
    save_ratings(session, actor, structure_id, year, quarter, RatingSource.dsi, ratings,
                 today=today)
    save_entries(session, actor, structure_id, year, quarter,
                 completeness.with_reasons(entries, {c: r for c, r in (reasons or {}).items()
                                                     if c not in COMPUTED_KPIS}),
                 seen_version=seen_version,
                 today=today)
    completeness.refuse_unexplained(  # on the sheet as saved, flags computed afresh
        entry_sheet(session, actor, structure_id, year, quarter, today).frame)
    submission = get_submission(session, structure_id, year, quarter)
    assert submission is not None  # save_entries created it
    review.submit(session, actor, structure_id, year, quarter, seen_version=submission.version,
                  today=today)
    sheet = rating_sheet(session, actor, structure_id, year, quarter, RatingSource.dsi, today)
    return [f"{r.code} — {r.label}" for r in sheet.frame.itertuples() if read.is_blank(r.level)]


def rating_column_specs() -> dict[str, ColumnSpec]:
    """The ratings table: code and label read-only, the level a select in the user's language,
    the reason free text."""
    return {"code": ColumnSpec("text", t("ratings.col.code"), disabled=True),
            "label": ColumnSpec("text", t("ratings.col.label"), disabled=True),
            "level": ColumnSpec("select", t("ratings.col.level"),
                                options=tuple(level_choices())),
            "reason": ColumnSpec("text", t("ratings.col.reason"),
                                 help=t("ratings.reason_help", n=REASON_MAX))}

