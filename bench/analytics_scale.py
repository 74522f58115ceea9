"""How the seller's analytics (`GET /ops/analytics`) slows down as a shop records more returns.

The same twelve-month query is timed through the real ops handler (`functions.ops_api.handler`, an API
Gateway HTTP API v2 event, in-process against moto) with `small` and with `large` returns recorded:
the median of `repeats` calls after one warm-up call, each data set in its own fresh `mock_aws`, its
tables provisioned from the catalogue (`infra.local.resources.provision`) and the handlers given the
local stack's environment (`infra.local.environment.handler_environment`). Ops auth is the JWT
authorizer in AWS and the local gateway's bearer token locally, both in front of the handler: the
handler call itself carries none, as in the integration tests.

How the returns are recorded: through the product's own code up to the write. Each synthetic return
is a `ReturnRecord` (timeline, label and routing plan, refund breakdown, inspection, adjustments) on
a synced `Order`, and the RecordCosts logic itself (`workflow.costs.CostRecorder.record`) draws up its
ledger lines and what they and the return add (`analytics.counters.line_deltas` and `return_deltas`);
each order adds `analytics.counters.order_deltas`, what order sync hands `AggregatesStore.create_order`.
Instead of one DynamoDB transaction per return, the deltas are merged per (month, key) in memory with
the product's `counters.merge`, and the merged counters are then batch-written as exactly the rows the
product's per-key writer (`storage.aggregates._update`, one ADD per counter, and on SKU rows the month
that puts them in the sparse index, `storage.aggregates.index_attributes`) would have left in the fresh
table: `AggregateRecord(period, key, <counter>=<sum>, **index_attributes(period, key))`, zero counters
left out. Not the
product's transactions themselves: moto deep-copies the whole table for every item of a transaction,
which would take hours for tens of thousands of keys. Not written: the ledger lines (their own table,
never read by analytics) and the per-return `RECORDED#<return_id>` markers (their own partitions,
never read by analytics; moto would still look at each of them on every index query).

The shop (synthetic, seeded, realistic in shape):

- the period is the twelve complete UTC months before the current one, the dashboard's "last twelve
  months"; volume grows by 60 % from the first month to the last (a growing shop), November and
  December a further 30 %;
- `round(10 * sqrt(returns))` SKUs, at least 30 (316 for 1,000 returns, 3,162 for 100,000: a shop
  with more returns has a larger catalogue), in eight product families with their own prices; orders
  pick SKUs by popularity falling off as 1/rank (a long tail);
- 3.5 orders per return, one to three lines each, mostly one unit a line (about 19 % of units sold
  come back, fashion-like); the orders with a return were placed 3 to 30 days before it (for the
  first month some fall in the month before the period, as for a real shop);
- eight destination markets (DE, FR, NL, AT, GB, CH, US, AU) in five currencies with the order's
  `sale_fx_rate`, two or three carriers each, US and AU parcels through the local stack's two
  return hubs; ten reasons; outcomes: refunded after inspection (a tenth as store credit), exchanged
  (closed), returnless refunds, expired labels, rejected in review, lost parcels (some claims paid);
  stage waits, customs holds on GB and CH parcels, late parcels, duties and carrier surcharges.

`rows_small` / `rows_large` are the aggregates rows the period holds (its twelve months), one row per
SKU and month, per stage bucket, ...: with the default sizes SKU rows are nine in ten of them.
`rows_read_small` / `rows_read_large` are the items one request reads (counted on the models' DynamoDB
client): every row of the months but the SKU rows (two key ranges a month), each month's first pages of
the sparse index of SKU rows by units returned, and the rows of the SKUs that may rank among the 25 most
returned (`returns_core.analytics.skus.most_returned`); so a shop's catalogue no longer sets the cost.

moto's query sorts every item of the table before it looks at the queried partition (DynamoDB reads the
key range alone), which would time moto, not the report: the timed calls run with
`infra.local.moto_patches.queries_bounded_to_their_partition`, which gives moto's query code only the
items DynamoDB would read (`--moto-sorts-the-table` leaves moto as it is). `python -m
bench.analytics_scale` also prints how long reading the rows but the SKUs, finding the most returned SKUs
and building the report took on their own; with the defaults it runs for about ten minutes, most of it
recording the large shop.
"""

from __future__ import annotations

import json
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

