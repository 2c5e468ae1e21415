"""What the running app shows to anyone: its health, not Streamlit's internal metrics."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest


def test_streamlit_metrics_are_not_served(server):
    with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=10) as response:
        assert response.read().decode().strip() == "ok"

    for path in ("/_stcore/metrics", "/_stcore/metrics/", "/_stcore/metrics?families=x"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{server.url}{path}", timeout=10)
        assert refused.value.code == 404
