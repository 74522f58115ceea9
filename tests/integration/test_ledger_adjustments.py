"""Costs and recoveries that come after the workflow's steps: duties billed for a cross-border return,
a carrier's surcharge, a carrier's payment on a claim. Ops enter them from the paperwork; each is one
ledger line, counted once in the analytics, whenever it arrives."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from returns_core.domain.scans import ScanStatus
from returns_core.storage.models import LedgerRecord
from returns_core.wiring import services

from .support import (
    LocalAws,
    accepted_by_carrier,
    create_return,
    deliver_scan,
    drive_to_refund,
    get_return,
    inspection_body,
    ops,
    order_line,
    seed_order,
    wait_execution,
    wait_parked,
)

US_LINES = [order_line("1", sku="JKT-L", name="Rain jacket, L", price="120.00", hs_code="620193", origin="VN")]


def _adjust(return_id: str, kind: str, amount: str, reference: str, currency: str = "USD") -> Any:
    body = {"kind": kind, "amount": amount, "currency": currency, "reference": reference, "operator": "finance-1"}
    return ops("POST", f"/ops/returns/{return_id}/ledger-adjustments", body)


def _totals() -> dict[str, Any]:
    reply = ops("GET", "/ops/analytics")
    assert reply.status == 200, reply
    totals: dict[str, Any] = reply.body["totals"]
    return totals


def _lines(return_id: str) -> dict[str, str]:
    return {line.line_id: line.amount for line in LedgerRecord.query(return_id)}


def test_duties_billed_after_a_refund_are_one_ledger_line_counted_once(aws: LocalAws) -> None:
    # Given a refunded US return, and the analytics as they stand
    order = seed_order("ORD-US-DUTY", country="US", currency="USD", lines=US_LINES)
    return_id = create_return(order, items=[("1", 1)])
    assert drive_to_refund(return_id)["status"] == "SUCCEEDED"
    before = _totals()

    # When finance enters the broker's duty bill, twice (the same paper)
    first = _adjust(return_id, "DUTIES_AND_TAXES", "12.30", "BROKER-2231")
    again = _adjust(return_id, "DUTIES_AND_TAXES", "12.30", "BROKER-2231")

    # Then it is one cost line, and the analytics' cost grows by it once, the return still counted once
    assert (first.status, first.body["added"], again.status, again.body["added"]) == (201, True, 200, False)
    assert _lines(return_id)["DUTIES_AND_TAXES#BROKER-2231"] == "-12.30"
    after = _totals()
    assert after["returns"] == before["returns"]
    rate = Decimal(next(line.fx_rate for line in LedgerRecord.query(return_id) if line.kind == "DUTIES_AND_TAXES"))
    grown = Decimal(after["cost"]["amount"]) - Decimal(before["cost"]["amount"])
    assert grown == (Decimal("12.30") * rate).quantize(Decimal("0.01"))

    # When the same paper comes with another amount, a claim recovery without a claim, or yen with cents
    lines = _lines(return_id)
    conflict = _adjust(return_id, "DUTIES_AND_TAXES", "15.00", "BROKER-2231")
    no_claim = _adjust(return_id, "CARRIER_CLAIM_RECOVERED", "50.00", "CLM-1")
    cents = _adjust(return_id, "CARRIER_SURCHARGE", "100.5", "INV-9", currency="JPY")
    negative = _adjust(return_id, "CARRIER_SURCHARGE", "-3.00", "INV-10")
    # Then each is refused with its reason and nothing is written
    assert [(r.status, r.code) for r in (conflict, no_claim, cents)] == [
        (409, "ADJUSTMENT_CONFLICT"),
        (409, "NO_CLAIM"),
        (422, "AMOUNT_PRECISION"),
    ]
    assert negative.status == 422
    assert _lines(return_id) == lines
    assert _totals() == after


def test_a_surcharge_on_a_parcel_still_travelling_does_not_count_the_return_early(aws: LocalAws) -> None:
    # Given a US return accepted by the carrier, still on its way
    order = seed_order("ORD-US-SUR", country="US", currency="USD", lines=US_LINES)
    return_id, tracking = accepted_by_carrier(create_return(order, items=[("1", 1)]))
    before = _totals()

    # When the carrier's weight surcharge is entered
    assert _adjust(return_id, "CARRIER_SURCHARGE", "4.10", "UPS-ADJ-77").status == 201

    # Then its line is there now, but the return is not yet counted as a return
    assert _lines(return_id)["CARRIER_SURCHARGE#UPS-ADJ-77"] == "-4.10"
    assert _totals()["returns"] == before["returns"]

    # When the parcel arrives and the return is refunded / Then it is counted once, its lines kept
    assert deliver_scan(tracking, ScanStatus.DELIVERED) == "ADVANCED"
    wait_parked(return_id, "INSPECTION")
    assert ops("POST", f"/ops/returns/{return_id}/inspection", inspection_body([("1", 1)])).status == 200
    assert wait_execution(return_id)["status"] == "SUCCEEDED"
    assert _totals()["returns"] == before["returns"] + 1
    assert {"LABEL", "REFUND", "CARRIER_SURCHARGE#UPS-ADJ-77"} <= set(_lines(return_id))


def test_the_carriers_payment_on_a_lost_parcel_claim_is_recovered_and_closes_the_claim(aws: LocalAws) -> None:
    # Given a parcel the carrier lost (no scan for the stall limit), refunded, with a claim open
    order = seed_order("ORD-DE-LOST")
    return_id, _ = accepted_by_carrier(create_return(order, items=[("1", 1)]))
    assert wait_execution(return_id)["status"] == "SUCCEEDED"
    record = get_return(return_id)
    assert (record.status, record.claim["status"]) == ("REFUNDED", "OPEN")

    # When the carrier pays 60.00 EUR on the claim
    paid = _adjust(return_id, "CARRIER_CLAIM_RECOVERED", "60.00", record.claim["claim_id"], currency="EUR")

    # Then the claim is paid, and the money is a recovery in the ledger
    assert paid.status == 201, paid
    claim = get_return(return_id).claim
    assert (claim["status"], claim["recovered"]) == ("PAID", {"amount": "60.00", "currency": "EUR"})
    assert _lines(return_id)[f"CARRIER_CLAIM_RECOVERED#{record.claim['claim_id']}"] == "60.00"
    # (the ops page lists it with the return's other lines)
    kinds = [line["kind"] for line in ops("GET", f"/ops/returns/{return_id}").body["ledger"]]
    assert "CARRIER_CLAIM_RECOVERED" in kinds


def test_a_seller_who_books_warehouse_handling_sees_it_on_each_inspected_return(aws: LocalAws) -> None:
    # Given a seller whose warehouse charges 2.40 (base currency) to receive and inspect a return
    aws.monkeypatch.setenv("HANDLING_COST", "2.40")
    services.cache_clear()
    order = seed_order("ORD-US-HANDLE", country="US", currency="USD", lines=US_LINES)
    return_id = create_return(order, items=[("1", 1)])

    # When the return is inspected and refunded
    assert drive_to_refund(return_id)["status"] == "SUCCEEDED"

    # Then its ledger has the handling line in the base currency, and the analytics count it in the cost
    [line] = [line for line in LedgerRecord.query(return_id) if line.kind == "HANDLING"]
    assert (line.amount, line.currency, line.base_amount) == ("-2.40", "USD", "-2.40")
    costs = [Decimal(other.base_amount) for other in LedgerRecord.query(return_id) if other.kind != "REFUND"]
    assert Decimal(_totals()["cost"]["amount"]) == -sum(costs)  # label, hub share and handling


def test_a_refund_is_booked_at_the_sales_rate_and_the_rates_move_since_is_its_own_line(aws: LocalAws) -> None:
    # Given a German sale the seller booked at 1.05 USD per euro (the rate is 1.08 at refund time)
    order = seed_order("ORD-DE-FX", sale_fx_rate="1.05")
    return_id = create_return(order, items=[("1", 1)])

    # When the return is refunded
    assert drive_to_refund(return_id)["status"] == "SUCCEEDED"

    # Then the refund's base amount is at the sale's rate, and the euro's rise since is an FX loss
    paid = Decimal(get_return(return_id).refund["amount"]["amount"])
    lines = {line.kind: line for line in LedgerRecord.query(return_id)}
    cent = Decimal("0.01")
    assert (lines["REFUND"].base_amount, lines["REFUND"].fx_rate) == (
        str((-paid * Decimal("1.05")).quantize(cent)),
        "1.05",
    )
    at_refund = (-paid * Decimal("1.08")).quantize(cent)
    fx = lines["FX_DIFFERENCE"]
    assert (fx.currency, Decimal(fx.base_amount)) == ("USD", at_refund - Decimal(lines["REFUND"].base_amount))
    assert Decimal(fx.base_amount) < 0
    # And together they are what the refund cost at today's rate, and what the analytics count
    assert Decimal(lines["REFUND"].base_amount) + Decimal(fx.base_amount) == at_refund
    totals = _totals()
    costs = sum(
        Decimal(line.base_amount) for kind, line in lines.items() if kind not in ("REFUND", "RETURN_SHIPPING_RECOVERED")
    )
    assert Decimal(totals["refunded"]["amount"]) == -Decimal(lines["REFUND"].base_amount)
    assert Decimal(totals["cost"]["amount"]) == -costs
