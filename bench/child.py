"""Our own interpreter in a process of its own, run from the repository's root, its output kept as text."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping

from infra.catalogue import REPO_ROOT


def run_python(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`python <args>` with this interpreter; a non-zero exit is the caller's to read, not an exception."""
    return subprocess.run(  # noqa: S603 - this interpreter, with arguments of our own
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=None if env is None else dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
