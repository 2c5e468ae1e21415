"""Minutes in many house styles: field-level accuracy of the parser over a written corpus.

Every document in tests/fixtures/minutes with a sibling ``.expected.json`` is parsed and compared
field by field (session date, place, numbers, each participant's structure, absences, each agenda
point and decision, each recommendation's and action's text, owner, due date and status). A field
the parser misses, gets wrong or invents counts as an error; the table is printed (pytest -s).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tracker.core.refdata import StructureRef, load_structures_csv
from tracker.minutes.parser import parse_minutes

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "minutes"
REQUIRED_ACCURACY = 0.98
MIN_DOCUMENTS = 30


def _documents() -> list[Path]:
    found = sorted(
        path
        for path in CORPUS.iterdir()
        if path.suffix in {".md", ".txt", ".docx"}
        and path.with_name(path.stem + ".expected.json").exists()
    )
    assert found, f"the minutes corpus {CORPUS} is missing"
    return found


def _key(text: str | None) -> str:
    """Texts compared as a reader would: case, accents, spacing and final punctuation aside."""
    if text is None:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return re.sub(r"\s+", " ", bare).strip(" .;:,")


class Score:
    """Correct and total counts per field name."""

    def __init__(self) -> None:
        self.correct: Counter[str] = Counter()
        self.total: Counter[str] = Counter()
        self.misses: list[str] = []

    def add(self, field: str, ok: bool, where: str) -> None:
        self.total[field] += 1
        if ok:
            self.correct[field] += 1
        else:
            self.misses.append(f"{where}: {field}")

    def accuracy(self) -> float:
        total = sum(self.total.values())
        return sum(self.correct.values()) / total if total else 0.0

    def table(self) -> str:
        lines = [f"{'field':<22}{'correct':>8}{'total':>7}{'accuracy':>10}"]
        for field in sorted(self.total):
            ok, total = self.correct[field], self.total[field]
            lines.append(f"{field:<22}{ok:>8}{total:>7}{ok / total:>10.1%}")
        ok, total = sum(self.correct.values()), sum(self.total.values())
        lines.append(f"{'ALL':<22}{ok:>8}{total:>7}{ok / total:>10.1%}")
        return "\n".join(lines)


def _texts(score: Score, field: str, expected: list[str], got: list[str], where: str) -> None:
    """Each expected text found once; each text nobody wrote is an invented field."""
    remaining = Counter(_key(text) for text in got)
    for text in expected:
        found = remaining[_key(text)] > 0
        if found:
            remaining[_key(text)] -= 1
        score.add(field, found, f"{where} {text!r}")
    for text, count in remaining.items():
        for _ in range(count):
            score.add(field, False, f"{where} invented {text!r}")


def _items(
    score: Score,
    kind: str,
    fields: tuple[str, ...],
    expected: list[dict[str, Any]],
    got: list[dict[str, Any]],
    where: str,
) -> None:
    unused = list(got)
    for position, item in enumerate(expected):
        match = next((g for g in unused if _key(g["text"]) == _key(item["text"])), None)
        if match is None and position < len(got) and got[position] in unused:
            match = got[position]
        if match is not None:
            unused.remove(match)
        label = f"{where} {kind}[{position}]"
        score.add(f"{kind}.text", match is not None and _key(match["text"]) == _key(item["text"]),
                  label)
        for name in fields:
            if name == "due":
                ok = match is not None and (match["due"], match["recurring"]) == (
                    item["due"],
                    item["recurring"],
                )
            else:
                ok = match is not None and match.get(name) == item.get(name)
            score.add(f"{kind}.{name}", ok, label)
    for extra in unused:
        score.add(f"{kind}.text", False, f"{where} invented {kind} {extra['text']!r}")


def score_document(score: Score, expected: dict[str, Any], got: dict[str, Any], where: str) -> None:
    for name in ("date", "number", "rank_in_year"):
        score.add(name, got.get(name) == expected.get(name), where)
    score.add("place", _key(got.get("place")) == _key(expected.get("place")), where)
    got_people = list(got["participants"])
    for person in expected["participants"]:
        match = next((p for p in got_people if _key(p["name"]) == _key(person["name"])), None)
        if match is not None:
            got_people.remove(match)
        score.add("participant.structure",
                  match is not None and match["structure"] == person["structure"],
                  f"{where} {person['name']}")
    for extra in got_people:
        score.add("participant.structure", False, f"{where} invented {extra['name']!r}")
    for name in ("excused", "absent"):
        if expected[name] or got[name]:
            score.add(name, sorted(got[name]) == sorted(expected[name]), where)
    _texts(score, "agenda", expected["agenda"], got["agenda"], where)
    _texts(score, "decision", expected["decisions"], got["decisions"], where)
    _items(score, "recommendation", ("owner", "due"), expected["recommendations"],
           got["recommendations"], where)
    _items(score, "action", ("owner", "due", "status"), expected["actions"], got["actions"],
           where)


@pytest.fixture(scope="module")
def structures() -> list[StructureRef]:
    return load_structures_csv()


def test_corpus_covers_at_least_thirty_house_styles() -> None:
    documents = _documents()
    assert len(documents) >= MIN_DOCUMENTS
    assert {path.suffix for path in documents} == {".md", ".txt", ".docx"}


def test_field_level_accuracy_over_the_corpus(structures: list[StructureRef]) -> None:
    score = Score()
    for path in _documents():
        expected = json.loads(path.with_name(path.stem + ".expected.json").read_text("utf-8"))
        got = parse_minutes(path.read_bytes(), path.name, structures).to_json_dict()
        score_document(score, expected, got, path.name)
    print()
    print(score.table())
    for miss in score.misses:
        print("  miss:", miss)
    assert score.accuracy() >= REQUIRED_ACCURACY, score.table()


def test_the_scorer_counts_misses_and_invented_items() -> None:
    expected = {
        "date": "2025-06-24", "place": "Cotonou", "number": 18, "rank_in_year": 2,
        "participants": [{"name": "A B", "role": "", "structure": "MEF"}],
        "excused": [], "absent": [], "agenda": ["Adoption"], "decisions": [],
        "recommendations": [],
        "actions": [{"text": "Publier", "owner": "MEF", "due": None, "status": "done",
                     "recurring": True}],
    }
    score = Score()
    score_document(score, expected, json.loads(json.dumps(expected)), "same")
    assert score.accuracy() == 1.0
    worse = json.loads(json.dumps(expected))
    worse["actions"][0]["owner"] = None
    worse["decisions"] = ["Inventée"]
    score = Score()
    score_document(score, expected, worse, "worse")
    assert (sum(score.total.values()) - sum(score.correct.values())) == 2