SEED = 20261
MONTHS = 12
ORDERS_PER_RETURN = 3.5
HANDLING_COST = Decimal("1.80")  # what receiving and inspecting a return costs the warehouse (USD)
MERGE_EVERY = 50_000  # recordings collected before they are merged into the running total

# family: (name, HS code, origin, unit price range in EUR)
FAMILIES: dict[str, tuple[str, str, str, tuple[int, int]]] = {
    "TEE": ("T-shirt", "610910", "PT", (1990, 3490)),
    "SNK": ("Sneakers", "640411", "VN", (6900, 12900)),
    "DRS": ("Dress", "620442", "TR", (4900, 11900)),
    "JKT": ("Jacket", "620193", "CN", (8900, 24900)),
    "JNS": ("Jeans", "620342", "BD", (5900, 9900)),
    "SCK": ("Socks, 3 pack", "611595", "CN", (990, 1490)),
    "BAG": ("Bag", "420222", "IT", (3900, 14900)),
    "HAT": ("Cap", "650500", "CN", (1900, 3900)),
}


@dataclass(frozen=True)
class Market:
    country: str
    weight: int
    currency: str
    price_factor: Decimal  # order currency per EUR of catalogue price
    carriers: tuple[tuple[str, int], ...]  # (carrier, weight)
    transit_days: int  # quoted
    label_price: Decimal  # in the label's currency (the parcel's origin)
    label_currency: str
    hub_id: str | None = None  # parcels travel to this local return hub
    customs: bool = False  # crosses a customs border on its way to the warehouse (DE)


MARKETS = (
    Market("DE", 35, "EUR", Decimal("1"), (("dhl", 60), ("dpd", 25), ("hermes", 15)), 2, Decimal("4.90"), "EUR"),
    Market("FR", 12, "EUR", Decimal("1"), (("colissimo", 55), ("ups", 45)), 3, Decimal("7.50"), "EUR"),
    Market("NL", 8, "EUR", Decimal("1"), (("postnl", 70), ("dhl", 30)), 2, Decimal("6.90"), "EUR"),
    Market("AT", 7, "EUR", Decimal("1"), (("post-at", 60), ("dhl", 40)), 2, Decimal("6.50"), "EUR"),
    Market("GB", 10, "GBP", Decimal("0.86"), (("royal-mail", 60), ("dpd", 40)), 4, Decimal("11.00"), "GBP",
           customs=True),
    Market("CH", 5, "CHF", Decimal("0.96"), (("post-ch", 100),), 3, Decimal("14.00"), "CHF", customs=True),
    Market("US", 15, "USD", Decimal("1.08"), (("ups", 55), ("usps", 45)), 3, Decimal("6.50"), "USD", "hub-us-nj"),
    Market("AU", 8, "AUD", Decimal("1.65"), (("auspost", 80), ("sendle", 20)), 4, Decimal("9.00"), "AUD",
           "hub-au-syd"),
)  # fmt: skip

# reason: weight (share of returned items)
REASONS = {
    "DOES_NOT_FIT": 30,
    "STYLE_NOT_AS_EXPECTED": 15,
    "CHANGED_MIND": 14,
    "NOT_AS_DESCRIBED": 8,
    "DEFECTIVE": 7,
    "ARRIVED_LATE": 5,
    "BETTER_PRICE_ELSEWHERE": 5,
    "DAMAGED_IN_TRANSIT": 5,
    "WRONG_ITEM": 6,
    "MISSING_PARTS": 5,
}
SELLER_FAULT = {"NOT_AS_DESCRIBED", "DEFECTIVE", "DAMAGED_IN_TRANSIT", "WRONG_ITEM", "MISSING_PARTS"}
# outcome: weight (per 1000 returns)
OUTCOMES = {"REFUNDED": 830, "EXCHANGED": 40, "RETURNLESS": 45, "EXPIRED": 30, "REJECTED": 40, "LOST": 15}


# ---------------------------------------------------------------------------------------------------------
# The synthetic shop
# ---------------------------------------------------------------------------------------------------------


def period(today: datetime | None = None) -> list[str]:
    """The twelve complete months before the current one, oldest first."""
    today = today or datetime.now(UTC)
    year, month = today.year, today.month
    months = []
    for _ in range(MONTHS):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        months.append(f"{year:04d}-{month:02d}")
    return months[::-1]


def _month_start(month: str) -> datetime:
    return datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=UTC)


def _month_end(month: str) -> datetime:
    start = _month_start(month)
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


def sku_count(returns: int) -> int:
    return max(30, round(10 * math.sqrt(returns)))


