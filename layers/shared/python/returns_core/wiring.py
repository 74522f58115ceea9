"""The composition root: builds every service from the settings, once per cold start.

Handlers call `services()` on their first invocation (not at import), so nothing reads the
environment or creates a client while a module is merely being imported.

Each service's modules are imported where the service is built, not at the top: every function
imports this module but uses a few of its services, and a cold start should load only those (the
portal, the PDFs and the payment adapters are heavy, and most functions never touch them).
"""

from __future__ import annotations

import json
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from returns_core.adapters.aws import AwsClients
from returns_core.settings import ConfigurationError, Settings
from returns_core.storage.models import bind_tables

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from returns_core.adapters.documents import DocumentStore
    from returns_core.adapters.eventbridge import EventBridgePublisher
    from returns_core.adapters.http_json import PostalAddress
    from returns_core.domain.hubs import ReturnHub
    from returns_core.domain.policy import MarketPolicy, SellerPolicy
    from returns_core.fx import FxRates
    from returns_core.portal.photos import PhotoUploads
    from returns_core.portal.service import ShopperPortal
    from returns_core.portal.tokens import TokenSigner
    from returns_core.portal.withdrawals import WithdrawalConfirmations
    from returns_core.ports.carriers import CarrierPort, ShipmentRequest
    from returns_core.ports.payments import PaymentPort
    from returns_core.storage.aggregates import AggregatesStore
    from returns_core.storage.repository import OrdersRepository, ReturnsRepository
    from returns_core.workflow.authorisation import Authoriser
    from returns_core.workflow.callbacks import TaskCallbacks
    from returns_core.workflow.costs import CostRecorder
    from returns_core.workflow.finalisation import Finaliser
    from returns_core.workflow.intake import Intake
    from returns_core.workflow.labels import LabelBuyer
    from returns_core.workflow.milestones import Milestones
    from returns_core.workflow.notifications import ShopperNotifications
    from returns_core.workflow.refund_settlement import RefundSettlements
    from returns_core.workflow.refunding import Refunder
    from returns_core.workflow.starter import StepFunctionsStarter
    from returns_core.workflow.unmatched import UnmatchedScans


