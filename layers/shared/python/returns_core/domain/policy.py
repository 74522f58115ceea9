"""Per-market return policy: the statutory floor by destination market, with its legal source.

The seller may be more generous per market (a longer window, free return shipping, fewer
exclusions, a lower restocking fee) but never less: `SellerPolicy.apply` enforces that.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from returns_core.domain.orders import Category


class WindowStart(StrEnum):
    DELIVERY = "DELIVERY"  # physical possession of the (last) item
    ORDER = "ORDER"


class Payer(StrEnum):
    SELLER = "SELLER"
    SHOPPER = "SHOPPER"


class RefundTrigger(StrEnum):
    ACCEPTANCE_SCAN = "ACCEPTANCE_SCAN"  # proof of dispatch
    DELIVERY = "DELIVERY"
    INSPECTION = "INSPECTION"


@dataclass(frozen=True)
class MarketPolicy:
    market: str
    window_days: int
    window_starts: WindowStart
    return_shipping_paid_by: Payer
    restocking_fee_percent: Decimal
    excluded_categories: frozenset[Category]
    # Days within which the refund must be paid, counted from the withdrawal notice; None = no statute.
    refund_deadline_days: int | None
    refund_outbound_shipping: bool
    # Window for faulty goods (statutory guarantee); change-of-mind rules do not apply to those.
    fault_window_days: int
    refund_trigger: RefundTrigger
    legal_source: str


EU_COUNTRIES = frozenset("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split())

_EU_EXCLUSIONS = frozenset({Category.PERSONALISED, Category.PERISHABLE, Category.HYGIENE_SEALED, Category.DIGITAL})

POLICIES: dict[str, MarketPolicy] = {
    "EU": MarketPolicy(
        market="EU",
        window_days=14,
        window_starts=WindowStart.DELIVERY,
        return_shipping_paid_by=Payer.SHOPPER,
        restocking_fee_percent=Decimal(0),
        excluded_categories=_EU_EXCLUSIONS,
        refund_deadline_days=14,
        refund_outbound_shipping=True,
        fault_window_days=730,
        refund_trigger=RefundTrigger.ACCEPTANCE_SCAN,
        legal_source="Directive 2011/83/EU Art. 9, 13, 14, 16",
    ),
    "UK": MarketPolicy(
        market="UK",
        window_days=14,
        window_starts=WindowStart.DELIVERY,
        return_shipping_paid_by=Payer.SHOPPER,
        restocking_fee_percent=Decimal(0),
        excluded_categories=_EU_EXCLUSIONS,
        refund_deadline_days=14,
        refund_outbound_shipping=True,
        fault_window_days=365,
        refund_trigger=RefundTrigger.ACCEPTANCE_SCAN,
        legal_source="Consumer Contracts Regulations 2013, Part 3 (reg. 29-35)",
    ),
    "US": MarketPolicy(
        market="US",
        window_days=30,
        window_starts=WindowStart.DELIVERY,
        return_shipping_paid_by=Payer.SELLER,
        restocking_fee_percent=Decimal(0),
        excluded_categories=frozenset({Category.FINAL_SALE, Category.PERSONALISED, Category.DIGITAL}),
        refund_deadline_days=None,
        refund_outbound_shipping=False,
        fault_window_days=365,
        refund_trigger=RefundTrigger.INSPECTION,
        legal_source="No federal change-of-mind right; the seller's published policy governs",
    ),
    "JP": MarketPolicy(
        market="JP",
        window_days=8,
        window_starts=WindowStart.DELIVERY,
        return_shipping_paid_by=Payer.SHOPPER,
        restocking_fee_percent=Decimal(0),
        excluded_categories=frozenset({Category.FINAL_SALE, Category.PERISHABLE, Category.DIGITAL}),
        refund_deadline_days=None,
        refund_outbound_shipping=False,
        fault_window_days=365,
        refund_trigger=RefundTrigger.INSPECTION,
        legal_source="Act on Specified Commercial Transactions Art. 15-3",
    ),
    "AU": MarketPolicy(
        market="AU",
        window_days=30,
        window_starts=WindowStart.DELIVERY,
        return_shipping_paid_by=Payer.SHOPPER,
        restocking_fee_percent=Decimal(10),
        excluded_categories=frozenset({Category.FINAL_SALE, Category.PERSONALISED, Category.HYGIENE_SEALED}),
        refund_deadline_days=None,
        refund_outbound_shipping=False,
        fault_window_days=730,
        refund_trigger=RefundTrigger.INSPECTION,
        legal_source="Australian Consumer Law (guarantees for faults); change of mind is voluntary policy",
    ),
}

_COUNTRY_TO_MARKET: dict[str, str] = {country: "EU" for country in EU_COUNTRIES} | {
    "GB": "UK",
    "US": "US",
    "JP": "JP",
    "AU": "AU",
}


class UnsupportedMarket(LookupError):
    pass


def market_for(country: str) -> str:
    try:
        return _COUNTRY_TO_MARKET[country]
    except KeyError:
        raise UnsupportedMarket(f"no return policy for orders shipped to {country}") from None


def policy_for(country: str) -> MarketPolicy:
    return POLICIES[market_for(country)]


@dataclass(frozen=True)
class SellerPolicy:
    """The seller's own, more generous, terms for one market; None keeps the statutory value."""

    window_days: int | None = None
    return_shipping_paid_by: Payer | None = None
    restocking_fee_percent: Decimal | None = None
    excluded_categories: frozenset[Category] | None = None

    def apply(self, floor: MarketPolicy) -> MarketPolicy:
        policy = floor
        if self.window_days is not None:
            policy = replace(policy, window_days=max(self.window_days, floor.window_days))
        if self.return_shipping_paid_by is Payer.SELLER:
            policy = replace(policy, return_shipping_paid_by=Payer.SELLER)
        if self.restocking_fee_percent is not None:
            policy = replace(
                policy,
                restocking_fee_percent=max(Decimal(0), min(self.restocking_fee_percent, floor.restocking_fee_percent)),
            )
        if self.excluded_categories is not None:
            # Exclusions may shrink, never grow beyond what the market allows.
            policy = replace(policy, excluded_categories=self.excluded_categories & floor.excluded_categories)
        return policy