@dataclass(frozen=True)
class Sku:
    sku: str
    family: str
    price_eur: Decimal


class Shop:
    """Seeded generator of orders and returns; every draw goes through one `random.Random`."""

    def __init__(self, returns: int, months: Sequence[str], seed: int = SEED) -> None:
        from infra.local import environment as env
        from returns_core.domain.hubs import parse_hubs
        from returns_core.fx import SandboxFxRates

        self.rng = random.Random(f"{seed}-{returns}")
        self.months = list(months)
        families = list(FAMILIES)
        self.skus = []
        for n in range(sku_count(returns)):
            family = families[n % len(families)]
            low, high = FAMILIES[family][3]
            cents = self.rng.randrange(low, high + 1, 100)
            self.skus.append(Sku(f"{family}-{n + 1:05d}", family, Decimal(cents) / 100))
        self.rng.shuffle(self.skus)  # popularity rank independent of the family
        self.sku_weights = list(_cumulative([1 / (rank + 1) for rank in range(len(self.skus))]))
        self.month_weights = list(_cumulative([self._volume(i, m) for i, m in enumerate(self.months)]))
        self.market_weights = list(_cumulative([m.weight for m in MARKETS]))
        self.reason_weights = list(_cumulative(list(REASONS.values())))
        self.outcome_weights = list(_cumulative(list(OUTCOMES.values())))
        self.hubs = {hub.hub_id: hub for hub in parse_hubs(json.dumps(env.DEMO_HUBS))}
        self.usd_per_unit = SandboxFxRates.USD_PER_UNIT
        self._orders = 0

    def _volume(self, index: int, month: str) -> float:
        growth = 1 + 0.6 * index / max(1, len(self.months) - 1)
        return growth * (1.3 if month[5:] in ("11", "12") else 1.0)

    def _moment_in(self, month: str) -> datetime:
        start, end = _month_start(month), _month_end(month)
        return start + timedelta(seconds=self.rng.uniform(0, (end - start).total_seconds() - 1))

    def order(self, ordered_at: datetime | None = None) -> Any:
        """A synced order: 1-3 lines of distinct SKUs, mostly one unit each."""
        from returns_core.domain.orders import Order

        rng = self.rng
        if ordered_at is None:
            ordered_at = self._moment_in(rng.choices(self.months, cum_weights=self.month_weights)[0])
        market = rng.choices(MARKETS, cum_weights=self.market_weights)[0]
        wanted = rng.choices((1, 2, 3), weights=(55, 30, 15))[0]
        skus: list[Sku] = []
        while len(skus) < min(wanted, len(self.skus)):
            sku = rng.choices(self.skus, cum_weights=self.sku_weights)[0]
            if sku not in skus:
                skus.append(sku)
        self._orders += 1
        number = f"BENCH-{self._orders:07d}"
        lines = [
            {
                "line_id": str(n + 1),
                "sku": sku.sku,
                "name": f"{FAMILIES[sku.family][0]} {sku.sku}",
                "quantity": 2 if rng.random() < 0.15 else 1,
                "unit_price": (sku.price_eur * market.price_factor).quantize(Decimal("0.01")),
                "hs_code": FAMILIES[sku.family][1],
                "origin_country": FAMILIES[sku.family][2],
                "weight_grams": 300 if sku.family in ("TEE", "SCK", "HAT") else 900,
            }
            for n, sku in enumerate(skus)
        ]
        sale_fx_rate = None
        if market.currency != "USD":
            rate = self.usd_per_unit[market.currency] * Decimal(str(round(rng.uniform(0.97, 1.03), 4)))
            sale_fx_rate = rate.quantize(Decimal("0.000001"))
        return Order(
            order_number=number,
            email=f"shopper{self._orders}@example.com",
            shopper_name="Bench Shopper",
            country=market.country,
            currency=market.currency,
            lines=lines,  # validated into OrderLines
            shipping_paid=Decimal("4.90"),
            invoice_number=f"INV-{number}",
            ordered_at=ordered_at,
            delivered_at=ordered_at + timedelta(days=rng.uniform(1.5, 5)),
            payment_reference=f"pay_{number}",
            sale_fx_rate=sale_fx_rate,
        )

    def returned_order(self) -> tuple[Any, datetime]:
        """An order with a return, and when the return was requested (in the period)."""
        created = self._moment_in(self.rng.choices(self.months, cum_weights=self.month_weights)[0])
        return self.order(created - timedelta(days=self.rng.uniform(3, 30))), created

    def return_record(self, number: int, order: Any, created: datetime) -> tuple[Any, bool]:
        """A return of `order` requested at `created`, played to its end; whether analytics counts it."""
        from returns_core.clock import iso
        from returns_core.domain.policy import market_for
        from returns_core.money import Money
        from returns_core.storage.models import ReturnRecord

        rng = self.rng
        market = next(m for m in MARKETS if m.country == order.country)
        outcome = rng.choices(list(OUTCOMES), cum_weights=self.outcome_weights)[0]
        lines = list(order.lines)
        count = min(len(lines), rng.choices((1, 2, 3), weights=(75, 20, 5))[0])
        chosen = rng.sample(lines, count)
        same_reason = rng.random() < 0.6
        reason = rng.choices(list(REASONS), cum_weights=self.reason_weights)[0]
        items = []
        for line in chosen:
            if not same_reason:
                reason = rng.choices(list(REASONS), cum_weights=self.reason_weights)[0]
            items.append({"line_id": line.line_id, "quantity": line.quantity, "reason": reason})
        resolution = "EXCHANGE" if outcome == "EXCHANGED" else ("STORE_CREDIT" if rng.random() < 0.1 else "REFUND")
        return_id = f"RT-BENCH-{number:07d}"
        timeline: list[dict[str, Any]] = []

        def status(name: str, at: datetime) -> datetime:
            timeline.append({"kind": "STATUS", "status": name, "at": iso(at)})
            return at

        def scan(name: str, at: datetime) -> None:
            timeline.append({"kind": "SCAN", "scan": name, "at": iso(at), "provider": "bench"})

        at = status("REQUESTED", created)
        if outcome == "REJECTED" or rng.random() < 0.06:
            at = status("IN_REVIEW", at + timedelta(seconds=20))
            at += timedelta(hours=rng.uniform(1, 48))
        record = ReturnRecord(
            return_id,
            order_number=order.order_number,
            status="REQUESTED",
            created_at=iso(created),
            updated_at=created,
            market=market_for(order.country),
            currency=order.currency,
            request={"items": items, "resolution": resolution},
            timeline=timeline,
            adjustments=[],
        )
        items_value = sum(
            (Money.of(line.unit_price, order.currency) * line.quantity for line in chosen), Money.zero(order.currency)
        )
        if outcome == "REJECTED":
            status("REJECTED", at)
            record.status = "REJECTED"
            return record, False
        at = status("APPROVED", at + timedelta(seconds=5))
        if outcome == "RETURNLESS":
            record.returnless = True
            at = status("REFUND_PENDING", at + timedelta(seconds=5))
            status("REFUNDED", at + timedelta(hours=rng.uniform(0.1, 30)))
            record.refund = self._refund(record.request, items_value, reason, resolution, order.currency)
            record.status = "REFUNDED"
            return record, True
        record.label = self._label(return_id, market)
        at = status("LABEL_ISSUED", at + timedelta(seconds=30))
        if outcome == "EXPIRED":
            status("EXPIRED", at + timedelta(days=14))
            record.status = "EXPIRED"
            if rng.random() < 0.5:  # the carrier refunded the unused label
                record.final = {"label_refund": record.label["price"]}
            return record, False
        dispatched = status("IN_TRANSIT", at + timedelta(hours=min(24 * 14, rng.lognormvariate(math.log(36), 0.8))))
        record.dispatched_at = dispatched
        scan("ACCEPTED", dispatched)
        at = dispatched
        if market.customs and rng.random() < 0.3:
            scan("CUSTOMS_HOLD", at + timedelta(hours=20))
            at += timedelta(hours=20 + rng.uniform(12, 96))
            scan("IN_TRANSIT", at)
            if rng.random() < 0.2:
                duties = Money.of(Decimal(str(round(rng.uniform(3, 25), 2))), "EUR")
                record.adjustments = [{"kind": "DUTIES_AND_TAXES", "amount": duties.to_json(), "reference": "C88"}]
        if outcome == "LOST":
            lost = status("LOST", at + timedelta(days=market.transit_days + 4))
            record.carrier_exception = "LOST_OR_DAMAGED"
            record.claim = {"claim_id": f"CLM-{number}", "status": "OPEN"}
            if rng.random() < 0.6:
                claim = Money.of(Decimal(str(round(rng.uniform(20, 100), 2))), market.label_currency)
                record.adjustments = [
                    *record.adjustments,
                    {"kind": "CARRIER_CLAIM_RECOVERED", "amount": claim.to_json(), "reference": f"CLM-{number}"},
                ]
            at = status("REFUND_PENDING", lost + timedelta(hours=1))
            status("REFUNDED", at + timedelta(hours=rng.uniform(0.1, 30)))
            record.refund = self._refund(record.request, items_value, reason, resolution, order.currency)
            record.status = "REFUNDED"
            return record, True
        transit = market.transit_days * 24 * rng.uniform(0.6, 1.2)
        if rng.random() < 0.08:
            transit += 24 * rng.uniform(1.5, 6)  # late
        delivered = status("DELIVERED", at + timedelta(hours=transit))
        scan("DELIVERED", delivered)
        record.delivered_at = delivered
        if rng.random() < 0.02:
            surcharge = Money.of(Decimal(str(round(rng.uniform(2, 9), 2))), market.label_currency)
            record.adjustments = [
                *record.adjustments,
                {"kind": "CARRIER_SURCHARGE", "amount": surcharge.to_json(), "reference": f"WGT-{number}"},
            ]
        inspected = status(
            "INSPECTED", delivered + timedelta(hours=min(24 * 20, rng.lognormvariate(math.log(20), 0.7)))
        )
        record.inspection = {
            "inspector": "warehouse-1",
            "items": [{"line_id": i["line_id"], "accepted_quantity": i["quantity"], "grade": "A"} for i in items],
        }
        if outcome == "EXCHANGED":
            status("CLOSED", inspected + timedelta(hours=rng.uniform(1, 24)))
            record.status = "CLOSED"
            return record, True
        status("REFUNDED", inspected + timedelta(hours=rng.uniform(0.1, 40)))
        record.refund = self._refund(record.request, items_value, reason, resolution, order.currency)
        record.status = "REFUNDED"
        return record, True

    def _label(self, return_id: str, market: Market) -> dict[str, Any]:
        from returns_core.money import Money

        rng = self.rng
        carrier = rng.choices([c for c, _ in market.carriers], weights=[w for _, w in market.carriers])[0]
        price = Money.of(market.label_price * Decimal(str(round(rng.uniform(0.9, 1.15), 3))), market.label_currency)
        rate = {
            "carrier": carrier,
            "service": "RETURN",
            "price": price.to_json(),
            "transit_days": market.transit_days,
            "rate_id": f"rate_{return_id}",
        }
        hub = self.hubs[market.hub_id].to_json() if market.hub_id else None
        return {
            "carrier": carrier,
            "service": "RETURN",
            "tracking_number": f"TRK{return_id}",
            "price": price.to_json(),
            "label_key": f"labels/{return_id}.pdf",
            "valid_until": "2099-01-01T00:00:00Z",
            "qr_code": None,
            "plan": {"rate": rate, "hub": hub},
        }

    def _refund(
        self, request: dict[str, Any], items_value: Any, reason: str, resolution: str, currency: str
    ) -> dict[str, Any]:
        from returns_core.money import Money

        rng = self.rng
        zero = Money.zero(currency)
        shopper_pays = reason not in SELLER_FAULT and rng.random() < 0.35
        return_shipping = Money.of(Decimal("4.90"), currency).min(items_value) if shopper_pays else zero
        condition = items_value * Decimal("0.2") if rng.random() < 0.04 else zero
        fee = items_value * Decimal("0.1") if reason == "CHANGED_MIND" and rng.random() < 0.2 else zero
        total = items_value - return_shipping - condition - fee
        breakdown = {
            "items": items_value.to_json(),
            "restocking_fee": fee.to_json(),
            "return_shipping": return_shipping.to_json(),
            "condition_deduction": condition.to_json(),
            "outbound_shipping": zero.to_json(),
            "capped_by": None,
            "total": total.to_json(),
        }
        if resolution == "STORE_CREDIT":
            return {"status": "issued", "resolution": "STORE_CREDIT", "breakdown": breakdown}
        return {"status": "succeeded", "refund_id": f"re_{rng.getrandbits(48):012x}", "resolution": resolution,
                "breakdown": breakdown}  # fmt: skip