class Services:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.aws = AwsClients(settings)
        self._idempotency_stores: dict[str, DynamoDBPersistenceLayer] = {}
        bind_tables(settings)

    @cached_property
    def orders(self) -> OrdersRepository:
        from returns_core.storage.repository import OrdersRepository

        return OrdersRepository(self.aggregates)

    @cached_property
    def returns(self) -> ReturnsRepository:
        from returns_core.storage.repository import ReturnsRepository

        return ReturnsRepository(self.settings.region)

    @cached_property
    def documents(self) -> DocumentStore:
        from returns_core.adapters.documents import DocumentStore

        return DocumentStore(self.aws.s3, self.settings.documents_bucket)

    @cached_property
    def fx(self) -> FxRates:
        from returns_core.fx import SandboxFxRates

        return SandboxFxRates()

    @cached_property
    def carrier(self) -> CarrierPort:
        return self._carrier(self.settings.carrier_provider)

    def shopper_address(self, shipment: ShipmentRequest) -> PostalAddress | None:
        """The address a return parcel starts from: the order's delivery address, looked up by return id."""
        from returns_core.adapters.http_json import PostalAddress

        record = self.returns.find(shipment.reference)
        found = self.orders.find(record.order_number) if record is not None else None
        if found is None or found[0].shipping_address is None:
            return None
        order, address = found[0], found[0].shipping_address
        return PostalAddress(
            country=order.country,
            name=order.shopper_name,
            street1=address.line1,
            street2=address.line2 or "",
            city=address.city,
            state=address.region or "",
            zip=address.postcode or "",
            phone=address.phone or "",
            email=order.email,
        )

    @cached_property
    def fallback_carriers(self) -> tuple[CarrierPort, ...]:
        names = [name.strip() for name in self.settings.carrier_fallbacks.split(",") if name.strip()]
        return tuple(self._carrier(name) for name in names if name != self.settings.carrier_provider)

    def _carrier(self, provider: str) -> CarrierPort:
        if provider == "sandbox":
            from returns_core.adapters.sandbox_carrier import SandboxCarrier

            return SandboxCarrier(self.documents, self.warehouse_address)
        if provider in ("easypost", "shippo"):
            from returns_core.adapters.easypost_carrier import EasyPostCarrier
            from returns_core.adapters.shippo_carrier import ShippoCarrier

            adapter = EasyPostCarrier if provider == "easypost" else ShippoCarrier
            return adapter(
                self.carrier_api_key,
                self.documents,
                self.warehouse_address,
                self.settings.warehouse_country,
                shopper_address=self.shopper_address,
            )
        raise ConfigurationError(f"unknown carrier provider {provider!r}")

    @cached_property
    def payments(self) -> PaymentPort:
        provider = self.settings.payment_provider
        if provider == "sandbox":
            from returns_core.adapters.sandbox_payments import SandboxPayments

            return SandboxPayments(self.documents)
        if provider == "stripe":
            from returns_core.adapters.stripe_payments import StripePayments

            key = self._secret(self.settings.payment_api_key, self.settings.payment_api_key_arn, "payment API key")
            return StripePayments(key, self.documents)
        if provider == "adyen":
            from returns_core.adapters.adyen_payments import TEST_API, AdyenPayments

            if not self.settings.adyen_merchant_account:
                raise ConfigurationError("PAYMENT_PROVIDER=adyen needs ADYEN_MERCHANT_ACCOUNT")
            key = self._secret(self.settings.payment_api_key, self.settings.payment_api_key_arn, "payment API key")
            return AdyenPayments(
                key,
                self.settings.adyen_merchant_account,
                self.documents,
                base_url=self.settings.adyen_api_url or TEST_API,
            )
        raise ConfigurationError(f"unknown payment provider {self.settings.payment_provider!r}")

    @cached_property
    def callbacks(self) -> TaskCallbacks:
        from returns_core.workflow.callbacks import TaskCallbacks

        return TaskCallbacks(self.aws.stepfunctions)

    @cached_property
    def starter(self) -> StepFunctionsStarter:
        from returns_core.workflow.starter import StepFunctionsStarter

        if not self.settings.state_machine_arn:
            raise ConfigurationError("STATE_MACHINE_ARN is not set for this function")
        return StepFunctionsStarter(self.aws.stepfunctions, self.settings.state_machine_arn)

    @cached_property
    def publisher(self) -> EventBridgePublisher:
        from returns_core.adapters.eventbridge import EventBridgePublisher

        return EventBridgePublisher(self.aws.events, self.settings.event_bus_name)

    def idempotency_store(self, purpose: str) -> DynamoDBPersistenceLayer:
        """One persistence layer per idempotent operation: Powertools configures a layer once,
        with the first operation's key expression, so layers must not be shared."""
        import boto3
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        if purpose not in self._idempotency_stores:
            self._idempotency_stores[purpose] = DynamoDBPersistenceLayer(
                table_name=self.settings.idempotency_table, boto3_session=boto3.session.Session()
            )
        return self._idempotency_stores[purpose]

    @cached_property
    def unmatched_scans(self) -> UnmatchedScans:
        from returns_core.workflow.unmatched import UnmatchedScans

        return UnmatchedScans(self.documents)

    @cached_property
    def milestones(self) -> Milestones:
        from returns_core.workflow.milestones import Milestones

        return Milestones(self.returns, self.callbacks, publisher=self.publisher)

    @cached_property
    def seller_policies(self) -> dict[str, SellerPolicy]:
        from returns_core.domain.policy import parse_seller_policies

        try:
            return parse_seller_policies(self.settings.seller_policy) if self.settings.seller_policy else {}
        except ValueError as exc:
            raise ConfigurationError(f"SELLER_POLICY: {exc}") from exc

    def policy(self, country: str) -> MarketPolicy:
        from returns_core.domain.policy import effective_policy

        return effective_policy(country, self.seller_policies)

    @cached_property
    def intake(self) -> Intake:
        from returns_core.workflow.intake import Intake

        return Intake(
            self.orders,
            self.returns,
            self.starter,
            photos=self.photos,
            policies=self.policy,
            markets=self.settings.markets,
        )

    @cached_property
    def signer(self) -> TokenSigner:
        from returns_core.portal.tokens import TokenSigner

        return TokenSigner(
            self._secret(self.settings.portal_token_secret, self.settings.portal_token_secret_arn, "portal token")
        )

    @cached_property
    def photos(self) -> PhotoUploads:
        from returns_core.portal.photos import PhotoUploads

        return PhotoUploads.for_shoppers(self.documents, self.signer.keyed_hash)

    @cached_property
    def inspection_photos(self) -> PhotoUploads:
        from returns_core.portal.photos import PhotoUploads

        return PhotoUploads.for_inspections(self.documents)

    @cached_property
    def portal(self) -> ShopperPortal:
        from returns_core.portal.codes import OneTimeCodes
        from returns_core.portal.service import PortalOptions, ShopperPortal
        from returns_core.portal.throttle import LookupThrottle

        settings = self.settings
        throttle = LookupThrottle(
            self.signer.keyed_hash,
            settings.lookups_per_client,
            settings.lookups_per_order,
            settings.lookup_window_seconds,
        )
        return ShopperPortal(
            self.orders,
            self.returns,
            self.documents,
            self.notifications,
            self.signer,
            throttle,
            OneTimeCodes(self.signer.keyed_hash),
            self.photos,
            self.policy,
            PortalOptions(settings.portal_verify_email, settings.store_credit_bonus_percent),
        )

    @cached_property
    def withdrawals(self) -> WithdrawalConfirmations:
        from returns_core.portal.withdrawals import WithdrawalConfirmations

        return WithdrawalConfirmations(
            self.orders, self.returns, self.documents, self.notifications, self.warehouse_address
        )

    @property
    def warehouse_address(self) -> tuple[str, ...]:
        return tuple(part for part in self.settings.warehouse_address.split("|") if part)

    def track_link(self, return_id: str, language: str) -> str | None:
        if not self.settings.portal_url:
            return None
        return f"{self.settings.portal_url}?lang={language}#/track/{self.portal.track_token(return_id)}"

    @cached_property
    def authoriser(self) -> Authoriser:
        from returns_core.workflow.authorisation import Authoriser

        return Authoriser(self.orders, self.returns, self.settings, self.fx, policies=self.policy)

    @cached_property
    def label_buyer(self) -> LabelBuyer:
        from returns_core.workflow.labels import LabelBuyer

        return LabelBuyer(
            self.orders,
            self.returns,
            self.carrier,
            self.fx,
            self.settings.warehouse_country,
            documents=self.documents,
            warehouse_address=self.warehouse_address,
            hubs=self.hubs,
            fallbacks=self.fallback_carriers,
        )

    @cached_property
    def hubs(self) -> tuple[ReturnHub, ...]:
        from returns_core.domain.hubs import parse_hubs

        try:
            return parse_hubs(self.settings.return_hubs)
        except ValueError as exc:
            raise ConfigurationError(f"RETURN_HUBS: {exc}") from exc

    @cached_property
    def refunder(self) -> Refunder:
        from returns_core.workflow.refunding import Refunder

        return Refunder(
            self.orders,
            self.returns,
            self.payments,
            self.fx,
            policies=self.policy,
            store_credit_bonus_percent=self.settings.store_credit_bonus_percent,
            announce=self.milestones.announce,
            publisher=self.publisher,
        )

    @cached_property
    def refund_settlements(self) -> RefundSettlements:
        from returns_core.workflow.refund_settlement import RefundSettlements

        return RefundSettlements(self.returns, self.milestones)

    @cached_property
    def cost_recorder(self) -> CostRecorder:
        from returns_core.workflow.costs import CostRecorder

        settings = self.settings
        return CostRecorder(
            self.returns,
            self.orders,
            self.aggregates,
            self.fx,
            settings.base_currency,
            settings.warehouse_country,
            time_scale=settings.time_scale,
            handling_cost=settings.handling_cost,
        )

    @cached_property
    def aggregates(self) -> AggregatesStore:
        from returns_core.storage.aggregates import AggregatesStore

        return AggregatesStore(self.settings.region)

    @cached_property
    def finaliser(self) -> Finaliser:
        from returns_core.ports.carriers import ClaimsPort
        from returns_core.workflow.finalisation import Finaliser

        carrier = self.carrier
        claims = carrier if isinstance(carrier, ClaimsPort) else None
        return Finaliser(self.orders, self.returns, carrier, claims=claims, costs=self.cost_recorder)

    @cached_property
    def notifications(self) -> ShopperNotifications:
        from returns_core.adapters.ses import SesNotifier
        from returns_core.workflow.notifications import ShopperNotifications

        notifier = SesNotifier(self.aws.ses, self.settings.sender_email)
        return ShopperNotifications(self.orders, self.returns, notifier, self.documents, self.track_link)

    @cached_property
    def webhook_secret(self) -> str:
        return self._secret(
            self.settings.carrier_webhook_secret, self.settings.carrier_webhook_secret_arn, "carrier webhook"
        )

    @cached_property
    def _webhook_secrets(self) -> dict[str, list[str]]:
        return self._secrets_by_provider(
            self.settings.carrier_webhook_secrets, self.settings.carrier_webhook_secrets_arn, "CARRIER_WEBHOOK_SECRETS"
        )

    @cached_property
    def _payment_webhook_secrets(self) -> dict[str, list[str]]:
        return self._secrets_by_provider(
            self.settings.payment_webhook_secrets, self.settings.payment_webhook_secrets_arn, "PAYMENT_WEBHOOK_SECRETS"
        )

    def payment_webhook_secrets(self, provider: str) -> list[str]:
        """The secrets a payment provider may sign its webhooks with."""
        return self._payment_webhook_secrets.get(provider, [])

    def _secrets_by_provider(self, text: str, arn: str, name: str) -> dict[str, list[str]]:
        if not text and arn:
            text = self._secret("", arn, name.lower().replace("_", " "))
        if not text:
            return {}
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise ConfigurationError(f"{name} is not JSON") from exc
        if not isinstance(parsed, dict):
            raise ConfigurationError(f"{name} must map providers to lists of secrets")
        return {
            str(provider): [str(s) for s in (secrets if isinstance(secrets, list) else [secrets]) if s]
            for provider, secrets in parsed.items()
        }

    def webhook_secrets(self, provider: str) -> list[str]:
        """The secrets a provider may sign its webhooks with (more than one while a key is being rotated)."""
        if provider == "sandbox":
            return [self.webhook_secret]
        return self._webhook_secrets.get(provider, [])

    @cached_property
    def carrier_api_key(self) -> str:
        return self._secret(self.settings.carrier_api_key, self.settings.carrier_api_key_arn, "carrier API key")

    def _secret(self, value: str, arn: str, what: str) -> str:
        """The secret given in the environment (local stack) or read from Secrets Manager (AWS)."""
        if value:
            return value
        if arn:
            response = self.aws.secretsmanager.get_secret_value(SecretId=arn)
            secret: str = response["SecretString"]
            return secret
        raise ConfigurationError(f"no {what} secret configured")


@lru_cache(maxsize=1)
def services() -> Services:
    return Services(Settings.from_env())
