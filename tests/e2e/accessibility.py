"""A page's screenshot and its axe-core findings, kept for a person to read; serious ones fail the test."""

from __future__ import annotations

import json
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

SERIOUS = {"serious", "critical"}


def check_page(page: Page, shots: Path, name: str, *, no_sideways_scroll: bool = True) -> None:
    """Screenshot the page and fail on any serious or critical accessibility violation."""
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    violations = Axe().run(page).response["violations"]
    # Every finding, whatever its impact, is kept beside the screenshot.
    (shots / f"{name}.axe.json").write_text(
        json.dumps([{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])} for v in violations], indent=1)
    )
    serious = [(v["id"], v["impact"], len(v["nodes"])) for v in violations if v["impact"] in SERIOUS]
    assert not serious, f"{name}: {serious}"
    if no_sideways_scroll:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{name} scrolls sideways ({width}px)"  # type: ignore[index]
