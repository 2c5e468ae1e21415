"""What a quarter's declaration leaves out: how many KPIs are filled (« 23/40 renseignés »),
which are blank, and which need a reason before the DSI submits from the entry page.

Rules: a KPI needs a reason when it is blank (no value, or for a ratio no numerator and no
denominator) or when its value is flagged (a jump from the previous quarter, far from the
target) and it has no comment. The reason is the KPI's comment (``Result.comment``; for a blank
KPI, a result with no value and that comment), so it is kept with the value, audited like it, and
read by the validator beside it. The entry page's submission (``ratings.submit_with_ratings``,
checked on the sheet as saved) is refused while a reason is missing; the other ways in
(``review.save_and_submit``, the import of a file, the command line) are not held by it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import pandas as pd
from sqlmodel import Session, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, may
from tracker.core import repository as repo
from tracker.core.errors import NotFound, PermissionDenied, RowError, ValidationFailed
from tracker.core.i18n import get_language, t
from tracker.core.models import Result, Submission
from tracker.core.tables import ColumnSpec
from tracker.results.entry import COMPUTED_KPIS, EntryRow
from tracker.results.values import is_empty_entry

REASON_COLUMNS = ["code", "label", "why", "reason"]
REASON_MAX = 1000
REASON_WIDTHS = {"label": 300, "why": 250}  # the reason takes the rest of the line


@dataclass(frozen=True)
class Completeness:
    """How much of a sheet is filled: ``filled`` of ``total`` KPIs, the blank ones by name."""

    filled: int
    total: int
    blank: list[str]


def _blank(row: Mapping[str, object]) -> bool:
    return is_empty_entry(row.get("value"), row.get("numerator"), row.get("denominator"))


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) \
        else str(value).strip()


def completeness(frame: pd.DataFrame) -> Completeness:
    """The entry grid as shown (or saved): its KPIs with a value, and the blank ones
    (« CODE — libellé »), in the grid's order."""
    if frame.empty:
        return Completeness(0, 0, [])
    rows = frame.to_dict("records")
    blank = [str(r.get("full_label") or r["code"]) for r in rows if _blank(r)]
    return Completeness(len(rows) - len(blank), len(rows), blank)


def reasons_needed(frame: pd.DataFrame, given: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The KPIs of the grid that need a reason before submitting, with why: blank ones, then
    flagged ones without a comment (code, label, why, reason: the one ``given`` earlier for
    that KPI, else empty to fill)."""
    rows = []
    for record in frame.to_dict("records") if not frame.empty else []:
        if _text(record.get("comment")):
            continue
        if _blank(record):
            why = t("results.reason_blank")
        elif _text(record.get("flag")):
            why = _text(record.get("flag_text")) or _text(record.get("flag"))
        else:
            continue
        rows.append({"code": record["code"], "label": record.get("full_label") or record["code"],
                     "why": why, "reason": (given or {}).get(str(record["code"]), "")})
    return pd.DataFrame(rows, columns=REASON_COLUMNS)


def reasons_from_frame(edited: pd.DataFrame) -> dict[str, str]:
    """The reasons typed in the « Motif » table: code → reason (blank ones left out)."""
    if edited.empty:
        return {}
    return {str(code): _text(reason)[:REASON_MAX]
            for code, reason in zip(edited["code"], edited["reason"], strict=True)
            if _text(reason)}


def with_reasons(rows: Sequence[EntryRow], reasons: Mapping[str, str]) -> list[EntryRow]:
    """The entry rows with each reason given written as the KPI's comment where the grid's
    comment is empty (a comment typed in the grid is a reason already); a reason for a KPI
    without a row adds one (no value, the reason)."""
    given = {code: text.strip()[:REASON_MAX] for code, text in reasons.items()
             if (text or "").strip()}
    out = [replace(row, comment=given[row.kpi_code])
           if not (row.comment or "").strip() and row.kpi_code in given else row
           for row in rows]
    present = {row.kpi_code for row in rows}
    out += [EntryRow(position=len(rows) + i, kpi_code=code, comment=text)
            for i, (code, text) in enumerate(
                ((c, r) for c, r in given.items() if c not in present), start=1)]
    return out


def refuse_unexplained(frame: pd.DataFrame) -> None:
    """Refuse (ValidationFailed, one row per KPI, positions as in the grid) a declaration whose
    saved sheet (``entry.entry_sheet``'s frame) still has a blank KPI or a flagged value
    without a reason."""
    needed = reasons_needed(frame)
    if needed.empty:
        return
    positions = {code: i for i, code in enumerate(frame["code"], start=1)}
    labels = list(needed["label"])
    raise ValidationFailed(
        t("results.reasons_missing", n=len(labels), kpis=", ".join(labels)),
        [RowError(positions.get(code, 0), t("results.col_reason"), f"{label} : {why}")
         for code, label, why in zip(needed["code"], needed["label"], needed["why"],
                                     strict=True)])


def blank_kpis(session: Session, actor: Actor, submission_id: int) -> pd.DataFrame:
    """For the validator: the KPIs a declaration leaves blank, with the DSI's reason (code,
    label, reason), in catalogue order."""
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(t("common.not_found"))
    if not (may(actor, Action.validate)
            or may(actor, Action.read_drafts, submission.structure_id)):
        raise PermissionDenied(t("common.permission"))
    current = {r.kpi_id: r for r in session.exec(select(Result).where(
        Result.structure_id == submission.structure_id, Result.year == submission.year,
        Result.quarter == submission.quarter))}
    rows = []
    for kpi in repo.list_kpis(session, active_only=True):
        if kpi.code in COMPUTED_KPIS:
            continue
        result = current.get(kpi.id or 0)
        if result is not None and not is_empty_entry(result.value, result.numerator,
                                                     result.denominator):
            continue
        rows.append({"code": kpi.code,
                     "label": kpi.label_en or kpi.label_fr if get_language() == "en"
                     else kpi.label_fr,
                     "reason": result.comment if result else ""})
    return pd.DataFrame(rows, columns=["code", "label", "reason"])


def reason_column_specs() -> dict[str, ColumnSpec]:
    """The « Motif » table: the KPI and why it needs a reason, read-only; the reason typed."""
    return {"code": ColumnSpec("text", t("results.col_code"), disabled=True),
            "label": ColumnSpec("text", t("results.col_label"), disabled=True),
            "why": ColumnSpec("text", t("results.col_why"), disabled=True),
            "reason": ColumnSpec("text", t("results.col_reason"), required=True,
                                 help=t("results.reasons_help"))}
