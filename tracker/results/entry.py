"""Quarterly results: entry by the DSI, submission, validation by ASIN, imports, history.

Rules: a DSI reads and writes only their own structure's drafts; leadership and viewers see
validated results only; admins see all. A submission moves draft → submitted → validated, or
back to returned with a comment; a validated or late submission is reopened by ASIN only. Entry
is open in the quarter's window (or after a reopening). Every accepted change is audited; a
stale save or a rejected import writes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import (
    Action,
    may,
    own_structure,
    reads_drafts_anywhere,
    require,
    writes_for_own_structure_only,
)
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
from tracker.core.formats import format_number, format_percent, format_value
from tracker.core.i18n import get_language, t
from tracker.core.models import (
    AuditEvent,
    Kpi,
    Result,
    ResultSource,
    Structure,
    Submission,
    SubmissionStatus,
    SubmissionWindow,
    Target,
)
from tracker.core.periods import get_window, previous_quarter
from tracker.core.refdata import KpiRef
from tracker.core.tables import ColumnSpec
from tracker.results.kpis import KpiRule, display_value, far_from_target, jump_flag, target_keys
from tracker.results.values import is_empty_entry, read_number, validate_value

EDITABLE_STATUSES = (None, SubmissionStatus.draft, SubmissionStatus.returned)


def rule_of(kpi: Kpi | KpiRef) -> KpiRule:
    return KpiRule(code=kpi.code, unit=kpi.unit, direction=kpi.direction,
                   agg_quarters=kpi.agg_quarters, agg_structures=kpi.agg_structures,
                   ratio=kpi.ratio)


# --- reading ------------------------------------------------------------------------------


def get_submission(session: Session, structure_id: int, year: int,
                   quarter: int) -> Submission | None:
    return session.exec(select(Submission).where(
        Submission.structure_id == structure_id, Submission.year == year,
        Submission.quarter == quarter)).first()


def targets_lookup(session: Session, year: int) -> dict[tuple[int, int | None, int], float]:
    """Targets of a year keyed by (kpi_id, structure_id or None, quarter; 0 = whole year)."""
    rows = session.exec(select(Target).where(Target.year == year)).all()
    return {(r.kpi_id, r.structure_id, r.quarter): r.value for r in rows}


def target_for(lookup: dict[tuple[int, int | None, int], float], kpi_id: int,
               structure_id: int | None, quarter: int) -> float | None:
    """The target that applies (``kpis.target_keys``), from a year's targets lookup."""
    for sid, q in target_keys(structure_id, quarter):
        if (kpi_id, sid, q) in lookup:
            return lookup[(kpi_id, sid, q)]
    return None


def can_edit(actor: Actor, submission: Submission | None, window: SubmissionWindow | None,
             today: date) -> bool:
    """Entry is open to the structure's DSI in the window (or once reopened), and to ASIN,
    while the submission is a draft or returned."""
    status = submission.status if submission else None
    if status not in EDITABLE_STATUSES:
        return False
    if reads_drafts_anywhere(actor):
        return True
    if not writes_for_own_structure_only(actor):
        return False
    if submission is not None and submission.reopened:
        return True
    return window is not None and window.opens_on <= today <= window.closes_on


@dataclass
class EntrySheet:
    """What the entry page shows for one structure and quarter."""

    structure_id: int
    structure_code: str
    structure_name: str
    year: int
    quarter: int
    status: str | None
    submission_version: int | None
    review_comment: str
    editable: bool
    window: SubmissionWindow | None
    frame: pd.DataFrame
    flags: list[str] = field(default_factory=list)


# The grid as drawn, left to right: at 1280 px it holds without a sideways scroll, with
# « Commentaire » in view and « 330 204 441 » read in full. The code, the full name and the
# previous quarter stay in the frame (the lists under the grid, the flags, the history).
ENTRY_COLUMNS = ["label", "unit", "target", "value", "numerator", "denominator", "rate",
                 "comment", "flag", "evidence_url"]
