"""The one stack: composes the storage, events, functions, workflow and API constructs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct, Node

from infra.constructs import Api, Events, Functions, Storage, Workflow, WorkflowIdentity

_STAGE = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _as_list(value: Any) -> tuple[str, ...]:
    """Context values arrive as JSON from cdk.json or as strings from `-c key=a,b`."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return tuple(str(item) for item in value)


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
        )

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

        self.storage = Storage(self, "Storage")
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
        self._outputs()

    def _outputs(self) -> None:
        CfnOutput(self, "ApiUrl", value=self.api.url, description="Base URL of the HTTP API")
        CfnOutput(self, "StateMachineArn", value=self.workflow.state_machine.state_machine_arn)
        CfnOutput(self, "EventBusName", value=self.events.bus.event_bus_name)
        CfnOutput(self, "DocumentsBucketName", value=self.storage.documents.bucket_name)
        if self.api.user_pool is not None and self.api.user_pool_client is not None:
            CfnOutput(self, "OpsUserPoolId", value=self.api.user_pool.user_pool_id)
            CfnOutput(self, "OpsUserPoolClientId", value=self.api.user_pool_client.user_pool_client_id)
