"""Issue 14 in Chromium: what people write is shown as text, everywhere.

A corpus of XSS and Markdown-injection payloads (HTML, scripts, event handlers, ``javascript:``
links, Markdown images that fetch or sign out, Streamlit's colour and icon directives, LaTeX,
bidi controls, very long text, …) is written into every free-text field that a page shows, in a
fresh copy of the demo data, before the app starts. Then each role signs in and opens every page
of its menu, every tab and every expander, with three watches on: no dialog opens, no request
leaves for another host (nor for /auth/forget), and no element the corpus could have planted is
in the page (an image, a script, a frame, an event handler, a link to the corpus's host, a
coloured span, an icon, a formula).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_fixtures import app_environment, init_demo, serve
from journey import sign_in, wait_until_idle
from playwright.sync_api import Page, expect
from sqlalchemy import String
from sqlmodel import Session, select
from xss_corpus import CHART_LINK, CHART_STYLE, EVIL, PAYLOADS, PLANTED, TOKEN

from tracker.core.db import make_engine, transaction
from tracker.core.i18n import set_language, t
from tracker.core.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    AuditEvent,
    Conference,
    Decision,
    Initiative,
    Kpi,
    Milestone,
    Minutes,
    Pillar,
    Recommendation,
    Result,
    Structure,
    Submission,
    SubmissionStatus,
    User,
)
from tracker.core.periods import reporting_quarter
from tracker.ui.navigation import pages_for

ROOT = Path(__file__).resolve().parents[2]


def test_the_corpus_is_large_enough():
    assert len(set(PAYLOADS)) >= 50


def test_plain_breaks_what_acts_without_a_sign():
    """GitHub's bare links and Streamlit's icons act whatever Markdown escapes: ``plain`` breaks
    them with an invisible word joiner (the text reads the same)."""
    from tracker.ui.base import plain

    shown = plain("https://evil.example www.evil.example a@evil.example :material/skull:")

    assert "https://" not in shown and "www." not in shown and "a@" not in shown
    assert ":material" not in shown
    assert shown.replace("\u2060", "") == \
        "https://evil.example www.evil.example a@evil.example :material/skull:"


def test_chart_texts_keep_only_the_bare_tags_of_the_charts():
    import plotly.graph_objects as go

    from tracker.files.render import inert_texts

    figure = go.Figure(go.Bar(x=[CHART_LINK, CHART_STYLE], y=[1, 2],
                              hovertemplate="%{x}<br>%{y}<extra></extra>"))
    figure.update_layout(title="<b>Titre</b><br><sup>sous-titre</sup>")

    shown = go.Figure(inert_texts(figure.to_plotly_json()))

    assert list(shown.data[0].x) == [CHART_LINK.replace("<", "&lt;"),
                                     CHART_STYLE.replace("<", "&lt;")]
    assert shown.data[0].hovertemplate == "%{x}<br>%{y}<extra></extra>"
    assert shown.layout.title.text == "<b>Titre</b><br><sup>sous-titre</sup>"


# --- seeding ------------------------------------------------------------------------------

# Every free-text field that a page shows, by model.
FIELDS: dict[type, tuple[str, ...]] = {
    Structure: ("name_fr", "name_en", "note"),
    Kpi: ("label_fr", "label_en", "indicative_target", "note"),
    User: ("display_name",),
    Conference: ("place", "theme", "chair", "rapporteur"),
    AgendaItem: ("title", "tags", "notes"),
    Attendance: ("representative", "representative_role"),
    Minutes: ("filename", "text"),
    Decision: ("text",),
    Recommendation: ("text", "progress_comment", "group_ref"),
    ActionItem: ("title", "person", "progress_comment", "blocker", "group_ref"),
    Submission: ("review_comment",),
    Result: ("comment",),
    Pillar: ("title_fr", "title_en"),
    Initiative: ("title", "override_reason"),
    Milestone: ("title",),
    AuditEvent: ("object_label", "old_value", "new_value"),
}


@dataclass
class Seeded:
    fields: int = 0
    values: int = 0
    used: set[str] = field(default_factory=set)


def _limit(model: type, name: str) -> int | None:
    column = model.__table__.c[name]  # type: ignore[attr-defined]
    return column.type.length if isinstance(column.type, String) else None


def seed(database_url: str) -> Seeded:
    """The corpus into the demo data: each field's rows take the payloads in turn (from a
    different start for each field, so that every payload lands in many fields), with the row's
    number after it (names and titles stay distinct), cut to the column's length."""
    engine = make_engine(database_url)
    seeded = Seeded()
    start = itertools.count(0, 7)
    with transaction(engine) as db:
        for model, names in FIELDS.items():
            rows = list(db.exec(select(model)).all())
            for name in names:
                seeded.fields += 1
                offset = next(start)
                limit = _limit(model, name)
                for i, row in enumerate(rows):
                    payload = PAYLOADS[(offset + i) % len(PAYLOADS)]
                    if model is Result and i % 3:
                        continue  # a third of the 12 500 results is plenty
                    text = f"{payload} n{i}"
                    if limit is not None and len(text) > limit:
                        text = f"{payload[: limit - 8]} n{i}"
                    setattr(row, name, text)
                    seeded.values += 1
                    seeded.used.add(payload)
                db.add_all(rows)
        _return_ms_quarter(db)
        _in_charts(db)
    engine.dispose()
    return seeded


