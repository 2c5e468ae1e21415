"""Data shared by the results and dashboard page tests: an open quarter and validated results."""

from datetime import date, timedelta

import pytest

from tracker.core import repository as repo
from tracker.core.db import transaction
from tracker.core.models import Result, Submission, SubmissionWindow, Target

TODAY = date.today()
# The quarter being reported today: the last one that has ended.
_q = (TODAY.month - 1) // 3 + 1
OPEN_YEAR, OPEN_QUARTER = (TODAY.year - 1, 4) if _q == 1 else (TODAY.year, _q - 1)


@pytest.fixture
def open_quarter(engine, seeded):
    """The reporting quarter's window is open today."""
    with transaction(engine) as db:
        db.add(SubmissionWindow(year=OPEN_YEAR, quarter=OPEN_QUARTER,
                                opens_on=TODAY - timedelta(days=10),
                                closes_on=TODAY + timedelta(days=20)))
    return OPEN_YEAR, OPEN_QUARTER


@pytest.fixture
def validated_results(engine, seeded, open_quarter):
    """MS and MEF validated results for the open quarter: ESV_PUB 10 and 30 (target 35),
    ESV_DEMAT 5/10 and 15/30 (target 60 %)."""
    year, quarter = open_quarter
    with transaction(engine) as db:
        pub, demat = repo.get_kpi_by_code(db, "ESV_PUB"), repo.get_kpi_by_code(db, "ESV_DEMAT")
        for code, count, num, den in (("MS", 10, 5, 10), ("MEF", 30, 15, 30)):
            sid = seeded.structures[code]
            db.add(Submission(structure_id=sid, year=year, quarter=quarter, status="validated"))
            db.add(Result(structure_id=sid, kpi_id=pub.id, year=year, quarter=quarter,
                          value=count, status="validated"))
            db.add(Result(structure_id=sid, kpi_id=demat.id, year=year, quarter=quarter,
                          numerator=num, denominator=den, status="validated"))
        db.add(Target(kpi_id=pub.id, year=year, value=35))
        db.add(Target(kpi_id=demat.id, year=year, value=60))
    return year, quarter
