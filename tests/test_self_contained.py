"""The repository is self-contained: no module, test or benchmark reads anything beside it
(the samples and corpora the tests use live under tests/fixtures/)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A path that climbs out of the repository to a sibling folder, written any of the usual ways.
OUTSIDE = re.compile(r"\.\./shared|parents?\[\d\]\.parent\b|\.parent\.parent\.parent|"
                     r"REPO\.parent|ROOT\.parent|[\"']shared[\"']\s*/")


def test_nothing_reads_outside_the_repository() -> None:
    offenders = []
    for folder in ("tracker", "tests", "bench", "pages"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == Path(__file__):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if OUTSIDE.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "reads outside the repository:\n" + "\n".join(offenders)


def test_the_fixtures_the_tests_name_are_in_the_repository() -> None:
    samples = ROOT / "tests" / "fixtures" / "samples"
    for name in ("resultats-T2-2025-excel-fr.csv", "pv-cdsi-2025-session2.md",
                 "pv-cdsi-2025-session2.expected.json", "pv-cdsi-2025-session3.docx",
                 "pv-cdsi-2025-session3.expected.json"):
        assert (samples / name).is_file(), name
    assert len(list((ROOT / "tests" / "fixtures" / "corpora" / "python-docx").glob("*.docx"))) > 30
