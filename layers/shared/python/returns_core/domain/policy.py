"""Per-market return policy: the statutory floor by destination market, with its legal source.

Where the law grants no change-of-mind right (`statutory_right` is False) the row is the platform's
default voluntary policy instead. The seller may be more generous per market (a longer window, free
return shipping, fewer exclusions, a lower restocking fee) but never less: `SellerPolicy.apply`
enforces that. `docs/consumer-law.md` gives every row's sources and what is still to be checked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from returns_core.domain.orders import Category


class WindowStart(StrEnum):
    DELIVERY = "DELIVERY"  # physical possession of the (last) item
    ORDER = "ORDER"


class Payer(StrEnum):
    SELLER = "SELLER"
    SHOPPER = "SHOPPER"


class RefundTrigger(StrEnum):
    """When the refund is paid, earliest first."""

    INSTANT = "INSTANT"  # once the label is issued; only for shoppers the seller vouches for
    ACCEPTANCE_SCAN = "ACCEPTANCE_SCAN"  # proof of dispatch
    DELIVERY = "DELIVERY"
    INSPECTION = "INSPECTION"

    @property
    def rank(self) -> int:
        return list(RefundTrigger).index(self)

    def at_latest(self, other: RefundTrigger) -> RefundTrigger:
        """The earlier of the two triggers."""
        return self if self.rank <= other.rank else other


# What a seller may choose per market: INSTANT is decided per shopper, never for a whole market.
SELLER_TRIGGERS = (RefundTrigger.ACCEPTANCE_SCAN, RefundTrigger.DELIVERY, RefundTrigger.INSPECTION)


class DeadlineStart(StrEnum):
    """What the statutory refund deadline counts from."""

    WITHDRAWAL_NOTICE = "WITHDRAWAL_NOTICE"  # the shopper's notice of withdrawal reaches the seller
    GOODS_RECEIVED = "GOODS_RECEIVED"  # the seller receives (or collects) the returned goods
    # The seller receives the goods back or, if earlier, the shopper supplies proof of sending them.
    GOODS_RECEIVED_OR_PROOF_OF_RETURN = "GOODS_RECEIVED_OR_PROOF_OF_RETURN"


@dataclass(frozen=True)
class MarketPolicy:
    market: str
    # True only where the law itself grants a change-of-mind right; False = platform's voluntary default.
    statutory_right: bool
    window_days: int
    window_starts: WindowStart
    return_shipping_paid_by: Payer
    restocking_fee_percent: Decimal
    excluded_categories: frozenset[Category]
    # Days within which the refund must be paid, counted from `refund_deadline_counts_from`;
    # None = the statute sets no day count (no statute, or "immediately" as in BR).
    refund_deadline_days: int | None
    refund_deadline_counts_from: DeadlineStart | None
    refund_deadline_business_days: bool  # the deadline counts business days, not calendar days
    refund_outbound_shipping: bool
    # Window for faulty goods (statutory guarantee); change-of-mind rules do not apply to those.
    fault_window_days: int
    refund_trigger: RefundTrigger
    # An online "withdraw from contract" function is required (Directive 2011/83/EU Art. 11a, from 2026-06-19).
    withdrawal_function: bool
    legal_source: str
    # The most inspection may keep back for the diminished value of an accepted item the shopper
    # damaged or used beyond trying it (EU Art. 14(2), UK CCR 2013 reg. 34(9)); elsewhere the
    # platform's default. The inspector records the actual loss, up to this.
    condition_deduction_max_percent: Decimal = Decimal(100)


EU_COUNTRIES = frozenset("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split())

_EU_EXCLUSIONS = frozenset({Category.PERSONALISED, Category.PERISHABLE, Category.HYGIENE_SEALED, Category.DIGITAL})

# The platform's default where no statute grants a change-of-mind right (CA, CH, NZ).
_VOLUNTARY_EXCLUSIONS = frozenset(
    {Category.FINAL_SALE, Category.PERSONALISED, Category.PERISHABLE, Category.HYGIENE_SEALED, Category.DIGITAL}
)

POLICIES: dict[str, MarketPolicy] = {
    "EU": MarketPolicy(
        market="EU",
        statutory_right=True,
        window_days=14,
        window_starts=WindowStart.DELIVERY,
        return_shipping_paid_by=Payer.SHOPPER,
        restocking_fee_percent=Decimal(0),
        excluded_categories=_EU_EXCLUSIONS,
        refund_deadline_days=14,
        refund_deadline_counts_from=DeadlineStart.WITHDRAWAL_NOTICE,
        refund_deadline_business_days=False,
        refund_outbound_shipping=True,
        fault_window_days=730,
        refund_trigger=RefundTrigger.ACCEPTANCE_SCAN,
        withdrawal_function=True,
        legal_source=(
            "Directive 2011/83/EU Art. 9, 11a (inserted by Directive (EU) 2023/2673), 13, 14, 16;"
            " Directive (EU) 2019/771 Art. 10"
        ),
    ),
    "UK": MarketPolicy(
        market="UK",
        statutory_right=True,
        window_days=14,
        window_starts=WindowStart.DELIVERY,
        return_shipping_paid_by=Payer.SHOPPER,
        restocking_fee_percent=Decimal(0),
        excluded_categories=_EU_EXCLUSIONS,
        refund_deadline_days=14,
        refund_deadline_counts_from=DeadlineStart.GOODS_RECEIVED_OR_PROOF_OF_RETURN,
        refund_deadline_business_days=False,
        refund_outbound_shipping=True,
        fault_window_days=365,
        refund_trigger=RefundTrigger.ACCEPTANCE_SCAN,
        withdrawal_function=False,
        legal_source="Consumer Contracts Regulations 2013 (SI 2013/3134), Part 3 (reg. 28-35)",
    ),
    "NO": MarketPolicy(
        market="NO",
        statutory_right=True,
        window_days=14,
        window_starts=WindowStart.DELIVERY,
        return_shipping_paid_by=Payer.SHOPPER,
        restocking_fee_percent=Decimal(0),
        excluded_categories=_EU_EXCLUSIONS,
        refund_deadline_days=14,
        refund_deadline_counts_from=DeadlineStart.WITHDRAWAL_NOTICE,
        refund_deadline_business_days=False,
        refund_outbound_shipping=True,
        fault_window_days=730,
        refund_trigger=RefundTrigger.ACCEPTANCE_SCAN,
        withdrawal_function=False,
        legal_source=(
            "Angrerettloven (LOV-2014-06-20-27) ch. 5 (§ 20-26); forbrukerkjøpsloven (LOV-2002-06-21-34) § 27"
        ),
    ),
    "US": MarketPolicy(
        market="US",
        statutory_right=False,
        window_days=30,
        window_starts=WindowStart.DELIVERY,
        return_shipping_paid_by=Payer.SELLER,
        restocking_fee_percent=Decimal(0),
        excluded_categories=frozenset({Category.FINAL_SALE, Category.PERSONALISED, Category.DIGITAL}),
        refund_deadline_days=None,
        refund_deadline_counts_from=None,
        refund_deadline_business_days=False,
        refund_outbound_shipping=False,
        fault_window_days=365,
        refund_trigger=RefundTrigger.INSPECTION,
        withdrawal_function=False,
        legal_source=(
            "No federal change-of-mind right; platform default voluntary policy, the seller's published policy governs"
        ),
    ),
    "JP": MarketPolicy(
        market="JP",
        statutory_right=True,
        window_days=8,
        window_starts=WindowStart.DELIVERY,
        return_shipping_paid_by=Payer.SHOPPER,
        restocking_fee_percent=Decimal(0),
        excluded_categories=frozenset({Category.FINAL_SALE, Category.PERISHABLE, Category.DIGITAL}),
        refund_deadline_days=None,
        refund_deadline_counts_from=None,
        refund_deadline_business_days=False,
        refund_outbound_shipping=False,
        fault_window_days=365,
        refund_trigger=RefundTrigger.INSPECTION,
        withdrawal_function=False,
        legal_source="Act on Specified Commercial Transactions Art. 15-3 (unless the seller's return clause differs)",
    ),
    "KR": MarketPolicy(
        market="KR",
        statutory_right=True,
        window_days=7,
        window_starts=WindowStart.DELIVERY,
        return_shipping_paid_by=Payer.SHOPPER,
        restocking_fee_percent=Decimal(0),
        excluded_categories=frozenset({Category.PERSONALISED, Category.PERISHABLE, Category.DIGITAL}),
        refund_deadline_days=3,
        refund_deadline_counts_from=DeadlineStart.GOODS_RECEIVED,
        refund_deadline_business_days=True,
        refund_outbound_shipping=False,
        fault_window_days=365,
        refund_trigger=RefundTrigger.DELIVERY,
        withdrawal_function=False,
        legal_source="Act on the Consumer Protection in Electronic Commerce, etc. Art. 17, 18",
    ),
    "TW": MarketPolicy(
        market="TW",
        statutory_right=True,
        window_days=7,
        window_starts=WindowStart.DELIVERY,
        return_shipping_paid_by=Payer.SELLER,
        restocking_fee_percent=Decimal(0),
        excluded_categories=frozenset(
            {Category.PERSONALISED, Category.PERISHABLE, Category.HYGIENE_SEALED, Category.DIGITAL}
        ),
        refund_deadline_days=15,
        refund_deadline_counts_from=DeadlineStart.GOODS_RECEIVED,
        refund_deadline_business_days=False,
        refund_outbound_shipping=True,
        fault_window_days=365,
        refund_trigger=RefundTrigger.DELIVERY,
        withdrawal_function=False,
        legal_source=(
            "Consumer Protection Act Art. 19, 19-2; Guidelines on Reasonable Exceptions"
            " to Rescission of Distance Sales Contracts"
        ),
    ),
    "CN": MarketPolicy(
        market="CN",
        statutory_right=True,
        window_days=7,
        window_starts=WindowStart.DELIVERY,
        return_shipping_paid_by=Payer.SHOPPER,
        restocking_fee_percent=Decimal(0),
        excluded_categories=frozenset({Category.PERSONALISED, Category.PERISHABLE, Category.DIGITAL}),
        refund_deadline_days=7,
        refund_deadline_counts_from=DeadlineStart.GOODS_RECEIVED,
        refund_deadline_business_days=False,
        refund_outbound_shipping=False,
        fault_window_days=365,
        refund_trigger=RefundTrigger.DELIVERY,
        withdrawal_function=False,
        legal_source="Law on the Protection of Consumer Rights and Interests (2013) Art. 24, 25",
    ),
    "BR": MarketPolicy(
        market="BR",
        statutory_right=True,
        window_days=7,
        window_starts=WindowStart.DELIVERY,
        return_shipping_paid_by=Payer.SELLER,
        restocking_fee_percent=Decimal(0),
        excluded_categories=frozenset(),
        refund_deadline_days=None,  # "de imediato": immediately, with no day count
        refund_deadline_counts_from=None,
        refund_deadline_business_days=False,
        refund_outbound_shipping=True,
        fault_window_days=90,
        refund_trigger=RefundTrigger.ACCEPTANCE_SCAN,
        withdrawal_function=False,
        legal_source=(
            "Código de Defesa do Consumidor (Lei 8.078/1990) Art. 26, 49 (refund immediately);"
            " Decreto 7.962/2013 Art. 5"
        ),
    ),
    "AU": MarketPolicy(
        market="AU",
        statutory_right=False,
        window_days=30,
        window_starts=WindowStart.DELIVERY,
        return_shipping_paid_by=Payer.SHOPPER,
        restocking_fee_percent=Decimal(10),
        excluded_categories=frozenset({Category.FINAL_SALE, Category.PERSONALISED, Category.HYGIENE_SEALED}),
        refund_deadline_days=None,
        refund_deadline_counts_from=None,
        refund_deadline_business_days=False,
        refund_outbound_shipping=False,
        fault_window_days=730,
        refund_trigger=RefundTrigger.INSPECTION,
        withdrawal_function=False,
        legal_source=(
            "Australian Consumer Law (guarantees for faults); no change-of-mind right:"
            " platform default voluntary policy"
        ),
    ),
    "CA": MarketPolicy(
        market="CA",
        statutory_right=False,
        window_days=30,
        window_starts=WindowStart.DELIVERY,
        return_shipping_paid_by=Payer.SHOPPER,
        restocking_fee_percent=Decimal(0),
        excluded_categories=_VOLUNTARY_EXCLUSIONS,
        refund_deadline_days=None,
        refund_deadline_counts_from=None,
        refund_deadline_business_days=False,
        refund_outbound_shipping=False,
        fault_window_days=365,
        refund_trigger=RefundTrigger.INSPECTION,
        withdrawal_function=False,
        legal_source=(
            "No federal change-of-mind right; provincial acts (e.g. Ontario Consumer Protection Act, 2002"
            " s. 38-40: cancellation only if internet-agreement disclosure fails); platform default voluntary policy"
        ),
    ),
    "CH": MarketPolicy(
        market="CH",
        statutory_right=False,
        window_days=30,
        window_starts=WindowStart.DELIVERY,
        return_shipping_paid_by=Payer.SHOPPER,
        restocking_fee_percent=Decimal(0),
        excluded_categories=_VOLUNTARY_EXCLUSIONS,
        refund_deadline_days=None,
        refund_deadline_counts_from=None,
        refund_deadline_business_days=False,
        refund_outbound_shipping=False,
        fault_window_days=730,
        refund_trigger=RefundTrigger.INSPECTION,
        withdrawal_function=False,
        legal_source=(
            "No statutory right of withdrawal for online purchases (Code of Obligations Art. 40a-40f cover"
            " doorstep and telephone sales); CO Art. 197, 210 for defects; platform default voluntary policy"
        ),
    ),
    "NZ": MarketPolicy(
        market="NZ",
        statutory_right=False,
        window_days=30,
        window_starts=WindowStart.DELIVERY,
        return_shipping_paid_by=Payer.SHOPPER,
        restocking_fee_percent=Decimal(0),
        excluded_categories=_VOLUNTARY_EXCLUSIONS,
        refund_deadline_days=None,
        refund_deadline_counts_from=None,
        refund_deadline_business_days=False,
        refund_outbound_shipping=False,
        fault_window_days=730,
        refund_trigger=RefundTrigger.INSPECTION,
        withdrawal_function=False,
        legal_source=(
            "Consumer Guarantees Act 1993 (guarantees for faults, no change-of-mind right);"
            " platform default voluntary policy"
        ),
    ),
}

_COUNTRY_TO_MARKET: dict[str, str] = {country: "EU" for country in EU_COUNTRIES} | {
    "GB": "UK",
    "US": "US",
    "JP": "JP",
    "AU": "AU",
    "KR": "KR",
    "TW": "TW",
    "CN": "CN",
    "BR": "BR",
    "CA": "CA",
    "CH": "CH",
    "NO": "NO",
    "NZ": "NZ",
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


# A seller window beyond this is taken for a typo, not a policy (and would overflow date arithmetic).
MAX_SELLER_WINDOW_DAYS = 3650


@dataclass(frozen=True)
class SellerPolicy:
    """The seller's own, more generous, terms for one market; None keeps the statutory value."""

    window_days: int | None = None
    return_shipping_paid_by: Payer | None = None
    restocking_fee_percent: Decimal | None = None
    excluded_categories: frozenset[Category] | None = None
    # An earlier refund than the market's default, e.g. on delivery instead of after inspection.
    refund_trigger: RefundTrigger | None = None
    # A lower cap on what inspection may deduct for an item's condition (0: never deduct).
    condition_deduction_max_percent: Decimal | None = None

    def apply(self, floor: MarketPolicy) -> MarketPolicy:
        # Only the terms above can move, and only towards the shopper: the refund deadline, fault
        # window, statutory flags and legal source always stay as the floor has them.
        policy = floor
        if self.refund_trigger is not None:
            policy = replace(policy, refund_trigger=self.refund_trigger.at_latest(floor.refund_trigger))
        if self.condition_deduction_max_percent is not None:
            capped = max(Decimal(0), min(self.condition_deduction_max_percent, floor.condition_deduction_max_percent))
            policy = replace(policy, condition_deduction_max_percent=capped)
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

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> SellerPolicy:
        """One market's terms from decoded JSON, e.g. `{"window_days": 60, "return_shipping_paid_by": "SELLER"}`.

        Rejects malformed input (unknown keys, wrong types, negative numbers) with a ValueError. Values
        less generous than the statute are accepted here: `apply` clamps them to the floor.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"a seller policy must be a JSON object, not {type(data).__name__}")
        known = [f.name for f in fields(cls)]
        unknown = sorted(str(key) for key in data if key not in known)
        if unknown:
            raise ValueError(f"unknown key(s) {', '.join(unknown)}; expected any of {', '.join(known)}")
        return cls(
            window_days=_window_days(data.get("window_days")),
            return_shipping_paid_by=_payer(data.get("return_shipping_paid_by")),
            restocking_fee_percent=_percent(data.get("restocking_fee_percent"), "restocking_fee_percent"),
            excluded_categories=_categories(data.get("excluded_categories")),
            refund_trigger=_trigger(data.get("refund_trigger")),
            condition_deduction_max_percent=_percent(
                data.get("condition_deduction_max_percent"), "condition_deduction_max_percent"
            ),
        )


def _window_days(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"window_days must be a whole number of days, not {value!r}")
    if not 0 <= value <= MAX_SELLER_WINDOW_DAYS:
        raise ValueError(f"window_days must be between 0 and {MAX_SELLER_WINDOW_DAYS}, not {value}")
    return value


def _payer(value: object) -> Payer | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in Payer.__members__:
        raise ValueError(f"return_shipping_paid_by must be one of {', '.join(Payer)}, not {value!r}")
    return Payer(value)


def _trigger(value: object) -> RefundTrigger | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in SELLER_TRIGGERS:
        raise ValueError(f"refund_trigger must be one of {', '.join(SELLER_TRIGGERS)}, not {value!r}")
    return RefundTrigger(value)


def _percent(value: object, name: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"{name} must be a number, not {value!r}")
    try:
        percent = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{name} must be a number, not {value!r}") from None
    if not percent.is_finite() or not 0 <= percent <= 100:
        raise ValueError(f"{name} must be between 0 and 100, not {value}")
    return percent


def _categories(value: object) -> frozenset[Category] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple | set | frozenset):
        raise ValueError(f"excluded_categories must be a list of categories, not {value!r}")
    unknown = sorted(repr(item) for item in value if not isinstance(item, str) or item not in Category.__members__)
    if unknown:
        raise ValueError(
            f"unknown categor(y/ies) {', '.join(unknown)} in excluded_categories; expected any of {', '.join(Category)}"
        )
    return frozenset(Category(item) for item in value)


def parse_seller_policies(text: str) -> dict[str, SellerPolicy]:
    """A seller's terms per market from a JSON object keyed by market code, e.g.
    `{"US": {"window_days": 60, "return_shipping_paid_by": "SELLER"}}`.

    Raises ValueError for malformed JSON, an unknown market, an unknown key or a wrong value.
    """

    def _no_constants(name: str) -> object:
        raise ValueError(f"{name} is not a number")

    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise ValueError(f"seller policies are not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError("seller policies must be a JSON object keyed by market code")
    policies: dict[str, SellerPolicy] = {}
    for market, terms in data.items():
        if market not in POLICIES:
            hint = (
                f" (orders to {market} use market {_COUNTRY_TO_MARKET[market]})" if market in _COUNTRY_TO_MARKET else ""
            )
            raise ValueError(f"unknown market {market!r}{hint}; expected any of {', '.join(sorted(POLICIES))}")
        try:
            policies[market] = SellerPolicy.from_json(terms)
        except ValueError as exc:
            raise ValueError(f"seller policy for {market}: {exc}") from None
    return policies


def effective_policy(country: str, seller: Mapping[str, SellerPolicy] | None = None) -> MarketPolicy:
    """The terms a shopper in `country` gets: the seller's policy for that market on top of its floor."""
    floor = policy_for(country)
    terms = (seller or {}).get(floor.market)
    return terms.apply(floor) if terms is not None else floor
