"""What one return, one ledger line or one order adds to the seller's analytics counters.

Counters are integers (money in minor units of the seller's base currency), so DynamoDB can add to
them atomically and nothing is ever rounded twice. They are keyed by month and by a dimension:

    TOTAL                          every figure, for the month
    SKU#<sku>                      units sold, units returned (the row also carries its month in
                                   `sku_month`, which puts it in the index of SKU rows by units returned)
    REASON#<reason>                returns and units per reason
    COUNTRY#<country>              returns, refunded, cost per destination market
    LANE#<carrier>#<origin>-<dest> shipments, lost, delayed, returns, cost
    STAGE#<stage>#B<bucket>        how many returns waited that long in the stage
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import pairwise

from returns_core.analytics.buckets import bucket_of
from returns_core.clock import parse_utc
from returns_core.domain.orders import Order
from returns_core.domain.statuses import ReturnStatus
from returns_core.money import Money, to_minor_units
from returns_core.storage.models import ReturnRecord

# (month, dimension) -> counter name -> amount to add
Deltas = dict[tuple[str, str], dict[str, int]]

COUNTERS = ("returns", "units", "units_sold", "refunded_minor", "cost_minor", "shipments", "lost", "delayed", "waited")
# Money that goes back to the shopper; every other line is a cost (negative) or a recovery (positive).
# A reversal (positive: the provider took the money back) lowers what was refunded.
REFUND_KINDS = frozenset({"REFUND", "STORE_CREDIT", "REFUND_REVERSED"})
# Kept back from the refund, so already netted in its REFUND line: counted again as a recovery, a
# restocking fee would lower the cost as well as the refund, a benefit twice.
DEDUCTION_KINDS = frozenset({"RESTOCKING_FEE", "RETURN_SHIPPING_RECOVERED", "CONDITION_DEDUCTION"})
# Returns that came back, or were paid for without coming back; rejected, cancelled and expired ones
# only book their label costs.
COUNTED = frozenset({ReturnStatus.REFUNDED, ReturnStatus.CLOSED, ReturnStatus.REFUND_PENDING})
# A parcel is late when it takes this much longer than the carrier's quoted transit time.
DELAY_GRACE_DAYS = 1

# Where a return waits: the status it sits in until the next one.
STAGE_OF_STATUS = {
    ReturnStatus.IN_REVIEW: "REVIEW",
    ReturnStatus.LABEL_ISSUED: "AWAITING_DISPATCH",
    ReturnStatus.IN_TRANSIT: "IN_TRANSIT",
    ReturnStatus.DELIVERED: "AWAITING_INSPECTION",
    ReturnStatus.INSPECTED: "REFUND",
    ReturnStatus.REFUND_PENDING: "REFUND",
}
CUSTOMS_STAGE = "CUSTOMS_HOLD"
STAGES = ("REVIEW", "AWAITING_DISPATCH", "IN_TRANSIT", CUSTOMS_STAGE, "AWAITING_INSPECTION", "REFUND")


def month_of(moment: datetime | str) -> str:
    when = parse_utc(moment) if isinstance(moment, str) else moment
    return f"{when.year:04d}-{when.month:02d}"


def merge(*parts: Deltas) -> Deltas:
    merged: Deltas = defaultdict(dict)
    for part in parts:
        for key, counters in part.items():
            target = merged[key]
            for name, value in counters.items():
                target[name] = target.get(name, 0) + value
    return {key: {n: v for n, v in counters.items() if v} for key, counters in merged.items() if any(counters.values())}


@dataclass(frozen=True)
class Dimensions:
    """Where a return's figures are filed: its month, its market and the lane its parcel took."""

    month: str
    country: str
    lane: str | None  # "<carrier>#<origin>-<destination>", None when no parcel travelled

    @classmethod
    def of(cls, record: ReturnRecord, order: Order, warehouse_country: str) -> Dimensions:
        lane = None
        if record.label and not record.returnless:
            hub = (record.label.get("plan") or {}).get("hub") or {}
            destination = hub.get("country") or warehouse_country
            lane = f"{record.label['carrier']}#{order.country}-{destination}"
        return cls(month_of(record.created_at), order.country, lane)

    def dimension_keys(self) -> list[str]:
        return ["TOTAL", f"COUNTRY#{self.country}", *([f"LANE#{self.lane}"] if self.lane else [])]


def line_deltas(where: Dimensions, lines: Iterable[tuple[str, Money]]) -> Deltas:
    """Ledger lines (kind, signed amount in the base currency): refunds paid out and net cost.

    Refunded plus cost is what the return took out of the seller's pocket, each euro counted once."""
    refunded = cost = 0
    for kind, base in lines:
        if kind in REFUND_KINDS:
            refunded -= to_minor_units(base)
        elif kind not in DEDUCTION_KINDS:
            cost -= to_minor_units(base)
    return merge(
        {(where.month, key): {"refunded_minor": refunded, "cost_minor": cost} for key in where.dimension_keys()}
    )


