"""Quarterly results: entry by the DSI, submission, validation by ASIN, imports, history.

Rules: a DSI reads and writes only their own structure's drafts; leadership and viewers see
validated results only; admins see all. A submission moves draft → submitted → validated, or
back to returned with a comment; a validated or late submission is reopened by ASIN only. Entry
is open in the quarter's window (or after a reopening). Every accepted change is audited; a
stale save or a rejected import writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker import audit
from tracker import repository as repo
from tracker.auth import Actor, require_own_structure, require_role
from tracker.db import bulk_writer, collector_paused
from tracker.errors import (
    NotFound,
    PermissionDenied,
    RowError,
    StaleEdit,
    TrackerError,
    ValidationFailed,
)
from tracker.formats import format_number, format_value
from tracker.i18n import get_language, t
from tracker.kpis import KpiRule, display_value, far_from_target, jump_flag
from tracker.models import (
    AuditEvent,
    Kpi,
    Result,
    ResultSource,
    Role,
    Structure,
    Submission,
    SubmissionStatus,
    SubmissionWindow,
    Target,
    utcnow,
)
from tracker.periods import get_window, previous_quarter
from tracker.progress import step
from tracker.refdata import KpiRef
from tracker.reference import kpi_refs, structure_refs
from tracker.results_import import ImportedRow, ImportPreview, read_results_file
from tracker.tables import ColumnSpec
from tracker.values import is_empty_entry, validate_value

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
    """The most specific target: structure and quarter, structure, national quarter, national."""
    keys: list[tuple[int, int | None, int]] = (
        [(kpi_id, structure_id, quarter), (kpi_id, structure_id, 0)] if structure_id else [])
    keys += [(kpi_id, None, quarter), (kpi_id, None, 0)]
    for key in keys:
        if key in lookup:
            return lookup[key]
    return None


def can_edit(actor: Actor, submission: Submission | None, window: SubmissionWindow | None,
             today: date) -> bool:
    """Entry is open to the structure's DSI in the window (or once reopened), and to ASIN,
    while the submission is a draft or returned."""
    status = submission.status if submission else None
    if status not in EDITABLE_STATUSES:
        return False
    if actor.role == Role.admin:
        return True
    if actor.role != Role.dsi:
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


ENTRY_COLUMNS = ["code", "label", "unit", "target", "previous", "value", "numerator",
                 "denominator", "comment", "evidence_url", "flag"]
ENTRY_INPUTS = ["value", "numerator", "denominator", "comment", "evidence_url"]


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
    if actor.role != Role.admin:
        require_own_structure(actor, structure_id)
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
        shown = display_value(rule, res.value, res.numerator, res.denominator) if res else None
        before = display_value(rule, prev.value, prev.numerator, prev.denominator) if prev else None
        flags = []
        if jump_flag(shown, before):
            flags.append(t("results.flag_jump"))
        if far_from_target(kpi.direction, shown, target):
            flags.append(t("results.flag_target"))
        rows.append({
            "kpi_id": kpi.id, "code": kpi.code,
            "label": kpi.label_fr if get_language() == "fr" else kpi.label_en or kpi.label_fr,
            "unit": t(f"results.units.{kpi.unit}") + (" (n/d)" if kpi.ratio else ""),
            "target": format_value(target, kpi.unit) if target is not None else "",
            "previous": format_value(before, kpi.unit) if before is not None else "",
            "value": "" if kpi.ratio or res is None else _text_of(kpi, res.value),
            "numerator": _text_of(kpi, res.numerator) if res and kpi.ratio else "",
            "denominator": _text_of(kpi, res.denominator) if res and kpi.ratio else "",
            "comment": res.comment if res else "", "evidence_url": res.evidence_url if res else "",
            "flag": " · ".join(flags), "ratio": kpi.ratio,
            "result_version": res.version if res else None,
        })
    frame = pd.DataFrame(rows).set_index("kpi_id") if rows else pd.DataFrame()
    return EntrySheet(
        structure_id=structure_id, structure_code=structure.code,
        structure_name=structure.name_fr, year=year, quarter=quarter,
        status=submission.status if submission else None,
        submission_version=submission.version if submission else None,
        review_comment=submission.review_comment if submission else "",
        editable=can_edit(actor, submission, window, today), window=window, frame=frame,
        flags=[f"{r['code']} : {r['flag']}" for r in rows if r["flag"]])


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


def _ensure_submission(session: Session, actor: Actor | None, structure_id: int, year: int,
                       quarter: int, seen_version: int | None, *, check: bool) -> Submission:
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
        audit.record(session, actor, "create", submission,
                     label=f"{structure_id} {year}-T{quarter}")
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
        if all(values.get(k) in (None, "") for k in ("value", "numerator", "denominator")):
            return False
        assert structure.id is not None and kpi.id is not None
        result = Result(structure_id=structure.id, kpi_id=kpi.id, year=year, quarter=quarter,
                        source=source, status=status, **values)  # type: ignore[arg-type]
        audit.stamp(result, actor)
        session.add(result)
        audit.record(session, actor, "create", result, label=label,
                     changes={k: (None, v) for k, v in values.items() if v not in (None, "")})
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
    require_own_structure(actor, structure_id)
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
    submission = _ensure_submission(session, actor, structure_id, year, quarter, seen_version,
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


def _transition(session: Session, actor: Actor, submission: Submission, seen_version: int | None,
                new_status: SubmissionStatus, action: str, **fields: object) -> None:
    audit.ensure_fresh(session, submission, seen_version)
    changes = audit.apply_changes(submission, {"status": new_status.value, **fields})
    audit.stamp(submission, actor)
    session.add(submission)
    # Computed figures (CDSI_RECO, CDSI_PRES) are ASIN's own: a submission's fate is not theirs.
    for result in session.exec(select(Result).where(
            Result.structure_id == submission.structure_id, Result.year == submission.year,
            Result.quarter == submission.quarter, Result.source != ResultSource.computed)):
        if result.status != new_status.value:
            result.status = new_status.value
            session.add(result)
    code = repo.structure_codes_by_id(session).get(submission.structure_id, "?")
    audit.record(session, actor, action, submission,
                 label=f"{code} {submission.year}-T{submission.quarter}", changes=changes)


def submit(session: Session, actor: Actor, structure_id: int, year: int, quarter: int, *,
           seen_version: int | None, today: date) -> None:
    """The DSI submits the quarter; it can no longer be edited until returned or reopened."""
    require_own_structure(actor, structure_id)
    submission = get_submission(session, structure_id, year, quarter)
    if not can_edit(actor, submission, get_window(session, year, quarter), today):
        raise PermissionDenied(t("results.locked"))
    submission = _ensure_submission(session, actor, structure_id, year, quarter, seen_version,
                                    check=True)
    _transition(session, actor, submission, submission.version, SubmissionStatus.submitted,
                "submit", submitted_at=utcnow(), submitted_by_id=actor.id)


def save_and_submit(session: Session, actor: Actor, structure_id: int, year: int, quarter: int,
                    rows: Sequence[EntryRow], *, seen_version: int | None, today: date) -> int:
    """Save the sheet as shown and submit it, in one transaction: both or neither, and both
    against the submission version the user saw."""
    written = save_entries(session, actor, structure_id, year, quarter, rows,
                           seen_version=seen_version, today=today)
    submission = get_submission(session, structure_id, year, quarter)
    assert submission is not None  # save_entries created it
    submit(session, actor, structure_id, year, quarter, seen_version=submission.version,
           today=today)
    return written


def _review_target(session: Session, actor: Actor, submission_id: int) -> Submission:
    require_role(actor, Role.admin)
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(t("common.not_found"))
    return submission


def validate(session: Session, actor: Actor, submission_id: int, *, seen_version: int) -> None:
    """ASIN validates a submitted quarter: its values lock."""
    submission = _review_target(session, actor, submission_id)
    audit.ensure_fresh(session, submission, seen_version)  # the declaration on screen
    if submission.status != SubmissionStatus.submitted:
        raise TrackerError(t("results.not_submitted"))
    _transition(session, actor, submission, seen_version, SubmissionStatus.validated, "validate",
                reviewed_at=utcnow(), reviewer_id=actor.id, reopened=False)


def return_submission(session: Session, actor: Actor, submission_id: int, comment: str, *,
                      seen_version: int) -> None:
    """ASIN returns a submitted quarter with a comment; the DSI can edit it again."""
    submission = _review_target(session, actor, submission_id)
    audit.ensure_fresh(session, submission, seen_version)  # the declaration on screen
    if submission.status != SubmissionStatus.submitted:
        raise TrackerError(t("results.not_submitted"))
    if not comment.strip():
        raise TrackerError(t("results.comment_required"))
    _transition(session, actor, submission, seen_version, SubmissionStatus.returned, "return",
                reviewed_at=utcnow(), reviewer_id=actor.id, review_comment=comment.strip(),
                reopened=True)


def reopen(session: Session, actor: Actor, structure_id: int, year: int, quarter: int, *,
           seen_version: int | None) -> None:
    """ASIN reopens a validated or late submission for its DSI (even after the window closed)."""
    require_role(actor, Role.admin)
    submission = _ensure_submission(session, actor, structure_id, year, quarter, seen_version,
                                    check=True)
    _transition(session, actor, submission, submission.version, SubmissionStatus.draft, "reopen",
                reopened=True)


# --- imports ------------------------------------------------------------------------------


@collector_paused()
def import_preview(session: Session, actor: Actor | None, data: bytes, filename: str, *,
                   year: int, quarter: int, structure_code: str | None,
                   today: date) -> ImportPreview:
    """Read a results file and add the rows this actor may not write to the rejected list."""
    default = structure_code or (actor.structure_code if actor and actor.role == Role.dsi
                                 else None)
    preview = read_results_file(data, filename, kpis=kpi_refs(session),
                                structures=structure_refs(session), default_structure=default,
                                year=year, quarter=quarter)
    by_code = {s.code: s for s in repo.list_structures(session)}
    window = get_window(session, year, quarter)
    quarter_submissions = _quarter_submissions(session, year, quarter)
    verdicts: dict[str, str | None] = {}  # per structure: why its rows may not be written
    allowed = []
    for row in preview.accepted:
        if row.structure_code not in verdicts:
            structure = by_code[row.structure_code]
            verdicts[row.structure_code] = _import_refusal(
                actor, structure, quarter_submissions.get(structure.id or 0), window, today)
        reason = verdicts[row.structure_code]
        if reason:
            preview.rejected.append(RowError(row.row, t("results.col_structure"), reason))
        else:
            allowed.append(row)
    preview.accepted = allowed
    preview.rejected.sort(key=lambda e: e.row)
    return preview


def _table(model: type) -> Any:
    return model.__table__  # type: ignore[attr-defined]


def _quarter_submissions(session: Session, year: int, quarter: int) -> dict[int, Submission]:
    return {s.structure_id: s for s in session.exec(select(Submission).where(
        Submission.year == year, Submission.quarter == quarter))}


def _import_refusal(actor: Actor | None, structure: Structure, submission: Submission | None,
                    window: SubmissionWindow | None, today: date) -> str | None:
    if actor is None:  # the command line acts as the secretariat
        if submission is not None and submission.status not in EDITABLE_STATUSES:
            return t("results.locked_for", code=structure.code)
        return None
    if actor.role != Role.admin and (actor.role != Role.dsi
                                     or structure.id != actor.structure_id):
        return t("results.other_structure", code=structure.code)
    if not can_edit(actor, submission, window, today):
        return t("results.locked_for", code=structure.code)
    return None


_RESULT_COLUMNS = ("structure_id", "kpi_id", "year", "quarter", "value", "numerator",
                   "denominator", "comment", "evidence_url", "source", "status", "updated_at",
                   "updated_by_id", "version")


@collector_paused()
def apply_import(session: Session, actor: Actor | None, preview: ImportPreview) -> int:
    """Write every accepted row in this one transaction; the same file again changes nothing.

    Written in bulk (multi-row inserts and one UPDATE statement for all rows, audit included) so
    that a whole administration's quarter imports in seconds; each UPDATE checks the row's
    version."""
    if not preview.accepted:
        return 0
    year, quarter = preview.year, preview.quarter
    kpi_ids = {k.code: k.id or 0 for k in repo.list_kpis(session)}
    structure_ids = {s.code: s.id or 0 for s in repo.list_structures(session)}
    submissions = _import_submissions(session, actor, preview, structure_ids)
    status_by_structure = {sid: SubmissionStatus(sub.status).value
                           for sid, sub in submissions.items()}
    ids = list(submissions)
    # Plain rows, not ORM objects: a whole quarter of comparisons stays cheap.
    table = _table(Result)
    wanted = [table.c[name] for name in ("id", "structure_id", "kpi_id", "version", "value",
                                         "numerator", "denominator", "comment", "evidence_url")]
    existing = {(r.structure_id, r.kpi_id): r for r in session.connection().execute(
        select(*wanted).where(table.c.year == year, table.c.quarter == quarter,
                              table.c.structure_id.in_(ids)))}
    now = utcnow()
    actor_id = actor.id if actor else None
    imported = ResultSource.imported.value
    created: list[tuple[ImportedRow, int, int, str]] = []
    updates: list[dict[str, object]] = []
    audits: list[tuple[object, ...]] = []
    fields = ("value", "numerator", "denominator", "comment", "evidence_url")
    for row in preview.accepted:
        sid, kid = structure_ids[row.structure_code], kpi_ids[row.kpi_code]
        label = f"{row.structure_code} {row.kpi_code} {year}-T{quarter}"
        current = existing.get((sid, kid))
        if current is None:
            created.append((row, sid, kid, label))
            continue
        values: dict[str, object] = {"value": row.value, "numerator": row.numerator,
                                     "denominator": row.denominator}
        if row.comment is not None:
            values["comment"] = row.comment
        if row.evidence is not None:
            values["evidence_url"] = row.evidence[:500]
        changes = {f: (getattr(current, f), v) for f, v in values.items()
                   if audit.as_text(getattr(current, f)) != audit.as_text(v)}
        if not changes:
            continue
        updates.append({"b_id": current.id, "b_version": current.version,
                        **{f: values.get(f, getattr(current, f)) for f in fields},
                        "version": current.version + 1, "source": imported,
                        "updated_at": now, "updated_by_id": actor_id})
        audits.extend(audit.event_values(actor, "update", "Result", current.id, label, changes,
                                         now))
    if updates:
        statement = table.update().where(
            table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version")
        ).values({f: bindparam(f) for f in (*fields, "version", "source", "updated_at",
                                             "updated_by_id")})
        changed = session.connection().execute(statement, updates).rowcount
        if changed != len(updates):
            raise StaleEdit(t("results.conflict_new"))
    written = len(created) + len(updates)
    if not written:
        return 0
    # Touch every submission written to, so that an editor who loaded it earlier is refused.
    sub_table = _table(Submission)
    session.connection().execute(
        sub_table.update().where(sub_table.c.id == bindparam("b_id")).values(
            version=sub_table.c.version + 1, updated_at=bindparam("b_at"),
            updated_by_id=bindparam("b_by")),
        [{"b_id": sub.id, "b_at": now, "b_by": actor_id} for sub in submissions.values()])
    with bulk_writer(session) as writer:  # results are stored while their audit is built
        if created:
            inserts = [(sid, kid, year, quarter, row.value, row.numerator, row.denominator,
                        row.comment or "", (row.evidence or "")[:500], imported,
                        status_by_structure[sid], now, actor_id, 1)
                       for row, sid, kid, _ in created]
            new_ids = writer.insert_returning_ids(
                table, _RESULT_COLUMNS, inserts, key=("structure_id", "kpi_id", "year", "quarter"))
            for new_id, (row, _, _, label) in zip(new_ids, created, strict=True):
                stored = {f: (None, v) for f, v in (("value", row.value),
                                                    ("numerator", row.numerator),
                                                    ("denominator", row.denominator))
                          if v is not None}
                audits.extend(audit.event_values(actor, "create", "Result", new_id, label,
                                                 stored, now))
        anchor = submissions[ids[0]]
        audits.extend(audit.event_values(actor, "import", "Submission", anchor.id,
                                         f"{preview.filename} ({written})", {}, now))
        writer.insert(_table(AuditEvent), audit.EVENT_COLUMNS, audits)
    return written


def _import_submissions(session: Session, actor: Actor | None, preview: ImportPreview,
                        structure_ids: dict[str, int]) -> dict[int, Submission]:
    """The quarter's submission of every structure the file writes to, created (as drafts,
    audited) where missing."""
    wanted = sorted({structure_ids[row.structure_code] for row in preview.accepted})
    submissions = _quarter_submissions(session, preview.year, preview.quarter)
    missing = [sid for sid in wanted if sid not in submissions]
    if missing:
        window = get_window(session, preview.year, preview.quarter)
        now = utcnow()
        session.connection().execute(_table(Submission).insert(), [
            {"structure_id": sid, "year": preview.year, "quarter": preview.quarter,
             "status": SubmissionStatus.draft.value, "deadline": window.closes_on if window
             else None, "reopened": False, "review_comment": "", "updated_at": now,
             "updated_by_id": actor.id if actor else None, "version": 1} for sid in missing])
        submissions = _quarter_submissions(session, preview.year, preview.quarter)
        session.connection().execute(_table(AuditEvent).insert(), [
            row for sid in missing for row in audit.event_rows(
                actor, "create", "Submission", submissions[sid].id,
                f"{sid} {preview.year}-T{preview.quarter}", {}, now)])
    return {sid: submissions[sid] for sid in wanted}


def import_results_file(engine: object, data: bytes, filename: str, *, year: int, quarter: int,
                        structure_code: str | None, dry_run: bool) -> dict[str, object]:
    """The command line's import: preview, then (unless dry-run) write in one transaction."""
    from tracker.db import transaction

    with transaction(engine) as session:  # type: ignore[arg-type]
        step(t("progress.import_reading", file=filename))
        preview = import_preview(session, None, data, filename, year=year, quarter=quarter,
                                 structure_code=structure_code, today=date.today())
        if dry_run:
            session.rollback()
            return preview.to_json()
        step(t("progress.import_writing", rows=format_number(len(preview.accepted), 0)))
        apply_import(session, None, preview)
        step(t("progress.done"))
        return preview.to_json()


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
    if result.status != SubmissionStatus.validated and not actor.can_read_drafts_of(structure_id):
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
            return None if value is None or (isinstance(value, float) and pd.isna(value)) \
                else value
        rows.append(EntryRow(position=position, kpi_code=str(row["code"]), value=cell("value"),
                             numerator=cell("numerator"), denominator=cell("denominator"),
                             comment=str(cell("comment") or ""),
                             evidence_url=str(cell("evidence_url") or "")))
    return rows