ENTRY_INPUTS = ["value", "numerator", "denominator", "comment", "evidence_url"]
# The KPI's name in full, wrapped on up to three lines (the page asks for tall rows); the
# figures narrow enough that the whole grid fits 1280 px without scrolling sideways.
ENTRY_WIDTHS = {"label": 180, "unit": 44, "target": 74, "value": 92, "numerator": 74,
                "denominator": 74, "rate": 58, "comment": 110, "flag": 50, "evidence_url": 58}


def _plain_number(value: float | None, unit: str) -> str:
    """A reference figure without its unit (the unit has its own column): « 1 000 », « 87,5 »."""
    if value is None:
        return ""
    if unit == "bool":
        return format_value(value, unit)
    return format_number(value, 0 if unit in ("count", "xof") else 1).replace(
        "\u202f", " ").replace("\u00a0", " ")


def rate_text(numerator: object, denominator: object) -> str:
    """The rate of a ratio KPI as typed (« 13 185 » / « 13 248 » → « 99,5 % »); empty when
    either figure is missing or not a number, or the denominator is 0."""
    num, den = read_number(numerator), read_number(denominator)
    if num is None or den is None or den == 0:
        return ""
    return format_percent(100.0 * num / den).replace("\u202f", " ")


def _typed_figure(row: dict[str, object]) -> float | None:
    """The figure a typed row stands for (the rate of a ratio), as read for the flags."""
    if row.get("ratio"):
        num, den = read_number(row.get("numerator")), read_number(row.get("denominator"))
        return None if num is None or den is None or den == 0 else 100.0 * num / den
    if row.get("unit_code") == "bool":
        return None
    return read_number(row.get("value"))


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def row_flags(row: dict[str, object]) -> tuple[list[str], list[str]]:
    """The flags of one row of the grid, from its figures as typed: full sentences and their
    short forms (« ×3 », « cible »)."""
    shown, before = _typed_figure(row), _number(row.get("previous_value"))
    target = _number(row.get("target_value"))
    flags, short = [], []
    if jump_flag(shown, before):
        flags.append(t("results.flag_jump_from",
                       previous=format_value(before, str(row.get("unit_code")))))
        short.append(t("results.flag_jump_short"))
    if far_from_target(str(row.get("direction")), shown, target):
        flags.append(t("results.flag_target"))
        short.append(t("results.flag_target_short"))
    return flags, short


def with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """The grid with what follows from its figures as typed: the « Taux » of ratio KPIs
    (numerator / denominator) and the flags (« Alerte », and their sentences)."""
    if frame.empty:
        return frame
    shown = frame.copy()
    shown["rate"] = [rate_text(n, d) if ratio else "" for n, d, ratio in zip(
        shown["numerator"], shown["denominator"], shown["ratio"], strict=True)]
    flags = [row_flags(row) for row in shown.to_dict("records")]
    shown["flag"] = [" · ".join(short) for _, short in flags]
    shown["flag_text"] = [" · ".join(full) for full, _ in flags]
    return shown


def _text_of(kpi: Kpi, number: float | None) -> str:
    if number is None or pd.isna(number):
        return ""
    if kpi.unit == "bool":
        return t("common.yes") if number else t("common.no")
    return format_value(number, "count" if float(number).is_integer() else "").replace(
        "\u202f", " ").replace("\u00a0", " ")


