"""A results file loaded into a quarter: the preview checked against who may write which
structure and whose declaration is still open, then every accepted row written in one
transaction (bulk inserts, audit included); the same file twice changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import (
    Action,
    may,
    own_structure,
)
from tracker.core import audit
from tracker.core import repository as repo
from tracker.core.db import bulk_writer, collector_paused
from tracker.core.errors import (
    PermissionDenied,
    RowError,
    StaleEdit,
)
from tracker.core.formats import format_number
from tracker.core.i18n import t
from tracker.core.logs import IMPORTS, log_event
from tracker.core.models import (
    AuditEvent,
    Result,
    ResultSource,
    Structure,
    Submission,
    SubmissionStatus,
    SubmissionWindow,
    utcnow,
)
from tracker.core.periods import get_window
from tracker.core.progress import step
from tracker.reference.catalogue import kpi_refs, structure_refs
from tracker.results.entry import EDITABLE_STATUSES, can_edit
from tracker.results.importing import ImportedRow, ImportPreview, read_results_file

# --- imports ------------------------------------------------------------------------------


@collector_paused()
def import_preview(session: Session, actor: Actor | None, data: bytes, filename: str, *,
                   year: int, quarter: int, structure_code: str | None,
                   today: date) -> ImportPreview:
    """Read a results file and add the rows this actor may not write to the rejected list."""
    default = structure_code or (actor.structure_code
                                 if actor is not None and own_structure(actor) is not None
                                 else None)
    preview = read_results_file(data, filename, kpis=kpi_refs(session),
                                structures=structure_refs(session), default_structure=default,
                                year=year, quarter=quarter)
    return screen_preview(session, actor, preview, today=today)


def screen_preview(session: Session, actor: Actor | None, preview: ImportPreview, *,
                   today: date) -> ImportPreview:
    """Move the accepted rows this actor may not write (another structure's, a declaration no
    longer open) to the rejected list, and note the version of each declaration written to;
    the one check of every results import, whatever the file's format."""
    year, quarter = preview.year, preview.quarter
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
        if row.structure_code not in preview.seen_versions:
            seen = quarter_submissions.get(by_code[row.structure_code].id or 0)
            preview.seen_versions[row.structure_code] = seen.version if seen else None
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
    if not may(actor, Action.enter_results, structure.id):
        return t("results.other_structure", code=structure.code)
    if not can_edit(actor, submission, window, today):
        return t("results.locked_for", code=structure.code)
    return None


_RESULT_COLUMNS = ("structure_id", "kpi_id", "year", "quarter", "value", "numerator",
                   "denominator", "comment", "evidence_url", "source", "status", "updated_at",
                   "updated_by_id", "version")


@collector_paused()
def apply_import(session: Session, actor: Actor | None, preview: ImportPreview, *,
                 today: date | None = None) -> int:
    """Write every accepted row in this one transaction (see ``_apply_import``); the import is
    logged (``results_import``) with its user, structures, file and counts."""
    written = _apply_import(session, actor, preview, today=today)
    log_event(IMPORTS, "results_import", user=actor.login if actor else "command-line",
              structures=",".join(sorted({row.structure_code for row in preview.accepted})),
              year=preview.year, quarter=preview.quarter, file=preview.filename,
              written=written, accepted=len(preview.accepted),
              rejected_rows=len(preview.rejected_rows))
    return written


