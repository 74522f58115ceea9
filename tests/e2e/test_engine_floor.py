"""The engine's floor (make bench) is the happy path's: its replays take the path a real return took."""

from __future__ import annotations

import json

import pytest

from bench.child import run_python

pytestmark = pytest.mark.e2e


def test_the_engine_floor_replays_a_real_happy_path_on_the_real_state_machine() -> None:
    # Given a real happy-path return recorded through the local stack, in a process of its own
    # When the bench replays it twice on the engine with every task answered at once
    done = run_python("-m", "bench.engine_floor", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    # (the functions' metrics are printed to stdout too, as Lambda's EMF lines)
    floor = json.loads(next(line for line in reversed(done.stdout.splitlines()) if "ceiling_returns_per_s" in line))
    # Then both replays succeed along the recorded path, every task of the happy path answered
    assert floor["succeeded"] == 2 and floor["took_the_recorded_path"] is True
    assert floor["tasks_per_execution"] == 10 and floor["states_per_execution"] >= floor["tasks_per_execution"]
    # And the figure is a CPU time, read as a ceiling in returns a second
    assert floor["cpu_s_per_execution"] > 0
    assert floor["ceiling_returns_per_s"] == pytest.approx(1 / floor["cpu_s_per_execution"], rel=0.05)
