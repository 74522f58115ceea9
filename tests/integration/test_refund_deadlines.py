"""Statutory refund deadlines are computed and stored on the return, from the fact the law counts from."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from returns_core.domain.scans import ScanStatus

from .support import LocalAws, create_return, get_return, ops, seed_order, wait_parked, wait_tracking_number
from .support import accepted_by_carrier as accepted

# These tests stop with the parcel on its way: the aws fixture ends the workflows.
pytestmark = pytest.mark.leaves_workflows_waiting


def _end_of_day(moment: datetime, days: int) -> datetime:
    return datetime.combine((moment + timedelta(days=days)).date(), time.max, tzinfo=UTC)


def test_an_eu_refund_request_is_the_withdrawal_notice_and_starts_fourteen_days(aws: LocalAws) -> None:
    # Given a German order delivered three days ago
    order = seed_order("ORD-DE-DL", country="DE", currency="EUR")

    # When the shopper asks for a refund (without using the withdrawal function)
    before = datetime.now(UTC)
    return_id = create_return(order, reason="CHANGED_MIND")

    # Then the refund is due 14 days from that request, and ops see the date
    deadline = get_return(return_id).refund_deadline
    assert deadline is not None
    assert deadline in {_end_of_day(before, 14), _end_of_day(datetime.now(UTC), 14)}
    assert ops("GET", f"/ops/returns/{return_id}").body["refund_deadline"] == deadline.isoformat()


def test_a_return_only_the_sellers_longer_terms_allow_has_no_statutory_deadline(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a seller who gives EU shoppers 60 days, and an order delivered 30 days ago
    monkeypatch.setenv("SELLER_POLICY", '{"EU": {"window_days": 60}}')
    from returns_core.wiring import services

    services.cache_clear()
    order = seed_order("ORD-DE-LATE", country="DE", currency="EUR", delivered_days_ago=30)

    # When the shopper returns it on day 30
    return_id = create_return(order, reason="CHANGED_MIND")

    # Then the return is accepted, but the law's 14-day refund deadline does not apply
    assert get_return(return_id).refund_deadline is None


def test_a_uk_refund_deadline_starts_with_the_carriers_acceptance_scan(aws: LocalAws) -> None:
    # Given a British return with its label
    order = seed_order("ORD-GB-DL", country="GB", currency="GBP")
    return_id = create_return(order, reason="CHANGED_MIND")
    wait_tracking_number(return_id)
    assert get_return(return_id).refund_deadline is None

    # When the carrier accepts the parcel (the shopper's proof of sending it back)
    _, tracking = accepted(return_id)

    # Then the 14 days run from that scan
    record = get_return(return_id)
    assert record.refund_deadline == _end_of_day(record.dispatched_at, 14)
    assert tracking
    wait_parked(return_id, "DELIVERY")
    assert ScanStatus.ACCEPTED.value in [e.get("scan") for e in record.timeline]
