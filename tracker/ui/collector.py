"""The server's garbage collection, paced by the page runs.

A page run leaves reference cycles behind (Streamlit's run context, widgets, frames), which only
a full collection frees. Streamlit can run one after every script run (``runner.postScriptGC``),
but a full collection walks every object of the interpreter, every session's included: with 50
sessions at once it was 40 % of the server's CPU (BENCHMARKS.md, issue 15), and the runs
queued behind it. Instead, ``.streamlit/config.toml`` turns that off and this module collects
in a background thread: once no page has run for ``IDLE`` seconds (a person reading what they
opened: the usual case), and at most every ``BUSY`` seconds while pages keep running. Memory is
freed as promptly as before when the server is quiet, and a busy server pays for one collection
every two seconds instead of one per run.
"""

from __future__ import annotations

import gc
import threading
import time

IDLE = 0.5
BUSY = 2.0
_TICK = 0.1


class Collector:
    """Counts the page runs in progress and collects when they let it (see the module)."""

    def __init__(self, idle: float = IDLE, busy: float = BUSY) -> None:
        self.idle = idle
        self.busy = busy
        self._lock = threading.Lock()
        self._running = 0
        self._dirty = False
        self._last_end = 0.0
        self._last_full = time.monotonic()
        self._thread: threading.Thread | None = None
        self.collections = 0

    def run_started(self) -> None:
        with self._lock:
            self._running += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, daemon=True,
                                                name="garbage-collector")
                self._thread.start()

    def run_finished(self) -> None:
        with self._lock:
            self._running -= 1
            self._dirty = True
            self._last_end = time.monotonic()

    def due(self, now: float) -> bool:
        """Whether a collection is due now (and, if so, counted as started)."""
        with self._lock:
            quiet = self._running == 0 and now - self._last_end >= self.idle
            if not self._dirty or not (quiet or now - self._last_full >= self.busy):
                return False
            self._dirty = False
            self._last_full = now
            return True

    def _loop(self) -> None:
        while True:
            time.sleep(_TICK)
            if self.due(time.monotonic()):
                gc.collect()
                self.collections += 1


collector = Collector()
