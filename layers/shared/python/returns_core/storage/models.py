"""DynamoDB records through pynamodb. Table names are bound at cold start by `bind_tables`.

Key schemas and index projections mirror `infra.catalogue.TABLES` (the catalogue is what CDK and
the local stack create); a test checks the two agree. The returns table's indexes hold keys only:
a query on them finds return ids, and the items are then read by key.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    JSONAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.constants import BINARY, STRING
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from returns_core.settings import Settings


class CompressedJSONAttribute(Attribute[Any]):
    """A JSON document stored deflated, as a binary attribute.

    DynamoDB bills a write unit per kilobyte of the whole item, each time it is saved. A return is saved
    a dozen times on its way, and its label (the routing plan with every rate considered) and timeline
    are most of its size; JSON deflates to a third or less. A value written before, as a JSON string,
    still reads.
    """

    attr_type = BINARY

    def serialize(self, value: Any) -> bytes | None:
        if value is None:
            return None
        return zlib.compress(json.dumps(value, separators=(",", ":")).encode(), level=6)

    def deserialize(self, value: bytes | str) -> Any:
        if isinstance(value, str):
            return json.loads(value, strict=False)
        return json.loads(zlib.decompress(value))

    def get_value(self, value: dict[str, Any]) -> Any:
        if STRING in value:
            return value[STRING]
        return super().get_value(value)


class OrderRecord(Model):
    class Meta:
        table_name = "unbound-orders"

    order_number = UnicodeAttribute(hash_key=True)
    # The whole Order document (pydantic JSON): money stays as decimal strings, never floats.
    document = JSONAttribute()
    # Quantity per line id already taken by open or completed returns; released on rejection/expiry.
    reserved = MapAttribute[str, Any](default=dict)
    returns_count = NumberAttribute(default=0)
    version = VersionAttribute()


class ByStatus(GlobalSecondaryIndex["ReturnRecord"]):
    class Meta:
        index_name = "by_status"
        projection = KeysOnlyProjection()

    status = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ByTrackingNumber(GlobalSecondaryIndex["ReturnRecord"]):
    class Meta:
        index_name = "by_tracking_number"
        projection = KeysOnlyProjection()

    tracking_number = UnicodeAttribute(hash_key=True)


class ByOrder(GlobalSecondaryIndex["ReturnRecord"]):
    class Meta:
        index_name = "by_order"
        projection = KeysOnlyProjection()

    order_number = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ByShopper(GlobalSecondaryIndex["ReturnRecord"]):
    class Meta:
        index_name = "by_shopper"
        projection = KeysOnlyProjection()

    shopper_key = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


# The one value of `ReturnRecord.attention`: its presence is what puts a return in the index.
ATTENTION = "ALERT"


class ByAttention(GlobalSecondaryIndex["ReturnRecord"]):
    class Meta:
        index_name = "by_attention"
        projection = KeysOnlyProjection()

    attention = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ReturnRecord(Model):
    class Meta:
        table_name = "unbound-returns"

    return_id = UnicodeAttribute(hash_key=True)
    order_number = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()  # ISO-8601 UTC, sortable
    updated_at = UTCDateTimeAttribute()
    market = UnicodeAttribute()
    currency = UnicodeAttribute()
    locale = UnicodeAttribute(default="en")
    request = CompressedJSONAttribute()  # items, reasons, resolution (no personal data)
    decision = CompressedJSONAttribute(null=True)  # authorisation decision and findings
    review = CompressedJSONAttribute(null=True)
    label = CompressedJSONAttribute(null=True)  # carrier, service, tracking number, cost, document keys
    tracking_number = UnicodeAttribute(null=True)
    dispatched_at = UTCDateTimeAttribute(null=True)
    delivered_at = UTCDateTimeAttribute(null=True)
    carrier_exception = UnicodeAttribute(null=True)  # RETURN_FAILED / LOST_OR_DAMAGED seen on a scan
    inspection = CompressedJSONAttribute(null=True)
    refund = CompressedJSONAttribute(null=True)
    final = CompressedJSONAttribute(null=True)
    refund_deadline = UTCDateTimeAttribute(null=True)
    withdrawal = CompressedJSONAttribute(null=True)  # the EU withdrawal notice: when it was declared, its confirmation
    claim = CompressedJSONAttribute(null=True)  # the carrier claim opened for a lost parcel
    # Costs and recoveries entered by ops after the fact (duties, surcharges, claim payments).
    adjustments = CompressedJSONAttribute(default=list)
    # The Step Functions task token of the stage the workflow is waiting in, if any.
    task_token = UnicodeAttribute(null=True)
    waiting_for = UnicodeAttribute(null=True)
    timeline = CompressedJSONAttribute(default=list)
    seen_scan_ids = CompressedJSONAttribute(default=list)
    returnless = BooleanAttribute(default=False)
    # A one-way hash of the shopper's normalised email: their returns across orders, without the address.
    shopper_key = UnicodeAttribute(null=True)
    # Set while the return has an alert ops must acknowledge, ended or not (the sparse by_attention index).
    attention = UnicodeAttribute(null=True)
    version = VersionAttribute()

    by_status = ByStatus()
    by_tracking_number = ByTrackingNumber()
    by_order = ByOrder()
    by_shopper = ByShopper()
    by_attention = ByAttention()


class LedgerRecord(Model):
    class Meta:
        table_name = "unbound-ledger"

    return_id = UnicodeAttribute(hash_key=True)
    line_id = UnicodeAttribute(range_key=True)  # deterministic: re-recording a line is a no-op
    kind = UnicodeAttribute()
    amount = UnicodeAttribute()  # Decimal as string
    currency = UnicodeAttribute()
    base_amount = UnicodeAttribute()
    base_currency = UnicodeAttribute()
    fx_rate = UnicodeAttribute()
    recorded_at = UTCDateTimeAttribute()
    detail = JSONAttribute(null=True)


class PortalRecord(Model):
    """A lookup counter for one client or order number and window, or a one-time code."""

    class Meta:
        table_name = "unbound-portal"

    key = UnicodeAttribute(hash_key=True)
    hits = NumberAttribute(default=0)
    expires_at = NumberAttribute()  # epoch seconds, the table's TTL attribute
    data = JSONAttribute(null=True)


class SkusByUnitsReturned(GlobalSecondaryIndex["AggregateRecord"]):
    """Each month's SKU rows, by units returned: sparse, as only SKU rows carry `sku_month` and only
    SKUs with returns have `units` (the most returned SKUs are read from it, a page at a time)."""

    class Meta:
        index_name = "skus_by_units_returned"
        projection = KeysOnlyProjection()

    sku_month = UnicodeAttribute(hash_key=True)
    units = NumberAttribute(range_key=True)


class AggregateRecord(Model):
    """One month's counters for one dimension (see returns_core.analytics.counters), or a marker
    saying a return's counts were added (so they are added exactly once)."""

    class Meta:
        table_name = "unbound-aggregates"

    period = UnicodeAttribute(hash_key=True)  # "2026-11", or "RECORDED#<return_id>" for a marker
    key = UnicodeAttribute(range_key=True)
    # Integers only (money in minor units of the base currency): DynamoDB adds them atomically.
    returns = NumberAttribute(null=True)
    units = NumberAttribute(null=True)
    units_sold = NumberAttribute(null=True)
    refunded_minor = NumberAttribute(null=True)
    cost_minor = NumberAttribute(null=True)
    shipments = NumberAttribute(null=True)
    lost = NumberAttribute(null=True)
    delayed = NumberAttribute(null=True)
    waited = NumberAttribute(null=True)  # returns that waited this long in a stage
    # The month again, on SKU rows only (`storage.aggregates.index_attributes`): the sparse index's key.
    sku_month = UnicodeAttribute(null=True)

    skus_by_units_returned = SkusByUnitsReturned()


_MODELS: dict[str, type[Model]] = {
    "orders": OrderRecord,
    "returns": ReturnRecord,
    "ledger": LedgerRecord,
    "portal": PortalRecord,
    "aggregates": AggregateRecord,
}


def bind_tables(settings: Settings) -> None:
    """Point the models at this deployment's tables (called once at cold start)."""
    names = {
        "orders": settings.orders_table,
        "returns": settings.returns_table,
        "ledger": settings.ledger_table,
        "portal": settings.portal_table,
        "aggregates": settings.aggregates_table,
    }
    for key, model in _MODELS.items():
        meta: Any = model.Meta
        if meta.table_name != names[key] or getattr(meta, "region", None) != settings.region:
            meta.table_name = names[key]
            meta.region = settings.region
            # pynamodb caches the connection with the old table name.
            model._connection = None


def forget_connections() -> None:
    """Drop the models' cached connections: the next call connects again, to the endpoint configured then
    (a process that starts a second local stack, as the benchmarks do)."""
    for model in _MODELS.values():
        model._connection = None
