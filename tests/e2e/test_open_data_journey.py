"""Issue 17 in Chromium: leadership publishes a quarter on « Rapports » and downloads its Data
Package, which the frictionless library validates; a table's « CSV standard » download reads
with pandas' default arguments."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
from journey import open_menu, open_tab, sign_in, wait_until_idle
from playwright.sync_api import Page, expect


def test_leadership_publishes_a_quarter_and_its_data_package_is_valid(page: Page,
                                                                      tmp_path: Path) -> None:
    from frictionless import validate

    sign_in(page, "direction")
    open_menu(page, "Rapports", "Rapports")
    page.get_by_role("button", name="Publier", exact=True).click()
    expect(page.get_by_text(re.compile(
        r"^(Édition \d+ de T\d \d{4} publiée|Rien n'a changé depuis l'édition)"))).to_be_visible(
        timeout=60_000)
    wait_until_idle(page)
    button = page.get_by_role("button", name=re.compile(r"^Data Package \(zip\) de l'édition"))
    with page.expect_download(timeout=60_000) as download:
        button.click()
    archive = Path(download.value.path())
    with zipfile.ZipFile(archive) as package:
        names = package.namelist()
        package.extractall(tmp_path)
    folder = tmp_path / names[0].split("/")[0]
    assert sorted(p.name for p in folder.iterdir()) == [
        "datapackage.json", "indicateurs.csv", "resultats.csv", "structures.csv"]
    report = validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert len(pd.read_csv(folder / "resultats.csv")) > 100


def test_the_standard_csv_of_a_table_reads_with_pandas_defaults(page: Page) -> None:
    sign_in(page, "direction")
    open_menu(page, "Référentiels", "Référentiels")
    open_tab(page, "Structures")
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="CSV standard (UTF-8, virgule)").first.click()
    frame = pd.read_csv(download.value.path())
    assert "Ministère de la Santé" in set(frame["name_fr"])
    assert download.value.suggested_filename == "structures-utf8.csv"
