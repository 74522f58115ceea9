"""The ops dashboard in real Chromium against the local stack: sign in, find a return, read its path and
timeline, inspect it until it is refunded, the review queue, alerts and the analytics charts; axe-core on
every page.

Screenshots of each page are written under tests/artifacts/dashboard/ (git-ignored).
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import FilePayload, Page, expect

from infra.local.simulator import HAPPY_JOURNEY
from tests.e2e.accessibility import check_page
from tests.e2e.conftest import ARTIFACTS, RunningStack

pytestmark = pytest.mark.e2e

SHOTS = ARTIFACTS / "dashboard"


def _delivered_return(stack: RunningStack, payment: str = "") -> tuple[dict[str, Any], str]:
    """A German order whose return has been shipped and delivered to the warehouse: it waits for inspection.

    `payment` picks how the sandbox provider settles its refund (e.g. `async-fail`)."""
    number = f"OPS-{uuid.uuid4().hex[:8].upper()}"
    delivered = datetime.now(UTC) - timedelta(days=2)
    line = {
        "line_id": "1", "sku": "JKT-M-OLV", "name": "Rain jacket, olive, M", "quantity": 1, "unit_price": "79.00",
        "hs_code": "620193", "origin_country": "PT", "weight_grams": 600, "categories": [],
    }  # fmt: skip
    order = {
        "order_number": number, "email": f"ops+{number.lower()}@example.com", "shopper_name": "Jonas Weber",
        "country": "DE", "currency": "EUR", "locale": "de", "lines": [line], "shipping_paid": "4.90",
        "invoice_number": f"INV-{number}", "ordered_at": (delivered - timedelta(days=3)).isoformat(),
        "delivered_at": delivered.isoformat(),
        "payment_reference": f"ch_{number.lower()}" + (f"-{payment}" if payment else ""),
    }  # fmt: skip
    stack.client.put_order(order).raise_for_status()
    items: list[dict[str, Any]] = [{"line_id": "1", "quantity": 1, "reason": "DOES_NOT_FIT"}]
    created = stack.client.create_return(number, str(order["email"]), items)
    assert created.status_code == 201, created.text
    return_id = created.json()["return_id"]
    labelled = stack.client.wait_for(return_id, {"LABEL_ISSUED"})
    stack.simulator.play(labelled["label"]["tracking_number"], HAPPY_JOURNEY)
    assert stack.client.wait_for(return_id, {"DELIVERED"})["status"] == "DELIVERED"
    return order, return_id


def _sign_in(page: Page, stack: RunningStack) -> None:
    page.goto(f"{stack.url}/dashboard/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    check_page(page, SHOTS, "sign-in")
    page.get_by_label("Ops token").fill(stack.ops_token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Returns", exact=True)).to_be_visible()


def test_ops_find_a_delivered_return_inspect_it_and_see_it_refunded(desk: Page, stack: RunningStack) -> None:
    # Given a return waiting for inspection at the warehouse
    order, return_id = _delivered_return(stack)

    # When ops sign in and look for its order
    _sign_in(desk, stack)
    desk.get_by_label("Order number").fill(order["order_number"])
    desk.get_by_label("Waiting for").select_option("INSPECTION")
    desk.get_by_role("button", name="Apply").click()
    table = desk.get_by_test_id("returns-table")
    expect(table.get_by_role("link", name=return_id)).to_be_visible()
    expect(desk.locator("#returns-count")).to_have_text("1 return")
    check_page(desk, SHOTS, "returns-list")

    # Then its page shows where it is: the path through the workflow, waiting now, and its scans
    table.get_by_role("link", name=return_id).click()
    expect(desk.get_by_role("heading", name=f"Return {return_id}")).to_be_visible()
    path = desk.get_by_test_id("detail-path")
    expect(path.locator("li.current")).to_contain_text("AwaitInspection")
    expect(path).to_contain_text("BuyLabel")
    expect(desk.get_by_test_id("detail-timeline")).to_contain_text("Carrier scan: Delivered")
    expect(desk.locator("#detail-money")).to_contain_text("No costs recorded yet")
    # (no personal data on an ops page either: the shopper's email and name stay in the order system)
    assert order["email"] not in desk.content()
    assert order["shopper_name"] not in desk.content()
    check_page(desk, SHOTS, "return-detail-inspection")

    # When the inspector grades the jacket, deducts 20 % for signs of use and records the inspection
    form = desk.get_by_role("form", name="Inspection")
    form.get_by_label("Grade").select_option("B")
    form.get_by_label("Disposition").select_option("REFURBISH")
    form.get_by_label("Deduction for condition (%)").fill("20")
    form.get_by_label("Deduction reason").select_option("SIGNS_OF_USE")
    jpeg = b"\xff\xd8\xff\xe0" + bytes(64)
    cuff: FilePayload = {"name": "cuff.jpg", "mimeType": "image/jpeg", "buffer": jpeg}
    form.get_by_label("Photos").set_input_files(files=[cuff])
    form.get_by_label("Inspector").fill("warehouse-7")
    form.get_by_role("button", name="Record inspection").click()
    expect(desk.get_by_test_id("status")).to_contain_text("Inspection: done.")

    # Then the return goes on to its refund, and its page says so once the refund is paid
    stack.client.wait_for(return_id, {"REFUNDED"})
    desk.reload()
    expect(desk.locator("#detail-summary")).to_contain_text("Refunded")
    expect(desk.get_by_test_id("detail-path")).to_contain_text("RecordCosts")
    ledger = desk.get_by_test_id("detail-ledger")
    expect(ledger).to_contain_text("Label")
    expect(ledger).to_contain_text("Refund")
    expect(ledger).to_contain_text("kept back from the refund")
    expect(ledger.locator("tr.total")).to_contain_text("Total")
    expect(desk.locator("#detail-items")).to_contain_text("Inspection photo 1")
    # And, the German shopper having been refunded in full on the acceptance scan, ops see that 20 % of
    # the jacket's 79.00 was paid beyond what inspection accepted (the ledger keeps what was paid)
    expect(desk.locator("#detail-refund")).to_contain_text("early: Acceptance scan")
    expect(desk.locator("#detail-refund")).to_contain_text("15.80 EUR more than inspection accepted")
    check_page(desk, SHOTS, "return-detail-refunded")

    # When finance acknowledges it
    acknowledge = desk.get_by_role("form", name="Acknowledge Early refund overpaid")
    acknowledge.get_by_label("Operator").fill("finance-1")
    acknowledge.get_by_label("Note").fill("Written off")
    acknowledge.get_by_role("button", name="Acknowledge").click()
    expect(desk.get_by_test_id("status")).to_contain_text("done.")

    # Then the timeline says who acknowledged it, and it is no longer offered
    desk.reload()
    expect(desk.get_by_test_id("detail-timeline")).to_contain_text(
        "Alert acknowledged: Early refund overpaid by finance-1"
    )
    expect(desk.get_by_role("form", name="Acknowledge Early refund overpaid")).to_have_count(0)


def test_ops_see_the_review_queue_alerts_and_analytics_charts(desk: Page, stack: RunningStack) -> None:
    # Given a refunded return (so the analytics have figures), and one whose refund the provider turns down
    _, return_id = _delivered_return(stack)
    assert stack.client.inspect_all(return_id).status_code == 200
    stack.client.wait_for(return_id, {"REFUNDED"})
    _, failing_id = _delivered_return(stack, payment="async-fail")
    assert stack.client.inspect_all(failing_id).status_code == 200
    deadline = time.monotonic() + 30
    while stack.client.ops(failing_id)["waiting_for"] != "REFUND_FIX" and time.monotonic() < deadline:
        time.sleep(0.2)

    # When ops open each section
    _sign_in(desk, stack)
    desk.get_by_role("link", name="Review queue").click()
    expect(desk.get_by_role("heading", name="Review queue")).to_be_visible()
    expect(desk.get_by_role("link", name="Review queue")).to_have_attribute("aria-current", "page")
    check_page(desk, SHOTS, "review-queue")

    desk.get_by_role("link", name="Alerts").click()
    expect(desk.get_by_role("heading", name="Alerts")).to_be_visible()
    expect(desk.get_by_test_id("status")).not_to_contain_text("Could not load")
    failed = desk.get_by_test_id("alerts-table").get_by_role("row").filter(has_text=failing_id)
    expect(failed).to_contain_text("Refund failed")
    expect(failed).to_contain_text("Critical")
    check_page(desk, SHOTS, "alerts")

    desk.get_by_role("link", name="Analytics").click()
    charts = desk.get_by_test_id("charts")
    expect(charts.locator("figure.chart")).to_have_count(6)

    # Then the charts draw the period's figures: reasons, the most returned SKUs, stage times, carriers, costs, months
    expect(desk.get_by_test_id("analytics-totals")).to_contain_text("Return rate")
    reasons = charts.locator("figure[data-chart='Return reasons']")
    expect(reasons.locator("svg rect.bar").first).to_be_visible()
    expect(reasons).to_contain_text("Does not fit")
    expect(charts.locator("figure[data-chart='Most returned SKUs']")).to_contain_text("JKT-M-OLV")
    stages = charts.locator("figure[data-chart='Time in each stage (hours)'] svg rect.bar")
    assert stages.count() >= 2
    costs = charts.locator("figure", has_text=re.compile("Cost per return by lane and carrier"))
    expect(costs.locator("svg rect.bar").first).to_be_visible()
    check_page(desk, SHOTS, "analytics")

    # And the CSV export downloads the same period
    with desk.expect_download() as download:
        desk.get_by_role("button", name="Export CSV").click()
    assert download.value.suggested_filename.startswith("returns-analytics-")
    csv_text = download.value.path().read_text(encoding="utf-8")
    assert csv_text.startswith("section,key,metric,value,currency")
    assert "reasons,DOES_NOT_FIT" in csv_text


def test_a_wrong_token_is_refused_and_asks_again(desk: Page, stack: RunningStack) -> None:
    # Given someone without the ops token
    desk.goto(f"{stack.url}/dashboard/#token=not-the-token")
    # Then the dashboard shows nothing but the sign-in form, saying why
    expect(desk.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(desk.get_by_test_id("status")).to_contain_text("not accepted")
    expect(desk.get_by_test_id("returns-table")).to_be_hidden()
