"""Helpers for the integration tests: API Gateway events, handler calls, seeded orders, waiting.

Everything here talks to AWS through moto (see ``conftest.py``): the handlers are the real ones,
called in-process the way Lambda would call them, and the workflow is the real ASL file.
"""

from __future__ import annotations

import base64
import email
import functools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.header import decode_header, make_header
from email.message import Message
from typing import Any, TypeVar

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from infra.local import environment as env
from infra.local.engine import HandlerRegistry
from infra.local.gateway import Gateway
from infra.local.moto_patches import LambdaContext
from returns_core.clock import iso
from returns_core.domain.orders import Order
from returns_core.domain.scans import ScanEvent, ScanStatus
from returns_core.storage.models import OrderRecord, ReturnRecord
from returns_core.webhooks import sandbox
from returns_core.webhooks.publishing import scan_event
from returns_core.wiring import services

T = TypeVar("T")

WEBHOOK_SECRET = "whsec_integration_tests_only"
PORTAL_SECRET = "integration-portal-token-secret"
REGION = env.REGION
# Policy durations → workflow seconds: a 14-day label validity becomes 7 s, a 4-day stall 2 s.
HANDLER_TIME_SCALE = Decimal("0.0000066")
# Tiny: every policy duration becomes Step Functions' minimum of 1 s (for tests that wait one out).
FAST_EXPIRY_TIME_SCALE = Decimal("0.0000001")
# Retry intervals and Wait states of the ASL run at 1/100 of their real length.
RETRY_TIME_SCALE = 0.01

# One registry for every call the tests make directly (the workflow's invoker has its own).
_REGISTRY = HandlerRegistry()
# Only its event builder and route matcher are used: no server is started.
_GATEWAY = Gateway(_REGISTRY, ops_token="unused")


@functools.cache
def client(service: str) -> Any:
    """A test-side client. Cached across tests: moto intercepts every botocore client while a mock is active."""
    factory: Any = boto3.client  # the stubs' overloads want a literal service name
    return factory(service, region_name=REGION)


@dataclass
class LocalAws:
    """What the ``aws`` fixture hands a test: the mocked account, provisioned as deployed."""

    monkeypatch: pytest.MonkeyPatch

    def client(self, service: str) -> Any:
        return client(service)

    def use_time_scale(self, scale: Decimal) -> None:
        """Change TIME_SCALE for the handlers; call before the first return of the test is created."""
        self.monkeypatch.setenv("TIME_SCALE", str(scale))
        services.cache_clear()


# ---------------------------------------------------------------------------------------------------------
# Waiting
# ---------------------------------------------------------------------------------------------------------


def wait_for(predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.02, what: str = "") -> T:
    """Poll until ``predicate()`` is truthy and return it; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------------------
# Lambda and API Gateway
# ---------------------------------------------------------------------------------------------------------


def lambda_context(function_name: str) -> LambdaContext:
    return LambdaContext(function_name, env.function_arn(function_name), REGION)


def invoke(function_name: str, event: dict[str, Any]) -> Any:
    """Call a catalogue function's handler in-process, as Lambda would."""
    handler = _REGISTRY.resolve(function_name)
    assert handler is not None, f"no function {function_name} in the catalogue"
    return handler(event, lambda_context(function_name))


