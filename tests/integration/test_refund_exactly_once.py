"""Refunds are paid exactly once, whatever Lambda and the payment provider do in between.

The sandbox payment provider keeps one S3 object per refund it made (keyed by our idempotency key),
which is what "paid" means here. The returns are returnless (socks to Australia: the workflow goes
from Authorise to Refund without waiting for a parcel), so the Refund task runs within a second.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from returns_core.adapters.sandbox_payments import SandboxPayments
from returns_core.ports.payments import PaymentTimeout, RefundOrder, RefundOutcome, RefundStatus
from returns_core.workflow.refunding import Refunder

from .support import (
    LocalAws,
    create_return,
    get_return,
    invoke,
    ops,
    order_line,
    refund_objects,
    refuse_first_refund,
    seed_order,
    visited_states,
    wait_parked,
)
from .support import wait_execution as finished

SOCKS = [order_line("1", sku="SCK-3PK", name="Merino socks", price="12.00", hs_code="611595", origin="CN", grams=150)]


def _returnless_order() -> Any:
    return seed_order("ORD-AU-7", country="AU", currency="AUD", lines=SOCKS, shipping="9.95")


# Lambda's own error for "the invoke failed in the service": Step Functions retries it (see the ASL), and
# the function may or may not have run. Only the class name reaches Step Functions.
LambdaServiceException = type("Lambda.ServiceException", (Exception,), {})


class ProviderCalls:
    """Counts refund requests that reached the sandbox provider."""

    def __init__(self) -> None:
        self.count = 0


@pytest.fixture
def provider_calls(monkeypatch: pytest.MonkeyPatch) -> ProviderCalls:
    calls = ProviderCalls()
    original = SandboxPayments.refund

    def counted(self: SandboxPayments, order: RefundOrder) -> RefundOutcome:
        calls.count += 1
        return original(self, order)

    monkeypatch.setattr(SandboxPayments, "refund", counted)
    return calls


def test_a_refund_task_run_again_after_it_paid_pays_once(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch, provider_calls: ProviderCalls
) -> None:
    # Given the first Refund task dies right after the provider paid, before the payment is recorded
    original_finish = Refunder._finish
    crashes: list[str] = []

    def finish_or_crash(self: Refunder, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if not crashes:
            crashes.append("crashed")
            raise LambdaServiceException("the invoke failed after the payment call")
        return original_finish(self, *args, **kwargs)

    monkeypatch.setattr(Refunder, "_finish", finish_or_crash)

    # When the workflow's Retry runs the task again, and later someone invokes it by hand once more
    return_id = create_return(_returnless_order(), reason="CHANGED_MIND")
    assert finished(return_id)["status"] == "SUCCEEDED"
    assert invoke("refund", {"return_id": return_id}) == {"final_status": "REFUNDED"}

    # Then the money moved once: one refund at the provider, the one the return records
    assert crashes == ["crashed"]
    [paid] = refund_objects()
    record = get_return(return_id)
    assert record.status == "REFUNDED"
    assert record.refund["refund_id"] == paid["refund_id"]
    assert paid["amount"] == {"amount": "10.80", "currency": "AUD"}
    # (the second run found the provider's refund by its idempotency key instead of paying again)
    assert provider_calls.count == 1


def test_a_payment_timeout_after_the_provider_paid_is_resolved_by_lookup(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a provider that makes the refund but whose reply never arrives
    original = SandboxPayments.refund
    requests: list[RefundOrder] = []

    def pays_then_times_out(self: SandboxPayments, order: RefundOrder) -> RefundOutcome:
        requests.append(order)
        original(self, order)
        raise PaymentTimeout("read timed out")

    monkeypatch.setattr(SandboxPayments, "refund", pays_then_times_out)

    # When the workflow refunds a return
    return_id = create_return(_returnless_order(), reason="CHANGED_MIND")
    execution = finished(return_id)

    # Then the refund was found by its idempotency key, not requested again, and the return is REFUNDED
    assert execution["status"] == "SUCCEEDED", execution
    assert len(requests) == 1
    assert requests[0].idempotency_key == f"refund:{return_id}"
    [paid] = refund_objects()
    record = get_return(return_id)
    assert record.status == "REFUNDED"
    assert record.refund["refund_id"] == paid["refund_id"]
    assert record.refund["status"] == "succeeded"
    assert visited_states(return_id).count("Refund") == 1


def test_a_payment_timeout_before_the_provider_paid_is_retried_and_paid_once(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a provider that times out without paying the first time
    original = SandboxPayments.refund
    requests: list[RefundOrder] = []

    def times_out_once(self: SandboxPayments, order: RefundOrder) -> RefundOutcome:
        requests.append(order)
        if len(requests) == 1:
            raise PaymentTimeout("connect timed out")
        return original(self, order)

    monkeypatch.setattr(SandboxPayments, "refund", times_out_once)

    # When the workflow refunds a return
    return_id = create_return(_returnless_order(), reason="CHANGED_MIND")
    execution = finished(return_id)

    # Then the Refund task failed with PaymentTimeout, Step Functions retried it, and it paid once
    assert execution["status"] == "SUCCEEDED", execution
    assert len(requests) == 2
    assert {r.idempotency_key for r in requests} == {f"refund:{return_id}"}
    assert len(refund_objects()) == 1
    assert get_return(return_id).status == "REFUNDED"


def test_refunding_a_refunded_return_again_changes_nothing(aws: LocalAws, provider_calls: ProviderCalls) -> None:
    # Given a refunded return
    return_id = create_return(_returnless_order(), reason="CHANGED_MIND")
    assert finished(return_id)["status"] == "SUCCEEDED"
    before = get_return(return_id).refund

    # When the Refund task is invoked twice more
    results = [invoke("refund", {"return_id": return_id}) for _ in range(2)]

    # Then each answers REFUNDED, and the provider and the record are untouched
    assert results == [{"final_status": "REFUNDED"}] * 2
    assert provider_calls.count == 1
    assert len(refund_objects()) == 1
    assert get_return(return_id).refund == before


def test_a_refund_the_provider_refuses_waits_visibly_until_ops_retry_it(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a payment provider that refuses the first refund outright (not retryable by itself)
    refuse_first_refund(monkeypatch)
    return_id = create_return(_returnless_order(), items=[("1", 1)])

    # When the refund fails, the return waits for ops instead of failing its workflow
    parked = wait_parked(return_id, "REFUND_FIX")
    assert parked.status == "REFUND_PENDING"
    detail = ops("GET", f"/ops/returns/{return_id}")
    assert detail.body["waiting_for"] == "REFUND_FIX"
    assert [e["code"] for e in detail.body["timeline"] if e["kind"] == "ALERT"] == ["REFUND_FAILED"]
    assert detail.body["execution"]["status"] == "RUNNING"
    assert refund_objects() == []

    # Then an ops retry pays it, once, and the return completes
    reply = ops("POST", f"/ops/returns/{return_id}/refund-retry", {"operator": "finance-1", "note": "card updated"})
    assert reply.status == 200, reply
    assert finished(return_id)["status"] == "SUCCEEDED"
    assert get_return(return_id).status == "REFUNDED"
    assert len(refund_objects()) == 1
    assert "AwaitRefundFix" in visited_states(return_id)
    # And a second retry has nothing to retry
    again = ops("POST", f"/ops/returns/{return_id}/refund-retry", {"operator": "finance-1"})
    assert (again.status, again.code) == (409, "NO_FAILED_REFUND")


def _refunds_failed_counted(output: str) -> int:
    """RefundsFailed as the functions published it (CloudWatch embedded metric format, one JSON per line)."""
    counted = 0
    for line in output.splitlines():
        if '"_aws"' not in line:
            continue
        blob = json.loads(line)
        namespaces = [directive["Namespace"] for directive in blob["_aws"]["CloudWatchMetrics"]]
        if "Returns" in namespaces and "RefundsFailed" in blob:
            counted += int(
                sum(blob["RefundsFailed"]) if isinstance(blob["RefundsFailed"], list) else blob["RefundsFailed"]
            )
    return counted


def test_a_refused_refund_is_counted_for_the_refunds_failed_alarm(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a payment provider that refuses the first refund
    refuse_first_refund(monkeypatch)
    return_id = create_return(_returnless_order(), items=[("1", 1)])

    # When the refund is refused and the return waits for ops
    wait_parked(return_id, "REFUND_FIX")

    # Then the refund function published one RefundsFailed, the metric the alarm watches
    assert _refunds_failed_counted(capsys.readouterr().out) == 1

    # And once ops retry it and it is paid, no further failure is counted
    assert ops("POST", f"/ops/returns/{return_id}/refund-retry", {"operator": "finance-1"}).status == 200
    assert finished(return_id)["status"] == "SUCCEEDED"
    assert _refunds_failed_counted(capsys.readouterr().out) == 0


def test_a_refund_the_provider_reports_failed_is_not_marked_refunded(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a provider that answers a refund request with status "failed"
    original = SandboxPayments.refund

    def failed(self: SandboxPayments, order: RefundOrder) -> RefundOutcome:
        return RefundOutcome("sandbox", "re_failed", RefundStatus.FAILED, order.amount)

    monkeypatch.setattr(SandboxPayments, "refund", failed)
    return_id = create_return(_returnless_order(), items=[("1", 1)])

    # When the Refund task gets that answer
    parked = wait_parked(return_id, "REFUND_FIX")

    # Then the return is not REFUNDED: it waits for ops with the failure on its timeline
    assert parked.status == "REFUND_PENDING"
    assert [e.get("error") for e in parked.timeline if e["kind"] == "ALERT"] == ["PaymentRejected"]
    monkeypatch.setattr(SandboxPayments, "refund", original)
    assert ops("POST", f"/ops/returns/{return_id}/refund-retry", {"operator": "finance-1"}).status == 200
    assert finished(return_id)["status"] == "SUCCEEDED"
