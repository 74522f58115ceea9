"""Builders for the pure domain objects the unit tests start from (plain functions, no I/O)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

from returns_core.domain.orders import Category, Order, OrderLine, Variant
from returns_core.domain.reasons import ReturnReason
from returns_core.domain.requests import RequestedItem, ReturnRequest

DELIVERED_AT = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
ORDERED_AT = datetime(2026, 2, 20, 9, 30, tzinfo=UTC)
SHOPPER_EMAIL = "ana.silva@example.com"


def order_line(
    line_id: str = "L1",
    *,
    quantity: int = 1,
    unit_price: str = "40.00",
    categories: Iterable[Category] = (),
    origin_country: str = "DE",
    weight_grams: int = 500,
    variants: Iterable[Variant] = (),
) -> OrderLine:
    return OrderLine(
        line_id=line_id,
        sku=f"SKU-{line_id}",
        name=f"Item {line_id}",
        quantity=quantity,
        unit_price=Decimal(unit_price),
        hs_code="610910",
        origin_country=origin_country,
        weight_grams=weight_grams,
        categories=frozenset(categories),
        variants=tuple(variants),
    )


def make_order(
    *lines: OrderLine,
    country: str = "DE",
    currency: str = "EUR",
    shipping_paid: str = "5.00",
    delivered_at: datetime | None = DELIVERED_AT,
    ordered_at: datetime = ORDERED_AT,
    email: str = SHOPPER_EMAIL,
) -> Order:
    return Order(
        order_number="1001",
        email=email,
        shopper_name="Ana Silva",
        country=country,
        currency=currency,
        lines=lines or (order_line(),),
        shipping_paid=Decimal(shipping_paid),
        invoice_number="INV-1001",
        ordered_at=ordered_at,
        delivered_at=delivered_at,
        payment_reference="pay_1001",
    )


def make_request(
    *items: tuple[str, int, ReturnReason],
    email: str = SHOPPER_EMAIL,
) -> ReturnRequest:
    wanted = items or (("L1", 1, ReturnReason.CHANGED_MIND),)
    return ReturnRequest(
        order_number="1001",
        email=email,
        items=tuple(RequestedItem(line_id=line_id, quantity=qty, reason=reason) for line_id, qty, reason in wanted),
    )
