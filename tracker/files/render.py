"""Charts as PNG: plotly figures rendered by kaleido with the system Chromium, one renderer per
process, one render at a time, never waiting forever.

kaleido runs one Chromium behind a queue that answers calls in order, not per caller, so every
render of the process goes through here under one lock. A render that does not come back within
RENDER_TIMEOUT_S (kaleido's own timeout does not cover waiting for a browser tab, and a lost tab
would block the caller for good) abandons that renderer and is tried once more with a fresh one;
if that fails too the caller gets an error it can report, and the report goes out without the
chart.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import shutil
import threading
import warnings
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any

RENDER_TIMEOUT_S = 45.0
_LOCK = threading.Lock()
_log = logging.getLogger("tracker.files.render")


class RenderUnavailable(RuntimeError):
    """No PNG could be made: no Chromium, kaleido failed, or it did not answer in time."""


# Plotly reads a little HTML in every text of a chart (titles, axis labels, legends, hovers): a
# link (<a href>) or a style (<span style="background:url(…)">) written in a title or a name
# would be drawn as a link or fetched, by the reader's browser on a page and by the server's
# Chromium for a PNG. Only the bare tags the charts use themselves stay.
_CHART_TAG = re.compile(r"<(?!/?(?:br|b|i|em|sup|sub|extra)\s*/?>)", re.IGNORECASE)


def inert_texts(value: Any) -> Any:
    """A figure's JSON with every text's markup neutralised but the charts' own bare tags."""
    if isinstance(value, str):
        return _CHART_TAG.sub("&lt;", value)
    if isinstance(value, dict):
        return {k: inert_texts(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [inert_texts(v) for v in value]
    if getattr(getattr(value, "dtype", None), "kind", None) in ("O", "U", "S"):
        return [inert_texts(v) for v in value.tolist()]
    return value


def inert_figure(figure: Any) -> Any:
    """A copy of a Plotly figure whose texts are drawn as text (on a page, or in a PNG that the
    server's Chromium draws): no link, no fetched style. The copy is not validated again: its
    properties are the figure's own, already checked when it was made (validating them again
    was a tenth of a dashboard's run)."""
    import plotly.graph_objects as go

    return go.Figure(inert_texts(figure.to_plotly_json()), _validate=False)


@dataclass(frozen=True)
class DrawnFigure:
    """A chart as the page sends it: the figure's JSON, texts already made inert
    (``inert_figure``). What the pages' caches keep instead of the figure: a plotly Figure is
    checked again, property by property, each time a cache hands out its copy (unpickled),
    a plain dict is not (a tenth of a second per run of « Vue d'ensemble » at decade scale)."""

    spec: dict[str, Any]

    @classmethod
    def of(cls, figure: Any) -> DrawnFigure:
        return cls(inert_texts(figure.to_plotly_json()))

    def figure(self) -> Any:
        """The plotly figure again, not validated (its properties were, when it was made)."""
        import plotly.graph_objects as go

        return go.Figure(self.spec, _validate=False)


def drawn_figures(value: Any) -> Any:
    """``value`` (a view: a dataclass, a tuple, a list or a dict of frames and figures) with
    every plotly figure in it, at any depth, replaced by its ``DrawnFigure``."""
    from plotly.basedatatypes import BaseFigure

    if isinstance(value, BaseFigure):
        return DrawnFigure.of(value)
    if is_dataclass(value) and not isinstance(value, type):
        changed = {f.name: drawn_figures(getattr(value, f.name)) for f in fields(value)
                   if f.init}
        return replace(value, **changed)
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(drawn_figures(v) for v in value)
    if isinstance(value, list):
        return [drawn_figures(v) for v in value]
    if isinstance(value, dict):
        return {k: drawn_figures(v) for k, v in value.items()}
    return value


def chromium_available() -> bool:
    """kaleido renders with a Chromium found on PATH (or BROWSER_PATH); it downloads nothing."""
    if os.environ.get("BROWSER_PATH"):
        return True
    return any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome",
                                               "chrome"))


def start() -> None:
    """Start the renderer in the background (Chromium boots while a report reads its data)."""
    if chromium_available():
        import kaleido

        with _LOCK:
            kaleido.start_sync_server(silence_warnings=True)


def png(figure: Any, *, width: int, height: int, timeout: float | None = None) -> bytes:
    """The figure as PNG bytes, ``width`` × ``height`` pixels."""
    if not chromium_available():
        raise RenderUnavailable("Chromium")
    limit = RENDER_TIMEOUT_S if timeout is None else timeout
    with _LOCK:
        for attempt in (1, 2):
            try:
                return _render_once(inert_figure(figure), width=width, height=height,
                                    timeout=limit)
            except TimeoutError:
                _log.warning("chart render did not answer in %.0f s (attempt %d): renderer "
                             "abandoned", limit, attempt)
                _abandon_server()
    raise RenderUnavailable("timeout")


def _render_once(figure: Any, *, width: int, height: int, timeout: float) -> bytes:
    import kaleido
    import plotly.io as pio

    kaleido.start_sync_server(silence_warnings=True)
    outcome: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=1)

    def render() -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                outcome.put(bytes(pio.to_image(figure, format="png", width=width,
                                               height=height, scale=1)))
        except BaseException as exc:  # handed to the caller below
            outcome.put(exc)

    threading.Thread(target=render, name="chart-render", daemon=True).start()
    try:
        result = outcome.get(timeout=timeout)
    except queue.Empty as exc:
        raise TimeoutError from exc
    if isinstance(result, BaseException):
        raise RenderUnavailable(type(result).__name__) from result
    return result


def _abandon_server() -> None:
    """Forget a renderer that stopped answering, so that the next render starts a new one.

    kaleido keeps one server object for the process; it is replaced by a new one. The stuck one
    is marked closed first, so that kaleido's exit hook does not wait for it; its thread and
    browser are left to the process's exit (daemon thread)."""
    import kaleido
    from kaleido import _sync_server

    stuck = kaleido._global_server
    stuck._initialized = False
    _sync_server.GlobalKaleidoServer._instance = None
    kaleido._global_server = _sync_server.GlobalKaleidoServer()
