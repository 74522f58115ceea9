"""What a shopper asks for when starting a return."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from returns_core.domain.reasons import ReturnReason
from returns_core.i18n import DEFAULT_LANGUAGE, LANGUAGES

MAX_PHOTOS_PER_ITEM = 3


class Resolution(StrEnum):
    REFUND = "REFUND"
    STORE_CREDIT = "STORE_CREDIT"
    EXCHANGE = "EXCHANGE"


class RequestedItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    line_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=1000)
    reason: ReturnReason
    note: str | None = Field(default=None, max_length=1000)
    # Keys of photos uploaded through the portal's presigned POSTs.
    photos: tuple[str, ...] = Field(default=(), max_length=MAX_PHOTOS_PER_ITEM)


class ReturnRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    order_number: str = Field(min_length=1, max_length=64)
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    items: tuple[RequestedItem, ...] = Field(min_length=1, max_length=50)
    resolution: Resolution = Resolution.REFUND
    exchange_sku: str | None = Field(default=None, max_length=64)
    # The language the shopper chose: their emails, documents and status page use it.
    language: str | None = Field(default=None, max_length=16)
    # The EU withdrawal function (Art. 11a of Directive 2011/83/EU): a withdrawal from the contract.
    withdrawal: bool = False

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str | None) -> str | None:
        if value is not None and value not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("email", "order_number", mode="before")
    @classmethod
    def _trim(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("items")
    @classmethod
    def _distinct_lines(cls, items: tuple[RequestedItem, ...]) -> tuple[RequestedItem, ...]:
        line_ids = [item.line_id for item in items]
        if len(set(line_ids)) != len(line_ids):
            raise ValueError("each order line may appear once")
        return items

    @model_validator(mode="after")
    def _exchange_names_a_variant(self) -> ReturnRequest:
        if self.resolution is Resolution.EXCHANGE and not self.exchange_sku:
            raise ValueError("an exchange names the variant wanted in exchange_sku")
        if self.resolution is not Resolution.EXCHANGE and self.exchange_sku:
            raise ValueError("exchange_sku goes with the EXCHANGE resolution only")
        if self.withdrawal and self.resolution is not Resolution.REFUND:
            raise ValueError("a withdrawal from the contract is refunded, not exchanged or credited")
        return self

    @property
    def chosen_language(self) -> str:
        return self.language or DEFAULT_LANGUAGE
