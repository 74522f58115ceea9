"""The BuyLabel task: plan the route, buy the cheapest allowed label, or let the shopper keep the item."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from returns_core.adapters.customs_pdf import CustomsInvoice, CustomsInvoiceLine, render_customs_invoice
from returns_core.clock import utcnow
from returns_core.domain.hubs import ReturnHub, hubs_for
from returns_core.domain.lanes import crosses_customs_border
from returns_core.domain.orders import Category, Order
from returns_core.domain.reasons import ReturnReason
from returns_core.domain.routing import NoAllowedService, RouteChoice, plan_returns_route, recovery_value
from returns_core.domain.statuses import ReturnStatus
from returns_core.fx import FxRates
from returns_core.money import Money
from returns_core.observability import logger
from returns_core.ports.carriers import (
    CarrierError,
    CarrierPort,
    CarrierRateLimited,
    CarrierRejected,
    CarrierTimeout,
    CarrierUnavailable,
    CustomsLine,
    Parcel,
    ShipmentRequest,
    label_to_json,
)
from returns_core.storage.models import ReturnRecord
from returns_core.storage.repository import OrdersRepository, ReturnsRepository
from returns_core.workflow.lifecycle import append_timeline, transition

if TYPE_CHECKING:
    from returns_core.adapters.documents import DocumentStore


def shipment_for(
    record: ReturnRecord, order: Order, to_country: str, to_address: tuple[str, ...] = ()
) -> ShipmentRequest:
    weight = 0
    batteries = False
    customs: list[CustomsLine] = []
    value = Money.zero(order.currency)
    for item in record.request["items"]:
        line = order.line(item["line_id"])
        if line is None:
            continue
        quantity = int(item["quantity"])
        weight += line.weight_grams * quantity
        batteries = batteries or Category.BATTERY in line.categories
        amount = order.unit_price(line) * quantity
        value = value + amount
        customs.append(
            CustomsLine(line.name, quantity, amount, line.weight_grams * quantity, line.hs_code, line.origin_country)
        )
    cross_border = crosses_customs_border(order.country, to_country)
    return ShipmentRequest(
        reference=record.return_id,
        from_country=order.country,
        to_country=to_country,
        parcel=Parcel(weight_grams=max(weight, 100), contains_batteries=batteries, declared_value=value),
        customs=tuple(customs) if cross_border else (),
        original_invoice_number=order.invoice_number if cross_border else None,
        language=record.locale or "en",
        to_address=to_address,
    )


def customs_key_for(return_id: str) -> str:
    """Where the commercial invoice of a cross-border return is stored (one per return)."""
    return f"customs/{return_id}/commercial-invoice.pdf"


def customs_invoice_for(
    record: ReturnRecord, order: Order, tracking_number: str, consignee: tuple[str, ...], issued_at: datetime
) -> CustomsInvoice:
    """The commercial invoice for the items of a return: the shopper exports them back to the warehouse."""
    lines: list[CustomsInvoiceLine] = []
    for item in record.request["items"]:
        line = order.line(item["line_id"])
        if line is None:
            continue
        quantity = int(item["quantity"])
        lines.append(
            CustomsInvoiceLine(
                description=line.name,
                hs_code=line.hs_code,
                origin_country=line.origin_country,
                quantity=quantity,
                unit_value=order.unit_price(line),
                weight_grams=line.weight_grams * quantity,
            )
        )
    return CustomsInvoice(
        return_reference=record.return_id,
        tracking_number=tracking_number,
        original_invoice_number=order.invoice_number,
        issued_on=issued_at.astimezone(UTC).date(),
        exporter_name=order.shopper_name,
        exporter_country=order.country,
        consignee_lines=consignee,
        lines=tuple(lines),
        currency=order.currency,
    )


@dataclass(frozen=True)
class LabelBuyer:
    orders: OrdersRepository
    returns: ReturnsRepository
    carrier: CarrierPort
    fx: FxRates
    warehouse_country: str
    now: Callable[[], datetime] = utcnow
    # Where a cross-border return's commercial invoice is stored, and the consignee printed on it.
    # Without a document store no invoice is rendered (the label still says customs applies).
    documents: DocumentStore | None = None
    warehouse_address: tuple[str, ...] = ()
    # Local return hubs that consolidate parcels back to the warehouse (none: every parcel goes direct).
    hubs: tuple[ReturnHub, ...] = ()
    # Carriers tried, in order, when the primary one is down (timeouts, 5xx, rate limits).
    fallbacks: tuple[CarrierPort, ...] = ()

    def buy(self, return_id: str) -> dict[str, Any]:
        record = self.returns.get(return_id)
        if record.returnless:
            return {"returnless": True, "tracking_number": None}
        if record.label:
            return {"returnless": False, "tracking_number": record.label["tracking_number"]}
        order, _ = self.orders.get(record.order_number)
        outage: CarrierError | None = None
        for carrier in (self.carrier, *self.fallbacks):
            try:
                return self._buy_with(carrier, record, order, outage)
            except (CarrierUnavailable, CarrierTimeout, CarrierRateLimited) as exc:
                # The next carrier is tried now; when all are down the state machine retries with backoff.
                logger.warning("carrier unavailable", extra={"carrier": carrier.name, "return_id": return_id})
                outage = exc
        assert outage is not None
        raise outage

    def _buy_with(
        self, carrier: CarrierPort, record: ReturnRecord, order: Order, outage: CarrierError | None
    ) -> dict[str, Any]:
        return_id = record.return_id
        shipment = shipment_for(record, order, self.warehouse_country)
        items: list[tuple[Money, ReturnReason]] = []
        for item in record.request["items"]:
            line = order.line(item["line_id"])
            if line is not None:
                items.append((order.unit_price(line) * int(item["quantity"]), ReturnReason(item["reason"])))
        rates = carrier.rates(shipment)
        hub_shipments = {
            hub.hub_id: shipment_for(record, order, hub.country, hub.address)
            for hub in hubs_for(self.hubs, order.country, self.warehouse_country)
        }
        hub_rates = [
            (hub, carrier.rates(hub_shipments[hub.hub_id])) for hub in self.hubs if hub.hub_id in hub_shipments
        ]
        currencies = (
            {r.price.currency for r in rates}
            | {r.price.currency for _, found in hub_rates for r in found}
            | {hub.share_per_parcel().currency for hub, _ in hub_rates}
        )
        to_order: dict[str, Decimal] = {
            currency: self.fx.quote(currency, order.currency).rate for currency in currencies
        }
        try:
            plan = plan_returns_route(
                rates, hub_rates, shipment.parcel.contains_batteries, recovery_value(items), to_order
            )
        except NoAllowedService as exc:
            raise CarrierRejected(str(exc)) from None
        if plan.chosen is not None and plan.chosen.hub is not None:
            # The parcel's own journey is domestic: the hub clears customs for the consolidated shipment.
            shipment = hub_shipments[plan.chosen.hub.hub_id]

        if plan.choice is RouteChoice.KEEP:
            decided_at = self.now()

            def keep(record: ReturnRecord) -> None:
                record.returnless = True
                record.label = None
                append_timeline(record, {"kind": "ROUTE", "plan": plan.to_json(), "at": decided_at.isoformat()})

            self.returns.mutate(return_id, keep)
            return {"returnless": True, "tracking_number": None}

        assert plan.rate is not None
        label = carrier.buy(shipment, plan.rate)
        issued_at = self.now()
        customs_key: str | None = None
        if shipment.customs and self.documents is not None:
            # A retried BuyLabel renders it again and overwrites the same key.
            invoice = customs_invoice_for(record, order, label.tracking_number, self.warehouse_address, issued_at)
            customs_key = self.documents.put(
                customs_key_for(return_id), render_customs_invoice(invoice, record.locale), "application/pdf"
            )

        def issue(record: ReturnRecord) -> None:
            record.label = {
                **label_to_json(label),
                "plan": plan.to_json(),
                "customs": bool(shipment.customs),
                "customs_key": customs_key,
                # Set when the primary carrier was down and this label came from a fallback.
                "fallback_from": type(outage).__name__ if outage else None,
                # What the items weigh, to compare with the carrier's weight at acceptance.
                "expected_weight_grams": shipment.parcel.weight_grams,
            }
            record.tracking_number = label.tracking_number
            transition(record, ReturnStatus.LABEL_ISSUED, issued_at)

        self.returns.mutate(return_id, issue)
        return {"returnless": False, "tracking_number": label.tracking_number}