def _cumulative(weights: Sequence[float]) -> Iterator[float]:
    total = 0.0
    for weight in weights:
        total += weight
        yield total


# ---------------------------------------------------------------------------------------------------------
# Recording through the product's code, writing merged
# ---------------------------------------------------------------------------------------------------------


def _collector(region: str) -> Any:
    """An AggregatesStore that merges what each recording or order sync would add, instead of writing it."""
    from returns_core.analytics.counters import Deltas, merge
    from returns_core.storage.aggregates import AggregatesStore, Recording
    from returns_core.storage.models import OrderRecord

    class MergingStore(AggregatesStore):
        def __init__(self) -> None:
            super().__init__(region)
            self.total: Deltas = {}
            self._pending: list[Deltas] = []

        def record(self, recording: Recording) -> int:
            # A fresh table: every line is new, every part of the return's counts still to add.
            self._add(*(recording.line_deltas.get(line.line_id, {}) for line in recording.lines))
            if recording.return_deltas is not None:
                self._add(recording.return_deltas)
            return len(recording.lines)

        def create_order(self, record: OrderRecord, deltas: Deltas) -> bool:
            self._add(deltas)
            return True

        def _add(self, *parts: Deltas) -> None:
            self._pending.extend(parts)
            if len(self._pending) >= MERGE_EVERY:
                self.merged()

        def merged(self) -> Deltas:
            if self._pending:
                self.total = merge(self.total, *self._pending)
                self._pending = []
            return self.total

    return MergingStore()


