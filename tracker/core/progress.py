"""Progress of long work (a bilan, the decade demo, a large import), told to whoever listens.

Services call ``step("…")`` at the seams of their work; by default nobody listens and a step costs
a context-variable look-up. The command line listens when its standard error is a terminal, and
the web pages could listen the same way. A listener is set for one thread (a context variable),
so two requests never hear each other's steps.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO

Listener = Callable[[str], None]

_LISTENER: ContextVar[Listener | None] = ContextVar("tracker_progress", default=None)


def step(message: str) -> None:
    """Tell the current listener, if any, that the work has reached ``message``."""
    listener = _LISTENER.get()
    if listener is not None:
        listener(message)


@contextmanager
def listening(listener: Listener | None) -> Iterator[None]:
    """Send the steps of the work done inside the block to ``listener`` (None: to nobody)."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)


def terminal_listener(stream: TextIO | None = None) -> Listener | None:
    """A listener printing ``[12.3 s] message`` lines on a terminal; None when not a terminal."""
    out = stream if stream is not None else sys.stderr
    if not out.isatty():
        return None
    started = time.monotonic()

    def listener(message: str) -> None:
        out.write(f"[{time.monotonic() - started:5.1f} s] {message}\n")
        out.flush()

    return listener
