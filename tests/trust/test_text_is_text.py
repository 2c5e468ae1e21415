"""Text is text: what users and admins write (a return comment, a structure or display name,
an uploaded file's name) reaches Streamlit's Markdown escaped, so ``![](https://…)`` neither
makes the reader's browser fetch an image nor signs them out through ``![](/auth/forget)``."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlmodel import select

from tracker.core.db import transaction
from tracker.core.models import Structure
from tracker.core.periods import reporting_quarter
from tracker.results import entry as results
from tracker.results import review, submissions
from tracker.results.entry import EntryRow
from tracker.ui import base as ui

IMAGE = re.compile(r"(?<!\\)!\[")  # an image that Markdown would draw
TRAP = "![](https://evil.example/x.png) et ![](/auth/forget)"


def _shown(at) -> list[str]:
    """Every Markdown source the page handed to Streamlit."""
    elements = [*at.markdown, *at.caption, *at.warning, *at.info, *at.error, *at.success,
                *at.subheader]
    return [str(e.value) for e in elements]


def test_escaping_leaves_no_markdown_to_act_on():
    shown = ui.plain(TRAP + " $x$ <img src=x> [lien](javascript:alert(1)) :red[rouge]")

    assert not IMAGE.search(shown)
    assert not re.search(r"(?<!\\)\]\(", shown)  # no link either
    assert not re.search(r"(?<!\\)[<$]", shown)


def test_a_return_comment_is_shown_as_typed(engine, seeded, actor, run_page):
    today = date.today()
    dsi, admin, ms = actor("dsi-ms"), actor("admin"), seeded.structures["MS"]
    with transaction(engine) as db:
        year, quarter = reporting_quarter(db, today)
        submissions.set_window(db, admin, year, quarter, today - timedelta(days=3),
                               today + timedelta(days=3), seen_version=None)
    with transaction(engine) as db:
        code = next(k.code for k in results.repo.list_kpis(db, active_only=True)
                    if k.unit == "count" and not k.ratio)
        review.save_and_submit(db, dsi, ms, year, quarter, [EntryRow(1, code, value=3)],
                                seen_version=None, today=today)
    with transaction(engine) as db:
        submission = results.get_submission(db, ms, year, quarter)
        review.return_submission(db, admin, submission.id, TRAP,
                                  seen_version=submission.version)

    at = run_page("pages/results_entry.py", "dsi-ms")

    warnings = [str(w.value) for w in at.warning]
    assert any("evil" in w for w in warnings), warnings
    assert not any(IMAGE.search(text) for text in _shown(at))


def test_a_structure_name_is_shown_as_typed(engine, seeded, run_page):
    with transaction(engine) as db:
        ms = db.exec(select(Structure).where(Structure.code == "MS")).one()
        ms.name_fr = TRAP
        db.add(ms)

    at = run_page("pages/home.py", "dsi-ms")

    assert any("evil" in text for text in _shown(at))
    assert not any(IMAGE.search(text) for text in _shown(at))
