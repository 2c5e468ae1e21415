"""The trust tests reuse the browser journeys' server, browser and helpers (tests/e2e)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

E2E = Path(__file__).resolve().parents[1] / "e2e"
if str(E2E) not in sys.path:
    sys.path.insert(0, str(E2E))  # the `journey` helpers

_spec = importlib.util.spec_from_file_location("e2e_fixtures", E2E / "conftest.py")
assert _spec is not None and _spec.loader is not None
_e2e = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _e2e
_spec.loader.exec_module(_e2e)

chromium = _e2e.chromium
server = _e2e.server
browser = _e2e.browser
app_url = _e2e.app_url
pytest_runtest_makereport = _e2e.pytest_runtest_makereport
RESULTS = _e2e.RESULTS


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The tests of this folder that start the app or a browser are journeys too (`-m "not e2e"`
    # leaves them out).
    for item in items:
        if {"browser", "server", "app_url"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)
