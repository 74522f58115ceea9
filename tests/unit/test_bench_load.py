"""make bench runs the load and storm tests at its own size and reports how they went, failures named."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import load


def test_a_larger_run_that_fails_is_reported_with_what_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given load tests of which one passes and one fails, and sees the size the bench asked for
    tests = tmp_path / "test_stand_in_load.py"
    tests.write_text(
        "import os\n"
        "def test_holds():\n    assert os.environ['LOAD_RETURNS'] == '40'\n"
        "def test_breaks():\n    assert os.environ['STORM_RETURNS'] == 'never'\n"
    )
    monkeypatch.setattr(load, "TESTS", str(tests))
    # When the bench runs them at its size
    outcome = load.run(returns=40, concurrency=10, storm_returns=12)
    # Then the outcome is counted, marked not ok, and the failing test is named
    assert (outcome["passed"], outcome["failed"], outcome["ok"]) == (1, 1, False)
    assert any("test_breaks" in line for line in outcome["failures"])
    assert (outcome["returns"], outcome["concurrency"], outcome["storm_returns"]) == (40, 10, 12)
