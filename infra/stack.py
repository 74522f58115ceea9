"""The one stack: composes the storage, events, functions, workflow, API and portal constructs."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from aws_cdk import Aws, CfnOutput, Stack
from constructs import Construct, Node

from infra.constructs import Api, Events, Functions, Monitoring, Portal, Storage, Workflow, WorkflowIdentity
from infra.constructs.monitoring import AlarmLimits

_STAGE = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# CloudFront takes certificates from ACM in us-east-1 only.
_CLOUDFRONT_CERTIFICATE = re.compile(r"^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate/[0-9a-f-]+$")
# A CloudFront web ACL is global (WAFv2 scope CLOUDFRONT), so it lives in us-east-1.
_CLOUDFRONT_WEB_ACL = re.compile(r"^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global/webacl/[A-Za-z0-9_-]+/[0-9a-f-]+$")
_PAYMENT_PROVIDERS = frozenset({"sandbox", "stripe", "adyen"})
# Adyen's test host, or a live account's own prefixed host (docs.adyen.com/development-resources/live-endpoints).
_ADYEN_CHECKOUT = re.compile(
    r"^https://(checkout-test\.adyen\.com|[A-Za-z0-9-]+-checkout-live(-[a-z]+)?\.adyenpayments\.com/checkout)/v\d+$"
)
_ORIGIN = re.compile(r"^(\*|https?://[a-z0-9.-]+(:\d{1,5})?)$")


def _as_list(value: Any) -> tuple[str, ...]:
    """Context values arrive as JSON from cdk.json or as strings from `-c key=a,b`."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return tuple(str(item) for item in value)


def _as_bool(value: Any) -> bool:
    """`true` in cdk.json, or `-c key=true|1|yes` (anything else is false)."""
    return value is True or str(value).strip().lower() in ("true", "1", "yes")


