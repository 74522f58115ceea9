"""Pluggable eligibility validators: each looks at one rule and says what it found.

A finding is an input error (the request cannot become a return at all: no write happens),
a rejection (the return exists but the policy says no) or a reason for a human to review.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from returns_core.domain.lanes import crosses_customs_border
from returns_core.domain.orders import Category, Order
from returns_core.domain.policy import MarketPolicy, WindowStart
from returns_core.domain.reasons import is_seller_fault
from returns_core.domain.requests import Resolution, ReturnRequest
from returns_core.i18n import N_, Translator
from returns_core.money import Money, total


class Severity(StrEnum):
    INPUT_ERROR = "INPUT_ERROR"
    REJECT = "REJECT"
    REVIEW = "REVIEW"


class Decision(StrEnum):
    APPROVED = "APPROVED"
    REVIEW = "REVIEW"
    REJECTED = "REJECTED"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    template: str  # an English message id; `params` fill its placeholders
    line_id: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The English text kept on the return for ops (dates stay ISO)."""
        params = dict(self.params)
        if "categories" in params:
            params["categories"] = ", ".join(CATEGORY_LABELS[Category(c)] for c in params["categories"])
        return self.template.format(**params)

    def describe(self, _: Translator) -> str:
        """The finding in the shopper's language, with dates and category names localised."""
        params = dict(self.params)
        if "categories" in params:
            params["categories"] = ", ".join(_(CATEGORY_LABELS[Category(c)]) for c in params["categories"])
        if "last_day" in params:
            params["last_day"] = _.date(date.fromisoformat(params["last_day"]))
        return _(self.template, **params)


def rejection_reasons(findings: Iterable[Mapping[str, Any]], _: Translator) -> list[str]:
    """The stored findings (as kept on a return's decision) that rejected it, in the shopper's language."""
    reasons = []
    for stored in findings:
        if stored.get("severity") != Severity.REJECT or not stored.get("template"):
            continue
        finding = Finding(
            stored["code"], Severity.REJECT, stored["template"], stored.get("line_id"), stored.get("params") or {}
        )
        reasons.append(finding.describe(_))
    return reasons


CATEGORY_LABELS: dict[Category, str] = {
    Category.FINAL_SALE: N_("final sale"),
    Category.BATTERY: N_("batteries"),
    Category.PERSONALISED: N_("made to order or personalised"),
    Category.PERISHABLE: N_("perishable goods"),
    Category.HYGIENE_SEALED: N_("sealed hygiene items opened after delivery"),
    Category.DIGITAL: N_("digital content"),
}


@dataclass(frozen=True)
class RiskThresholds:
    review_value: Decimal = Decimal(500)  # in the seller's base currency
    max_returns_per_order: int = 2
    # A shopper with this many other returns (any order) within the window is held for a review.
    serial_returns: int = 3
    serial_window_days: int = 90
    # A shopper who exchanged this many other items within the window is held, as is any exchange that
    # swaps back to what an earlier exchange gave away (A for B, then B for A).
    serial_exchanges: int = 3
    # Base-currency units per unit of the order's currency, to compare values across markets.
    to_base_rate: Decimal = Decimal(1)


@dataclass(frozen=True)
class EligibilityContext:
    order: Order
    request: ReturnRequest
    policy: MarketPolicy
    now: datetime
    already_returned: dict[str, int] = field(default_factory=dict)
    returns_on_order: int = 0
    # The shopper's other returns, across orders, within `risk.serial_window_days`.
    shopper_recent_returns: int = 0
    # The shopper's other settled exchanges within the window: (SKU returned, SKU sent in its place).
    shopper_recent_exchanges: tuple[tuple[str, str], ...] = ()
    # Where the parcel goes back to (the warehouse); None when not yet known.
    return_to_country: str | None = None
    risk: RiskThresholds = field(default_factory=RiskThresholds)


Validator = Callable[[EligibilityContext], Iterable[Finding]]


def order_email_match(ctx: EligibilityContext) -> Iterable[Finding]:
    if not ctx.order.email_matches(ctx.request.email):
        # Same code as an unknown order, so the answer does not reveal which orders exist.
        yield Finding("ORDER_NOT_FOUND", Severity.INPUT_ERROR, N_("No order matches this email and order number."))


def lines_exist(ctx: EligibilityContext) -> Iterable[Finding]:
    for item in ctx.request.items:
        if ctx.order.line(item.line_id) is None:
            yield Finding("UNKNOWN_LINE", Severity.INPUT_ERROR, N_("This order has no such line."), item.line_id)


def quantity_available(ctx: EligibilityContext) -> Iterable[Finding]:
    for item in ctx.request.items:
        line = ctx.order.line(item.line_id)
        if line is None:
            continue
        left = line.quantity - ctx.already_returned.get(item.line_id, 0)
        if item.quantity > left:
            yield Finding(
                "QUANTITY_EXCEEDED",
                Severity.INPUT_ERROR,
                N_("Only {count} of this item can still be returned."),
                item.line_id,
                {"count": max(left, 0)},
            )