def entry_sheet(session: Session, actor: Actor, structure_id: int, year: int, quarter: int,
                today: date) -> EntrySheet:
    """One row per active KPI: target, previous quarter's value, this quarter's entry, flags."""
    require(actor, Action.enter_results, structure_id)
    structure = session.get(Structure, structure_id)
    if structure is None:
        raise NotFound(t("common.not_found"))
    submission = get_submission(session, structure_id, year, quarter)
    window = get_window(session, year, quarter)
    kpis = repo.list_kpis(session, active_only=True)
    current = {r.kpi_id: r for r in session.exec(select(Result).where(
        Result.structure_id == structure_id, Result.year == year, Result.quarter == quarter))}
    py, pq = previous_quarter(year, quarter)
    previous = {r.kpi_id: r for r in session.exec(select(Result).where(
        Result.structure_id == structure_id, Result.year == py, Result.quarter == pq))}
    lookup = targets_lookup(session, year)
    rows = []
    for kpi in kpis:
        if kpi.code in COMPUTED_KPIS:
            continue
        assert kpi.id is not None
        rule = rule_of(kpi)
        res, prev = current.get(kpi.id), previous.get(kpi.id)
        target = target_for(lookup, kpi.id, structure_id, quarter)
        before = display_value(rule, prev.value, prev.numerator, prev.denominator) if prev else None
        label = kpi.label_fr if get_language() == "fr" else kpi.label_en or kpi.label_fr
        rows.append({
            "kpi_id": kpi.id, "code": kpi.code, "label": label,
            "full_label": f"{kpi.code} — {label}",
            "unit": t(f"results.units_short.{kpi.unit}"),
            "target": _plain_number(target, kpi.unit),
            "previous": _plain_number(before, kpi.unit),
            "value": "" if kpi.ratio or res is None else _text_of(kpi, res.value),
            "numerator": _text_of(kpi, res.numerator) if res and kpi.ratio else "",
            "denominator": _text_of(kpi, res.denominator) if res and kpi.ratio else "",
            "rate": "", "comment": res.comment if res else "",
            "evidence_url": res.evidence_url if res else "",
            "flag": "", "flag_text": "", "ratio": kpi.ratio,
            # what the rate and the flags follow from as the user types (``with_rates``)
            "unit_code": kpi.unit, "direction": kpi.direction, "target_value": target,
            "previous_value": before, "result_version": res.version if res else None,
        })
    frame = with_rates(pd.DataFrame(rows).set_index("kpi_id")) if rows else pd.DataFrame()
    return EntrySheet(
        structure_id=structure_id, structure_code=structure.code,
        structure_name=structure.name_fr, year=year, quarter=quarter,
        status=submission.status if submission else None,
        submission_version=submission.version if submission else None,
        review_comment=submission.review_comment if submission else "",
        editable=can_edit(actor, submission, window, today), window=window, frame=frame,
        flags=[f"{r.full_label} : {r.flag_text}" for r in frame.itertuples() if r.flag]
        if not frame.empty else [])


COMPUTED_KPIS = ("CDSI_RECO", "CDSI_PRES")


# --- writing ------------------------------------------------------------------------------


@dataclass
class EntryRow:
    """One KPI's entry as typed by the user; ``position`` is the row as shown (1-based)."""

    position: int
    kpi_code: str
    value: object = None
    numerator: object = None
    denominator: object = None
    comment: str = ""
    evidence_url: str = ""


def ensure_submission(session: Session, actor: Actor | None, structure_id: int, year: int,
                       quarter: int, seen_version: int | None, *, check: bool) -> Submission:
    """The quarter's declaration of a structure, created (a draft, audited) when missing; with
    ``check``, still the version the user saw. Asked by whoever may enter the structure's
    results or review declarations, and no one else."""
    if not (may(actor, Action.enter_results, structure_id) or may(actor, Action.validate)):
        raise PermissionDenied(t("common.permission"))
    submission = get_submission(session, structure_id, year, quarter)
    if submission is None:
        if check and seen_version is not None:
            # The user saw a submission that is gone (reopened elsewhere and removed).
            raise StaleEdit(t("common.stale_concurrent"))
        window = get_window(session, year, quarter)
        submission = Submission(structure_id=structure_id, year=year, quarter=quarter,
                                deadline=window.closes_on if window else None)
        audit.stamp(submission, actor)
        session.add(submission)
        try:
            session.flush()
        except IntegrityError as exc:  # someone created it at the same moment
            raise StaleEdit(t("common.stale_concurrent")) from exc
        code = repo.structure_codes_by_id(session).get(structure_id, str(structure_id))
        audit.created(session, actor, submission, label=f"{code} {year}-T{quarter}")
        return submission
    if check:
        audit.ensure_fresh(session, submission, seen_version)
    return submission


