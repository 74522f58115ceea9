"""Typed configuration read from the environment once, at cold start, and passed down.

Logic never reads `os.environ`; handlers call `Settings.from_env()` at module level of their
bootstrap and hand the result to the domain and adapters.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ConfigurationError(RuntimeError):
    pass


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    orders_table: str = Field(alias="ORDERS_TABLE")
    returns_table: str = Field(alias="RETURNS_TABLE")
    ledger_table: str = Field(alias="LEDGER_TABLE")
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE")
    portal_table: str = Field(alias="PORTAL_TABLE")
    aggregates_table: str = Field(alias="AGGREGATES_TABLE")
    documents_bucket: str = Field(alias="DOCUMENTS_BUCKET")
    event_bus_name: str = Field(alias="EVENT_BUS_NAME")
    state_machine_arn: str = Field(default="", alias="STATE_MACHINE_ARN")
    region: str = Field(default="us-east-1", alias="AWS_REGION")
    sender_email: str = Field(default="returns@example.com", alias="SENDER_EMAIL")
    base_currency: str = Field(default="USD", alias="BASE_CURRENCY", pattern=r"^[A-Z]{3}$")
    # Where returns go back to (the origin warehouse), and the address printed on the label.
    warehouse_country: str = Field(default="DE", alias="WAREHOUSE_COUNTRY", pattern=r"^[A-Z]{2}$")
    warehouse_address: str = Field(
        default="Returns Centre|Lagerstrasse 1|20457 Hamburg|Germany", alias="WAREHOUSE_ADDRESS"
    )
    # The markets (returns_core.domain.policy.POLICIES keys, comma-separated) the seller takes returns
    # from; none given means every market with a policy.
    enabled_markets: str = Field(default="", alias="ENABLED_MARKETS", pattern=r"^([A-Z]{2,3}(,[A-Z]{2,3})*)?$")
    # Local return hubs (JSON list, see returns_core.domain.hubs); none means every parcel goes direct.
    return_hubs: str = Field(default="", alias="RETURN_HUBS")
    carrier_provider: str = Field(default="sandbox", alias="CARRIER_PROVIDER")
    # Carriers to buy from, in order, when the primary one is down (comma-separated provider names).
    carrier_fallbacks: str = Field(default="", alias="CARRIER_FALLBACKS")
    payment_provider: str = Field(default="sandbox", alias="PAYMENT_PROVIDER")
    # The payment provider's secret API key (Stripe), or the ARN of the secret holding it.
    payment_api_key: str = Field(default="", alias="PAYMENT_API_KEY", repr=False)
    payment_api_key_arn: str = Field(default="", alias="PAYMENT_API_KEY_ARN")
    # Adyen: the merchant account refunds are booked to, and the Checkout API base (live accounts have
    # their own host, https://{prefix}-checkout-live.adyenpayments.com/checkout/v71; default: test).
    adyen_merchant_account: str = Field(default="", alias="ADYEN_MERCHANT_ACCOUNT")
    adyen_api_url: str = Field(default="", alias="ADYEN_API_URL")
    # Payment providers' webhook secrets: a JSON object, provider -> list of secrets (several during a
    # rotation), e.g. {"stripe": ["whsec_..."], "adyen": ["<hex HMAC key>"]}; or the ARN of a secret holding it.
    payment_webhook_secrets: str = Field(default="", alias="PAYMENT_WEBHOOK_SECRETS", repr=False)
    payment_webhook_secrets_arn: str = Field(default="", alias="PAYMENT_WEBHOOK_SECRETS_ARN")
    # Either the secret itself (local stack) or the ARN of a Secrets Manager secret holding it (AWS).
    carrier_webhook_secret: str = Field(default="", alias="CARRIER_WEBHOOK_SECRET", repr=False)
    carrier_webhook_secret_arn: str = Field(default="", alias="CARRIER_WEBHOOK_SECRET_ARN")
    # Third-party carriers' webhook secrets: a JSON object, provider -> list of secrets (several during
    # a key rotation), e.g. {"easypost": ["..."], "aftership": ["..."], "shippo": ["..."]}; or the ARN
    # of a Secrets Manager secret holding that object.
    carrier_webhook_secrets: str = Field(default="", alias="CARRIER_WEBHOOK_SECRETS", repr=False)
    carrier_webhook_secrets_arn: str = Field(default="", alias="CARRIER_WEBHOOK_SECRETS_ARN")
    # The carrier API's credentials (EasyPost or Shippo API key), or the ARN of the secret holding them.
    carrier_api_key: str = Field(default="", alias="CARRIER_API_KEY", repr=False)
    carrier_api_key_arn: str = Field(default="", alias="CARRIER_API_KEY_ARN")
    # The shopper portal: its public URL (for links in emails), the key that signs its tokens (or the
    # ARN of the secret holding it), whether a one-time code is emailed before an order is shown,
    # and how many order lookups a client and an order number get per window.
    portal_url: str = Field(default="", alias="PORTAL_URL")
    portal_token_secret: str = Field(default="", alias="PORTAL_TOKEN_SECRET", repr=False)
    portal_token_secret_arn: str = Field(default="", alias="PORTAL_TOKEN_SECRET_ARN")
    portal_verify_email: bool = Field(default=False, alias="PORTAL_VERIFY_EMAIL")
    lookups_per_client: int = Field(default=30, alias="PORTAL_LOOKUPS_PER_CLIENT", ge=1)
    lookups_per_order: int = Field(default=10, alias="PORTAL_LOOKUPS_PER_ORDER", ge=1)
    lookup_window_seconds: int = Field(default=900, alias="PORTAL_LOOKUP_WINDOW_SECONDS", ge=1)
    # The seller's own terms per market, more generous than the law (JSON, see docs/consumer-law.md).
    seller_policy: str = Field(default="", alias="SELLER_POLICY")
    # Extra value, in percent, when the shopper takes store credit instead of a refund.
    store_credit_bonus_percent: Decimal = Field(default=Decimal(10), alias="STORE_CREDIT_BONUS_PERCENT", ge=0, le=100)
    # Days after a parcel is declared lost before the shopper is refunded anyway (the parcel may still turn
    # up); markets where proof of dispatch triggers the refund (EU, UK) do not wait.
    lost_refund_days: int = Field(default=7, alias="LOST_PARCEL_REFUND_DAYS", ge=0, le=90)
    # Days a delivered return may wait for its inspection before ops are alerted (GET /ops/alerts).
    inspection_sla_days: int = Field(default=3, alias="INSPECTION_SLA_DAYS", ge=1, le=90)
    # Seconds of workflow time per second of policy time: 1 in AWS; tiny in the demo and tests.
    time_scale: Decimal = Field(default=Decimal(1), alias="TIME_SCALE", gt=0)
    # Returns worth at least this much (in the base currency) go to a human review.
    review_value_threshold: Decimal = Field(default=Decimal(500), alias="REVIEW_VALUE_THRESHOLD", gt=0)
    # What receiving and inspecting one return costs the warehouse, in the base currency (0: not booked).
    handling_cost: Decimal = Field(
        default=Decimal(0), alias="HANDLING_COST", ge=0, le=Decimal(10000), max_digits=9, decimal_places=2
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        source = os.environ if environ is None else environ
        try:
            return cls.model_validate({k: v for k, v in source.items() if v != ""})
        except ValidationError as exc:
            missing = ", ".join(str(err["loc"][0]) for err in exc.errors())
            raise ConfigurationError(f"invalid or missing configuration: {missing}") from exc

    @property
    def markets(self) -> frozenset[str] | None:
        """The enabled markets, or None for all of them."""
        return frozenset(self.enabled_markets.split(",")) if self.enabled_markets else None

    def scaled_seconds(self, seconds: int) -> int:
        """A policy duration turned into workflow seconds (Step Functions wants an integer ≥ 1)."""
        return max(1, int(Decimal(seconds) * self.time_scale))
