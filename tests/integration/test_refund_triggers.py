"""When the refund is paid: on the market's trigger (acceptance scan, delivery, inspection), or at once
for a shopper the storefront vouches for. Whatever the trigger, the parcel is still followed and
inspected, and the Refund task after inspection settles: it never pays a second time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from returns_core.adapters.sandbox_payments import SandboxPayments
from returns_core.domain.scans import ScanStatus
from returns_core.money import Money
from returns_core.storage.models import LedgerRecord
from returns_core.wiring import services

from .support import (
    FAST_EXPIRY_TIME_SCALE,
    WEBHOOK_SECRET,
    LocalAws,
    api_event,
    call_api,
    capture_milestones,
    create_return,
    deliver_milestones,
    deliver_scan,
    get_return,
    inspection_body,
    ops,
    order_line,
    refund_objects,
    refuse_first_refund,
    return_request,
    seed_order,
    sent_emails,
    storefront,
    visited_states,
    wait_execution,
    wait_parked,
    wait_tracking_number,
)

US_LINES = [order_line("1", sku="SNK-42", name="Running sneakers", price="89.90", hs_code="640411", origin="VN")]
KR_LINES = [order_line("1", sku="SNK-42", name="Running sneakers", price="119000", hs_code="640411", origin="VN")]


def _alerts(return_id: str) -> list[str]:
    return [entry["code"] for entry in get_return(return_id).timeline if entry["kind"] == "ALERT"]


def _inspect(return_id: str, items: list[tuple[str, int]]) -> None:
    reply = ops("POST", f"/ops/returns/{return_id}/inspection", inspection_body(items))
    assert reply.status == 200, reply


def _deliver(return_id: str) -> str:
    tracking = wait_tracking_number(return_id)
    wait_parked(return_id, "DISPATCH")
    assert deliver_scan(tracking, ScanStatus.ACCEPTED) == "ADVANCED"
    wait_parked(return_id, "DELIVERY")
    assert deliver_scan(tracking, ScanStatus.DELIVERED) == "ADVANCED"
    wait_parked(return_id, "INSPECTION")
    return tracking


def test_where_the_seller_refunds_after_inspection_nothing_is_paid_before_it(aws: LocalAws) -> None:
    # Given a US shopper (the default US policy refunds after inspection)
    order = seed_order("ORD-US-1", country="US", currency="USD", lines=US_LINES)
    return_id = create_return(order, items=[("1", 1)])

    # When the parcel is accepted and delivered
    _deliver(return_id)

    # Then nothing has been refunded yet
    assert get_return(return_id).refund is None
    assert refund_objects() == []

    # When the warehouse inspects it
    _inspect(return_id, [("1", 1)])

    # Then it is refunded once, on the path without early refunds
    assert wait_execution(return_id)["status"] == "SUCCEEDED"
    assert visited_states(return_id) == [
        "Authorise", "Decide", "BuyLabel", "ShipOrKeep", "NotifyLabelIssued", "AwaitDispatch",
        "AwaitDelivery", "AwaitInspection", "Refund", "RecordCosts", "NotifyOutcome",
    ]  # fmt: skip
    record = get_return(return_id)
    assert record.status == "REFUNDED"
    assert "trigger" not in record.refund
    assert len(refund_objects()) == 1


def test_a_korean_return_is_refunded_when_the_warehouse_receives_it(aws: LocalAws) -> None:
    # Given a shopper in South Korea (the refund is due from the goods' arrival)
    order = seed_order("ORD-KR-1", country="KR", currency="KRW", lines=KR_LINES, shipping="3000")
    return_id = create_return(order, items=[("1", 1)])
    tracking = wait_tracking_number(return_id)
    wait_parked(return_id, "DISPATCH")

    # When the carrier accepts the parcel
    assert deliver_scan(tracking, ScanStatus.ACCEPTED) == "ADVANCED"
    wait_parked(return_id, "DELIVERY")
    # Then nothing is paid while it travels
    assert get_return(return_id).refund is None

    # When it is delivered to the warehouse
    assert deliver_scan(tracking, ScanStatus.DELIVERED) == "ADVANCED"
    waiting = wait_parked(return_id, "INSPECTION")

    # Then the shopper is refunded in won before anyone inspects it
    assert waiting.status == "DELIVERED"
    assert waiting.refund["status"] == "succeeded"
    assert waiting.refund["trigger"] == "DELIVERY"
    [paid] = refund_objects()
    assert paid["amount"]["currency"] == "KRW"

    # When it is inspected, the return ends refunded without a second payment
    _inspect(return_id, [("1", 1)])
    assert wait_execution(return_id)["status"] == "SUCCEEDED"
    states = visited_states(return_id)
    assert states[4:8] == [
        "NotifyLabelIssuedForDeliveryRefund", "AwaitDispatchForDeliveryRefund", "AwaitDeliveryForDeliveryRefund",
        "RefundOnDelivery",
    ]  # fmt: skip
    assert get_return(return_id).status == "REFUNDED"
    assert refund_objects() == [paid]


def test_a_shopper_the_storefront_trusts_is_refunded_as_soon_as_the_label_is_issued(aws: LocalAws) -> None:
    # Given a US order from a shopper the storefront vouches for
    order = seed_order("ORD-US-VIP", country="US", currency="USD", lines=US_LINES, trusted=True)

    # When the return is approved and its label issued
    return_id = create_return(order, items=[("1", 1)])
    waiting = wait_parked(return_id, "DISPATCH")

    # Then the refund is paid before the parcel leaves
    assert waiting.status == "LABEL_ISSUED"
    assert waiting.decision["refund_trigger"] == "INSTANT"
    assert waiting.refund["status"] == "succeeded"
    assert len(refund_objects()) == 1
    assert visited_states(return_id)[3:6] == ["ShipOrKeep", "RefundInstantly", "NotifyLabelIssued"]

    # And the parcel is still followed and inspected, and paid once in all
    _deliver(return_id)
    _inspect(return_id, [("1", 1)])
    assert wait_execution(return_id)["status"] == "SUCCEEDED"
    assert get_return(return_id).status == "REFUNDED"
    assert len(refund_objects()) == 1
    assert _alerts(return_id) == []


def test_trust_does_not_outrank_a_risk_review(aws: LocalAws) -> None:
    # Given a trusted shopper returning a watch worth more than the review threshold
    watch = [order_line("1", sku="WCH-GLD", name="Gold watch", price="600.00", hs_code="910111", origin="CH")]
    order = seed_order("ORD-US-WATCH", country="US", currency="USD", lines=watch, trusted=True)
    return_id = create_return(order, items=[("1", 1)])
    wait_parked(return_id, "REVIEW")

    # When ops approve it
    reply = ops(
        "POST",
        f"/ops/returns/{return_id}/review",
        {"decision": "APPROVED", "reason": "Known shopper", "reviewer": "ops"},
    )
    assert reply.status == 200, reply
    waiting = wait_parked(return_id, "DISPATCH")

    # Then it is refunded on the market's trigger (after inspection), not at once
    assert waiting.decision["refund_trigger"] == "INSPECTION"
    assert waiting.refund is None
    _deliver(return_id)
    assert get_return(return_id).refund is None
    _inspect(return_id, [("1", 1)])
    assert wait_execution(return_id)["status"] == "SUCCEEDED"
    assert "RefundInstantly" not in visited_states(return_id)
    assert len(refund_objects()) == 1


def test_an_early_refund_larger_than_what_inspection_accepts_is_an_overpayment_for_ops(aws: LocalAws) -> None:
    # Given a German shopper returning two T-shirts, refunded on the carrier's acceptance scan
    order = seed_order("ORD-DE-TEES")
    return_id = create_return(order, items=[("2", 2)])
    _deliver(return_id)
    early = get_return(return_id).refund
    assert early["trigger"] == "ACCEPTANCE_SCAN"

    # When the warehouse accepts only one of them
    _inspect(return_id, [("2", 1)])
    assert wait_execution(return_id)["status"] == "SUCCEEDED"

    # Then the return ends refunded, paid once, with the difference recorded and an alert for ops
    record = get_return(return_id)
    assert record.status == "REFUNDED"
    [paid] = refund_objects()
    assert paid["amount"] == early["breakdown"]["total"]
    assert record.refund["due_after_inspection"]["currency"] == "EUR"
    assert record.refund["overpaid"] == {"amount": "24.90", "currency": "EUR"}
    assert _alerts(return_id) == ["EARLY_REFUND_OVERPAID"]
    # And the ledger's refund line is what actually left the seller's account
    ledger = {line.kind: line.amount for line in LedgerRecord.query(return_id)}
    assert ledger["REFUND"] == "-" + paid["amount"]["amount"]


def test_an_early_refund_the_provider_refuses_is_paid_after_inspection_under_a_new_key(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the provider refuses the first refund it is asked for
    refused = refuse_first_refund(monkeypatch)
    order = seed_order("ORD-DE-REFUSED")
    return_id = create_return(order, items=[("1", 1)])

    # When the early refund on acceptance is refused
    _deliver(return_id)
    record = get_return(return_id)
    assert record.refund["status"] == "failed"
    # Then the return travels on, and nothing waits for ops yet
    assert record.status == "DELIVERED"

    # When it is inspected
    _inspect(return_id, [("1", 1)])
    assert wait_execution(return_id)["status"] == "SUCCEEDED"

    # Then the refund after inspection is a new attempt, paid once
    record = get_return(return_id)
    assert refused == [f"refund:{return_id}"]
    assert record.refund["idempotency_key"] == f"refund:{return_id}:2"
    assert record.status == "REFUNDED"
    assert len(refund_objects()) == 1
    assert "AwaitRefundFix" not in visited_states(return_id)


def test_a_pending_early_refund_settled_by_webhook_needs_no_wait_after_inspection(aws: LocalAws) -> None:
    # Given an early refund the provider acknowledged as pending (the sandbox's "-async" payments)
    order = seed_order("ORD-DE-ASYNC")
    return_id = create_return(order, items=[("1", 1)])
    _deliver(return_id)
    assert get_return(return_id).refund["status"] == "pending"

    # When the provider's webhook reports it paid while the parcel waits for inspection
    later = datetime.now(UTC) + timedelta(seconds=2)
    [(body, headers)] = SandboxPayments(services().documents).settle_due(later, WEBHOOK_SECRET)
    reply = call_api("payment-webhook", api_event("POST", "/webhooks/payments/sandbox", body, headers))
    assert reply.status == 202, reply
    assert get_return(return_id).status == "DELIVERED"
    assert get_return(return_id).refund["status"] == "succeeded"

    # Then inspection ends the return refunded, without waiting for another outcome
    _inspect(return_id, [("1", 1)])
    assert wait_execution(return_id)["status"] == "SUCCEEDED"
    assert get_return(return_id).status == "REFUNDED"
    assert "AwaitRefundOutcome" not in visited_states(return_id)
    assert len(refund_objects()) == 1


def test_an_instant_refund_whose_parcel_never_leaves_alerts_ops_to_recover_it(aws: LocalAws) -> None:
    # Given a trusted shopper refunded instantly, and label validity scaled down to 1 s
    aws.use_time_scale(FAST_EXPIRY_TIME_SCALE)
    order = seed_order("ORD-US-GONE", country="US", currency="USD", lines=US_LINES, trusted=True)
    return_id = create_return(order, items=[("1", 1)])

    # When the label expires unused
    assert wait_execution(return_id)["status"] == "SUCCEEDED"

    # Then the return is EXPIRED, the refund stays paid, and ops are told to recover it
    record = get_return(return_id)
    assert record.status == "EXPIRED"
    assert record.refund["status"] == "succeeded"
    assert _alerts(return_id) == ["REFUNDED_NOT_RETURNED"]


def test_a_shopper_refunded_on_acceptance_is_told_so_once_in_her_language(aws: LocalAws) -> None:
    # Given a return started in German, with the milestone rule delivering to the notify function
    queue = capture_milestones(aws)
    order = seed_order("ORD-DE-TOLD")
    created = storefront("POST", "/returns", return_request(order, items=[("1", 1)], language="de"))
    return_id, token = created.body["return_id"], created.body["track_token"]
    tracking = wait_tracking_number(return_id)
    wait_parked(return_id, "DISPATCH")

    # When the carrier accepts the parcel and the early refund is paid
    assert deliver_scan(tracking, ScanStatus.ACCEPTED) == "ADVANCED"
    wait_parked(return_id, "DELIVERY")
    milestones = deliver_milestones(aws, queue)

    # Then she is emailed about the refund while the parcel travels, and her status page says so
    from returns_core.i18n import translator

    _ = translator("de")
    assert "REFUNDED" in milestones
    refund_subject = _("Your refund for order {order} is on its way", order=order.order_number)
    assert [mail.subject for mail in sent_emails()].count(refund_subject) == 1
    page = storefront("GET", f"/shopper/track/{token}", query="lang=de").body
    assert page["status"] == "IN_TRANSIT"
    assert page["refund"]["status"] == "SUCCEEDED"
    paid = Money.from_json(get_return(return_id).refund["breakdown"]["total"])
    assert page["next_step"]["text"].startswith(_("We have already refunded {amount}.", amount=_.money(paid)))

    # When the parcel arrives, is inspected and the workflow ends
    assert deliver_scan(tracking, ScanStatus.DELIVERED) == "ADVANCED"
    wait_parked(return_id, "INSPECTION")
    _inspect(return_id, [("1", 1)])
    assert wait_execution(return_id)["status"] == "SUCCEEDED"
    deliver_milestones(aws, queue)

    # Then the inspection email says the refund is already paid, and no second refund email goes out
    subjects = [mail.subject for mail in sent_emails()]
    assert subjects.count(refund_subject) == 1
    inspected = _("We have inspected your return for order {order}", order=order.order_number)
    text = next(mail.text for mail in sent_emails() if mail.subject == inspected)
    already = "We have inspected the items of return {return_id}. Your refund has already been paid."
    assert _(already, return_id=return_id) in text


def test_a_parcel_far_lighter_than_its_items_is_not_refunded_before_inspection(aws: LocalAws) -> None:
    # Given a German return of sneakers (refunded on the acceptance scan as a rule)
    order = seed_order("ORD-DE-LIGHT")
    return_id = create_return(order, items=[("1", 1)])
    tracking = wait_tracking_number(return_id)
    expected = get_return(return_id).label["expected_weight_grams"]

    # When the carrier weighs the parcel at acceptance at a tenth of what the sneakers weigh
    wait_parked(return_id, "DISPATCH")
    assert deliver_scan(tracking, ScanStatus.ACCEPTED, weight_grams=expected // 10) == "ADVANCED"
    waiting = wait_parked(return_id, "DELIVERY")

    # Then nothing is refunded, and ops are told to inspect it closely
    assert waiting.refund is None
    assert waiting.label["weight_mismatch"] == "LIGHT"
    [alert] = [a for a in ops("GET", "/ops/alerts").body["alerts"] if a["return_id"] == return_id]
    assert (alert["code"], alert["measured_grams"], alert["expected_grams"]) == (
        "WEIGHT_MISMATCH",
        expected // 10,
        expected,
    )

    # When it arrives and inspection accepts the sneakers after all
    assert deliver_scan(tracking, ScanStatus.DELIVERED) == "ADVANCED"
    wait_parked(return_id, "INSPECTION")
    _inspect(return_id, [("1", 1)])
    assert wait_execution(return_id)["status"] == "SUCCEEDED"

    # Then the refund is paid after inspection, once, and the alert is settled by the inspection
    record = get_return(return_id)
    assert (record.status, "trigger" in record.refund) == ("REFUNDED", False)
    assert len(refund_objects()) == 1
    assert [a for a in ops("GET", "/ops/alerts").body["alerts"] if a["return_id"] == return_id] == []
