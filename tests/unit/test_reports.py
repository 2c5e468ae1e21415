"""The bilan and the fiche ministère as PDF: sections, page numbers, date and filters on every
page, the dashboards' own numbers, French typography, embedded DejaVu fonts, charts, and user
text (formula- or script-like) printed as plain text."""

import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor
from tracker.conference import actions
from tracker.core import repository as repo
from tracker.core.db import make_engine, migrate, reading, transaction
from tracker.core.errors import NotFound, PermissionDenied, TrackerError
from tracker.core.formats import format_value
from tracker.core.i18n import set_language
from tracker.core.models import ActionItem, Result, Role, SubmissionStatus
from tracker.dashboards import views as dashboards
from tracker.demo.generator import generate_demo
from tracker.reference.catalogue import load_reference_data
from tracker.reports import bilan as reports
from tracker.reports import commands, figures
from tracker.reports import document as document_module
from tracker.reports import fiche as fiche_module
from tracker.reports import pdf as pdf_module

TODAY = date(2026, 11, 25)
T2 = document_module.Period(2026, 2)
HOSTILE_TITLE = "=HYPERLINK(\"http://evil.example\",\"clic\") <script>alert('x')</script>"
HOSTILE_COMMENT = "@SUM(1+1) <img src=x onerror=alert(1)>"
NNBSP, NBSP = "\u202f", "\u00a0"


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace(NNBSP, " ").replace(NBSP, " "))


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory):
    """The default demo data set (today 25/11/2026), with an overdue MS action whose title and a
    validated MS comment (T2 2026) look like a formula and a script."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('reports') / 'demo.db'}")
    migrate(engine)
    with transaction(engine) as session:
        load_reference_data(session)
        generate_demo(session, today=TODAY)
        repo.set_setting(session, "demo", "1")
        ms = repo.get_structure_by_code(session, "MS")
        action = session.exec(select(ActionItem).where(
            ActionItem.owner_structure_id == ms.id, col(ActionItem.due_date) < TODAY,
            col(ActionItem.status).not_in(list(actions.CLOSED)))
            .order_by(col(ActionItem.id))).first()
        action.title = HOSTILE_TITLE
        result = session.exec(select(Result).where(
            Result.structure_id == ms.id, Result.year == 2026, Result.quarter == 2,
            Result.status == SubmissionStatus.validated).order_by(col(Result.id))).first()
        result.comment = HOSTILE_COMMENT
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def actor():
    return Actor(id=1, login="direction", display_name="Direction", role=Role.leadership,
                 structure_id=None, structure_code="ASIN")


@pytest.fixture(scope="module")
def bilan(demo_engine, actor):
    steps = []
    with reading(demo_engine) as session:
        document = reports.bilan_pdf(session, actor, T2, lang="fr", today=TODAY,
                                     progress=lambda f, m: steps.append((f, m)))
    set_language("fr")
    return document, steps


@pytest.fixture(scope="module")
def pages(bilan, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / bilan[0].filename
    path.write_bytes(bilan[0].data)
    reader = PdfReader(path)
    return reader, [page.extract_text() for page in reader.pages]


def test_bilan_has_its_sections_in_order_and_one_annex_page_per_structure(pages, demo_engine):
    reader, texts = pages
    everything = "\n".join(texts)
    sections = ["1. Synthèse nationale", "2. Atteinte des cibles et tendances",
                "3. État des déclarations", "4. Suivi des actions",
                f"5. Feuille de route{NBSP}: avancement par pilier",
                f"Annexe{NBSP}: une page par structure"]
    positions = [everything.index(s, everything.index("Sommaire")) for s in sections]
    assert positions == sorted(positions)
    assert [o["/Title"] for o in reader.outline if not isinstance(o, list)] == sections
    with reading(demo_engine) as session:
        in_force = dashboards.structures_in_force(session, 2026, 2)
    headed = [m.group(1) for text in texts for line in text.split("\n")[1:3]
              if (m := re.match(r"^([A-Z][A-Z0-9_-]*) — ", line))]
    assert sorted(headed) == sorted(s.code for s in in_force)
    assert "MS — Ministère de la Santé" in everything


def test_every_page_is_numbered_and_states_the_data_date_filters_and_demo_notice(pages):
    reader, texts = pages
    total = len(reader.pages)
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} / {total}" in text
        assert "Données validées au 25 novembre 2026" in text
        assert f"période{NBSP}: 2e trimestre 2026" in text
        assert "Données de démonstration" in text
    assert total > 30
    assert "Bilan du 2e trimestre 2026" in texts[0]


def _block(text: str, name: str) -> str:
    """The table line that starts with a KPI's name (tables show names, never codes) and the
    two after it, where a wrapped name puts the figures."""
    lines = text.split("\n")
    at = next(i for i, x in enumerate(lines) if x.startswith(name[:22]))
    return " ".join(lines[at:at + 3])


def test_headline_figures_are_the_dashboards_own(pages, demo_engine):
    _, texts = pages
    with reading(demo_engine) as session:
        results = dashboards.validated_results(session)
        cat, targets = dashboards.catalogue(session), dashboards.targets_frame(session)
        expected = len(dashboards.structures_in_force(session, 2026, 2))
    headline = dashboards.headline_frame(results, cat, targets, 2026, 2, expected)
    summary = next(t for t in texts if "Indicateurs clés face aux cibles" in t)
    for row in headline.itertuples(index=False):
        name = str(cat.kpis.loc[row.kpi_id, "label_fr"])  # the name, never the code
        line = next(x for x in summary.split("\n") if x.startswith(name[:25]))
        assert format_value(row.value, row.unit) in line
        assert f"{row.reporting}/{expected}" in line
    demat = headline.set_index("code").loc["ESV_DEMAT"]
    assert format_value(demat["value"], "percent").endswith(f"{NNBSP}%")  # 64,3 %: French
    assert "," in format_value(demat["value"], "percent")


def test_annex_values_are_the_structures_own(pages, demo_engine):
    _, texts = pages
    with reading(demo_engine) as session:
        results = dashboards.validated_results(session)
        cat, targets = dashboards.catalogue(session), dashboards.targets_frame(session)
        structures = dashboards.structures_in_force(session, 2026, 2)
    frame = dashboards.attainment_frame(results, cat, targets, 2026, 2, structures)
    mine = frame[frame["code"] == "MS"].set_index("kpi")
    page = next(t for t in texts if "\nMS — Ministère de la Santé" in t)
    for code in ("ESV_DEMAT", "XRD_OK", "BUD_DOT"):
        line = _block(page, str(cat.kpis.set_index("code").loc[code, "label_fr"]))
        assert format_value(mine.loc[code, "value"], mine.loc[code, "unit"]) in line


def test_fonts_are_dejavu_and_embedded(pages):
    reader, _ = pages
    seen = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor.get_object()
            seen.add(str(font["/BaseFont"]).split("+")[-1])
    assert seen and all(name.startswith("DejaVu") for name in seen)


@pytest.mark.skipif(not figures.chromium_available(), reason="no Chromium for kaleido")
def test_charts_are_embedded_as_images(pages):
    reader, texts = pages
    heatmap_page = next(i for i, t in enumerate(texts)
                        if "Atteinte des cibles par structure et indicateur" in t)
    images = [len(reader.pages[i].images) for i in range(len(texts))]
    assert images[heatmap_page] >= 1 or images[heatmap_page + 1] >= 1
    assert sum(images) >= 10  # heatmap, 8 national trends, completeness, overdue
    assert not any("Graphique indisponible" in t for t in texts)


def test_hostile_titles_and_comments_print_as_plain_text(bilan, pages):
    document, _ = bilan
    _, texts = pages
    everything = _flat("\n".join(texts))
    assert _flat(HOSTILE_TITLE) in everything
    assert _flat(HOSTILE_COMMENT) in everything
    # no script, link or launch action anywhere (the only OpenAction is "open at page 1")
    for name in (b"/JavaScript", b"/JS ", b"/URI", b"/Launch", b"/AA", b"/SubmitForm"):
        assert name not in document.data


def test_progress_is_reported_from_start_to_done(bilan):
    _, steps = bilan
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0 and steps[-1][1] == "Terminé."
    assert any("Graphiques" in m for _, m in steps)


def test_bilan_is_refused_to_a_dsi(demo_engine):
    dsi = Actor(id=3, login="dsi-ms", display_name="DSI", role=Role.dsi, structure_id=1,
                structure_code="MS")
    with reading(demo_engine) as session, pytest.raises(PermissionDenied):
        reports.bilan_pdf(session, dsi, T2, lang="fr", today=TODAY)


def test_yearly_bilan_in_english_rolls_quarters_up_by_the_kpi_rules(demo_engine, actor,
                                                                       monkeypatch):
    monkeypatch.setattr(figures, "chromium_available", lambda: False)  # no charts: faster
    with reading(demo_engine) as session:
        document = reports.bilan_pdf(session, actor, document_module.Period(2025), lang="en",
                                     today=TODAY)
        data = figures.load_data(session, actor, document_module.Period(2025), TODAY)
    texts = [p.extract_text() for p in PdfReader(_bytes_io(document.data)).pages]
    assert document.filename == "bilan-cdsi-2025-en.pdf"
    assert "Bilan of the year 2025" in texts[0]
    assert "Chart unavailable" in "\n".join(texts)
    summary = next(t for t in texts if "Key KPIs against targets" in t)
    year = data.results[data.results["year"] == 2025]

    def rows(code):
        return year[year["kpi_id"] == data.kpi_id(code)]

    ok, demat, trained = rows("XRD_OK"), rows("ESV_DEMAT"), rows("FRM_AGENTS")
    q4 = demat[(demat["quarter"] == 4) & demat["numerator"].notna()]
    by_hand = {
        # ratio over quarters: Σ numerators / Σ denominators, every structure and quarter
        "XRD_OK": 100 * ok["numerator"].sum() / ok["denominator"].sum(),
        # a stock ("last"): the last quarter's national ratio, never an average of quarters
        "ESV_DEMAT": 100 * q4["numerator"].sum() / q4["denominator"].sum(),
        # a flow ("sum"): every structure's every quarter added up
        "FRM_AGENTS": trained["value"].sum(),
    }
    set_language("en")
    for code, value in by_hand.items():
        kpi_id = data.kpi_id(code)
        line = _block(summary, str(data.cat.kpis.loc[kpi_id, "label_en"]))
        unit = data.cat.rules[kpi_id].unit
        assert format_value(value, unit) in line, (code, line)
    assert "Q4 2025" in summary and "T4 2025" not in summary
    set_language("fr")


def test_national_year_figure_of_a_stock_is_the_last_quarter_not_a_sum():
    import pandas as pd

    from tracker.results.kpis import KpiRule

    rule = KpiRule("ESV_PUB", "count", "up", "last", "sum", False)
    rows = pd.DataFrame({"year": [2025] * 4, "quarter": [1, 1, 2, 2],
                         "value": [10.0, 5.0, 12.0, 6.0], "numerator": [None] * 4,
                         "denominator": [None] * 4})
    assert figures.national_year_figure(rule, rows) == 18.0  # T2: 12 + 6, never 33
    ratio = KpiRule("X", "percent", "up", "last", "ratio", True)
    rows = rows.assign(numerator=[1.0, 1.0, 3.0, 1.0], denominator=[2.0, 2.0, 4.0, 4.0])
    assert figures.national_year_figure(ratio, rows) == pytest.approx(50.0)  # (3+1)/(4+4)


def test_fiche_is_a_page_about_one_structure_then_its_forecasts(demo_engine, actor):
    with reading(demo_engine) as session:
        document = fiche_module.fiche_pdf(session, actor, "ms", T2, lang="fr", today=TODAY)
        results = dashboards.validated_results(session)
        cat, targets = dashboards.catalogue(session), dashboards.targets_frame(session)
        ms = repo.get_structure_by_code(session, "MS")
        frame = dashboards.attainment_frame(results, cat, targets, 2026, 2, [ms])
        overdue = actions.followup_frame(session, actor, actions.ACTION,
                                         actions.Filters(structure_id=ms.id), TODAY)
    reader = PdfReader(_bytes_io(document.data))
    total = len(reader.pages)
    assert total >= 2  # the page on the structure, then its trajectories and forecasts
    text = reader.pages[0].extract_text()
    assert document.filename == "fiche-MS-2026-T2-fr.pdf"
    assert "Fiche ministère — MS — 2e trimestre 2026" in text
    assert "Ministère de la Santé (Ministère)" in text
    # multi-line text keeps its no-break spaces unbreakable but prints them as spaces
    assert "Déclaration du T2 2026 : validée" in _flat(text)
    assert f"Page 1 / {total}" in text and "Données validées au 25 novembre 2026" in text
    value = frame.set_index("kpi").loc["ESV_DEMAT"]
    line = _block(text, "Taux de dématérialisation complète")
    assert format_value(value["value"], "percent") in line
    assert f"dont en retard : {int(overdue['overdue'].sum())}" in _flat(text)
    assert _flat(HOSTILE_TITLE)[:40] in _flat(text)
    rest = _flat(" ".join(page.extract_text() for page in reader.pages[1:]))
    assert "Trajectoires et prévisions" in rest and "Intervalle à 90 %" in _flat(rest)
    assert "Taux de dématérialisation" in rest and "(ESV_DEMAT)" not in rest
    assert "2e trimestre 2026" in rest
    assert any(level in rest for level in ("en bonne voie", "difficultés", "hors d'atteinte"))


def test_fiche_of_an_unknown_structure_or_kpi_says_so(demo_engine, actor):
    with reading(demo_engine) as session:
        with pytest.raises(NotFound, match="Structure inconnue"):
            fiche_module.fiche_pdf(session, actor, "NOPE", T2, lang="fr", today=TODAY)
        with pytest.raises(NotFound, match="Indicateur inconnu"):
            fiche_module.fiche_pdf(session, actor, "MS", T2, lang="fr", today=TODAY,
                              kpi_code="NOPE")


def test_text_the_font_cannot_print_is_replaced_not_dropped():
    assert pdf_module.plain("a\x00b\x07 漢 1\u202f234 «\u00a0x\u00a0»\n") == (
        "ab ? 1\u202f234 «\u00a0x\u00a0»")


def test_a_quarter_outside_1_to_4_is_refused():
    with pytest.raises(TrackerError, match="Trimestre invalide"):
        document_module.Period(2026, 5)


def test_generating_in_english_leaves_the_screen_language_alone(demo_engine, actor,
                                                                  monkeypatch):
    monkeypatch.setattr(figures, "chromium_available", lambda: False)
    with reading(demo_engine) as session:
        document = fiche_module.fiche_pdf(session, actor, "MEF", T2, lang="en", today=TODAY)
    text = PdfReader(_bytes_io(document.data)).pages[0].extract_text()
    assert "Ministry sheet — MEF — 2nd quarter 2026" in text
    assert "Validated data as of 25 November 2026" in text
    from tracker.core.i18n import get_language

    assert get_language() == "fr"


def test_empty_installation_has_nothing_to_report(engine, seeded, actor):
    with Session(engine) as session, pytest.raises(TrackerError, match="Aucune donnée"):
        reports.bilan_pdf(session, actor, T2, lang="fr", today=TODAY)


def test_command_line_writes_the_file(demo_engine, tmp_path, monkeypatch):
    monkeypatch.setattr(figures, "chromium_available", lambda: False)
    out = tmp_path / "fiche.pdf"
    message = commands.run_report(demo_engine, "fiche", year=2026, quarter=2, lang="fr",
                                 out=out, today=TODAY, structure="MEF")
    assert out.read_bytes().startswith(b"%PDF")
    assert str(out) in message
    book = tmp_path / "q.xlsx"
    commands.run_report(demo_engine, "workbook", year=2026, quarter=2, lang="fr", out=book,
                       today=TODAY)
    assert book.read_bytes()[:2] == b"PK"


def _bytes_io(data: bytes):
    from io import BytesIO

    return BytesIO(data)


def test_report_charts_are_titled_by_kpi_name_and_know_each_quarters_progress(demo_engine, actor,
                                                                               monkeypatch):
    """The PDF's charts read as on screen: a trend is titled by its KPI's name (the code in the
    hover only), the heatmap's rows are names, and the trends are given the quarters' progress
    (so that an open quarter is drawn apart)."""
    drawn = []

    def keep(figure, *, width):
        drawn.append(figure)
        return "no chart in this test"

    monkeypatch.setattr(reports, "try_png", keep)
    monkeypatch.setattr(fiche_module, "try_png", keep)
    with reading(demo_engine) as session:
        reports.bilan_pdf(session, actor, T2, lang="fr", today=TODAY)
        fiche_module.fiche_pdf(session, actor, "MS", T2, lang="fr", today=TODAY,
                               kpi_code="ESV_DEMAT")
        data = figures.load_data(session, actor, T2, TODAY)
    set_language("fr")
    titles = [str(f.layout.title.text or "") for f in drawn]
    trends = [x for x in titles if "Taux de dématérialisation complète" in x]
    assert len(trends) == 2 and not any("ESV_DEMAT" in x for x in trends)  # bilan and fiche
    heatmap = drawn[0]
    assert "Taux de dématérialisation complète (demande à délivrance)" in set(heatmap.data[0].y)
    assert data.progress and data.progress[(2026, 2)].expected > 0
