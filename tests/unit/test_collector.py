"""tracker/ui/collector.py: full garbage collections paced by the page runs, not one per run."""

import time

from tracker.ui.collector import Collector


def test_nothing_is_collected_before_a_run_has_finished():
    collector = Collector(idle=0.5, busy=2.0)
    assert not collector.due(time.monotonic() + 10)


def test_a_quiet_server_collects_once_the_last_run_is_half_a_second_old():
    collector = Collector(idle=0.5, busy=2.0)
    collector.run_started()
    collector.run_finished()
    ended = time.monotonic()
    assert not collector.due(ended + 0.1)  # someone may click again: not yet
    assert collector.due(ended + 0.6)
    assert not collector.due(ended + 0.7)  # once per batch of runs, not on every tick


def test_a_busy_server_collects_at_most_every_busy_period():
    """Runs keep finishing while others run: a collection every ``busy`` seconds, never per
    run (the cost Streamlit's own post-run collection had under load)."""
    collector = Collector(idle=0.5, busy=2.0)
    start = time.monotonic()
    collector.run_started()  # a run that stays in progress
    due = []
    for step in range(40):  # 4 s of runs finishing every 0.1 s
        collector.run_started()
        collector.run_finished()
        due.append(collector.due(start + 0.1 * step + 0.1))
    assert 1 <= sum(due) <= 2
    collector.run_finished()


def test_the_background_thread_collects_after_runs():
    collector = Collector(idle=0.05, busy=0.2)
    collector.run_started()
    collector.run_finished()
    deadline = time.monotonic() + 5
    while collector.collections == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert collector.collections == 1
    time.sleep(0.4)
    assert collector.collections == 1  # nothing ran since: nothing more to collect