def record_shop(returns: int, months: Sequence[str]) -> tuple[Any, int]:
    """Record `returns` returns and their shop's orders; the collecting store and the returns counted."""
    from returns_core.analytics.counters import order_deltas
    from returns_core.fx import SandboxFxRates
    from returns_core.settings import Settings
    from returns_core.storage.models import OrderRecord, ReturnRecord, bind_tables
    from returns_core.storage.repository import OrdersRepository, ReturnsRepository
    from returns_core.workflow.costs import CostRecorder

    settings = Settings.from_env()
    bind_tables(settings)  # as at a cold start
    store = _collector(settings.region)
    current: dict[str, Any] = {}

    class OneReturn(ReturnsRepository):
        def get(self, return_id: str) -> ReturnRecord:
            record: ReturnRecord = current["record"]
            return record

    class OneOrder(OrdersRepository):
        def get(self, order_number: str) -> tuple[Any, OrderRecord]:
            return current["order"], OrderRecord(order_number)

    recorder = CostRecorder(
        OneReturn(settings.region),
        OneOrder(),
        store,
        SandboxFxRates(),
        settings.base_currency,
        settings.warehouse_country,
        time_scale=settings.time_scale,
        handling_cost=settings.handling_cost,
    )
    shop = Shop(returns, months)
    counted = 0
    for number in range(1, returns + 1):
        order, created = shop.returned_order()
        store.create_order(OrderRecord(order.order_number), order_deltas(order))
        record, counts = shop.return_record(number, order, created)
        current.update(record=record, order=order)
        recorder.record(record.return_id)
        counted += counts
    for _ in range(round(returns * (ORDERS_PER_RETURN - 1))):
        order = shop.order()
        store.create_order(OrderRecord(order.order_number), order_deltas(order))
    return store, counted