def _apply_import(session: Session, actor: Actor | None, preview: ImportPreview, *,
                  today: date | None = None) -> int:
    """Write every accepted row in this one transaction; the same file again changes nothing.

    The preview is not trusted: the declaration of every structure written to is locked, then
    the actor's right to write it, its version (the one the preview saw) and its status are
    checked again; any refusal writes nothing. Written in bulk (multi-row inserts and one UPDATE
    statement for all rows, audit included) so that a whole administration's quarter imports in
    seconds; each UPDATE checks the row's version."""
    if not preview.accepted:
        return 0
    year, quarter = preview.year, preview.quarter
    kpi_ids = {k.code: k.id or 0 for k in repo.list_kpis(session)}
    structures = {s.code: s for s in repo.list_structures(session)}
    structure_ids = {code: s.id or 0 for code, s in structures.items()}
    wanted = sorted({structure_ids[row.structure_code] for row in preview.accepted})
    _check_import(session, actor, preview, [s for s in structures.values() if s.id in wanted],
                  _locked_submissions(session, year, quarter, wanted), today or date.today())
    submissions = _import_submissions(session, actor, preview, wanted)
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
    touched = session.connection().execute(
        sub_table.update().where(sub_table.c.id == bindparam("b_id"),
                                 sub_table.c.version == bindparam("b_version")).values(
            version=sub_table.c.version + 1, updated_at=bindparam("b_at"),
            updated_by_id=bindparam("b_by")),
        [{"b_id": sub.id, "b_version": sub.version, "b_at": now, "b_by": actor_id}
         for sub in submissions.values()]).rowcount
    if touched != len(submissions):
        raise StaleEdit(t("results.conflict_new"))
    with bulk_writer(session) as writer:  # results are stored while their audit is built
        if created:
            inserts = [(sid, kid, year, quarter, row.value, row.numerator, row.denominator,
                        row.comment or "", (row.evidence or "")[:500], imported,
                        status_by_structure[sid], now, actor_id, 1)
                       for row, sid, kid, _ in created]
            new_ids = writer.insert_returning_ids(
                table, _RESULT_COLUMNS, inserts, key=("structure_id", "kpi_id", "year", "quarter"))
            for new_id, (row, _, _, label) in zip(new_ids, created, strict=True):
                audits.extend(audit.creation_events(
                    actor, "Result", new_id, label,
                    {"value": row.value, "numerator": row.numerator,
                     "denominator": row.denominator}, now))
        anchor = submissions[ids[0]]
        audits.extend(audit.event_values(actor, "import", "Submission", anchor.id,
                                         f"{preview.filename} ({written})", {}, now))
        writer.insert(_table(AuditEvent), audit.EVENT_COLUMNS, audits)
    return written


def _locked_submissions(session: Session, year: int, quarter: int,
                        structure_ids: list[int]) -> dict[int, Submission]:
    """The quarter's declarations of these structures, as stored now, locked until the end of
    the transaction (PostgreSQL: FOR UPDATE; SQLite: the write transaction is already
    exclusive)."""
    return {s.structure_id: s for s in session.exec(
        select(Submission).where(Submission.year == year, Submission.quarter == quarter,
                                 col(Submission.structure_id).in_(structure_ids))
        .order_by(col(Submission.structure_id))  # one order: two imports cannot deadlock
        .with_for_update().execution_options(populate_existing=True))}


def _check_import(session: Session, actor: Actor | None, preview: ImportPreview,
                  structures: list[Structure], locked: dict[int, Submission],
                  today: date) -> None:
    """Refuse the whole file unless the actor may write every structure it names, each
    declaration is still the version the preview saw, and each is still open to entry."""
    window = get_window(session, preview.year, preview.quarter)
    for structure in structures:
        if actor is not None and not may(actor, Action.enter_results, structure.id):
            raise PermissionDenied(t("results.other_structure", code=structure.code))
    for structure in structures:
        if structure.code not in preview.seen_versions:
            raise StaleEdit(t("results.import_unchecked", code=structure.code))
        submission = locked.get(structure.id or 0)
        if preview.seen_versions[structure.code] != (submission.version if submission else None):
            state = submission.status if submission else "not_started"
            raise StaleEdit(t("results.import_changed", code=structure.code,
                              state=t(f"results.states.{state}")))
        refusal = _import_refusal(actor, structure, submission, window, today)
        if refusal:
            raise PermissionDenied(refusal)


def _import_submissions(session: Session, actor: Actor | None, preview: ImportPreview,
                        wanted: list[int]) -> dict[int, Submission]:
    """The quarter's submission of every structure the file writes to, created (as drafts,
    audited) where missing."""
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
        codes = repo.structure_codes_by_id(session)
        session.connection().execute(_table(AuditEvent).insert(), [
            row for sid in missing for row in audit.creation_event_rows(
                actor, "Submission", submissions[sid].id,
                f"{codes.get(sid, sid)} {preview.year}-T{preview.quarter}", {}, now)])
    return {sid: submissions[sid] for sid in wanted}


def import_results_file(engine: object, data: bytes, filename: str, *, year: int, quarter: int,
                        structure_code: str | None, dry_run: bool) -> dict[str, object]:
    """The command line's import: preview, then (unless dry-run) write in one transaction."""
    from tracker.core.db import transaction

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


def preview_frame(preview: ImportPreview) -> pd.DataFrame:
    """The accepted rows of an import as the user reads them: headers in their language,
    numbers in its format, nothing shown for what the file left empty."""
    from tracker.core.formats import format_number

    def number(value: float | None) -> str:
        return "" if value is None else format_number(value, 2)

    return pd.DataFrame([{
        t("common.row"): r.row, t("results.col_structure"): r.structure_code,
        t("results.col_code"): r.kpi_code, t("results.col_value"): number(r.value),
        t("results.col_numerator"): number(r.numerator),
        t("results.col_denominator"): number(r.denominator),
        t("results.col_comment"): r.comment or "", t("results.col_evidence_url"): r.evidence or ""}
        for r in preview.accepted])