def api_event(
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    path_params: dict[str, str] | None = None,
    query: str = "",
    base64_body: bool = False,
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event for one of the catalogue's routes.

    ``body`` may be a dict/list (sent as JSON), a str or bytes (sent as is). Header names keep the
    caller's case: HTTP APIs lower-case them, other front doors (REST APIs, function URLs) may not,
    and the handlers must not depend on it.
    """
    found = _GATEWAY.match(method, path)
    assert found is not None, f"no route for {method} {path} in the catalogue"
    route, _, params = found
    if body is None:
        raw = b""
    elif isinstance(body, bytes):
        raw = body
    elif isinstance(body, str):
        raw = body.encode("utf-8")
    else:
        raw = json.dumps(body).encode("utf-8")
    sent_headers = {"content-type": "application/json", "user-agent": "integration-tests"}
    if headers:
        sent_headers.update(headers)
    event = _GATEWAY.event(
        method, path, query, sent_headers, raw, route, path_params or params, source_ip="203.0.113.7"
    )
    if base64_body:
        event["body"] = base64.b64encode(raw).decode()
        event["isBase64Encoded"] = True
    return event


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    error: Exception | None = None

    @property
    def code(self) -> str | None:
        """The stable error code of an error reply."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            code: str = self.body["error"]["code"]
            return code
        return None


def call_api(function_name: str, event: dict[str, Any]) -> Reply:
    """Call an API function and read its reply the way API Gateway does (an exception is a 500)."""
    try:
        reply = invoke(function_name, event)
    except Exception as exc:
        return Reply(500, {"message": "Internal Server Error"}, {}, error=exc)
    raw = reply.get("body") or ""
    if reply.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8")
    try:
        body = json.loads(raw) if raw else None
    except json.JSONDecodeError:
        body = raw
    headers = {k.lower(): str(v) for k, v in (reply.get("headers") or {}).items()}
    return Reply(int(reply.get("statusCode", 200)), body, headers)


def storefront(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, **kwargs: Any) -> Reply:
    return call_api("storefront-api", api_event(method, path, body, headers, **kwargs))


def ops(method: str, path: str, body: Any = None, query: str = "") -> Reply:
    return call_api("ops-api", api_event(method, path, body, query=query))


def signed_webhook(
    payload: Any,
    *,
    provider: str = sandbox.PROVIDER,
    secret: str = WEBHOOK_SECRET,
    timestamp: int | None = None,
    header_name: str = sandbox.SIGNATURE_HEADER.lower(),
    base64_body: bool = False,
) -> Reply:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
    signature = sandbox.sign(secret, raw, int(time.time()) if timestamp is None else timestamp)
    headers = {header_name: signature[sandbox.SIGNATURE_HEADER]}
    return call_api(
        "carrier-webhook",
        api_event("POST", f"/webhooks/carriers/{provider}", raw, headers, base64_body=base64_body),
    )


# ---------------------------------------------------------------------------------------------------------
# Orders and returns
# ---------------------------------------------------------------------------------------------------------


def order_line(
    line_id: str = "1",
    *,
    sku: str = "SNK-42-WHT",
    name: str = "Canvas sneakers, white, 42",
    price: str = "89.90",
    quantity: int = 1,
    hs_code: str = "640411",
    origin: str = "VN",
    grams: int = 900,
    categories: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "line_id": line_id,
        "sku": sku,
        "name": name,
        "quantity": quantity,
        "unit_price": price,
        "hs_code": hs_code,
        "origin_country": origin,
        "weight_grams": grams,
        "categories": list(categories),
    }


def seed_order(
    number: str = "ORD-1001",
    *,
    country: str = "DE",
    currency: str = "EUR",
    lines: list[dict[str, Any]] | None = None,
    delivered_days_ago: int | None = 3,
    email_address: str | None = None,
    shopper_name: str = "Lena Fischer",
    shipping: str = "4.90",
    trusted: bool = False,
    sale_fx_rate: str | None = None,
) -> Order:
    """Sync an order the way the storefront does (shapes as in infra/local/demo_data.py)."""
    now = datetime.now(UTC)
    delivered = now - timedelta(days=delivered_days_ago) if delivered_days_ago is not None else None
    order = Order.model_validate(
        {
            "order_number": number,
            "email": email_address or f"shopper+{number.lower()}@example.com",
            "shopper_name": shopper_name,
            "country": country,
            "currency": currency,
            "locale": "en",
            "lines": lines
            or [
                order_line("1"),
                order_line(
                    "2",
                    sku="TEE-M-NVY",
                    name="Organic T-shirt, navy, M",
                    price="24.90",
                    quantity=2,
                    hs_code="610910",
                    origin="PT",
                    grams=200,
                ),
            ],
            "shipping_paid": shipping,
            "invoice_number": f"INV-{number}",
            "ordered_at": iso((delivered or now) - timedelta(days=4)),
            "delivered_at": iso(delivered) if delivered else None,
            "payment_reference": f"ch_test_{number.lower()}",
            "shopper_trusted": trusted,
            "sale_fx_rate": sale_fx_rate,
        }
    )
    services().orders.upsert(order)
    return order


def return_request(
    order: Order,
    items: list[tuple[str, int]] | None = None,
    reason: str = "DOES_NOT_FIT",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "order_number": order.order_number,
        "email": order.email,
        "items": [
            {"line_id": line_id, "quantity": quantity, "reason": reason} for line_id, quantity in (items or [("1", 1)])
        ],
        "resolution": "REFUND",
        **extra,
    }


def create_return(order: Order, **kwargs: Any) -> str:
    reply = storefront("POST", "/returns", return_request(order, **kwargs))
    assert reply.status == 201, reply
    return_id: str = reply.body["return_id"]
    return return_id


def find_return(return_id: str) -> ReturnRecord | None:
    return services().returns.find(return_id)


def get_return(return_id: str) -> ReturnRecord:
    return services().returns.get(return_id)


def all_returns() -> list[ReturnRecord]:
    return list(ReturnRecord.scan())


def reserved(order_number: str) -> dict[str, int]:
    record = OrderRecord.get(order_number, consistent_read=True)
    raw: Any = record.reserved.as_dict() if hasattr(record.reserved, "as_dict") else record.reserved
    return {str(k): int(v) for k, v in (raw or {}).items() if int(v)}


def wait_status(return_id: str, status: str, timeout: float = 10.0) -> ReturnRecord:
    def in_status() -> ReturnRecord | None:
        record = find_return(return_id)
        return record if record is not None and record.status == status else None

    record = wait_for(in_status, timeout, what=f"{return_id} in {status}")
    assert record is not None
    return record


def wait_parked(return_id: str, stage: str, timeout: float = 10.0) -> ReturnRecord:
    """Until the workflow's task for ``stage`` has parked its token on the return."""

    def parked() -> ReturnRecord | None:
        record = find_return(return_id)
        return record if record is not None and record.waiting_for == stage and record.task_token else None

    record = wait_for(parked, timeout, what=f"{return_id} waiting for {stage}")
    assert record is not None
    return record


def wait_tracking_number(return_id: str, timeout: float = 10.0) -> str:
    def tracking_number() -> str | None:
        record = find_return(return_id)
        return record.tracking_number if record is not None else None

    return str(wait_for(tracking_number, timeout, what=f"a label for {return_id}"))


# ---------------------------------------------------------------------------------------------------------
# Step Functions
# ---------------------------------------------------------------------------------------------------------


def execution_arn(return_id: str) -> str:
    return services().starter.execution_arn(return_id)


def executions(status: str | None = None) -> list[dict[str, Any]]:
    kwargs: dict[str, Any] = {"stateMachineArn": env.state_machine_arn()}
    if status:
        kwargs["statusFilter"] = status
    found: list[dict[str, Any]] = client("stepfunctions").list_executions(**kwargs)["executions"]
    return found


def wait_execution(return_id: str, timeout: float = 15.0) -> dict[str, Any]:
    """Until the return's execution has ended; its DescribeExecution."""
    sfn = client("stepfunctions")
    return wait_for(
        lambda: (d := sfn.describe_execution(executionArn=execution_arn(return_id)))["status"] != "RUNNING" and d,
        timeout,
        what=f"the execution of {return_id} to end",
    )


def visited_states(return_id: str) -> list[str]:
    history = client("stepfunctions").get_execution_history(executionArn=execution_arn(return_id), maxResults=1000)
    return [e["stateEnteredEventDetails"]["name"] for e in history["events"] if e["type"].endswith("StateEntered")]


# ---------------------------------------------------------------------------------------------------------
# Carrier scans, as the scan-events rule hands them to on-scan
# ---------------------------------------------------------------------------------------------------------


def scan_rule_event(
    tracking_number: str,
    status: ScanStatus,
    *,
    event_id: str | None = None,
    occurred_at: datetime | None = None,
    location: str | None = "Hamburg DE",
    weight_grams: int | None = None,
) -> dict[str, Any]:
    scan = ScanEvent(
        event_id=event_id or f"evt-{uuid.uuid4().hex[:12]}",
        provider=sandbox.PROVIDER,
        tracking_number=tracking_number,
        status=status,
        occurred_at=occurred_at or datetime.now(UTC),
        location=location,
        raw_status=status.value.lower(),
        weight_grams=weight_grams,
    )
    domain_event = scan_event(scan)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": domain_event.detail_type,
        "source": domain_event.source,
        "account": DEFAULT_ACCOUNT_ID,
        "time": iso(datetime.now(UTC)),
        "region": REGION,
        "resources": [],
        "detail": domain_event.detail,
    }


