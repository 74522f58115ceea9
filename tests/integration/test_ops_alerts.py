"""GET /ops/alerts: what ops must act on now, read from the open returns."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from returns_core.clock import iso
from returns_core.storage.models import ReturnRecord
from returns_core.wiring import services

from .support import (
    LocalAws,
    create_return,
    delivered_to_warehouse,
    inspection_body,
    ops,
    order_line,
    refuse_first_refund,
    seed_order,
    wait_parked,
)
from .support import wait_execution as finished

SOCKS = [order_line("1", sku="SCK-3PK", name="Merino socks", price="12.00", hs_code="611595", origin="CN", grams=150)]


def test_a_refund_the_provider_refuses_is_a_critical_alert_until_ops_retry_it(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a provider that refuses the first refund of a returnless return (socks to Australia)
    refuse_first_refund(monkeypatch)
    order = seed_order("ORD-AU-9", country="AU", currency="AUD", lines=SOCKS, shipping="9.95")
    return_id = create_return(order, items=[("1", 1)])
    wait_parked(return_id, "REFUND_FIX")

    # When ops ask what needs them
    reply = ops("GET", "/ops/alerts")

    # Then the refused refund is there, critical, without the shopper's personal data
    assert reply.status == 200, reply
    [alert] = reply.body["alerts"]
    assert {k: v for k, v in alert.items() if k not in ("since", "message")} == {
        "code": "REFUND_FAILED",
        "severity": "critical",
        "return_id": return_id,
        "order_number": "ORD-AU-9",
        "status": "REFUND_PENDING",
        "market": "AU",
        "error": "PaymentRejected",
    }
    assert datetime.fromisoformat(alert["since"]) <= datetime.now(UTC)
    assert reply.body["counts"]["REFUND_FAILED"] == 1
    assert order.email not in json.dumps(reply.body) and order.shopper_name not in json.dumps(reply.body)

    # And once ops retried it and the refund was paid, nothing is left to act on
    assert ops("POST", f"/ops/returns/{return_id}/refund-retry", {"operator": "finance-1"}).status == 200
    assert finished(return_id)["status"] == "SUCCEEDED"
    after = ops("GET", "/ops/alerts")
    assert (after.body["alerts"], sum(after.body["counts"].values())) == ([], 0)


def test_a_delivered_return_left_uninspected_past_the_sla_is_an_alert(aws: LocalAws) -> None:
    # Given a return delivered to the warehouse four days ago (SLA: 3 days) and not yet inspected
    return_id = create_return(seed_order("ORD-DE-4"), items=[("1", 1)])
    delivered_to_warehouse(return_id)
    delivered = datetime.now(UTC) - timedelta(days=4)

    def delivered_four_days_ago(record: ReturnRecord) -> Any:
        record.delivered_at = delivered

    services().returns.mutate(return_id, delivered_four_days_ago)

    # When ops ask for the overdue inspections
    reply = ops("GET", "/ops/alerts", query="code=INSPECTION_SLA")

    # Then the return is there, due since three days after its delivery
    assert reply.status == 200, reply
    [alert] = reply.body["alerts"]
    assert (alert["code"], alert["severity"], alert["return_id"], alert["status"]) == (
        "INSPECTION_SLA",
        "warning",
        return_id,
        "DELIVERED",
    )
    assert alert["due_at"] == alert["since"] == iso(delivered + timedelta(days=3))
    assert reply.body["counts"]["INSPECTION_SLA"] == 1

    # And a code ops do not know is refused in the API's error shape
    unknown = ops("GET", "/ops/alerts", query="code=PARCEL_ON_FIRE")
    assert (unknown.status, unknown.code) == (422, "UNKNOWN_ALERT_CODE")

    # And once inspected, the return leaves the list
    assert ops("POST", f"/ops/returns/{return_id}/inspection", inspection_body()).status == 200
    assert finished(return_id)["status"] == "SUCCEEDED"
    assert ops("GET", "/ops/alerts", query="code=INSPECTION_SLA").body["alerts"] == []


def test_an_overpaid_early_refund_stays_an_alert_after_the_return_ends_until_ops_acknowledge_it(
    aws: LocalAws,
) -> None:
    # Given a German return of two T-shirts refunded on acceptance, of which inspection accepts one
    order = seed_order("ORD-DE-OVER")
    return_id = create_return(order, items=[("2", 2)])
    delivered_to_warehouse(return_id)
    assert ops("POST", f"/ops/returns/{return_id}/inspection", inspection_body([("2", 1)])).status == 200
    assert finished(return_id)["status"] == "SUCCEEDED"

    # When ops ask what needs them, although the return has ended REFUNDED
    [alert] = ops("GET", "/ops/alerts").body["alerts"]

    # Then the overpayment is there, to be acknowledged
    assert (alert["code"], alert["return_id"], alert["status"], alert["acknowledge"]) == (
        "EARLY_REFUND_OVERPAID",
        return_id,
        "REFUNDED",
        True,
    )

    # When an alert it never had, or one that is not theirs to acknowledge, is acknowledged
    path = f"/ops/returns/{return_id}/alerts"
    assert ops("POST", f"{path}/REFUND_FAILED/acknowledge", {"operator": "finance-1"}).code == "NO_ALERT_TO_ACKNOWLEDGE"
    assert ops("POST", f"{path}/NOT_A_CODE/acknowledge", {"operator": "finance-1"}).status == 422
    assert ops("POST", "/ops/returns/RT-NONE/alerts/EARLY_REFUND_OVERPAID/acknowledge", {"operator": "x"}).status == 404
    # Then nothing changed
    assert len(ops("GET", "/ops/alerts").body["alerts"]) == 1

    # When finance acknowledges it, twice (a double click)
    body = {"operator": "finance-1", "note": "Recovered from the shopper"}
    first = ops("POST", f"{path}/EARLY_REFUND_OVERPAID/acknowledge", body)
    second = ops("POST", f"{path}/EARLY_REFUND_OVERPAID/acknowledge", body)

    # Then it is off the list, acknowledged once, and the return left the attention index
    assert (first.status, first.body["already"], second.status, second.body["already"]) == (200, False, 200, True)
    assert ops("GET", "/ops/alerts").body["alerts"] == []
    record = services().returns.get(return_id)
    assert [e["kind"] for e in record.timeline].count("ALERT_ACK") == 1
    assert record.attention is None
    assert list(services().returns.needing_attention()) == []