def write_merged(store: Any) -> int:
    """Write the merged counters: one row per (month, key), holding what the product's per-key ADD
    updates (`storage.aggregates._update`) would have left in a fresh table. Rows written.

    A batch write rather than the product's transactions: moto deep-copies the whole table for every
    item of a transaction, which makes tens of thousands of keys take hours."""
    from returns_core.storage.aggregates import index_attributes
    from returns_core.storage.models import AggregateRecord

    deltas = store.merged()
    with AggregateRecord.batch_write() as batch:
        for (period_key, key), counters in sorted(deltas.items()):
            attributes: dict[str, Any] = {name: value for name, value in counters.items() if value}
            attributes.update(index_attributes(period_key, key))
            batch.save(AggregateRecord(period_key, key, **attributes))
    return len(deltas)


# ---------------------------------------------------------------------------------------------------------
# The request
# ---------------------------------------------------------------------------------------------------------


@contextmanager
def handler_env() -> Iterator[None]:
    """The local stack's handler environment for the duration (restored after), services rebuilt."""
    from infra.local import environment as env
    from returns_core.wiring import services

    # No endpoint (moto intercepts in-process); throwaway webhook and portal secrets; policy time.
    wanted = env.handler_environment("", "bench-webhook-secret", Decimal(1), "bench-portal-secret")
    wanted.pop("AWS_ENDPOINT_URL")
    wanted["HANDLING_COST"] = str(HANDLING_COST)
    # A real endpoint, profile or session from the caller's shell would route calls around the mock.
    dropped = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN")
    saved = {name: os.environ.get(name) for name in (*wanted, *dropped)}
    os.environ.update(wanted)
    for name in dropped:
        os.environ.pop(name, None)
    services.cache_clear()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        services.cache_clear()


