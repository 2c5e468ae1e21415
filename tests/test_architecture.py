"""The house style's rules (README, « Architecture »), read from the sources with ast: UI on
top, domain services below, then queries and models, then db/config; short, tested pages."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "pages").glob("*.py"))
TRACKER = sorted(p for p in (ROOT / "tracker").rglob("*.py") if "migrations" not in p.parts)
PAGE_TESTS = sorted((ROOT / "tests" / "pages").glob("test_*.py"))
MAX_PAGE_LINES = 150
# The bottom layers, and the only tracker modules they may import.
FOUNDATION = re.compile(r"^tracker\.(models|repository\w*|db|config|errors|i18n)$")
UI_MODULES = {"tracker.ui"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (top level or inside functions)."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    package = _module_name(path).rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import: resolve against the file's package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _top(module: str) -> str:
    return module.split(".")[0]


def test_import_scan_sees_plain_relative_and_nested_imports(tmp_path, monkeypatch):
    package = tmp_path / "tracker"
    package.mkdir()
    sample = package / "sample.py"
    sample.write_text("import streamlit as st\nfrom . import ui\n"
                      "def f():\n    from sqlalchemy import text\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)

    assert {"streamlit", "tracker.ui", "sqlalchemy"} <= imports(sample)


@pytest.mark.parametrize("path", [ROOT / "app.py", *PAGES], ids=lambda p: p.name)
def test_pages_never_touch_the_database_layer(path):
    offending = {m for m in imports(path) if _top(m) in {"sqlmodel", "sqlalchemy"}}

    assert offending == set(), f"{path.name} imports {sorted(offending)}: call a tracker service"


def test_only_tracker_ui_imports_streamlit():
    offending = {str(p.relative_to(ROOT)) for p in TRACKER
                 if _module_name(p) not in UI_MODULES and not _module_name(p).startswith(
                     "tracker.ui.") and any(_top(m) == "streamlit" for m in imports(p))}

    assert offending == set()


@pytest.mark.parametrize(
    "path", [p for p in TRACKER if FOUNDATION.match(_module_name(p))], ids=lambda p: p.name)
def test_models_repository_db_and_config_do_not_import_higher_layers(path):
    higher = {m for m in imports(path)
              if _top(m) == "tracker" and m != "tracker" and not FOUNDATION.match(
                  ".".join(m.split(".")[:2]))}

    assert higher == set(), f"{path.name} reaches up to {sorted(higher)}"


def test_foundation_rule_covers_the_modules_it_names():
    names = {_module_name(p) for p in TRACKER if FOUNDATION.match(_module_name(p))}

    assert {"tracker.models", "tracker.repository", "tracker.db", "tracker.config"} <= names


def _tables(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    return [node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
            and any(k.arg == "table" and isinstance(k.value, ast.Constant) and k.value.value
                    for k in node.keywords)]


def test_every_table_is_declared_in_tracker_models():
    # Alembic (env.py) and the migration tests see the tables that tracker.models registers.
    assert _tables(ROOT / "tracker" / "models.py")
    elsewhere = {str(p.relative_to(ROOT)): _tables(p) for p in TRACKER
                 if p.name != "models.py" and _tables(p)}

    assert elsewhere == {}


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_every_page_has_a_test_that_names_it(path):
    mentioned = [t.name for t in PAGE_TESTS if f"pages/{path.name}" in t.read_text("utf-8")]

    assert mentioned, f"no test in tests/pages/ mentions pages/{path.name}"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_stay_short(path):
    lines = len(path.read_text("utf-8").splitlines())

    assert lines <= MAX_PAGE_LINES, f"{path.name} has {lines} lines: move logic to tracker/"
