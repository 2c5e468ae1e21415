"""The trust tests reuse the browser journeys' server, browser and helpers (the fixtures of
tests/browser_fixtures.py, the `journey` helpers of tests/e2e)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

E2E = Path(__file__).resolve().parents[1] / "e2e"
if str(E2E) not in sys.path:
    sys.path.insert(0, str(E2E))  # the `journey` helpers


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The tests of this folder that start the app or a browser are journeys too (`-m "not e2e"`
    # leaves them out).
    for item in items:
        if {"browser", "server", "app_url"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)
