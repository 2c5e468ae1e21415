"""The house style's rules hold for the repository, and each rule proves that it catches what it
claims: a breach of each kind is planted in a copy of the tree and the rule must report it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from architecture_rules import (
    RULES,
    rule_charts_do_no_io,
    rule_every_page_runs_in_an_apptest,
    rule_layers,
    rule_no_cycles,
    rule_no_dispatch_by_string,
    rule_no_private_names_across_modules,
    rule_pages_hold_no_rules,
    rule_pages_stay_above_the_data,
    rule_roles_are_compared_only_in_permissions,
    rule_streamlit_only_in_ui,
    rule_tables_live_in_models,
)

ROOT = Path(__file__).resolve().parent.parent
Rule = Callable[[Path], list[str]]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_the_repository_keeps_the_rule(rule: Rule) -> None:
    breaches = rule(ROOT)

    assert breaches == [], f"{rule.__doc__}\n" + "\n".join(breaches)


def _append(path: str, text: str) -> Callable[[Path], str]:
    def plant(root: Path) -> str:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        old = target.read_text("utf-8") if target.exists() else ""
        target.write_text(old + "\n" + text + "\n", encoding="utf-8")
        return path
    return plant


# Each kind of breach: the rule that must catch it, and how to plant it in a copy of the tree.
BREACHES: dict[str, tuple[Rule, Callable[[Path], str]]] = {
    "service imports the UI package": (
        rule_streamlit_only_in_ui,
        _append("tracker/results/kpis.py", "from tracker.ui import base as _ui  # noqa")),
    "streamlit through importlib": (
        rule_streamlit_only_in_ui,
        _append("tracker/results/kpis.py", "import importlib\n"
                "_st = importlib.import_module('streamlit')")),
    "page imports the repository": (
        rule_pages_stay_above_the_data,
        _append("pages/home.py", "from tracker.core import repository as repo")),
    "page imports the database layer": (
        rule_pages_stay_above_the_data,
        _append("pages/overview.py", "from tracker.core.db import reading")),
    "upward import inside the ground floor": (
        rule_layers,
        _append("tracker/core/formats.py", "from tracker.core import repository")),
    "core imports a domain package": (
        rule_layers,
        _append("tracker/core/periods.py", "def _late():\n"
                "    from tracker.results import kpis\n    return kpis")),
    "module outside the layer map": (
        rule_layers, _append("tracker/misc/helpers.py", "VALUE = 1")),
    "chart builder touches the database": (
        rule_charts_do_no_io,
        _append("tracker/dashboards/charts.py", "from tracker.core.db import reading")),
    "chart builder opens a file": (
        rule_charts_do_no_io,
        _append("tracker/roadmap/charts.py", "def _peek():\n    return open('x').read()")),
    "new import cycle through a function-local import": (
        rule_no_cycles,
        _append("tracker/reports/workbook.py", "def _late():\n"
                "    from tracker.reports import commands\n    return commands")),
    "groupby in a page": (
        rule_pages_hold_no_rules,
        _append("pages/overview.py", "_g = st.session_state.get('x').groupby('kpi').sum()")),
    "query in a page": (
        rule_pages_hold_no_rules, _append("pages/journal.py", "_rows = select(1)")),
    "role comparison in a page": (
        rule_pages_hold_no_rules,
        _append("pages/home.py", "if actor.role == Role.admin:\n    st.write('x')")),
    "role lookup table in a page": (
        rule_pages_hold_no_rules,
        _append("pages/roadmap.py", "_k = {Role.admin: 'a'}.get(actor.role, 'b')")),
    "service compares a role": (
        rule_roles_are_compared_only_in_permissions,
        _append("tracker/results/kpis.py", "def _admin(actor):\n"
                "    return actor.role == 'admin'")),
    "private name imported across modules": (
        rule_no_private_names_across_modules,
        _append("tracker/results/kpis.py", "from tracker.core.formats import _symbols  # noqa")),
    "private name reached through a module": (
        rule_no_private_names_across_modules,
        _append("pages/home.py", "from tracker.core import formats\n_s = formats._symbols")),
    "dispatch by string": (
        rule_no_dispatch_by_string,
        _append("tracker/reports/bilan.py", "def _view(name):\n"
                "    return getattr(charts, f'chart_{name}')")),
    "page without an AppTest": (
        rule_every_page_runs_in_an_apptest,
        _append("pages/orphan.py", "import streamlit as st\nst.title('x')")),
    "page merely mentioned by a test": (
        rule_every_page_runs_in_an_apptest,
        lambda root: (_append("pages/orphan.py", "import streamlit as st")(root),
                      _append("tests/pages/test_orphan.py",
                              '"""pages/orphan.py is tested elsewhere."""\n'
                              'PAGE = "pages/orphan.py"')(root))[0]),
    "table declared outside the models": (
        rule_tables_live_in_models,
        _append("tracker/results/kpis.py", "from sqlmodel import SQLModel, Field\n"
                "class Stray(SQLModel, table=True):\n"
                "    id: int | None = Field(default=None, primary_key=True)")),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("tree")
    for folder in ("tracker", "pages", "tests/pages"):
        shutil.copytree(ROOT / folder, copy / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "locales"))
    shutil.copy(ROOT / "app.py", copy / "app.py")
    return copy


@pytest.mark.parametrize("kind", BREACHES, ids=lambda k: k.replace(" ", "-"))
def test_a_planted_breach_is_caught(kind: str, pristine: Path, tmp_path: Path) -> None:
    rule, plant = BREACHES[kind]
    tree = tmp_path / "tree"
    shutil.copytree(pristine, tree)
    before = set(rule(tree))

    planted = plant(tree)

    caught = set(rule(tree)) - before
    assert caught, f"{rule.__name__} missed: {kind}"
    assert any(planted in b or "cycle" in b for b in caught), caught


def test_at_least_eight_kinds_of_breach_are_planted() -> None:
    assert len(BREACHES) >= 8
    assert {rule for rule, _ in BREACHES.values()} == set(RULES), "a rule no breach proves"