def deliver_scan(tracking_number: str, status: ScanStatus, **kwargs: Any) -> str:
    """What on-scan made of the scan: ADVANCED, RECORDED, DUPLICATE, RECORDED_LATE or UNMATCHED."""
    outcome: str = invoke("on-scan", scan_rule_event(tracking_number, status, **kwargs))["outcome"]
    return outcome


def inspection_body(items: list[tuple[str, int]] | None = None, grade: str = "A") -> dict[str, Any]:
    return {
        "inspector": "warehouse-7",
        "items": [
            {"line_id": line_id, "accepted_quantity": quantity, "grade": grade, "disposition": "RESTOCK"}
            for line_id, quantity in (items or [("1", 1)])
        ],
    }


def accepted_by_carrier(return_id: str) -> tuple[str, str]:
    """Play a labelled return until the carrier has accepted it and the workflow waits for delivery."""
    tracking = wait_tracking_number(return_id)
    wait_parked(return_id, "DISPATCH")
    assert deliver_scan(tracking, ScanStatus.ACCEPTED) == "ADVANCED"
    wait_parked(return_id, "DELIVERY")
    return return_id, tracking


def delivered_to_warehouse(return_id: str) -> str:
    """Play a labelled return until it is delivered and waits for inspection; its tracking number."""
    _, tracking = accepted_by_carrier(return_id)
    assert deliver_scan(tracking, ScanStatus.DELIVERED) == "ADVANCED"
    wait_parked(return_id, "INSPECTION")
    return tracking


