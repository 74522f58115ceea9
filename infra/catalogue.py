"""The one catalogue of the product's functions and the resources they touch.

CDK (infra/constructs) and the embedded local stack (infra/local) both read this module, so
what runs locally and what is deployed cannot drift: the same handlers, the same routes, the
same event patterns, the same environment variable names, the same table key schemas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

REPO_ROOT = Path(__file__).resolve().parent.parent
ASL_PATH = REPO_ROOT / "statemachines" / "returns.asl.json"


class Auth(StrEnum):
    PUBLIC = "PUBLIC"  # storefront/portal; throttled
    SIGNED = "SIGNED"  # public, but the function verifies a provider signature over the raw body
    OPS = "OPS"  # behind the JWT authorizer


class Access(StrEnum):
    READ = "READ"
    READ_WRITE = "READ_WRITE"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    auth: Auth

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class EventRule:
    name: str
    pattern: dict[str, Any]


@dataclass(frozen=True)
class GlobalIndex:
    name: str
    partition_key: str
    sort_key: str | None = None
    sort_key_type: Literal["S", "N"] = "S"
    # Keys only unless a query needs more: every write that touches a projected attribute is written
    # again to the index, so an index projecting ALL doubles the cost of each save of a large item.
    # Readers fetch the items themselves by key.
    projection: Literal["KEYS_ONLY", "ALL"] = "KEYS_ONLY"


@dataclass(frozen=True)
class TableSpec:
    key: str  # short name used in function access lists
    env_var: str
    partition_key: str
    sort_key: str | None = None
    indexes: tuple[GlobalIndex, ...] = ()
    ttl_attribute: str | None = None


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    handler: str  # "functions.<module>.handler", importable locally and in the Lambda asset
    description: str
    routes: tuple[Route, ...] = ()
    rules: tuple[EventRule, ...] = ()
    # The ASL placeholder this function's ARN fills, for the workflow's task functions.
    asl_placeholder: str | None = None
    tables: dict[str, Access] = field(default_factory=dict)
    documents: Access | None = None
    put_events: bool = False
    start_executions: bool = False
    read_executions: bool = False
    task_callbacks: bool = False
    send_email: bool = False
    memory_mb: int = 512
    timeout_seconds: int = 15
    # A ceiling on concurrent invocations for a function whose downstream has a rate limit of its own
    # (a payment or carrier API): a burst of returns queues up in retries instead of being refused there.
    reserved_concurrency: int | None = None

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]


ORDERS = TableSpec("orders", "ORDERS_TABLE", partition_key="order_number")
RETURNS = TableSpec(
    "returns",
    "RETURNS_TABLE",
    partition_key="return_id",
    indexes=(
        GlobalIndex("by_status", partition_key="status", sort_key="created_at"),
        GlobalIndex("by_tracking_number", partition_key="tracking_number"),
        GlobalIndex("by_order", partition_key="order_number", sort_key="created_at"),
        # A shopper's returns across orders, by a hash of their email (risk: serial returners).
        GlobalIndex("by_shopper", partition_key="shopper_key", sort_key="created_at"),
        # Sparse: only returns with an alert that outlives the return until ops acknowledge it.
        GlobalIndex("by_attention", partition_key="attention", sort_key="created_at"),
    ),
)
LEDGER = TableSpec("ledger", "LEDGER_TABLE", partition_key="return_id", sort_key="line_id")
IDEMPOTENCY = TableSpec("idempotency", "IDEMPOTENCY_TABLE", partition_key="id", ttl_attribute="expiration")
# Per-client lookup counters and one-time codes of the shopper portal; both expire by TTL.
PORTAL = TableSpec("portal", "PORTAL_TABLE", partition_key="key", ttl_attribute="expires_at")
# The seller's analytics counters by month and dimension, written with the ledger lines.
AGGREGATES = TableSpec(
    "aggregates",
    "AGGREGATES_TABLE",
    partition_key="period",
    sort_key="key",
    indexes=(
        # Sparse: each month's SKU rows with units returned, by those units (the most returned SKUs).
        GlobalIndex("skus_by_units_returned", partition_key="sku_month", sort_key="units", sort_key_type="N"),
    ),
)
TABLES: tuple[TableSpec, ...] = (ORDERS, RETURNS, LEDGER, IDEMPOTENCY, PORTAL, AGGREGATES)

EVENT_BUS_ENV = "EVENT_BUS_NAME"
DOCUMENTS_BUCKET_ENV = "DOCUMENTS_BUCKET"
STATE_MACHINE_ENV = "STATE_MACHINE_ARN"

SCAN_EVENT_SOURCE = "returns.carriers"
SCAN_EVENT_DETAIL_TYPE = "ScanEvent"
SCAN_RULE = EventRule(
    "scan-events",
    {"source": [SCAN_EVENT_SOURCE], "detail-type": [SCAN_EVENT_DETAIL_TYPE]},
)
# Milestones reached outside the state machine's Notify states (carrier acceptance, delivery,
# inspection): the shopper is emailed for each.
MILESTONE_EVENT_SOURCE = "returns.workflow"
MILESTONE_EVENT_DETAIL_TYPE = "ReturnMilestone"
MILESTONE_RULE = EventRule(
    "milestone-events",
    {"source": [MILESTONE_EVENT_SOURCE], "detail-type": [MILESTONE_EVENT_DETAIL_TYPE]},
)

# Ops asked to pay again a refund the provider reversed after the workflow had ended: the refund
# function pays under a new idempotency key and books the correction in the ledger.
REPAY_EVENT_DETAIL_TYPE = "RefundRepayRequested"  # returns_core.workflow.refunding.REPAY_DETAIL_TYPE
REPAY_RULE = EventRule(
    "refund-repay",
    {"source": [MILESTONE_EVENT_SOURCE], "detail-type": [REPAY_EVENT_DETAIL_TYPE]},
)

# Orders placed in the seller's shop, put on the bus by the storefront or its order system: the same
# sync as POST /orders, for sellers who publish events rather than call an API.
ORDER_EVENT_DETAIL_TYPE = "OrderPlaced"
ORDER_RULE = EventRule("order-placed", {"detail-type": [ORDER_EVENT_DETAIL_TYPE]})

R = Access.READ
RW = Access.READ_WRITE

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        name="storefront-api",
        handler="functions.storefront_api.handler",
        description="Shopper-facing routes: the portal's lookup, uploads and status page; start and follow a return",
        routes=(
            Route("POST", "/returns", Auth.PUBLIC),
            Route("GET", "/returns/{return_id}", Auth.PUBLIC),
            Route("GET", "/openapi.json", Auth.PUBLIC),
            Route("GET", "/shopper/messages", Auth.PUBLIC),
            Route("POST", "/shopper/lookup", Auth.PUBLIC),
            Route("POST", "/shopper/verify", Auth.PUBLIC),
            Route("POST", "/shopper/uploads", Auth.PUBLIC),
            Route("GET", "/shopper/track/{token}", Auth.PUBLIC),
        ),
        tables={"orders": RW, "returns": RW, "idempotency": RW, "portal": RW},
        documents=RW,  # presigned label links and photo uploads; withdrawal confirmations
        start_executions=True,
        send_email=True,  # one-time codes and withdrawal confirmations
        memory_mb=1024,
    ),
    FunctionSpec(
        name="carrier-webhook",
        handler="functions.carrier_webhook.handler",
        description="Carrier scan webhooks: verify, normalise, dedupe, publish",
        routes=(
            Route("POST", "/webhooks/carriers/{provider}", Auth.SIGNED),
            # The document a carrier's integrator reads; API Gateway prefers this route over {provider}.
            Route("GET", "/webhooks/carriers/openapi.json", Auth.PUBLIC),
        ),
        tables={"idempotency": RW},
        put_events=True,
        timeout_seconds=10,
    ),
    FunctionSpec(
        name="payment-webhook",
        handler="functions.payment_webhook.handler",
        description="Payment providers' refund webhooks: verify, settle the refund once, resume its task",
        routes=(
            Route("POST", "/webhooks/payments/{provider}", Auth.SIGNED),
            Route("GET", "/webhooks/payments/openapi.json", Auth.PUBLIC),
        ),
        tables={"returns": RW},
        put_events=True,  # an early refund settled later: the shopper's email
        task_callbacks=True,
        timeout_seconds=10,
    ),
    FunctionSpec(
        name="ops-api",
        handler="functions.ops_api.handler",
        description="Ops routes: returns by status, detail with execution history, review, inspection, order sync",
        routes=(
            Route("GET", "/ops/returns", Auth.OPS),
            Route("GET", "/ops/returns/{return_id}", Auth.OPS),
            Route("POST", "/ops/returns/{return_id}/review", Auth.OPS),
            Route("POST", "/ops/returns/{return_id}/inspection", Auth.OPS),
            Route("POST", "/ops/returns/{return_id}/inspection-photos", Auth.OPS),
            Route("POST", "/ops/returns/{return_id}/refund-retry", Auth.OPS),
            Route("POST", "/ops/returns/{return_id}/refund-repay", Auth.OPS),
            Route("POST", "/ops/returns/{return_id}/label-retry", Auth.OPS),
            Route("POST", "/ops/returns/{return_id}/ledger-adjustments", Auth.OPS),
            Route("GET", "/ops/alerts", Auth.OPS),
            Route("POST", "/ops/ledger/backfill", Auth.OPS),
            Route("POST", "/ops/returns/{return_id}/alerts/{code}/acknowledge", Auth.OPS),
            Route("GET", "/ops/unmatched-scans", Auth.OPS),
            Route("POST", "/ops/unmatched-scans/reconcile", Auth.OPS),
            Route("PUT", "/ops/orders/{order_number}", Auth.OPS),
            Route("POST", "/orders", Auth.OPS),  # the storefront's order sync, behind the same authoriser
            Route("GET", "/ops/analytics", Auth.OPS),
            Route("GET", "/ops/analytics/skus", Auth.OPS),
            Route("GET", "/ops/analytics/export.csv", Auth.OPS),
            Route("GET", "/ops/openapi.json", Auth.OPS),
        ),
        # Order sync counts units sold; ledger adjustments write their line with its counters.
        tables={"orders": RW, "returns": RW, "ledger": RW, "aggregates": RW},
        documents=RW,  # presigned label links; marks reconciled unmatched scans
        read_executions=True,
        task_callbacks=True,
        put_events=True,  # the inspection milestone, for the shopper's email
    ),
    FunctionSpec(
        name="order-sync",
        handler="functions.order_sync.handler",
        description="Target of OrderPlaced events: stores the order and counts its units sold, once",
        rules=(ORDER_RULE,),
        tables={"orders": RW, "aggregates": RW},
    ),
    FunctionSpec(
        name="on-scan",
        handler="functions.on_scan.handler",
        description="Applies a scan to the return's timeline; heartbeats or resumes the waiting task",
        rules=(SCAN_RULE,),
        tables={"returns": RW},
        documents=RW,  # keeps scans no return matches, for reconciliation
        task_callbacks=True,
        put_events=True,  # milestone events for the shopper's emails
    ),
    FunctionSpec(
        name="authorise",
        handler="functions.authorise.handler",
        description="Workflow task: eligibility, policy and risk decision",
        asl_placeholder="AuthoriseFunctionArn",
        tables={"orders": R, "returns": RW},
    ),
    FunctionSpec(
        name="buy-label",
        handler="functions.buy_label.handler",
        description="Workflow task: plan the route and buy the return label",
        asl_placeholder="BuyLabelFunctionArn",
        tables={"orders": R, "returns": RW},
        documents=RW,
        timeout_seconds=30,
        reserved_concurrency=20,  # carrier APIs limit requests per second (EasyPost, Shippo: HTTP 429)
    ),
    FunctionSpec(
        name="await-milestone",
        handler="functions.await_milestone.handler",
        description="Workflow task: park the task token on the return until a milestone resumes it",
        asl_placeholder="AwaitMilestoneFunctionArn",
        tables={"returns": RW},
        task_callbacks=True,
    ),
    FunctionSpec(
        name="notify",
        handler="functions.notify.handler",
        description="Emails the shopper at a milestone: a workflow task, and the target of milestone events",
        asl_placeholder="NotifyFunctionArn",
        rules=(MILESTONE_RULE,),
        tables={"orders": R, "returns": R, "idempotency": RW},
        documents=R,
        send_email=True,
    ),
    FunctionSpec(
        name="refund",
        handler="functions.refund.handler",
        description="Workflow task: compute and pay the refund exactly once",
        asl_placeholder="RefundFunctionArn",
        tables={"orders": R, "returns": RW, "ledger": RW, "aggregates": RW},  # a re-pay books its correction
        documents=RW,  # the sandbox payment provider keeps its refunds there
        put_events=True,  # an early refund's milestone, for the shopper's email
        rules=(REPAY_RULE,),
        timeout_seconds=30,
        reserved_concurrency=20,  # Stripe allows 25 requests per second in test mode, Adyen limits per account
    ),
    FunctionSpec(
        name="record-costs",
        handler="functions.record_costs.handler",
        description="Workflow task: write the return's cost ledger lines",
        asl_placeholder="RecordCostsFunctionArn",
        tables={"orders": R, "returns": R, "ledger": RW, "aggregates": RW},
    ),
    FunctionSpec(
        name="finalise",
        handler="functions.finalise.handler",
        description="Workflow task: put a return in its terminal status (rejected, expired, lost, bounced, cancelled)",
        asl_placeholder="FinaliseFunctionArn",
        tables={"orders": RW, "returns": RW, "ledger": RW, "aggregates": RW},
        documents=RW,  # voiding a sandbox label updates its registry entry
    ),
)


def function(name: str) -> FunctionSpec:
    return next(spec for spec in FUNCTIONS if spec.name == name)


def table(key: str) -> TableSpec:
    return next(spec for spec in TABLES if spec.key == key)


def asl_placeholders() -> dict[str, FunctionSpec]:
    return {spec.asl_placeholder: spec for spec in FUNCTIONS if spec.asl_placeholder}


def routes() -> list[tuple[Route, FunctionSpec]]:
    return [(route, spec) for spec in FUNCTIONS for route in spec.routes]


def load_definition(substitutions: dict[str, str]) -> str:
    """The ASL text with every `${Placeholder}` filled; raises if one is left or unknown."""
    text = ASL_PATH.read_text(encoding="utf-8")
    for key, value in substitutions.items():
        placeholder = "${" + key + "}"
        if placeholder not in text:
            raise KeyError(f"the ASL has no placeholder {placeholder}")
        text = text.replace(placeholder, value)
    if "${" in text:
        raise KeyError("the ASL still has unfilled placeholders")
    return text