def structure_choices(session: Session, actor: Actor, today: date) -> list[tuple[int, str]]:
    """Structures this actor may enter results for: a DSI their own, ASIN every one in force."""
    if actor.role == Role.dsi and actor.structure_id is not None:
        own = session.get(Structure, actor.structure_id)
        return [(actor.structure_id, own.code if own else "?")]
    require_role(actor, Role.admin)
    return [(s.id or 0, s.code) for s in repo.list_structures(session) if s.in_force(today)]


def quarter_choices(today: date, years_back: int = 3) -> list[tuple[int, int]]:
    """Recent quarters, newest first, for pickers."""
    from tracker.periods import quarter_of

    year, quarter = today.year, quarter_of(today)
    out = []
    for _ in range(4 * years_back + 1):
        out.append((year, quarter))
        year, quarter = previous_quarter(year, quarter)
    return out


def entry_column_specs() -> dict[str, ColumnSpec]:
    """Labels of the entry grid; only value, numerator, denominator, comment and link are
    typed into (as text, so that "12 450 000", "87,5" or "oui" read as the user wrote them)."""
    specs = {name: ColumnSpec("text", t(f"results.col_{name}"), disabled=True)
             for name in ENTRY_COLUMNS}
    for name in ENTRY_INPUTS:
        specs[name] = ColumnSpec("text", t(f"results.col_{name}"))
    return specs


def preview_frame(preview: ImportPreview) -> pd.DataFrame:
    """The accepted rows of an import as the user reads them: headers in their language,
    numbers in its format, nothing shown for what the file left empty."""
    from tracker.formats import format_number

    def number(value: float | None) -> str:
        return "" if value is None else format_number(value, 2)

    return pd.DataFrame([{
        t("common.row"): r.row, t("results.col_structure"): r.structure_code,
        t("results.col_code"): r.kpi_code, t("results.col_value"): number(r.value),
        t("results.col_numerator"): number(r.numerator),
        t("results.col_denominator"): number(r.denominator),
        t("results.col_comment"): r.comment or "", t("results.col_evidence_url"): r.evidence or ""}
        for r in preview.accepted])