def drive_to_refund(return_id: str, items: list[tuple[str, int]] | None = None) -> dict[str, Any]:
    """Play a labelled return to its end: accepted, delivered, inspected; the finished execution."""
    delivered_to_warehouse(return_id)
    reply = ops("POST", f"/ops/returns/{return_id}/inspection", inspection_body(items))
    assert reply.status == 200, reply
    return wait_execution(return_id)


# ---------------------------------------------------------------------------------------------------------
# What the shopper and the payment provider saw
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentEmail:
    to: list[str]
    subject: str
    message: Message

    @property
    def text(self) -> str:
        """The plain-text body."""
        for part in self.message.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    return payload.decode(part.get_content_charset() or "utf-8")
        return ""

    @property
    def attachments(self) -> list[str]:
        return [name for part in self.message.walk() if (name := part.get_filename())]


def sent_emails() -> list[SentEmail]:
    backend = ses_backends[DEFAULT_ACCOUNT_ID][REGION]
    sent = []
    for raw in backend.sent_messages:
        message = email.message_from_string(raw.raw_data)
        subject = str(make_header(decode_header(str(message["Subject"]))))
        sent.append(SentEmail(list(raw.destinations), subject, message))
    return sent


def subjects_to(address: str) -> list[str]:
    return [mail.subject for mail in sent_emails() if address in mail.to]


def refund_objects() -> list[dict[str, Any]]:
    """The sandbox payment provider's refunds (one S3 object per refund it made)."""
    documents = services().documents
    return [json.loads(documents.get(key) or b"{}") for key in documents.keys("sandbox-payments/refunds/")]


class BusTap:
    """An SQS queue behind a rule on the bus: every event matching `pattern` that was put on it."""

    def __init__(self, rule_name: str, pattern: dict[str, Any]) -> None:
        self.sqs = client("sqs")
        self.url = self.sqs.create_queue(QueueName=f"{rule_name}-under-test")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events = client("events")
        events.put_rule(Name=rule_name, EventBusName=env.BUS_NAME, EventPattern=json.dumps(pattern))
        events.put_targets(Rule=rule_name, EventBusName=env.BUS_NAME, Targets=[{"Id": "queue", "Arn": arn}])
        self._seen: list[dict[str, Any]] = []

    def events(self) -> list[dict[str, Any]]:
        """Every event the rule delivered so far."""
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return list(self._seen)
            for message in messages:
                self._seen.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])


def refuse_first_refund(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the sandbox provider refuse the first refund outright; the idempotency keys it refused."""
    from returns_core.adapters.sandbox_payments import SandboxPayments
    from returns_core.ports.payments import PaymentRejected, RefundOrder, RefundOutcome

    original = SandboxPayments.refund
    refusals: list[str] = []

    def refuse_once(self: SandboxPayments, order: RefundOrder) -> RefundOutcome:
        if not refusals:
            refusals.append(order.idempotency_key)
            raise PaymentRejected("card account closed")
        return original(self, order)

    monkeypatch.setattr(SandboxPayments, "refund", refuse_once)
    return refusals


def capture_milestones(aws: LocalAws) -> str:
    """An SQS queue on the milestone rule: where EventBridge would deliver to the notify function."""
    from infra import catalogue
    from infra.local import environment as env

    sqs, events = aws.client("sqs"), aws.client("events")
    queue = sqs.create_queue(QueueName="milestones")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = catalogue.MILESTONE_RULE
    events.put_rule(Name=rule.name, EventBusName=env.BUS_NAME, EventPattern=json.dumps(rule.pattern))
    events.put_targets(Rule=rule.name, EventBusName=env.BUS_NAME, Targets=[{"Id": "notify", "Arn": arn}])
    return str(queue)


def deliver_milestones(aws: LocalAws, queue: str) -> list[str]:
    """Hand every captured milestone event to the notify function; the milestones seen."""
    seen = []
    for message in aws.client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        event = json.loads(message["Body"])
        seen.append(event["detail"]["event"])
        invoke("notify", event)
    return seen