def within_window(ctx: EligibilityContext) -> Iterable[Finding]:
    starts = ctx.order.delivered_at if ctx.policy.window_starts is WindowStart.DELIVERY else ctx.order.ordered_at
    if starts is None:
        return  # not delivered yet: the window has not started, so it cannot have passed
    for item in ctx.request.items:
        days = ctx.policy.fault_window_days if is_seller_fault(item.reason) else ctx.policy.window_days
        # A period of days runs to the end of its last day (EU Regulation 1182/71 Art. 3).
        last_day = (starts.astimezone(UTC) + timedelta(days=days)).date()
        if ctx.now > datetime.combine(last_day, time.max, tzinfo=UTC):
            yield Finding(
                "WINDOW_PASSED",
                Severity.REJECT,
                N_("The {days}-day return window ended on {last_day}."),
                item.line_id,
                {"days": days, "last_day": last_day.isoformat()},
            )


def excluded_category(ctx: EligibilityContext) -> Iterable[Finding]:
    for item in ctx.request.items:
        line = ctx.order.line(item.line_id)
        if line is None or is_seller_fault(item.reason):
            continue  # faulty goods can always come back
        excluded = line.categories & ctx.policy.excluded_categories
        if excluded:
            yield Finding(
                "EXCLUDED_CATEGORY",
                Severity.REJECT,
                N_("Not returnable: {categories}."),
                item.line_id,
                {"categories": sorted(c.value for c in excluded)},
            )


def high_value(ctx: EligibilityContext) -> Iterable[Finding]:
    value = requested_value(ctx.order, ctx.request)
    if value.amount * ctx.risk.to_base_rate >= ctx.risk.review_value:
        yield Finding(
            "HIGH_VALUE", Severity.REVIEW, N_("Return value {value} needs a review."), None, {"value": str(value)}
        )


def many_returns_on_order(ctx: EligibilityContext) -> Iterable[Finding]:
    if ctx.returns_on_order >= ctx.risk.max_returns_per_order:
        yield Finding("MANY_RETURNS_ON_ORDER", Severity.REVIEW, N_("Several returns already exist for this order."))


def serial_returner(ctx: EligibilityContext) -> Iterable[Finding]:
    if ctx.shopper_recent_returns >= ctx.risk.serial_returns:
        yield Finding(
            "SERIAL_RETURNER",
            Severity.REVIEW,
            N_("This shopper made {count} other returns in the last {days} days."),
            None,
            {"count": ctx.shopper_recent_returns, "days": ctx.risk.serial_window_days},
        )


def exchange_loop(ctx: EligibilityContext) -> Iterable[Finding]:
    if ctx.request.resolution is not Resolution.EXCHANGE or not ctx.request.exchange_sku:
        return
    wanted = ctx.request.exchange_sku
    for item in ctx.request.items:
        line = ctx.order.line(item.line_id)
        if line is not None and (wanted, line.sku) in ctx.shopper_recent_exchanges:
            yield Finding(
                "EXCHANGE_LOOP",
                Severity.REVIEW,
                N_("This exchange swaps back an item the shopper exchanged before."),
                item.line_id,
            )
            return
    if len(ctx.shopper_recent_exchanges) >= ctx.risk.serial_exchanges:
        yield Finding(
            "EXCHANGE_LOOP",
            Severity.REVIEW,
            N_("This shopper exchanged {count} other items in the last {days} days."),
            None,
            {"count": len(ctx.shopper_recent_exchanges), "days": ctx.risk.serial_window_days},
        )


def restricted_goods(ctx: EligibilityContext) -> Iterable[Finding]:
    for item in ctx.request.items:
        line = ctx.order.line(item.line_id)
        crosses = ctx.return_to_country is not None and crosses_customs_border(ctx.order.country, ctx.return_to_country)
        if line is not None and Category.BATTERY in line.categories and crosses:
            # Lithium batteries cross borders only on approved services; a person checks the route.
            yield Finding(
                "RESTRICTED_GOODS", Severity.REVIEW, N_("Contains batteries: route needs checking."), item.line_id
            )


INPUT_VALIDATORS: tuple[Validator, ...] = (order_email_match, lines_exist, quantity_available)
POLICY_VALIDATORS: tuple[Validator, ...] = (within_window, excluded_category)
RISK_VALIDATORS: tuple[Validator, ...] = (
    high_value,
    many_returns_on_order,
    serial_returner,
    exchange_loop,
    restricted_goods,
)
DEFAULT_VALIDATORS: tuple[Validator, ...] = INPUT_VALIDATORS + POLICY_VALIDATORS + RISK_VALIDATORS


@dataclass(frozen=True)
class Assessment:
    decision: Decision
    findings: tuple[Finding, ...]

    @property
    def input_errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.INPUT_ERROR)


def assess(ctx: EligibilityContext, validators: Iterable[Validator] = DEFAULT_VALIDATORS) -> Assessment:
    findings = tuple(finding for validator in validators for finding in validator(ctx))
    severities = {f.severity for f in findings}
    if Severity.INPUT_ERROR in severities or Severity.REJECT in severities:
        decision = Decision.REJECTED
    elif Severity.REVIEW in severities:
        decision = Decision.REVIEW
    else:
        decision = Decision.APPROVED
    return Assessment(decision, findings)


def requested_value(order: Order, request: ReturnRequest) -> Money:
    amounts = []
    for item in request.items:
        line = order.line(item.line_id)
        if line is not None:
            amounts.append(order.unit_price(line) * item.quantity)
    return total(amounts, order.currency)