def _write_result(session: Session, actor: Actor | None, kpi: Kpi, structure: Structure,
                  year: int, quarter: int, values: dict[str, object], source: str,
                  status: str) -> bool:
    """Insert or update one result; returns True when something changed (audited)."""
    result = session.exec(select(Result).where(
        Result.structure_id == structure.id, Result.kpi_id == kpi.id, Result.year == year,
        Result.quarter == quarter)).first()
    label = f"{structure.code} {kpi.code} {year}-T{quarter}"
    if result is None:
        # Nothing typed, not even a reason for leaving it blank: no row.
        if all(values.get(k) in (None, "") for k in ("value", "numerator", "denominator",
                                                    "comment")):
            return False
        assert structure.id is not None and kpi.id is not None
        result = Result(structure_id=structure.id, kpi_id=kpi.id, year=year, quarter=quarter,
                        source=source, status=status, **values)  # type: ignore[arg-type]
        audit.stamp(result, actor)
        session.add(result)
        audit.created(session, actor, result, label=label, entered=values)
        return True
    changes = audit.apply_changes(result, values)
    if not changes:
        return False
    result.source = source
    result.status = status
    audit.stamp(result, actor)
    session.add(result)
    audit.record(session, actor, "update", result, label=label, changes=changes)
    return True


def _validated_rows(kpis: dict[str, Kpi], rows: Sequence[EntryRow]
                    ) -> tuple[list[tuple[Kpi, dict[str, object]]], list[RowError]]:
    errors: list[RowError] = []
    clean: list[tuple[Kpi, dict[str, object]]] = []
    refs = {k.code: KpiRef(code=k.code, group=k.group, label_fr=k.label_fr, label_en=k.label_en,
                           unit=k.unit, direction=k.direction, agg_quarters=k.agg_quarters,
                           agg_structures=k.agg_structures, ratio=k.ratio,
                           indicative_target=k.indicative_target, platform=k.platform,
                           gtmi=k.gtmi, note=k.note) for k in kpis.values()}
    for row in rows:
        kpi = kpis.get(row.kpi_code)
        if kpi is None:
            errors.append(RowError(row.position, t("results.col_code"),
                                   t("results.unknown_kpi", code=row.kpi_code)))
            continue
        if is_empty_entry(row.value, row.numerator, row.denominator):
            values: dict[str, object] = {"value": None, "numerator": None, "denominator": None}
        else:
            cleaned, problems = validate_value(refs[kpi.code], value=row.value,
                                               numerator=row.numerator,
                                               denominator=row.denominator)
            if problems:
                errors.extend(RowError(row.position, f"{kpi.code} · {column}", reason)
                              for column, reason in problems)
                continue
            values = {"value": cleaned.value, "numerator": cleaned.numerator,
                      "denominator": cleaned.denominator}
        values["comment"] = (row.comment or "").strip()
        values["evidence_url"] = (row.evidence_url or "").strip()[:500]
        clean.append((kpi, values))
    return clean, errors


def save_entries(session: Session, actor: Actor, structure_id: int, year: int, quarter: int,
                 rows: Sequence[EntryRow], *, seen_version: int | None, today: date) -> int:
    """Save a draft: every row valid or nothing saved; the submission version the user saw must
    still be current (two people saving the same submission: the second is refused)."""
    require(actor, Action.enter_results, structure_id)
    structure = session.get(Structure, structure_id)
    if structure is None:
        raise NotFound(t("common.not_found"))
    submission = get_submission(session, structure_id, year, quarter)
    if not can_edit(actor, submission, get_window(session, year, quarter), today):
        raise PermissionDenied(t("results.locked"))
    kpis = {k.code: k for k in repo.list_kpis(session, active_only=True)}
    clean, errors = _validated_rows(kpis, rows)
    if errors:
        raise ValidationFailed(t("common.errors_title"), errors)
    submission = ensure_submission(session, actor, structure_id, year, quarter, seen_version,
                                    check=True)
    status = submission.status if submission.status != SubmissionStatus.returned else \
        SubmissionStatus.returned
    written = sum(_write_result(session, actor, kpi, structure, year, quarter, values,
                                ResultSource.entered, status) for kpi, values in clean)
    # Touch the submission so that a concurrent editor who saw the old version is refused.
    audit.stamp(submission, actor)
    session.add(submission)
    session.flush()
    return written


# --- history ------------------------------------------------------------------------------


