"""Charts as PNG: a renderer that stops answering is abandoned, never waited on for good."""

from __future__ import annotations

import threading

import plotly.graph_objects as go
import pytest

from tracker.files import render

needs_chromium = pytest.mark.skipif(not render.chromium_available(),
                                    reason="no Chromium for kaleido")


def _figure() -> go.Figure:
    return go.Figure(go.Bar(x=["MS", "MEF"], y=[3, 5]))


@needs_chromium
def test_a_chart_renders_as_png() -> None:
    data = render.png(_figure(), width=400, height=300)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 400


@needs_chromium
def test_a_render_that_never_answers_is_abandoned_and_the_next_one_works(monkeypatch) -> None:
    import kaleido
    import plotly.io as pio

    render.png(_figure(), width=200, height=200)  # a running renderer
    first = kaleido._global_server
    release = threading.Event()
    real = pio.to_image
    calls = []

    def stuck(*args, **kwargs):
        calls.append(1)
        release.wait(30)  # as when kaleido waits for a browser tab that never comes back
        raise RuntimeError("released")

    monkeypatch.setattr(pio, "to_image", stuck)
    with pytest.raises(render.RenderUnavailable, match="timeout"):
        render.png(_figure(), width=200, height=200, timeout=0.5)
    assert len(calls) == 2  # tried once more with a fresh renderer
    assert kaleido._global_server is not first
    assert not first.is_running()  # so that kaleido's exit hook does not wait for it
    release.set()
    monkeypatch.setattr(pio, "to_image", real)
    assert render.png(_figure(), width=200, height=200)[:4] == b"\x89PNG"


def test_without_chromium_the_caller_is_told(monkeypatch) -> None:
    monkeypatch.setattr(render, "chromium_available", lambda: False)
    with pytest.raises(render.RenderUnavailable, match="Chromium"):
        render.png(_figure(), width=200, height=200)


def test_a_png_is_drawn_from_the_charts_texts_made_inert(monkeypatch):
    """The server's Chromium draws PDF charts: a style or a link written in a structure's name
    or a title must not make it fetch anything."""
    import plotly.graph_objects as go

    from tracker.files import render

    drawn = []
    monkeypatch.setattr(render, "chromium_available", lambda: True)
    monkeypatch.setattr(render, "_render_once", lambda figure, **_: drawn.append(figure) or b"")
    style = '<span style="background:url(https://evil.example/x.png)">MS</span>'
    figure = go.Figure(go.Bar(x=[style], y=[1]))
    figure.update_layout(title="<b>Titre</b><br><a href='https://evil.example'>lien</a>")

    render.png(figure, width=400, height=300)

    shown = drawn[0]
    assert list(shown.data[0].x) == [style.replace("<", "&lt;")]
    assert shown.layout.title.text == \
        "<b>Titre</b><br>&lt;a href='https://evil.example'>lien&lt;/a>"
