"""Statutory refund deadlines: from the notice in the EU, from the goods' arrival or proof of sending elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from returns_core.domain import deadlines
from returns_core.domain.policy import POLICIES
from tests.unit.unit_factories import DELIVERED_AT, make_order

EU, UK, KR, TW, US = (POLICIES[m] for m in ("EU", "UK", "KR", "TW", "US"))


def _end_of(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=23, minute=59, second=59, microsecond=999999, tzinfo=UTC)


def test_an_eu_return_request_in_the_window_starts_fourteen_days_to_refund() -> None:
    # Given an order delivered on 1 March and a return asked for on 5 March at 18:00
    order = make_order(delivered_at=DELIVERED_AT)
    asked = datetime(2026, 3, 5, 18, 0, tzinfo=UTC)
    # Then the refund is due by the end of 19 March (the request is the withdrawal notice)
    assert deadlines.on_notice(EU, order, asked) == _end_of("2026-03-19")


def test_a_return_only_the_sellers_longer_window_allows_has_no_statutory_deadline() -> None:
    # Given an EU order delivered 20 days before the request (past the law's 14 days)
    order = make_order(delivered_at=DELIVERED_AT)
    asked = DELIVERED_AT + timedelta(days=20)
    # Then no statutory deadline starts
    assert not deadlines.within_statutory_window(EU, order, asked)
    assert deadlines.on_notice(EU, order, asked) is None


def test_the_last_day_of_the_window_still_counts() -> None:
    order = make_order(delivered_at=DELIVERED_AT)
    last_minute = _end_of("2026-03-15") - timedelta(minutes=1)
    assert deadlines.within_statutory_window(EU, order, last_minute)
    assert not deadlines.within_statutory_window(EU, order, _end_of("2026-03-15") + timedelta(seconds=1))


def test_markets_without_a_statutory_right_or_a_notice_rule_start_nothing_on_request() -> None:
    order = make_order(delivered_at=DELIVERED_AT)
    asked = DELIVERED_AT + timedelta(days=2)
    # The US has no statute; the UK and Korea count from the goods, not from the request
    assert deadlines.on_notice(US, order, asked) is None
    assert deadlines.on_notice(UK, order, asked) is None
    assert deadlines.on_notice(KR, order, asked) is None


def test_the_uk_counts_from_proof_of_sending_or_the_goods_arrival() -> None:
    accepted = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    assert deadlines.on_proof_of_return(UK, accepted) == _end_of("2026-03-20")
    assert deadlines.on_goods_received(UK, accepted + timedelta(days=3)) == _end_of("2026-03-23")
    # And Taiwan counts from the goods only
    assert deadlines.on_proof_of_return(TW, accepted) is None
    assert deadlines.on_goods_received(TW, accepted) == _end_of("2026-03-21")


def test_korea_counts_three_business_days_skipping_the_weekend() -> None:
    # Given goods received on Thursday 5 March 2026
    received = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)
    # Then Friday, Monday and Tuesday count: the refund is due by the end of Tuesday 10 March
    assert deadlines.on_goods_received(KR, received) == _end_of("2026-03-10")
