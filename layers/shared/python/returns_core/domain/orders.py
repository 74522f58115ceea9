"""Orders as the storefront synced them: what was bought, by whom, shipped where and when."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from returns_core.money import SUPPORTED_CURRENCIES, Money


class Category(StrEnum):
    FINAL_SALE = "FINAL_SALE"
    BATTERY = "BATTERY"
    PERSONALISED = "PERSONALISED"
    PERISHABLE = "PERISHABLE"
    HYGIENE_SEALED = "HYGIENE_SEALED"
    DIGITAL = "DIGITAL"


class Variant(BaseModel):
    """Another variant of the same product the shopper may take in exchange."""

    model_config = ConfigDict(frozen=True)

    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    # Its price in the order's currency, where it differs from the line's (the difference is settled).
    unit_price: Decimal | None = Field(
        default=None, ge=0, le=Decimal("10000000"), max_digits=14, decimal_places=3, allow_inf_nan=False
    )


class OrderLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    line_id: str = Field(min_length=1, max_length=64)
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    quantity: int = Field(ge=1, le=10_000)
    unit_price: Decimal = Field(ge=0, le=Decimal("10000000"), max_digits=14, decimal_places=3, allow_inf_nan=False)
    hs_code: str = Field(pattern=r"^\d{6,10}$")
    origin_country: str = Field(pattern=r"^[A-Z]{2}$")
    weight_grams: int = Field(ge=1, default=500)
    categories: frozenset[Category] = frozenset()
    variants: tuple[Variant, ...] = Field(default=(), max_length=50)


class ShippingAddress(BaseModel):
    """Where the order was delivered: where a return parcel starts. Personal data: never logged."""

    model_config = ConfigDict(frozen=True)

    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    region: str | None = Field(default=None, max_length=100)  # state, province or prefecture
    postcode: str | None = Field(default=None, max_length=20)
    phone: str | None = Field(default=None, max_length=40)


class Order(BaseModel):
    model_config = ConfigDict(frozen=True)

    order_number: str = Field(min_length=1, max_length=64)
    email: str = Field(min_length=3, max_length=254)
    shopper_name: str = Field(min_length=1, max_length=200)
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 of the shipping address")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    locale: str = "en"
    lines: tuple[OrderLine, ...] = Field(min_length=1, max_length=200)
    shipping_paid: Decimal = Field(
        ge=0, le=Decimal("1000000"), max_digits=12, decimal_places=3, allow_inf_nan=False, default=Decimal(0)
    )
    invoice_number: str = Field(min_length=1, max_length=64)
    ordered_at: datetime
    delivered_at: datetime | None = None
    payment_reference: str = Field(min_length=1, max_length=128)
    # Needed by carriers that print the shopper's address on a return label (EasyPost, Shippo).
    shipping_address: ShippingAddress | None = None
    # The storefront vouches for this shopper (e.g. a loyalty tier): a return approved without review
    # is refunded as soon as its label is issued, not when the market's trigger is reached.
    shopper_trusted: bool = False
    # The rate (base-currency units per unit of the order's currency) the seller booked the sale at:
    # with it the ledger books the refund at that rate and the exchange rate's move as FX_DIFFERENCE.
    sale_fx_rate: Decimal | None = Field(default=None, gt=0, le=Decimal("1000000"), max_digits=20, decimal_places=10)

    @field_validator("currency")
    @classmethod
    def _supported_currency(cls, value: str) -> str:
        if value not in SUPPORTED_CURRENCIES:
            raise ValueError(f"currency {value} is not supported")
        return value

    @field_validator("country")
    @classmethod
    def _served_market(cls, value: str) -> str:
        from returns_core.domain.policy import market_for  # policy imports this module

        try:
            market_for(value)
        except LookupError:
            raise ValueError(f"no return policy covers orders shipped to {value}") from None
        return value

    @field_validator("lines")
    @classmethod
    def _unique_lines(cls, lines: tuple[OrderLine, ...]) -> tuple[OrderLine, ...]:
        if len({line.line_id for line in lines}) != len(lines):
            raise ValueError("line ids must be unique within an order")
        return lines

    @field_validator("ordered_at", "delivered_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps must carry a timezone")
        return value

    def line(self, line_id: str) -> OrderLine | None:
        return next((line for line in self.lines if line.line_id == line_id), None)

    def unit_price(self, line: OrderLine) -> Money:
        return Money(line.unit_price, self.currency)

    def email_matches(self, email: str) -> bool:
        return normalise_email(self.email) == normalise_email(email)


def normalise_email(email: str) -> str:
    return email.strip().casefold()


def shopper_key(email: str) -> str:
    """The same shopper across orders, without keeping their address: a hash of the normalised email."""
    return "shp_" + hashlib.sha256(f"shopper\x1f{normalise_email(email)}".encode()).hexdigest()[:32]