def _as_json(value: Any) -> str:
    """Context given as JSON text (`-c seller_policy='{...}'`) or as an object (cdk.json)."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


@dataclass(frozen=True)
class ReturnsConfig:
    """What a seller may choose at deploy time, from CDK context (`cdk.json` or `-c key=value`)."""

    stage: str = "dev"
    sender_email: str = "returns@example.com"
    base_currency: str = "USD"
    ops_jwt_issuer: str | None = None
    ops_jwt_audience: tuple[str, ...] = ()
    cors_allow_origins: tuple[str, ...] = ()
    api_throttle_rate_limit: int = 50
    api_throttle_burst_limit: int = 100
    # The shopper portal at the seller's own domain (with its ACM certificate in us-east-1), instead of
    # only the distribution's generated one; and the origins that may POST photos to the documents bucket.
    portal_domain: str | None = None
    portal_certificate_arn: str | None = None
    portal_origins: tuple[str, ...] = ("*",)
    # An AWS WAF web ACL (scope CLOUDFRONT) in front of the portal and its API; none by default (it bills).
    portal_web_acl_arn: str | None = None
    # The seller's terms: a one-time code before the portal shows an order, the store-credit bonus in
    # percent, and per-market terms more generous than the law (JSON, see docs/consumer-law.md).
    portal_verify_email: bool = False
    store_credit_bonus_percent: int = 10
    seller_policy: str = ""
    # Which carrier sells the labels, which ones stand in when it is down, and local return hubs (JSON).
    carrier_provider: str = "sandbox"
    carrier_fallbacks: tuple[str, ...] = ()
    return_hubs: str = ""
    # The markets returns are taken from (policy keys such as EU, UK, US; none: all), and where they go
    # back to: the warehouse's country and its address as printed on labels (lines separated by "|").
    markets: tuple[str, ...] = ()
    warehouse_country: str = ""
    warehouse_address: str = ""
    # Who pays the refunds; Adyen also needs the merchant account and, for live, its Checkout API host.
    payment_provider: str = "sandbox"
    adyen_merchant_account: str = ""
    adyen_api_url: str = ""
    # Who is emailed when an alarm goes off (they confirm the subscription), and the API's alarm limits.
    alarm_email: str | None = None
    alarm_api_5xx_per_5_minutes: int = AlarmLimits.api_5xx_per_5_minutes
    alarm_api_p99_latency_ms: int = AlarmLimits.api_p99_latency_ms
    # Concurrency reserved for the functions that call rate-limited APIs (catalogue `reserved_concurrency`).
    # A new account whose concurrency quota is still 10 cannot reserve any: set it false there.
    reserve_concurrency: bool = True
    # A stack first deployed while every index projected ALL (before the returns table's went keys-only)
    # sets this: CloudFormation cannot change an index's projection in place. It costs more per write.
    indexes_project_all: bool = False

    def __post_init__(self) -> None:
        if not _STAGE.match(self.stage):
            raise ValueError(f"stage must match {_STAGE.pattern}: {self.stage!r}")
        if not _CURRENCY.match(self.base_currency):
            raise ValueError(f"base_currency must be an ISO 4217 code: {self.base_currency!r}")
        if not _EMAIL.match(self.sender_email):
            raise ValueError(f"sender_email is not an email address: {self.sender_email!r}")
        if bool(self.ops_jwt_issuer) != bool(self.ops_jwt_audience):
            raise ValueError("give both ops_jwt_issuer and ops_jwt_audience, or neither")
        if self.api_throttle_rate_limit <= 0 or self.api_throttle_burst_limit <= 0:
            raise ValueError("API throttling limits must be positive")
        if not 0 <= self.store_credit_bonus_percent <= 100:
            raise ValueError(f"store_credit_bonus_percent must be 0 to 100: {self.store_credit_bonus_percent}")
        if self.seller_policy:
            from returns_core.domain.policy import parse_seller_policies

            parse_seller_policies(self.seller_policy)  # a malformed policy fails the synth, not a cold start
        known = {"sandbox", "easypost", "shippo"}
        if self.carrier_provider not in known or not set(self.carrier_fallbacks) <= known:
            raise ValueError(f"carrier_provider and carrier_fallbacks must be among {sorted(known)}")
        if self.payment_provider not in _PAYMENT_PROVIDERS:
            raise ValueError(f"payment_provider must be one of {sorted(_PAYMENT_PROVIDERS)}: {self.payment_provider!r}")
        if (self.payment_provider == "adyen") != bool(self.adyen_merchant_account):
            raise ValueError("adyen_merchant_account is needed with payment_provider adyen, and only then")
        if self.adyen_api_url and not _ADYEN_CHECKOUT.match(self.adyen_api_url):
            raise ValueError(f"adyen_api_url must be an Adyen Checkout API URL: {self.adyen_api_url!r}")
        if self.markets:
            from returns_core.domain.policy import POLICIES

            unknown = sorted(set(self.markets) - set(POLICIES))
            if unknown:
                raise ValueError(f"markets must be among {sorted(POLICIES)}: unknown {unknown}")
        if self.warehouse_country and not _COUNTRY.match(self.warehouse_country):
            raise ValueError(f"warehouse_country must be an ISO 3166 alpha-2 code: {self.warehouse_country!r}")
        lines = [line for line in self.warehouse_address.split("|") if line.strip()]
        if self.warehouse_address and not (2 <= len(lines) <= 6 and all(len(line) <= 60 for line in lines)):
            raise ValueError('warehouse_address must be 2 to 6 lines of at most 60 characters, separated by "|"')
        if self.return_hubs:
            from returns_core.domain.hubs import parse_hubs

            parse_hubs(self.return_hubs)  # malformed hubs fail the synth, not a label purchase
        if bool(self.portal_domain) != bool(self.portal_certificate_arn):
            raise ValueError("give both portal_domain and portal_certificate_arn, or neither")
        if self.portal_domain and not _DOMAIN.match(self.portal_domain):
            raise ValueError(f"portal_domain is not a domain name: {self.portal_domain!r}")
        if self.portal_certificate_arn and not _CLOUDFRONT_CERTIFICATE.match(self.portal_certificate_arn):
            raise ValueError(
                f"portal_certificate_arn must be an ACM certificate in us-east-1: {self.portal_certificate_arn!r}"
            )
        if self.alarm_email and not _EMAIL.match(self.alarm_email):
            raise ValueError(f"alarm_email is not an email address: {self.alarm_email!r}")
        if self.alarm_api_5xx_per_5_minutes <= 0 or self.alarm_api_p99_latency_ms <= 0:
            raise ValueError("alarm limits must be positive")
        if self.portal_web_acl_arn and not _CLOUDFRONT_WEB_ACL.match(self.portal_web_acl_arn):
            raise ValueError(
                f"portal_web_acl_arn must be a CLOUDFRONT-scope WAFv2 web ACL (us-east-1): {self.portal_web_acl_arn!r}"
            )
        if not self.portal_origins or not all(_ORIGIN.match(origin) for origin in self.portal_origins):
            raise ValueError(
                f"portal_origins must be '*' or origins like https://shop.example.com: {self.portal_origins}"
            )

    @classmethod
    def from_context(cls, node: Node) -> ReturnsConfig:
        defaults = cls()

        def get(key: str, default: Any) -> Any:
            value = node.try_get_context(key)
            return default if value is None or value == "" else value

        return cls(
            stage=str(get("stage", defaults.stage)),
            sender_email=str(get("sender_email", defaults.sender_email)),
            base_currency=str(get("base_currency", defaults.base_currency)),
            ops_jwt_issuer=get("ops_jwt_issuer", None),
            ops_jwt_audience=_as_list(node.try_get_context("ops_jwt_audience")),
            cors_allow_origins=_as_list(node.try_get_context("cors_allow_origins")),
            api_throttle_rate_limit=int(get("api_throttle_rate_limit", defaults.api_throttle_rate_limit)),
            api_throttle_burst_limit=int(get("api_throttle_burst_limit", defaults.api_throttle_burst_limit)),
            portal_domain=get("portal_domain", None),
            portal_certificate_arn=get("portal_certificate_arn", None),
            portal_origins=_as_list(node.try_get_context("portal_origins")) or defaults.portal_origins,
            portal_web_acl_arn=get("portal_web_acl_arn", None),
            portal_verify_email=_as_bool(get("portal_verify_email", False)),
            store_credit_bonus_percent=int(get("store_credit_bonus_percent", defaults.store_credit_bonus_percent)),
            seller_policy=_as_json(get("seller_policy", "")),
            carrier_provider=str(get("carrier_provider", defaults.carrier_provider)),
            carrier_fallbacks=_as_list(node.try_get_context("carrier_fallbacks")),
            return_hubs=_as_json(get("return_hubs", "")),
            markets=_as_list(node.try_get_context("markets")),
            warehouse_country=str(get("warehouse_country", "")),
            warehouse_address=str(get("warehouse_address", "")),
            payment_provider=str(get("payment_provider", defaults.payment_provider)),
            adyen_merchant_account=str(get("adyen_merchant_account", "")),
            adyen_api_url=str(get("adyen_api_url", "")),
            alarm_email=get("alarm_email", None),
            alarm_api_5xx_per_5_minutes=int(get("alarm_api_5xx_per_5_minutes", defaults.alarm_api_5xx_per_5_minutes)),
            alarm_api_p99_latency_ms=int(get("alarm_api_p99_latency_ms", defaults.alarm_api_p99_latency_ms)),
            reserve_concurrency=_as_bool(get("reserve_concurrency", defaults.reserve_concurrency)),
            indexes_project_all=_as_bool(get("indexes_project_all", defaults.indexes_project_all)),
        )

    @property
    def seller_settings(self) -> dict[str, str]:
        """The settings every function reads (returns_core.settings.Settings), as environment variables."""
        settings = {
            "PORTAL_VERIFY_EMAIL": "true" if self.portal_verify_email else "false",
            "STORE_CREDIT_BONUS_PERCENT": str(self.store_credit_bonus_percent),
        }
        if self.seller_policy:
            settings["SELLER_POLICY"] = self.seller_policy
        settings["CARRIER_PROVIDER"] = self.carrier_provider
        if self.carrier_fallbacks:
            settings["CARRIER_FALLBACKS"] = ",".join(self.carrier_fallbacks)
        if self.return_hubs:
            settings["RETURN_HUBS"] = self.return_hubs
        if self.markets:
            settings["ENABLED_MARKETS"] = ",".join(self.markets)
        if self.warehouse_country:
            settings["WAREHOUSE_COUNTRY"] = self.warehouse_country
        if self.warehouse_address:
            settings["WAREHOUSE_ADDRESS"] = self.warehouse_address
        settings["PAYMENT_PROVIDER"] = self.payment_provider
        if self.adyen_merchant_account:
            settings["ADYEN_MERCHANT_ACCOUNT"] = self.adyen_merchant_account
        if self.adyen_api_url:
            settings["ADYEN_API_URL"] = self.adyen_api_url
        return settings

    @property
    def stack_name(self) -> str:
        return f"returns-{self.stage}"


class ReturnsStack(Stack):
    """Environment-agnostic (no account/region needed to synthesise); thin: wiring only."""

    def __init__(self, scope: Construct, construct_id: str, *, config: ReturnsConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        # Named up front so functions can be granted on it without a dependency cycle.
        self.workflow_identity = WorkflowIdentity.for_stack(self, f"{self.stack_name}-workflow")

        self.storage = Storage(
            self, "Storage", upload_origins=config.portal_origins, indexes_project_all=config.indexes_project_all
        )
        self.events = Events(self, "Events", bus_name=f"{self.stack_name}-bus")
        self.functions = Functions(
            self,
            "Functions",
            tables=self.storage.tables,
            documents=self.storage.documents,
            bus=self.events.bus,
            workflow=self.workflow_identity,
            sender_email=config.sender_email,
            base_currency=config.base_currency,
            seller_settings=config.seller_settings,
            reserve_concurrency=config.reserve_concurrency,
        )
        self.workflow = Workflow(self, "Workflow", identity=self.workflow_identity, functions=self.functions.functions)
        self.events.route_rules(self.functions.functions)
        self.api = Api(
            self,
            "Api",
            functions=self.functions.functions,
            throttle_rate_limit=config.api_throttle_rate_limit,
            throttle_burst_limit=config.api_throttle_burst_limit,
            ops_jwt_issuer=config.ops_jwt_issuer,
            ops_jwt_audience=config.ops_jwt_audience,
            cors_allow_origins=config.cors_allow_origins,
        )
        self.portal = Portal(
            self,
            "Portal",
            api=self.api.http_api,
            documents=self.storage.documents,
            access_logs=self.storage.access_logs,
            domain_name=config.portal_domain,
            certificate_arn=config.portal_certificate_arn,
            web_acl_arn=config.portal_web_acl_arn,
        )
        self.functions.link_portal(self.portal.url)
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            state_machine=self.workflow.state_machine,
            http_api=self.api.http_api,
            functions=self.functions.functions,
            queues={
                **{f"{rule} DLQ": queue for rule, queue in self.events.dead_letter_queues.items()},
                **{f"{name} failures": queue for name, queue in self.functions.async_failure_queues.items()},
            },
            alarm_email=config.alarm_email,
            limits=AlarmLimits(
                api_5xx_per_5_minutes=config.alarm_api_5xx_per_5_minutes,
                api_p99_latency_ms=config.alarm_api_p99_latency_ms,
            ),
        )
        self._outputs()

    def _outputs(self) -> None:
        CfnOutput(self, "ApiUrl", value=self.api.url, description="Base URL of the HTTP API")
        CfnOutput(self, "StateMachineArn", value=self.workflow.state_machine.state_machine_arn)
        CfnOutput(self, "EventBusName", value=self.events.bus.event_bus_name)
        CfnOutput(self, "DocumentsBucketName", value=self.storage.documents.bucket_name)
        CfnOutput(self, "PortalUrl", value=self.portal.url, description="The shopper portal")
        CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn, description="Subscribe to be alerted")
        CfnOutput(
            self,
            "DashboardUrl",
            value=(
                f"https://{Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region={Aws.REGION}"
                f"#dashboards:name={self.monitoring.dashboard.dashboard_name}"
            ),
            description="CloudWatch dashboard of the returns workflow",
        )
        CfnOutput(
            self,
            "PortalDistributionDomain",
            value=self.portal.distribution.distribution_domain_name,
            description="Point the portal's own domain (portal_domain) here",
        )
        # Where the seller puts the providers' keys after deploying (README, Secrets); ARNs, never values.
        for output_id, secret, what in (
            ("CarrierApiKeySecretArn", self.functions.carrier_api_key, "the carrier API key (EasyPost, Shippo)"),
            ("CarrierWebhookSecretsArn", self.functions.carrier_webhook_secrets, "carriers' webhook secrets"),
            ("SandboxCarrierWebhookSecretArn", self.functions.webhook_secret, "the sandbox carrier's webhook secret"),
            ("PaymentApiKeySecretArn", self.functions.payment_api_key, "the payment API key (Stripe, Adyen)"),
            ("PaymentWebhookSecretsArn", self.functions.payment_webhook_secrets, "payment webhooks' secrets"),
        ):
            CfnOutput(self, output_id, value=secret.secret_arn, description=f"Secret holding {what}")
        if self.api.user_pool is not None and self.api.user_pool_client is not None:
            CfnOutput(self, "OpsUserPoolId", value=self.api.user_pool.user_pool_id)
            CfnOutput(self, "OpsUserPoolClientId", value=self.api.user_pool_client.user_pool_client_id)
