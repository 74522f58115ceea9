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
