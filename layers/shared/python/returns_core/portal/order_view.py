"""What the portal shows of an order: each line's returnable quantity, eligibility and deadline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from returns_core.domain.eligibility import POLICY_VALIDATORS, EligibilityContext, Finding, assess
from returns_core.domain.orders import Category, Order
from returns_core.domain.policy import MarketPolicy, Payer, WindowStart, market_for
from returns_core.domain.reasons import ReturnReason, is_seller_fault
from returns_core.domain.requests import RequestedItem, Resolution, ReturnRequest
from returns_core.domain.statuses import ReturnStatus
from returns_core.i18n import N_, Translator
from returns_core.money import Money
from returns_core.portal.labels import REASON_LABELS, RESOLUTION_LABELS, STATUS_LABELS
from returns_core.storage.models import ReturnRecord

NOTHING_LEFT = N_("All of this item has already been returned.")
BATTERIES_CHECKED = N_("Contains batteries: our team checks the shipping route before the label is issued.")
POLICY_SHOPPER_PAYS = N_(
    "You have {days} days from delivery to return items. Return shipping is deducted from your refund."
)
POLICY_SELLER_PAYS = N_("You have {days} days from delivery to return items. Return shipping is free.")
POLICY_FROM_ORDER = N_("You have {days} days from your order date to return items.")
FAULTY_ONLY = N_("You can still return this item if it is faulty or not as described.")


@dataclass(frozen=True)
class ShopperContext:
    translate: Translator
    policy: MarketPolicy
    now: datetime
    store_credit_bonus: str  # formatted percentage


def last_day(order: Order, policy: MarketPolicy, days: int) -> datetime | None:
    starts = order.delivered_at if policy.window_starts is WindowStart.DELIVERY else order.ordered_at
    if starts is None:
        return None
    return starts.astimezone(UTC) + timedelta(days=days)


def _findings(order: Order, line_id: str, reason: ReturnReason, ctx: ShopperContext) -> tuple[Finding, ...]:
    """What the policy says about returning one of this line for this kind of reason."""
    probe = ReturnRequest(
        order_number=order.order_number,
        email=order.email,
        items=(RequestedItem(line_id=line_id, quantity=1, reason=reason),),
    )
    return assess(EligibilityContext(order, probe, ctx.policy, ctx.now), POLICY_VALIDATORS).findings


def _line_view(order: Order, line_id: str, left: int, ctx: ShopperContext) -> dict[str, Any]:
    _ = ctx.translate
    line = order.line(line_id)
    assert line is not None
    change_of_mind = _findings(order, line_id, ReturnReason.CHANGED_MIND, ctx)
    fault_open = not _findings(order, line_id, ReturnReason.DEFECTIVE, ctx)
    why_not = [finding.describe(_) for finding in change_of_mind]
    allowed: list[ReturnReason] = []
    if not change_of_mind:
        allowed = list(ReturnReason)
    elif fault_open:
        # Statutory guarantees outlive the change-of-mind window and its exclusions.
        allowed = [reason for reason in ReturnReason if is_seller_fault(reason)]
        why_not.append(_(FAULTY_ONLY))
    if left <= 0:
        allowed, why_not = [], [_(NOTHING_LEFT)]
    deadline = last_day(order, ctx.policy, ctx.policy.window_days)
    notes = [_(BATTERIES_CHECKED)] if Category.BATTERY in line.categories else []
    return {
        "line_id": line.line_id,
        "sku": line.sku,
        "name": line.name,
        "quantity": line.quantity,
        "returnable_quantity": max(left, 0) if allowed else 0,
        "unit_price": _.money(Money(line.unit_price, order.currency)),
        "eligible": bool(allowed) and not change_of_mind,
        "allowed_reasons": [reason.value for reason in allowed],
        "why_not": why_not,
        "notes": notes,
        "deadline": deadline.date().isoformat() if deadline else None,
        "deadline_display": _.date(deadline) if deadline else None,
        "variants": [{"sku": v.sku, "name": v.name} for v in line.variants],
    }


def policy_summary(policy: MarketPolicy, _: Translator) -> str:
    if policy.window_starts is WindowStart.ORDER:
        return _(POLICY_FROM_ORDER, days=policy.window_days)
    if policy.return_shipping_paid_by is Payer.SELLER:
        return _(POLICY_SELLER_PAYS, days=policy.window_days)
    return _(POLICY_SHOPPER_PAYS, days=policy.window_days)


def order_view(
    order: Order,
    reserved: dict[str, int],
    returns: list[ReturnRecord],
    ctx: ShopperContext,
    track_token: Callable[[str], str],
) -> dict[str, Any]:
    _ = ctx.translate
    return {
        "order_number": order.order_number,
        "shopper_name": order.shopper_name,
        "country": order.country,
        "market": market_for(order.country),
        "currency": order.currency,
        "ordered_on": _.date(order.ordered_at),
        "delivered_on": _.date(order.delivered_at) if order.delivered_at else None,
        "withdrawal_available": ctx.policy.withdrawal_function,
        "policy": {"summary": policy_summary(ctx.policy, _), "legal_source": ctx.policy.legal_source},
        "lines": [
            _line_view(order, line.line_id, line.quantity - reserved.get(line.line_id, 0), ctx) for line in order.lines
        ],
        "reasons": [{"code": reason.value, "label": _(label)} for reason, label in REASON_LABELS.items()],
        "resolutions": [
            {"code": resolution.value, "label": _(label, bonus=ctx.store_credit_bonus)}
            for resolution, label in RESOLUTION_LABELS.items()
            if resolution is not Resolution.EXCHANGE or any(line.variants for line in order.lines)
        ],
        "returns": [
            {
                "return_id": record.return_id,
                "status": record.status,
                "status_label": _(STATUS_LABELS[ReturnStatus(record.status)]),
                "created_display": _.date(datetime.fromisoformat(record.created_at)),
                "track_token": track_token(record.return_id),
            }
            for record in sorted(returns, key=lambda r: r.created_at, reverse=True)
        ],
    }
