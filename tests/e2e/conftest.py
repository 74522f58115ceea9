"""The local stack as a separate process on 127.0.0.1, driven over real HTTP."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from infra.local.client import ReturnsClient
from infra.local.simulator import ScanSimulator

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
LOOKUPS_PER_ORDER = 6
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium driven by Playwright (`make test` installs it; Playwright's own download is not used)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium) or `apt-get install chromium`"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@contextmanager
def _page(browser: Browser, width: int, height: int) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB", device_scale_factor=1)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A phone-sized page (the portal's main audience), English unless a test asks otherwise."""
    with _page(browser, 390, 844) as page:
        yield page


@pytest.fixture
def desk(browser: Browser) -> Iterator[Page]:
    """A desktop-sized page: where ops work."""
    with _page(browser, 1280, 900) as page:
        yield page


@dataclass(frozen=True)
class RunningStack:
    url: str
    client: ReturnsClient
    simulator: ScanSimulator
    webhook_secret: str
    ops_token: str
    log_path: Path
    aws_endpoint: str  # the embedded moto server the stack provisioned


@contextmanager
def running_stack(workdir: Path, *extra: str) -> Iterator[RunningStack]:
    """`python -m infra.local serve` in its own process until the block ends."""
    ready = workdir / "ready.json"
    log_path = workdir / "stack.log"
    secret, token = secrets.token_hex(16), secrets.token_urlsafe(12)
    command = [
        sys.executable, "-m", "infra.local", "serve", "--port", "0", "--seed",
        # "=" keeps a token that starts with "-" from reading as an option
        f"--webhook-secret={secret}", f"--ops-token={token}", f"--ready-file={ready}",
        f"--lookups-per-order={LOOKUPS_PER_ORDER}", *extra,
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the local stack did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.1)
        described = json.loads(ready.read_text())
        url = described["api_url"]
        yield RunningStack(
            url,
            ReturnsClient(url, token),
            ScanSimulator(url, secret),
            secret,
            token,
            log_path,
            described["aws_endpoint"],
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running
