"""Threads released together, for the races of this folder."""

from __future__ import annotations

import threading
from collections.abc import Callable


def race(workers: int, work: Callable[[int], object]) -> list[BaseException | None]:
    """Run ``work(i)`` in ``workers`` threads released at once; what each raised (or None)."""
    barrier = threading.Barrier(workers)
    outcomes: list[BaseException | None] = [None] * workers

    def run(i: int) -> None:
        barrier.wait()
        try:
            work(i)
        except BaseException as exc:  # collected and checked by the test
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes
