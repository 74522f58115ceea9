"""The seller's analytics: counters written with the ledger lines, exactly once, read by the ops API."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from returns_core.storage.models import LedgerRecord
from returns_core.wiring import services

from .support import (
    LocalAws,
    create_return,
    drive_to_refund,
    invoke,
    ops,
    order_line,
    seed_order,
    wait_execution,
)

CHEAP_CROSS_BORDER_LINES = [
    order_line("1", sku="SCK-3PK", name="Merino socks, 3 pack", price="12.00", hs_code="611595", origin="CN", grams=150)
]


def _recount(return_ids: list[str]) -> tuple[Decimal, Decimal]:
    """Refunded and net cost in the base currency, added up from the ledger lines themselves.

    Deductions (restocking fee, return shipping) were kept back from the refund: the REFUND line is
    already net of them, so they are neither refunded nor a recovery of cost.
    """
    refunded = cost = Decimal(0)
    for return_id in return_ids:
        for line in LedgerRecord.query(return_id):
            if line.kind in ("REFUND", "STORE_CREDIT"):
                refunded -= Decimal(line.base_amount)
            elif line.kind not in ("RESTOCKING_FEE", "RETURN_SHIPPING_RECOVERED", "CONDITION_DEDUCTION"):
                cost -= Decimal(line.base_amount)
    return refunded, cost


def _analytics(query: str = "") -> dict[str, Any]:
    reply = ops("GET", "/ops/analytics", query=query)
    assert reply.status == 200, reply
    body: dict[str, Any] = reply.body
    return body


def _every_sku(query: str = "", limit: int = 100) -> list[dict[str, Any]]:
    """The full SKU list, page by page."""
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        page_query = "&".join(q for q in (query, f"limit={limit}", f"cursor={cursor}" if cursor else "") if q)
        reply = ops("GET", "/ops/analytics/skus", query=page_query)
        assert reply.status == 200, reply
        rows += reply.body["skus"]
        cursor = reply.body["next_cursor"]
        if cursor is None:
            return rows


def test_analytics_equal_a_recount_of_the_ledger_and_a_retried_recording_changes_nothing(aws: LocalAws) -> None:
    # Given two orders in Germany and one in Australia (units sold: 3 + 3 + 1)
    first = seed_order("ORD-A-1")
    second = seed_order("ORD-A-2")
    socks = seed_order("ORD-A-AU", country="AU", currency="AUD", lines=CHEAP_CROSS_BORDER_LINES, shipping="9.95")

    # When a pair of sneakers and two T-shirts come back, and the socks are refunded without coming back
    sneakers = create_return(first, items=[("1", 1)])
    drive_to_refund(sneakers)
    tees = create_return(second, items=[("2", 2)], reason="NOT_AS_DESCRIBED")
    drive_to_refund(tees, items=[("2", 2)])
    kept = create_return(socks, reason="CHANGED_MIND")
    assert wait_execution(kept)["status"] == "SUCCEEDED"
    figures = _analytics()

    # Then the totals are those of the three returns, and the money equals a recount of their ledger lines
    totals = figures["totals"]
    assert totals["returns"] == 3
    assert totals["units_returned"] == 4
    assert totals["units_sold"] == 7
    assert totals["return_rate"] == "0.5714"
    refunded, cost = _recount([sneakers, tees, kept])
    assert Decimal(totals["refunded"]["amount"]) == refunded > 0
    assert Decimal(totals["cost"]["amount"]) == cost
    # (the sneakers' return shipping was kept back from their refund: it lowers the refund, not the cost)
    kinds = {line.kind: Decimal(line.base_amount) for line in LedgerRecord.query(sneakers)}
    assert kinds["RETURN_SHIPPING_RECOVERED"] > 0
    labels = sum(
        -Decimal(line.base_amount) for r in (sneakers, tees) for line in LedgerRecord.query(r) if line.kind == "LABEL"
    )
    assert cost == labels
    assert totals["refunded"]["currency"] == figures["base_currency"] == "USD"
    # ...by reason and by SKU
    reasons = {row["reason"]: row for row in figures["reasons"]}
    assert reasons["NOT_AS_DESCRIBED"]["units"] == 2
    assert reasons["CHANGED_MIND"]["returns"] == 1
    skus = {row["sku"]: row for row in figures["return_rate_by_sku"]}
    assert skus["TEE-M-NVY"] == {"sku": "TEE-M-NVY", "units_sold": 4, "units_returned": 2, "return_rate": "0.5000"}
    assert skus["SCK-3PK"]["return_rate"] == "1.0000"
    # ...the two parcels travelled one lane, the socks none; both parcels waited in transit and inspection
    [lane] = figures["carriers"]
    assert (lane["lane"], lane["shipments"], lane["lost"]) == ("DE-DE", 2, 0)
    stages = {row["stage"]: row for row in figures["stage_cycle_times"]}
    assert stages["IN_TRANSIT"]["count"] == 2
    assert stages["AWAITING_INSPECTION"]["count"] == 2
    assert {row["country"]: row["returns"] for row in figures["by_country"]} == {"DE": 2, "AU": 1}

    # When the RecordCosts task runs again for each return (a retry), and the orders are synced again
    for return_id in (sneakers, tees, kept):
        assert invoke("record-costs", {"return_id": return_id}) == {"lines_written": 0}
    seed_order("ORD-A-1")

    # Then nothing is counted twice
    assert _analytics() == figures


def test_the_analytics_export_as_csv_holds_the_same_figures(aws: LocalAws) -> None:
    # Given one return refunded
    order = seed_order("ORD-CSV-1")
    return_id = create_return(order, items=[("1", 1)])
    drive_to_refund(return_id)
    figures = _analytics()

    # When ops export the analytics
    reply = ops("GET", "/ops/analytics/export.csv")

    # Then it is a CSV download with a row per figure, money with its currency
    assert reply.status == 200, reply
    assert reply.headers["content-type"].startswith("text/csv")
    assert "attachment" in reply.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(reply.body)))
    by_figure = {(row["section"], row["key"], row["metric"]): row for row in rows}
    assert by_figure[("totals", "", "returns")]["value"] == "1"
    refunded = by_figure[("totals", "", "refunded")]
    assert (refunded["value"], refunded["currency"]) == (figures["totals"]["refunded"]["amount"], "USD")
    assert by_figure[("return_rate_by_sku", "SNK-42-WHT", "units_returned")]["value"] == "1"


def test_a_period_that_is_not_a_range_of_months_is_refused(aws: LocalAws) -> None:
    # When ops ask for a period backwards, far too long, or not in months
    backwards = ops("GET", "/ops/analytics", query="from=2026-05&to=2026-01")
    too_long = ops("GET", "/ops/analytics", query="from=2020-01&to=2026-01")
    not_months = ops("GET", "/ops/analytics", query="from=2026-13&to=2026-14")

    # Then each is refused with a reason, and an empty month is all zeroes
    assert (backwards.status, backwards.code) == (422, "INVALID_PERIOD")
    assert (too_long.status, too_long.code) == (422, "INVALID_PERIOD")
    assert not_months.status == 422 and not_months.code
    empty = _analytics("from=2001-01&to=2001-01")
    assert empty["totals"]["returns"] == 0 and empty["months"] == [
        {
            "month": "2001-01",
            "returns": 0,
            "units_sold": 0,
            "refunded": {"amount": "0.00", "currency": "USD"},
            "cost": {"amount": "0.00", "currency": "USD"},
        }
    ]


def _order_placed(order: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "evt-order-1",
        "source": "shop.orders",
        "detail-type": "OrderPlaced",
        "detail": order,
    }


def test_an_order_placed_event_delivered_twice_counts_its_units_once(aws: LocalAws) -> None:
    # Given an order the shop published on the bus (EventBridge delivers at least once)
    order = seed_order("ORD-EVT-TEMPLATE").model_dump(mode="json")
    order["order_number"] = "ORD-EVT-1"
    sold_before = _analytics()["totals"]["units_sold"]

    # When the event reaches order-sync twice
    first = invoke("order-sync", _order_placed(order))
    second = invoke("order-sync", _order_placed(order))

    # Then the order is stored, and its three units are sold once
    assert first == {"outcome": "CREATED", "order_number": "ORD-EVT-1"}
    assert second == {"outcome": "UPDATED", "order_number": "ORD-EVT-1"}
    assert _analytics()["totals"]["units_sold"] == sold_before + 3


def test_a_malformed_order_event_is_dropped_naming_its_fields_and_stores_nothing(aws: LocalAws) -> None:
    # Given an order event without lines and with a currency we do not know
    order = seed_order("ORD-EVT-TEMPLATE-2").model_dump(mode="json")
    order.update(order_number="ORD-EVT-BAD", lines=[], currency="XXX")

    # When it reaches order-sync
    outcome = invoke("order-sync", _order_placed(order))

    # Then it is dropped with the fields at fault, and no order exists
    assert outcome == {"outcome": "MALFORMED", "fields": ["currency", "lines"]}
    assert services().orders.find("ORD-EVT-BAD") is None


def test_units_sold_follow_an_order_that_changes_after_its_first_sync(aws: LocalAws) -> None:
    # Given an order of two T-shirts and one pair of sneakers, synced once
    order = seed_order("ORD-CHANGE")
    assert _analytics()["totals"]["units_sold"] == 3

    # When the shop adds a T-shirt to the order, then cancels the sneakers, then syncs the same again
    lines = [line.model_dump(mode="json") for line in order.lines]
    more = [{**lines[0]}, {**lines[1], "quantity": 3}]
    services().orders.upsert(order.model_validate({**order.model_dump(mode="json"), "lines": more}))
    assert _analytics()["totals"]["units_sold"] == 4
    fewer = [{**lines[1], "quantity": 3}]
    changed = order.model_validate({**order.model_dump(mode="json"), "lines": fewer})
    services().orders.upsert(changed)
    services().orders.upsert(changed)

    # Then units sold are what the order holds now, per SKU too (in the full list: none came back), once
    figures = _analytics()
    assert figures["totals"]["units_sold"] == 3
    assert figures["return_rate_by_sku"] == []
    by_sku = {row["sku"]: row for row in _every_sku()}
    assert by_sku["TEE-M-NVY"]["units_sold"] == 3
    assert "SNK-42" not in by_sku or by_sku["SNK-42"]["units_sold"] == 0


def test_a_backfill_gives_returns_recorded_before_the_analytics_their_lines_and_counts_once(aws: LocalAws) -> None:
    # Given a refunded return whose ledger lines and counters were never written (an older deployment)
    from returns_core.storage.models import AggregateRecord

    return_id = create_return(seed_order("ORD-OLD"), items=[("1", 1)])
    assert drive_to_refund(return_id)["status"] == "SUCCEEDED"
    expected = _analytics()["totals"]
    for line in LedgerRecord.query(return_id):
        line.delete()
    for row in AggregateRecord.scan():  # counters and markers alike
        row.delete()
    assert _analytics()["totals"]["returns"] == 0

    # When ops run the backfill over refunded returns, twice
    first = ops("POST", "/ops/ledger/backfill", query="status=REFUNDED")
    second = ops("POST", "/ops/ledger/backfill", query="status=REFUNDED")

    # Then the return's lines are back, its counts added once
    assert (first.status, first.body["returns"], second.body["lines_written"]) == (200, 1, 0)
    assert first.body["lines_written"] == len(list(LedgerRecord.query(return_id))) > 0
    totals = _analytics()["totals"]
    assert (totals["returns"], totals["refunded"], totals["cost"]) == (
        expected["returns"],
        expected["refunded"],
        expected["cost"],
    )
    # And open statuses are refused: they are recorded when they end
    assert ops("POST", "/ops/ledger/backfill", query="status=IN_TRANSIT").code == "NOT_ENDED"