def _in_charts(db: Session) -> None:
    """What Plotly would act on, where the charts show it: this year's pillars and initiatives
    (the roadmap's timeline and progress), KPI labels and structure names (the dashboards)."""
    pillars = list(db.exec(select(Pillar).where(Pillar.year == date.today().year)).all())
    initiatives = list(db.exec(select(Initiative).where(
        Initiative.pillar_id.in_([p.id for p in pillars]))).all())  # type: ignore[union-attr]
    kpis = list(db.exec(select(Kpi).order_by(Kpi.id)).all())
    structures = list(db.exec(select(Structure).order_by(Structure.code)).all())
    for i, row in enumerate([*pillars, *initiatives[:6], *kpis[:6], *structures[:6]]):
        text = f"{(CHART_LINK, CHART_STYLE)[i % 2]} n{i}"
        for name in ("title_fr", "title_en", "title", "label_fr", "label_en", "name_fr"):
            if hasattr(row, name):
                setattr(row, name, text)
        db.add(row)


def _return_ms_quarter(db: Session) -> None:
    """MS's declaration of the reporting quarter, returned with a comment: the DSI reads it."""
    year, quarter = reporting_quarter(db, date.today())
    ms = db.exec(select(Structure).where(Structure.code == "MS")).one()
    submission = db.exec(select(Submission).where(
        Submission.structure_id == ms.id, Submission.year == year,
        Submission.quarter == quarter)).first()
    if submission is not None:
        submission.status = SubmissionStatus.returned
        submission.review_comment = "![](/auth/forget) <img src=x onerror=alert(1)> :red[XSSTOK]"
        db.add(submission)


# --- the app on the seeded data -----------------------------------------------------------


@dataclass(frozen=True)
class App:
    url: str
    log: Path
    seeded: Seeded


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[App]:
    """The demo data with the corpus in every free-text field, served on a free port."""
    workdir = tmp_path_factory.mktemp("xss")
    database_url = f"sqlite:///{workdir / 'tracker.db'}"
    env = app_environment(database_url)
    init_demo(env)
    seeded = seed(database_url)
    with serve("app.py", env, workdir) as (url, log):
        yield App(url, log, seeded)


# --- the watches --------------------------------------------------------------------------

@dataclass
class Watch:
    """What one browser saw go wrong: dialogs, requests elsewhere, planted elements."""

    origin: str
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    planted: list[str] = field(default_factory=list)
    pages: int = 0

    def attach(self, page: Page) -> None:
        def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        def on_request(request) -> None:  # type: ignore[no-untyped-def]
            parts = urlsplit(request.url)
            if parts.scheme in {"data", "blob"}:
                return
            if f"{parts.scheme}://{parts.netloc}" != self.origin or EVIL in request.url \
                    or "/auth/forget" in parts.path:
                self.requests.append(request.url)

        page.on("dialog", on_dialog)
        page.on("request", on_request)

    def look(self, page: Page, where: str) -> None:
        page.wait_for_timeout(150)  # an image or handler would have fired by now
        self.pages += 1
        self.planted += [f"{where}: {x}" for x in page.evaluate(PLANTED, TOKEN)]


def _open_everything(page: Page) -> None:
    """Unfold every expander (their content is drawn folded too, but be sure)."""
    page.evaluate("""() => { for (const d of document.querySelectorAll(
        '[data-testid="stExpander"] details')) d.open = true; }""")