def stage_hours(record: ReturnRecord, time_scale: Decimal) -> list[tuple[str, Decimal]]:
    """How long the return waited in each stage, in policy time (the demo runs its clock faster)."""
    timeline = record.timeline or []
    statuses = [(parse_utc(e["at"]), ReturnStatus(e["status"])) for e in timeline if e.get("kind") == "STATUS"]
    waits: dict[str, Decimal] = {}
    for (entered, status), (left, _) in pairwise(statuses):
        stage = STAGE_OF_STATUS.get(status)
        if stage is not None:
            waits[stage] = waits.get(stage, Decimal(0)) + _hours(entered, left, time_scale)
    scans = sorted((parse_utc(e["at"]), e["scan"]) for e in timeline if e.get("kind") == "SCAN")
    held_since: datetime | None = None
    for at, scan in scans:
        if scan == "CUSTOMS_HOLD":
            held_since = held_since or at
        elif held_since is not None:
            waits[CUSTOMS_STAGE] = waits.get(CUSTOMS_STAGE, Decimal(0)) + _hours(held_since, at, time_scale)
            held_since = None
    return [(stage, waits[stage]) for stage in STAGES if stage in waits]


def _hours(start: datetime, end: datetime, time_scale: Decimal) -> Decimal:
    seconds = Decimal(max(0.0, (end - start).total_seconds())).quantize(Decimal("0.001"))
    return seconds / time_scale / 3600


def was_lost(record: ReturnRecord) -> bool:
    return record.carrier_exception == "LOST_OR_DAMAGED" or any(
        e.get("kind") == "STATUS" and e.get("status") == ReturnStatus.LOST.value for e in record.timeline or []
    )


def was_delayed(record: ReturnRecord, time_scale: Decimal) -> bool:
    if record.dispatched_at is None or record.delivered_at is None or not record.label:
        return False
    rate = (record.label.get("plan") or {}).get("rate") or {}
    quoted = rate.get("transit_days")
    if quoted is None:
        return False
    taken = _hours(record.dispatched_at, record.delivered_at, time_scale)
    return taken > Decimal((int(quoted) + DELAY_GRACE_DAYS) * 24)


def return_deltas(record: ReturnRecord, order: Order, where: Dimensions, time_scale: Decimal) -> Deltas:
    """The return's own counts, added once per return: units and reasons, its lane, its stage waits."""
    month = where.month
    deltas: list[Deltas] = []
    lane = {}
    if where.lane:
        lane = {"shipments": 1, "lost": int(was_lost(record)), "delayed": int(was_delayed(record, time_scale))}
        deltas.append({(month, f"LANE#{where.lane}"): lane})
        deltas.append({(month, "TOTAL"): dict(lane)})
    if ReturnStatus(record.status) not in COUNTED:
        return merge(*deltas)
    skus = {line.line_id: line.sku for line in order.lines}
    units = 0
    for item in record.request["items"]:
        quantity = int(item["quantity"])
        units += quantity
        deltas.append({(month, f"SKU#{skus.get(item['line_id'], item['line_id'])}"): {"units": quantity}})
        deltas.append({(month, f"REASON#{item['reason']}"): {"units": quantity}})
    for reason in {item["reason"] for item in record.request["items"]}:
        deltas.append({(month, f"REASON#{reason}"): {"returns": 1}})
    deltas.append({(month, "TOTAL"): {"returns": 1, "units": units}})
    deltas.append({(month, f"COUNTRY#{where.country}"): {"returns": 1}})
    if where.lane:
        deltas.append({(month, f"LANE#{where.lane}"): {"returns": 1}})
    for stage, hours in stage_hours(record, time_scale):
        deltas.append({(month, f"STAGE#{stage}#B{bucket_of(hours):03d}"): {"waited": 1}})
    return merge(*deltas)


def order_deltas(order: Order) -> Deltas:
    """Units sold, counted once when the order is first synced, in the month it was placed."""
    month = month_of(order.ordered_at)
    parts: list[Deltas] = [{(month, "TOTAL"): {"units_sold": sum(line.quantity for line in order.lines)}}]
    parts += [{(month, f"SKU#{line.sku}"): {"units_sold": line.quantity}} for line in order.lines]
    return merge(*parts)


def order_change_deltas(before: Order, after: Order) -> Deltas:
    """What a changed order adds to units sold (negative for lines cancelled or reduced)."""
    old, new = order_deltas(before), order_deltas(after)
    change: Deltas = {}
    for key in set(old) | set(new):
        delta = new.get(key, {}).get("units_sold", 0) - old.get(key, {}).get("units_sold", 0)
        if delta:
            change[key] = {"units_sold": delta}
    return change


def counters_of(raw: Mapping[str, object]) -> dict[str, int]:
    return {name: int(str(raw[name])) for name in COUNTERS if raw.get(name) is not None}