def analytics_event(start: str, end: str) -> dict[str, Any]:
    """The API Gateway HTTP API (v2) event the ops dashboard's request becomes."""
    from infra.local.engine import HandlerRegistry
    from infra.local.gateway import Gateway

    gateway = Gateway(HandlerRegistry(), "unused")  # only its event builder: no server, no token check
    found = gateway.match("GET", "/ops/analytics")
    assert found is not None
    route, _, params = found
    headers = {"accept": "application/json", "user-agent": "bench"}
    return gateway.event(
        "GET", "/ops/analytics", f"from={start}&to={end}", headers, b"", route, params, source_ip="203.0.113.7"
    )


class ItemsRead:
    """DynamoDB requests the analytics made and the items they returned, counted on the models' client."""

    def __init__(self) -> None:
        self.requests = 0
        self.items = 0

    def __call__(self, parsed: dict[str, Any], **_: Any) -> None:
        self.requests += 1
        self.items += len(parsed.get("Items", ()))
        self.items += sum(len(found) for found in parsed.get("Responses", {}).values())


@contextmanager
def counting_reads() -> Iterator[ItemsRead]:
    from returns_core.storage.models import AggregateRecord

    counter = ItemsRead()
    events = AggregateRecord._get_connection().connection.client.meta.events
    events.register("after-call.dynamodb", counter, unique_id="bench-items-read")
    try:
        yield counter
    finally:
        events.unregister("after-call.dynamodb", unique_id="bench-items-read")


def _timed_calls(months: list[str], repeats: int) -> tuple[list[float], list[ItemsRead], dict[str, Any]]:
    from functions.ops_api import handler
    from infra.local import environment as env
    from infra.local.moto_patches import LambdaContext

    context = LambdaContext("ops-api", env.function_arn("ops-api"), env.REGION)
    timings: list[float] = []
    reads: list[ItemsRead] = []
    body: dict[str, Any] = {}
    for call in range(repeats + 1):  # the first call warms up (imports, clients, connection)
        event = analytics_event(months[0], months[-1])
        with counting_reads() if call else nullcontext(ItemsRead()) as counted:
            start = time.perf_counter()
            reply = handler(event, context)
            elapsed = (time.perf_counter() - start) * 1000
        if reply.get("statusCode") != 200:
            raise RuntimeError(f"GET /ops/analytics answered {reply.get('statusCode')}: {reply.get('body')}")
        body = json.loads(reply["body"])
        if call:
            timings.append(elapsed)
            reads.append(counted)
    return timings, reads, body


def _query_cost(bounded: bool) -> AbstractContextManager[None]:
    """moto's queries bounded to their partition, as DynamoDB's are (see the module's docstring), or not."""
    from infra.local import moto_patches

    return moto_patches.queries_bounded_to_their_partition() if bounded else nullcontext()


