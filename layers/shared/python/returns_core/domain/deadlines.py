"""The statutory refund deadline of a return: when it starts, and the day it falls on.

Where the law gives a change-of-mind right it also says how soon the money must be back: the EU and
the UK 14 days from the withdrawal notice, Japan-style statutes from when the goods are received (see
`MarketPolicy.refund_deadline_*` and docs/consumer-law.md). A return request made within the
statutory window *is* the withdrawal notice (Directive 2011/83/EU Art. 11(1)(b): any unequivocal
statement), so the deadline starts then, whether or not the shopper used the withdrawal function. A
return only the seller's more generous terms allow is voluntary and has no statutory deadline.

A period of days runs to the end of its last day (EU Regulation 1182/71 Art. 3). Business days skip
Saturdays and Sundays; public holidays are not known here, so such a deadline may fall a day early,
which warns ops sooner, never later.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from returns_core.domain.orders import Order
from returns_core.domain.policy import DeadlineStart, MarketPolicy, WindowStart

# What starts the deadline, by the kind of fact that happened.
_STARTS_ON_NOTICE = frozenset({DeadlineStart.WITHDRAWAL_NOTICE})
_STARTS_ON_RECEIPT = frozenset({DeadlineStart.GOODS_RECEIVED, DeadlineStart.GOODS_RECEIVED_OR_PROOF_OF_RETURN})
_STARTS_ON_PROOF_OF_RETURN = frozenset({DeadlineStart.GOODS_RECEIVED_OR_PROOF_OF_RETURN})


def within_statutory_window(floor: MarketPolicy, order: Order, at: datetime) -> bool:
    """Whether a request at `at` falls in the law's own change-of-mind window (not the seller's longer one)."""
    if not floor.statutory_right:
        return False
    starts = order.delivered_at if floor.window_starts is WindowStart.DELIVERY else order.ordered_at
    if starts is None:
        return True  # not delivered yet: the window has not even started
    last_day = (starts.astimezone(UTC) + timedelta(days=floor.window_days)).date()
    return at <= datetime.combine(last_day, time.max, tzinfo=UTC)


def deadline_from(floor: MarketPolicy, started_at: datetime) -> datetime:
    """The end of the last day of the period that starts at `started_at`."""
    assert floor.refund_deadline_days is not None
    day = started_at.astimezone(UTC).date()
    if floor.refund_deadline_business_days:
        left = floor.refund_deadline_days
        while left:
            day += timedelta(days=1)
            if day.weekday() < 5:
                left -= 1
    else:
        day += timedelta(days=floor.refund_deadline_days)
    return datetime.combine(day, time.max, tzinfo=UTC)


def _applies(floor: MarketPolicy, starts: frozenset[DeadlineStart]) -> bool:
    return floor.refund_deadline_days is not None and floor.refund_deadline_counts_from in starts


def on_notice(floor: MarketPolicy, order: Order, requested_at: datetime) -> datetime | None:
    """The deadline a refund request starts, where the law counts from the withdrawal notice."""
    if not _applies(floor, _STARTS_ON_NOTICE) or not within_statutory_window(floor, order, requested_at):
        return None
    return deadline_from(floor, requested_at)


def on_goods_received(floor: MarketPolicy, received_at: datetime) -> datetime | None:
    """The deadline the goods' arrival starts, where the law counts from it."""
    return deadline_from(floor, received_at) if _applies(floor, _STARTS_ON_RECEIPT) else None


def on_proof_of_return(floor: MarketPolicy, accepted_at: datetime) -> datetime | None:
    """The deadline the carrier's acceptance scan (proof of sending) starts, where the law counts from it."""
    return deadline_from(floor, accepted_at) if _applies(floor, _STARTS_ON_PROOF_OF_RETURN) else None