def _visit(page: Page, watch: Watch, title: str, url_path: str) -> None:
    nav = page.get_by_test_id("stSidebarNav")
    more = nav.get_by_text("View ", exact=False).filter(has_text="more")
    if more.count():
        more.first.click()
    nav.get_by_role("link", name=title, exact=True).click()
    page.wait_for_url(f"**/{url_path}")
    wait_until_idle(page)
    expect(page.locator("h1").first).to_be_visible()
    _open_everything(page)
    watch.look(page, url_path)
    tabs = page.get_by_test_id("stMain").get_by_role("tab")
    for i in range(1, tabs.count()):
        tabs.nth(i).click()
        wait_until_idle(page)
        watch.look(page, f"{url_path} / {tabs.nth(i).inner_text()}")


ROLES = {"admin": "admin", "leadership": "direction", "dsi": "dsi-ms", "viewer": "observateur"}


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_shows_the_corpus_as_text(role: str, hostile_app: App, browser,
                                             request: pytest.FixtureRequest):
    from tracker.core.models import Role

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR",
                                  base_url=hostile_app.url)
    context.set_default_timeout(30_000)
    expect.set_options(timeout=30_000)
    page = context.new_page()
    watch = Watch(origin=hostile_app.url)
    watch.attach(page)
    try:
        sign_in(page, ROLES[role])
        watch.requests = [r for r in watch.requests if "/auth/handoff" not in r]
        watch.look(page, "home")
        set_language("fr")
        for spec in pages_for(Role(role))[1:]:
            _visit(page, watch, t(spec.title_key), spec.url_path)
    except Exception:
        _keep_evidence(page, hostile_app, request)
        raise
    finally:
        context.close()
    print(f"{role}: {watch.pages} views, {len(hostile_app.seeded.used)} payloads in "
          f"{hostile_app.seeded.fields} fields ({hostile_app.seeded.values} values)")
    report = [*(f"dialog {d}" for d in watch.dialogs),
              *(f"request {r}" for r in sorted(set(watch.requests))), *watch.planted]
    assert not report, "\n".join(report)


def _keep_evidence(page: Page, app: App, request: pytest.FixtureRequest) -> None:
    from browser_fixtures import RESULTS

    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / f"{request.node.name}.png"), full_page=True)
    (RESULTS / f"{request.node.name}.streamlit.log").write_text(app.log.read_text())


@pytest.fixture(scope="module")
def plain_page(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with serve("tests/trust/plain_page.py", env, tmp_path_factory.mktemp("plain")) as (url, _):
        yield url


def _look_at_plain_page(browser, url: str, query: str = "") -> Watch:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, base_url=url)
    page = context.new_page()
    watch = Watch(origin=url)
    watch.attach(page)
    try:
        page.goto(f"/{query}")
        expect(page.get_by_role("heading", name="plain")).to_be_visible(timeout=60_000)
        expect(page.get_by_text(f"{len(PAYLOADS) - 1}", exact=True)).to_be_visible(
            timeout=60_000)
        wait_until_idle(page)
        _open_everything(page)
        watch.look(page, "plain")
    finally:
        context.close()
    return watch


def test_the_look_finds_what_the_raw_corpus_plants(browser, plain_page: str):
    """The control: the corpus as it is, in st.markdown, plants what the look is after (so a
    look that finds nothing elsewhere means something)."""
    watch = _look_at_plain_page(browser, plain_page, "?raw=1")

    kinds = {line.split(": ")[1] for line in watch.planted}
    assert {"image", "formula", "icon", "coloured text", "planted href",
            "markdown block"} <= kinds, kinds
    assert any(EVIL in r for r in watch.requests)
    assert any("/auth/forget" in r for r in watch.requests)


def test_plain_leaves_nothing_to_act_on_in_any_markdown_text(browser, plain_page: str):
    """Every payload through ``ui.plain`` into st.markdown, st.caption, st.warning,
    st.subheader and an expander's label and body, in Chromium."""
    watch = _look_at_plain_page(browser, plain_page)

    assert watch.pages == 1
    report = [*(f"dialog {d}" for d in watch.dialogs),
              *(f"request {r}" for r in sorted(set(watch.requests))), *watch.planted]
    assert not report, "\n".join(report)