def measure(
    returns: int, repeats: int, months: list[str], breakdown: bool = False, bounded_queries: bool = True
) -> dict[str, Any]:
    """Record `returns` returns into a fresh mocked account and time the analytics request on it.

    With `breakdown`, also time reading the rows and building the report from them, each on its own.
    `bounded_queries=False` leaves moto's queries sorting the whole table each time."""
    import boto3
    from moto import mock_aws

    from infra.local import environment as env
    from infra.local.resources import provision
    from returns_core.analytics import report, skus

    extra: dict[str, Any] = {}
    with handler_env(), mock_aws():
        session = boto3.session.Session(region_name=env.REGION)
        factory: Any = session.client  # the stubs' overloads want a literal service name
        provision(factory)
        started = time.perf_counter()
        store, counted = record_shop(returns, months)
        keys = write_merged(store)
        recorded_s = time.perf_counter() - started
        with _query_cost(bounded_queries):
            timings, reads, body = _timed_calls(months, repeats)
            if breakdown:  # reading the rows (moto, botocore, pynamodb), then the report built from them
                read_started = time.perf_counter()
                rows = store.months(months)
                extra["summary_read_ms"] = (time.perf_counter() - read_started) * 1000
                extra["summary_rows_read"] = sum(len(keys) for keys in rows.values())
                top_started = time.perf_counter()
                top = store.most_returned(months, skus.DEFAULT_TOP)
                extra["top_read_ms"] = (time.perf_counter() - top_started) * 1000
                extra["read_ms"] = (time.perf_counter() - read_started) * 1000
                build_started = time.perf_counter()
                report.build(rows, body["base_currency"], months[0], months[-1], top)
                extra["build_ms"] = (time.perf_counter() - build_started) * 1000
    if body["totals"]["returns"] != counted:
        raise RuntimeError(f"the report counts {body['totals']['returns']} returns, {counted} were recorded")
    in_period = set(months)
    return {
        "returns": returns,
        "counted": counted,
        "skus": sku_count(returns),
        "keys_written": keys,
        # The table was empty: its rows in the period are the merged keys of those months.
        "rows": sum(1 for month, _ in store.merged() if month in in_period),
        "sku_rows": sum(1 for month, key in store.merged() if month in in_period and key.startswith("SKU#")),
        # What a call read from DynamoDB (each reads the same): items returned, and requests made.
        "rows_read": reads[0].items,
        "requests": reads[0].requests,
        "ms": statistics.median(timings),
        "timings_ms": timings,
        "record_s": recorded_s,
        "response_bytes": len(json.dumps(body)),
        **extra,
    }


def run(small: int = 1_000, large: int = 100_000, repeats: int = 5) -> dict[str, Any]:
    """{"returns_small": int, "returns_large": int, "ms_small": float, "ms_large": float, "ratio_100k_to_1k": float,
    "rows_small": int, "rows_large": int, "rows_read_small": int, "rows_read_large": int}"""
    if not 0 < small <= large or repeats < 1:
        raise ValueError("need 0 < small <= large and repeats >= 1")
    months = period()
    return figures(measure(small, repeats, months), measure(large, repeats, months))


def figures(low: dict[str, Any], high: dict[str, Any]) -> dict[str, Any]:
    return {
        "returns_small": low["returns"],
        "returns_large": high["returns"],
        "ms_small": round(low["ms"], 2),
        "ms_large": round(high["ms"], 2),
        "ratio_100k_to_1k": round(high["ms"] / low["ms"], 2),
        "rows_small": low["rows"],
        "rows_large": high["rows"],
        "rows_read_small": low["rows_read"],
        "rows_read_large": high["rows_read"],
    }


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    from returns_core.analytics.skus import DEFAULT_TOP

    parser = argparse.ArgumentParser(prog="python -m bench.analytics_scale", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--moto-sorts-the-table",
        action="store_true",
        help="leave moto's queries sorting the whole table (what DynamoDB does not do) instead of their partition",
    )
    args = parser.parse_args(argv)
    if not 0 < args.small <= args.large or args.repeats < 1:
        parser.error("need 0 < small <= large and repeats >= 1")
    started = time.perf_counter()
    months = period()
    bounded = not args.moto_sorts_the_table
    sizes = [
        measure(n, args.repeats, months, breakdown=True, bounded_queries=bounded) for n in (args.small, args.large)
    ]
    result = figures(*sizes)
    print(
        f"GET /ops/analytics {months[0]}..{months[-1]}: median of {args.repeats} calls after a warm-up, moto in-process"
        + ("" if bounded else ", moto's queries sorting the whole table")
    )
    for size in sizes:
        print(
            f"  {size['returns']:>7,} returns ({size['counted']:,} counted), {size['skus']:,} SKUs:"
            f" {size['ms']:>8.1f} ms; {size['rows_read']:,} rows read in {size['requests']} requests"
            f" of the {size['rows']:,} the period holds ({size['sku_rows']:,} SKU rows);"
            f" {size['response_bytes']:,} B reply"
            f" (recorded in {size['record_s']:.1f} s; calls {', '.join(f'{t:.0f}' for t in size['timings_ms'])} ms)"
        )
        print(
            f"  {'':>7}  of which: reading the rows {size['read_ms']:.0f} ms (moto + botocore + pynamodb):"
            f" {size['summary_rows_read']:,} rows but SKUs {size['summary_read_ms']:.0f} ms,"
            f" the {DEFAULT_TOP} most returned SKUs {size['top_read_ms']:.0f} ms;"
            f" building the report from them {size['build_ms']:.0f} ms"
        )
    print(f"  ratio {result['ratio_100k_to_1k']:.2f}x; took {time.perf_counter() - started:.0f} s in all")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