def result_history(session: Session, actor: Actor, structure_id: int, kpi_code: str, year: int,
                   quarter: int) -> pd.DataFrame:
    """Who entered or changed a result, when, old and new values (visible results only)."""
    kpi = repo.get_kpi_by_code(session, kpi_code)
    if kpi is None:
        raise NotFound(t("common.not_found"))
    result = session.exec(select(Result).where(
        Result.structure_id == structure_id, Result.kpi_id == kpi.id, Result.year == year,
        Result.quarter == quarter)).first()
    if result is None:
        return pd.DataFrame(columns=["at", "user_login", "field", "old_value", "new_value"])
    if result.status != SubmissionStatus.validated \
            and not may(actor, Action.read_drafts, structure_id):
        raise PermissionDenied(t("common.permission"))
    events = session.exec(select(AuditEvent).where(
        AuditEvent.object_type == "Result", AuditEvent.object_id == result.id)
        .order_by(col(AuditEvent.at))).all()
    return pd.DataFrame([{"at": e.at, "user_login": e.user_login, "field": e.field,
                          "old_value": e.old_value, "new_value": e.new_value} for e in events],
                        columns=["at", "user_login", "field", "old_value", "new_value"])


def entry_rows_from_frame(edited: pd.DataFrame) -> list[EntryRow]:
    """The entry grid as typed, row by row (positions as shown, 1-based)."""
    rows = []
    for position, (_, row) in enumerate(edited.iterrows(), start=1):
        def cell(name: str, row: pd.Series = row) -> object:
            value = row.get(name)
            return None if read.is_blank(value) else value
        rows.append(EntryRow(position=position, kpi_code=str(row["code"]), value=cell("value"),
                             numerator=cell("numerator"), denominator=cell("denominator"),
                             comment=str(cell("comment") or ""),
                             evidence_url=str(cell("evidence_url") or "")))
    return rows


def structure_choices(session: Session, actor: Actor, today: date) -> list[tuple[int, str]]:
    """Structures this actor may enter results for, as « CODE — Nom »: a DSI their own, ASIN
    every one in force."""
    def named(s: Structure) -> str:
        name = (s.name_en or s.name_fr) if get_language() == "en" else s.name_fr
        return f"{s.code} — {name}"

    mine = own_structure(actor)
    if mine is not None:
        own = session.get(Structure, mine)
        return [(mine, named(own) if own else "?")]
    require(actor, Action.enter_for_any)
    return [(s.id or 0, named(s)) for s in repo.list_structures(session) if s.in_force(today)]


def quarter_choices(today: date, years_back: int = 3) -> list[tuple[int, int]]:
    """Recent quarters, newest first, for pickers."""
    from tracker.core.periods import quarter_of

    year, quarter = today.year, quarter_of(today)
    out = []
    for _ in range(4 * years_back + 1):
        out.append((year, quarter))
        year, quarter = previous_quarter(year, quarter)
    return out


def entry_column_specs() -> dict[str, ColumnSpec]:
    """Labels of the entry grid; only value, numerator, denominator, comment and link are
    typed into (as text, so that "12 450 000", "87,5" or "oui" read as the user wrote them)."""
    helps = {"label": t("results.label_help"), "unit": t("results.unit_help"),
             "target": t("results.target_help"),
             "rate": t("results.rate_help"), "flag": t("results.flag_help")}
    specs = {name: ColumnSpec("text", t(f"results.col_{name}"), disabled=True,
                              help=helps.get(name, ""))
             for name in ENTRY_COLUMNS}
    for name in ENTRY_INPUTS:
        specs[name] = ColumnSpec("text", t(f"results.col_{name}"))
    specs["evidence_url"] = ColumnSpec("text", t("results.col_link"), help=t("results.link_help"))
    for name in ("numerator", "denominator", "flag"):  # short headers, the full name in help
        specs[name] = ColumnSpec("text", t(f"results.col_{name}_short"), help=t(
            f"results.col_{name}"), disabled=specs[name].disabled)
    return specs


# Figures read right-aligned, like numbers.
ENTRY_NUMBERS = ("target", "previous", "value", "numerator", "denominator", "rate")
