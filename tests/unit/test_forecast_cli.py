"""`python -m tracker forecast` and `python -m tracker quality`: the JSON shapes the issue
promises, `--as-of` reading only what was validated by then, exit codes 0 and 2."""

import json

import pytest

from tracker import cli
from tracker.core import repository as repo
from tracker.core.db import transaction
from tracker.core.models import Result, Submission, Target

YEAR = 2025
KEYS = {"structure", "kpi", "year", "actual_to_date", "forecast", "low", "high", "target",
        "probability", "class", "quarters_used"}


@pytest.fixture
def history(engine, seeded):
    """ESV_NEW validated for MS (10 a quarter) and MEF (30) from 2020 to 2025-T2; target 60."""
    with transaction(engine) as db:
        kpi = repo.get_kpi_by_code(db, "ESV_NEW")
        for code, level in (("MS", 10.0), ("MEF", 30.0)):
            sid = seeded.structures[code]
            for t in range(22):
                year, quarter = 2020 + t // 4, t % 4 + 1
                db.add(Submission(structure_id=sid, year=year, quarter=quarter,
                                  status="validated"))
                db.add(Result(structure_id=sid, kpi_id=kpi.id, year=year, quarter=quarter,
                              value=level, status="validated"))
        db.add(Target(kpi_id=kpi.id, year=YEAR, value=60))


def forecast(database_url, capsys, *args):
    code = cli.main(["--database-url", database_url, "forecast", "--year", str(YEAR),
                     "--json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_forecast_prints_one_line_per_structure_and_kpi_and_the_nation(database_url, history,
                                                                       capsys):
    code, lines = forecast(database_url, capsys, "--kpi", "ESV_NEW")

    assert code == 0
    assert all(set(line) == KEYS for line in lines)
    by = {line["structure"]: line for line in lines}
    assert set(by) == {None, "MS", "MEF"}  # None: the national line
    assert by["MS"]["actual_to_date"] == 20 and by["MS"]["forecast"] == pytest.approx(40)
    assert by["MS"]["class"] == "off_track" and by["MS"]["target"] == 60
    assert by["MEF"]["class"] == "reached"
    assert by[None]["forecast"] == pytest.approx(160)  # (10 + 30) × 4


def test_as_of_uses_only_the_quarters_validated_by_then(database_url, history, capsys):
    code, lines = forecast(database_url, capsys, "--as-of", f"{YEAR}-Q1", "--structure", "MS",
                           "--kpi", "ESV_NEW")

    assert code == 0 and len(lines) == 1
    assert lines[0]["actual_to_date"] == 10 and lines[0]["quarters_used"] == 21
    assert lines[0]["forecast"] == pytest.approx(40)


def test_a_bad_as_of_is_one_line_and_exit_2(database_url, history, capsys):
    code = cli.main(["--database-url", database_url, "forecast", "--year", str(YEAR),
                     "--as-of", "2025-5"])

    assert code == 2
    assert "2025-Q2" in capsys.readouterr().err


def test_quality_prints_each_structure_score_and_components(database_url, history, capsys):
    code = cli.main(["--database-url", database_url, "quality", "--year", str(YEAR),
                     "--quarter", "1", "--json"])
    lines = {line["structure"]: line for line in json.loads(capsys.readouterr().out)}

    assert code == 0
    ms = lines["MS"]
    assert {"score", "timeliness", "completeness", "returns", "corrections",
            "explanations"} <= set(ms)
    assert ms["score"] == pytest.approx(sum(ms[c] for c in ("timeliness", "completeness",
                                                            "returns", "corrections",
                                                            "explanations")))


def test_an_unknown_structure_or_kpi_is_one_line_and_exit_2(database_url, history, capsys):
    structure = cli.main(["--database-url", database_url, "forecast", "--year", str(YEAR),
                          "--structure", "NOPE"])
    kpi = cli.main(["--database-url", database_url, "forecast", "--year", str(YEAR),
                    "--kpi", "NOPE"])

    assert (structure, kpi) == (2, 2)
    errors = capsys.readouterr().err.splitlines()
    assert errors == ["erreur : structure inconnue ou hors fonction en 2025 : NOPE",
                      "erreur : indicateur inconnu : NOPE"]
