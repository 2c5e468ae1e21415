"""The entry page's submission asks a reason for each blank KPI and each flagged value without a
comment; the reasons are stored as the KPIs' comments and read by the validator."""

from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from tracker.core import repository as repo
from tracker.core.db import reading, transaction
from tracker.core.errors import PermissionDenied, ValidationFailed
from tracker.core.models import AuditEvent, Result, Submission, SubmissionWindow, Target
from tracker.results import completeness
from tracker.results import ratings as rt
from tracker.results.entry import EntryRow, entry_sheet, save_entries, with_rates

TODAY = date.today()
YEAR, QUARTER = 2026, 3


@pytest.fixture
def ms(engine, seeded):
    with transaction(engine) as db:
        db.add(SubmissionWindow(year=YEAR, quarter=QUARTER, opens_on=TODAY - timedelta(days=5),
                                closes_on=TODAY + timedelta(days=5)))
    return seeded.structures["MS"]


def _codes(engine) -> list[str]:
    with reading(engine) as db:
        return [k.code for k in repo.list_kpis(db, active_only=True)
                if k.code not in ("CDSI_RECO", "CDSI_PRES")]


def _submit(engine, actor, ms, rows, reasons=None):
    with transaction(engine) as db:
        return rt.submit_with_ratings(db, actor("dsi-ms"), ms, YEAR, QUARTER, rows, [],
                                      seen_version=None, today=TODAY, reasons=reasons)


def _count(engine, model) -> int:
    with reading(engine) as db:
        return db.exec(select(func.count()).select_from(model)).one()


def test_submitting_with_blank_kpis_and_no_reason_is_refused_and_writes_nothing(engine, ms,
                                                                               actor):
    codes = _codes(engine)
    events = _count(engine, AuditEvent)
    with pytest.raises(ValidationFailed) as refused:
        _submit(engine, actor, ms, [EntryRow(1, "ESV_PUB", value="12")],
                reasons={"ESV_DEMAT": "Pas de donnée"})
    message = str(refused.value)
    assert message.startswith(f"Soumission refusée : indiquez un motif pour les {len(codes) - 2}"
                              " indicateurs non renseignés ou signalés sans commentaire : ")
    assert "ESV_DEMAT" not in message and "ESV_PUB" not in message  # one given, one filled
    assert "SEC_MFA — " in message  # code and full name
    assert len(refused.value.errors) == len(codes) - 2
    assert {e.column for e in refused.value.errors} == {"Motif"}
    assert _count(engine, Submission) == 0 and _count(engine, Result) == 0
    assert _count(engine, AuditEvent) == events


def test_with_a_reason_for_each_blank_kpi_the_quarter_is_submitted(engine, ms, actor):
    codes = _codes(engine)
    reasons = {code: f"Indisponible ({code})" for code in codes if code != "ESV_PUB"}
    _submit(engine, actor, ms, [EntryRow(1, "ESV_PUB", value="12", comment="")], reasons)
    with reading(engine) as db:
        assert db.exec(select(Submission)).one().status == "submitted"
        stored = {repo.get_kpi_by_code(db, c).id: c for c in codes}
        results = {stored[r.kpi_id]: r for r in db.exec(select(Result))}
    assert results["ESV_PUB"].value == 12 and results["ESV_PUB"].comment == ""
    assert results["ESV_DEMAT"].numerator is None
    assert results["ESV_DEMAT"].comment == "Indisponible (ESV_DEMAT)"
    assert results["SEC_MFA"].status == "submitted"
    with reading(engine) as db:
        submission = db.exec(select(Submission)).one()
        blanks = completeness.blank_kpis(db, actor("admin"), submission.id)
        with pytest.raises(PermissionDenied):
            completeness.blank_kpis(db, actor("dsi-mef"), submission.id)
    assert list(blanks["code"]) == [c for c in codes if c != "ESV_PUB"]
    assert blanks.set_index("code").loc["ESV_DEMAT", "reason"] == "Indisponible (ESV_DEMAT)"


def test_a_comment_typed_in_the_grid_is_a_reason(engine, ms, actor):
    codes = _codes(engine)
    rows = [EntryRow(i, code, comment="Pas encore mesuré") for i, code in enumerate(codes, 1)]
    _submit(engine, actor, ms, rows)
    assert _count(engine, Result) == len(codes)  # a blank KPI's reason is kept as a result


def test_a_flagged_value_needs_a_comment(engine, ms, actor):
    codes = _codes(engine)
    with transaction(engine) as db:
        db.add(Target(kpi_id=repo.get_kpi_by_code(db, "ESV_PUB").id, year=YEAR, value=1000))
    reasons = {code: "Indisponible" for code in codes if code != "ESV_PUB"}
    with pytest.raises(ValidationFailed) as refused:  # 2 against a target of 1 000
        _submit(engine, actor, ms, [EntryRow(1, "ESV_PUB", value="2")], reasons)
    assert [e.reason for e in refused.value.errors] == [
        next(e.reason for e in refused.value.errors)]
    assert "ESV_PUB — " in str(refused.value) and "très loin de la cible" in \
        refused.value.errors[0].reason
    _submit(engine, actor, ms, [EntryRow(1, "ESV_PUB", value="2")],
            {**reasons, "ESV_PUB": "Deux services seulement, migration en cours"})
    with reading(engine) as db:
        kpi = repo.get_kpi_by_code(db, "ESV_PUB")
        result = db.exec(select(Result).where(Result.kpi_id == kpi.id)).one()
    assert result.comment == "Deux services seulement, migration en cours"


def test_the_count_of_filled_kpis_and_the_rate_of_a_ratio(engine, ms, actor):
    with transaction(engine) as db:
        save_entries(db, actor("dsi-ms"), ms, YEAR, QUARTER, [
            EntryRow(1, "ESV_PUB", value="12"),
            EntryRow(2, "ESV_DEMAT", numerator="7", denominator="8"),
            EntryRow(3, "ESV_RECET", value="330 204 441")], seen_version=None, today=TODAY)
    with reading(engine) as db:
        sheet = entry_sheet(db, actor("dsi-ms"), ms, YEAR, QUARTER, TODAY)
    frame = sheet.frame.set_index("code")
    assert frame.loc["ESV_DEMAT", "rate"] == "87,5 %" and frame.loc["ESV_DEMAT", "unit"] == "%"
    assert frame.loc["ESV_RECET", "value"] == "330 204 441"
    assert frame.loc["ESV_RECET", "unit"] == "F CFA"
    done = completeness.completeness(sheet.frame)
    assert (done.filled, done.total) == (3, len(_codes(engine)))
    assert "ESV_PUB — " not in " ".join(done.blank) and any(
        b.startswith("SEC_MFA — ") for b in done.blank)
    typed = sheet.frame.copy()
    typed.loc[typed["code"] == "ESV_DEMAT", "denominator"] = "abc"
    assert with_rates(typed).set_index("code").loc["ESV_DEMAT", "rate"] == ""
