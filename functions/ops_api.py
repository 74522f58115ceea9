"""Ops routes: returns by status, one return with its execution history, review, inspection and alerts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from returns_core.analytics import report, skus
from returns_core.api.http import body_problem, build_resolver, json_response
from returns_core.api.openapi import openapi_document, ops_errors
from returns_core.api.views import ops_view, summary_view
from returns_core.clock import utcnow
from returns_core.domain.inspection import DeductionReason, LineFinding, NotAccepted, check_inspection
from returns_core.domain.orders import Order
from returns_core.domain.reasons import ReturnReason
from returns_core.domain.statuses import ReturnStatus, is_terminal
from returns_core.errors import InvalidInput, NotFound
from returns_core.money import SUPPORTED_CURRENCIES, Money, minor_units
from returns_core.observability import logger, tracer
from returns_core.portal.requests import UploadRequest
from returns_core.wiring import services
from returns_core.workflow.adjustments import AdjustmentKind, record_adjustment
from returns_core.workflow.alerts import AlertCode, AlertRules, OpenReturnAlerts, acknowledge, counts
from returns_core.workflow.costs import ledger_lines, ledger_total
from returns_core.workflow.history import execution_summary
from returns_core.workflow.inventory import announce_restock
from returns_core.workflow.milestones import Stage

app = build_resolver()
TITLE = "ops API"
DESCRIPTION = (
    "Returns by status, one return with its execution history and ledger, review, inspection, refunds, "
    "alerts, analytics and order sync. Every route needs an ops token: Authorization: Bearer <JWT>."
)

ReturnId = Annotated[str, Path(min_length=1, max_length=40)]


class ReviewDecision(StrEnum):
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class ReviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: ReviewDecision
    reason: str = Field(min_length=1, max_length=500)
    reviewer: str = Field(min_length=1, max_length=100)


class Grade(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


class Disposition(StrEnum):
    RESTOCK = "RESTOCK"
    REFURBISH = "REFURBISH"
    RESALE_HOLD = "RESALE_HOLD"
    LIQUIDATE = "LIQUIDATE"
    DONATE = "DONATE"
    RECYCLE = "RECYCLE"
    MISSING = "MISSING"


class InspectedItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_id: str = Field(min_length=1, max_length=64)
    accepted_quantity: int = Field(ge=0, le=1000)
    grade: Grade
    disposition: Disposition
    note: str | None = Field(default=None, max_length=1000)
    # Why the units not accepted are refused (wrong item, missing, not returnable).
    not_accepted_reason: NotAccepted | None = None
    # What the accepted units' condition costs the shopper, in percent of their price, and why.
    deduction_percent: Decimal = Field(default=Decimal(0), ge=0, le=100, max_digits=5, decimal_places=2)
    deduction_reason: DeductionReason | None = None
    # Keys of photos uploaded through POST /ops/returns/{id}/inspection-photos.
    photos: list[str] = Field(default_factory=list, max_length=10)


class InspectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inspector: str = Field(min_length=1, max_length=100)
    items: list[InspectedItem] = Field(min_length=1, max_length=50)


def _record(return_id: str) -> Any:
    record = services().returns.find(return_id)
    if record is None:
        raise NotFound("No such return.", code="RETURN_NOT_FOUND")
    return record


@app.get("/ops/returns", summary="Returns, newest first, by status", responses=ops_errors(422))
def list_returns(
    status: Annotated[ReturnStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> dict[str, Any]:
    if status is None and cursor is not None:
        raise InvalidInput("A cursor goes with a status filter.", code="CURSOR_WITHOUT_STATUS")
    statuses = [status] if status else list(ReturnStatus)
    items: list[Any] = []
    next_cursor = None
    for wanted in statuses:
        try:
            found, next_cursor = services().returns.by_status(wanted.value, limit, cursor)
        except ValueError:
            raise InvalidInput("The cursor is not valid.", code="INVALID_CURSOR") from None
        items.extend(found)
    items.sort(key=lambda record: record.created_at, reverse=True)
    return {
        "returns": [summary_view(record) for record in items[:limit]],
        "next_cursor": next_cursor if status else None,
    }


@app.get(
    "/ops/returns/<return_id>",
    summary="One return with its execution history and ledger",
    responses=ops_errors(404, 422),
)
def get_return(return_id: ReturnId) -> dict[str, Any]:
    record = _record(return_id)
    svc = services()
    execution = execution_summary(svc.aws.stepfunctions, svc.starter.execution_arn(return_id))
    ledger = ledger_lines(return_id)
    total = ledger_total(ledger, svc.settings.base_currency)
    return {**ops_view(record, svc.documents), "execution": execution, "ledger": ledger, "ledger_total": total}


@app.post(
    "/ops/returns/<return_id>/review",
    summary="Approve or reject a return held for review",
    responses=ops_errors(404, 409, 422),
)
def review(return_id: ReturnId, body: Annotated[ReviewBody, Body()]) -> dict[str, Any]:
    _record(return_id)
    stored = services().milestones.record_review(return_id, body.decision.value, body.reason, body.reviewer)
    logger.info("review recorded", extra={"return_id": return_id, "decision": body.decision})
    return {"return_id": return_id, "review": stored}


@app.post(
    "/ops/returns/<return_id>/inspection",
    summary="Record what the warehouse found",
    responses=ops_errors(404, 409, 422),
)
def inspection(return_id: ReturnId, body: Annotated[InspectionBody, Body()]) -> dict[str, Any]:
    record = _record(return_id)
    svc = services()
    requested = {
        item["line_id"]: (int(item["quantity"]), ReturnReason(item["reason"])) for item in record.request["items"]
    }
    findings = [
        LineFinding(
            item.line_id,
            item.accepted_quantity,
            item.not_accepted_reason,
            item.deduction_percent,
            item.deduction_reason,
        )
        for item in body.items
    ]
    order, _ = svc.orders.get(record.order_number)
    problem = check_inspection(requested, findings, svc.policy(order.country))
    if problem is not None:
        raise InvalidInput(problem.message, code=problem.code)
    svc.inspection_photos.check(return_id, [key for item in body.items for key in item.photos])
    stored = svc.milestones.record_inspection(return_id, body.model_dump(mode="json"))
    # Also on a repeated request, so a lost announcement is made good; the email still goes out once,
    # and the stock event carries the same event id for the seller's inventory to apply once.
    svc.milestones.announce(return_id, "INSPECTED")
    announce_restock(svc.publisher, svc.orders, record.order_number, return_id, stored, svc.settings.warehouse_country)
    logger.info("inspection recorded", extra={"return_id": return_id})
    return {"return_id": return_id, "inspection": stored}


@app.post(
    "/ops/returns/<return_id>/inspection-photos",
    summary="A presigned POST for one inspection photo",
    responses=ops_errors(404, 422, ok={201: "Where and how to upload the photo"}),
    status_code=201,
)
def inspection_photo(return_id: ReturnId, body: Annotated[UploadRequest, Body()]) -> Response[dict[str, Any]]:
    """A presigned POST for one inspection photo of this return; its key goes in the inspection's item."""
    _record(return_id)
    return json_response(201, services().inspection_photos.offer(return_id, body.content_type, body.size))


class RefundRetryBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operator: str = Field(min_length=1, max_length=100)
    note: str | None = Field(default=None, max_length=500)


@app.post(
    "/ops/returns/<return_id>/refund-retry",
    summary="Try a parked refund again",
    responses=ops_errors(404, 409, 422),
)
def retry_refund(return_id: ReturnId, body: Annotated[RefundRetryBody, Body()]) -> dict[str, Any]:
    _record(return_id)
    services().milestones.retry_refund(return_id, body.operator, body.note)
    logger.info("refund retry requested", extra={"return_id": return_id})
    return {"return_id": return_id, "retry": "REQUESTED"}


@app.post(
    "/ops/returns/<return_id>/refund-repay",
    summary="Pay again a refund reversed after the return ended",
    responses=ops_errors(404, 409, 422, ok={202: "The repayment is requested"}),
    status_code=202,
)
def repay_refund(return_id: ReturnId, body: Annotated[RefundRetryBody, Body()]) -> Response[dict[str, Any]]:
    """Pay again a refund the provider reversed after the return had ended."""
    _record(return_id)
    services().refunder.request_repay(return_id, body.operator, body.note)
    logger.info("refund repay requested", extra={"return_id": return_id})
    return json_response(202, {"return_id": return_id, "repay": "REQUESTED"})


@app.post(
    "/ops/returns/<return_id>/label-retry",
    summary="Try a parked label purchase again",
    responses=ops_errors(404, 409, 422),
)
def retry_label(return_id: ReturnId, body: Annotated[RefundRetryBody, Body()]) -> dict[str, Any]:
    _record(return_id)
    services().milestones.retry(return_id, Stage.LABEL_FIX, body.operator, body.note)
    logger.info("label retry requested", extra={"return_id": return_id})
    return {"return_id": return_id, "retry": "REQUESTED"}


@app.get("/ops/alerts", summary="What ops must act on now", responses=ops_errors(422))
def alerts(code: Annotated[str | None, Query()] = None) -> dict[str, Any]:
    """What ops must act on now across every open return, critical first, then the oldest."""
    if code is not None and code not in set(AlertCode):
        raise InvalidInput(
            "Unknown alert code.",
            code="UNKNOWN_ALERT_CODE",
            details=[{"field": "code", "message": f"one of {', '.join(AlertCode)}"}],
        )
    svc = services()
    rules = AlertRules(svc.settings.warehouse_country, timedelta(days=svc.settings.inspection_sla_days))
    found = OpenReturnAlerts(svc.returns, svc.orders, rules).current(utcnow())
    return {
        "alerts": [alert.to_json() for alert in found if code is None or alert.code == code],
        "counts": counts(found),
    }


class AdjustmentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: AdjustmentKind
    amount: Decimal = Field(gt=0, le=Decimal("1000000"), max_digits=12, decimal_places=3, allow_inf_nan=False)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    # The carrier's invoice, the broker's entry or the claim payment: one line per reference.
    reference: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")
    operator: str = Field(min_length=1, max_length=100)
    note: str | None = Field(default=None, max_length=500)


@app.post(
    "/ops/returns/<return_id>/ledger-adjustments",
    summary="Add a cost or recovery to a return's ledger",
    responses=ops_errors(
        404,
        409,
        422,
        ok={201: "The line is added", 200: "A line with this reference was added before; nothing changed"},
    ),
    status_code=201,
)
def ledger_adjustment(return_id: ReturnId, body: Annotated[AdjustmentBody, Body()]) -> Response[dict[str, Any]]:
    """A cost or recovery from paperwork that came after the workflow's steps, as its own ledger line."""
    record = _record(return_id)
    if body.currency not in SUPPORTED_CURRENCIES:
        raise InvalidInput(f"{body.currency} is not a supported currency.", code="UNSUPPORTED_CURRENCY")
    if body.amount != body.amount.quantize(Decimal(1).scaleb(-minor_units(body.currency))):
        raise InvalidInput(f"{body.currency} has {minor_units(body.currency)} decimal places.", code="AMOUNT_PRECISION")
    amount = Money.of(body.amount, body.currency)
    at = utcnow()

    def adjust(current: Any) -> bool:
        return record_adjustment(current, body.kind, amount, body.reference, body.operator, body.note, at)

    svc = services()
    added = svc.returns.mutate(return_id, adjust)
    # An open return gets only the new line now; its own counts are added once, when it ends.
    svc.cost_recorder.record(return_id, lines_only=not is_terminal(ReturnStatus(record.status)))
    logger.info("ledger adjustment", extra={"return_id": return_id, "kind": body.kind, "added": added})
    return json_response(
        201 if added else 200, {"return_id": return_id, "added": added, "ledger": ledger_lines(return_id)}
    )


class AcknowledgeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operator: str = Field(min_length=1, max_length=100)
    note: str | None = Field(default=None, max_length=500)


@app.post(
    "/ops/returns/<return_id>/alerts/<code>/acknowledge",
    summary="Take an alert off the list",
    responses=ops_errors(404, 409, 422),
)
def acknowledge_alert(
    return_id: ReturnId, code: Annotated[AlertCode, Path()], body: Annotated[AcknowledgeBody, Body()]
) -> dict[str, Any]:
    """Take an alert that outlives its return (a possible double refund, an overpayment) off the list."""
    _record(return_id)
    at = utcnow()
    changed = services().returns.mutate(
        return_id, lambda record: acknowledge(record, code, body.operator, body.note, at)
    )
    logger.info("alert acknowledged", extra={"return_id": return_id, "code": code, "changed": changed})
    return {"return_id": return_id, "code": code.value, "acknowledged": True, "already": not changed}


@app.post("/ops/ledger/backfill", summary="Write what ended returns lack in the ledger", responses=ops_errors(409, 422))
def backfill_ledger(
    status: Annotated[ReturnStatus, Query()],
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> dict[str, Any]:
    """Write what ended returns of one status lack in the ledger and the analytics, a page at a time.

    Safe to run again: lines exist once and each return's counts carry a marker (returns recorded
    before the analytics existed get theirs; the others change nothing)."""
    if not is_terminal(status):
        raise InvalidInput("Only ended returns are backfilled; open ones are recorded when they end.", code="NOT_ENDED")
    svc = services()
    try:
        page, next_cursor = svc.returns.by_status(status.value, limit, cursor)
    except ValueError:
        raise InvalidInput("The cursor is not valid.", code="INVALID_CURSOR") from None
    written = sum(int(svc.cost_recorder.record(record.return_id)["lines_written"]) for record in page)
    logger.info("ledger backfill", extra={"status": status, "returns": len(page), "lines_written": written})
    return {"returns": len(page), "lines_written": written, "next_cursor": next_cursor}


@app.get("/ops/unmatched-scans", summary="Scans no return matched yet", responses=ops_errors())
def unmatched_scans() -> dict[str, Any]:
    pending = services().unmatched_scans.pending()
    return {"scans": [scan.model_dump(mode="json") for scan in pending], "count": len(pending)}


@app.post("/ops/unmatched-scans/reconcile", summary="Apply the kept scans that now match", responses=ops_errors(409))
def reconcile_scans() -> dict[str, Any]:
    """Apply every kept scan whose tracking number now belongs to a return."""
    applied, still_unmatched = 0, 0
    for scan in sorted(services().unmatched_scans.pending(), key=lambda s: s.occurred_at):
        if services().milestones.apply_scan(scan) == "UNMATCHED":
            still_unmatched += 1
            continue
        record = services().returns.by_tracking_number(scan.tracking_number)
        services().unmatched_scans.mark(scan, record.return_id if record else "")
        applied += 1
    logger.info("unmatched scans reconciled", extra={"applied": applied, "still_unmatched": still_unmatched})
    return {"applied": applied, "still_unmatched": still_unmatched}


_CSV = {"description": "The figures as CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}
_ORDER_SYNCED = {201: "The order is stored", 200: "The order was known; it is updated"}

FromMonth = Annotated[str | None, Query(alias="from", pattern=r"^\d{4}-\d{2}$", description="first month, YYYY-MM")]
ToMonth = Annotated[str | None, Query(alias="to", pattern=r"^\d{4}-\d{2}$", description="last month, YYYY-MM")]
SkuLimit = Annotated[
    int, Query(ge=1, le=skus.MAX_TOP, description="how many of the most returned SKUs the report lists")
]
PageLimit = Annotated[int, Query(ge=1, le=skus.MAX_PAGE, description="SKUs per page")]
PageCursor = Annotated[str | None, Query(max_length=2000, description="next_cursor of the previous page")]


def _period(start: str | None, end: str | None) -> tuple[str, str, list[str]]:
    """The period asked for: `from`/`to` default to the twelve months ending with the current one."""
    today = utcnow()
    end = end or f"{today.year:04d}-{today.month:02d}"
    if start is None:
        year, month = int(end[:4]), int(end[5:7]) - 11
        start = f"{year - 1:04d}-{month + 12:02d}" if month < 1 else f"{year:04d}-{month:02d}"
    try:
        return start, end, report.months_between(start, end)
    except report.InvalidPeriod as exc:
        raise InvalidInput(f"The period is not valid: {exc}.", code="INVALID_PERIOD") from None


def _after(cursor: str | None) -> str | None:
    try:
        return skus.decode_cursor(cursor) if cursor is not None else None
    except skus.InvalidCursor:
        raise InvalidInput("The cursor is not valid.", code="INVALID_CURSOR") from None


@app.get("/ops/analytics", summary="The period's figures", responses=ops_errors(422))
def analytics(start: FromMonth = None, end: ToMonth = None, sku_limit: SkuLimit = skus.DEFAULT_TOP) -> dict[str, Any]:
    """The period's figures, with its `sku_limit` most returned SKUs (every SKU: /ops/analytics/skus)."""
    svc = services()
    start, end, months = _period(start, end)
    top = svc.aggregates.most_returned(months, sku_limit)
    return report.build(svc.aggregates.months(months), svc.settings.base_currency, start, end, top, sku_limit)


@app.get("/ops/analytics/skus", summary="Every SKU's figures, a page at a time", responses=ops_errors(422))
def analytics_skus(
    start: FromMonth = None, end: ToMonth = None, cursor: PageCursor = None, limit: PageLimit = skus.DEFAULT_PAGE
) -> dict[str, Any]:
    """Every SKU with units sold or returned in the period, in SKU code order, a page at a time."""
    start, end, months = _period(start, end)
    page, more = services().aggregates.skus_after(months, _after(cursor), limit)
    return {
        "period": {"from": start, "to": end},
        "ordered_by": "sku",
        "skus": [report.sku_row(totals) for totals in page],
        "next_cursor": skus.encode_cursor(page[-1].sku) if more and page else None,
    }


@app.get(
    "/ops/analytics/export.csv",
    summary="The figures as CSV",
    responses=ops_errors(422, ok={200: _CSV}),
)
def analytics_csv(start: FromMonth = None, end: ToMonth = None) -> Response[str]:
    """The figures as CSV, every SKU included (the full list, read a page at a time)."""
    svc = services()
    start, end, months = _period(start, end)
    figures = report.build(svc.aggregates.months(months), svc.settings.base_currency, start, end)
    name = f"returns-analytics-{start}-{end}.csv"
    return Response(
        200,
        "text/csv; charset=utf-8",
        report.to_csv(figures, every_sku=svc.aggregates.every_sku(months)),
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@app.post("/orders", summary="Sync an order placed", responses=ops_errors(422, ok=_ORDER_SYNCED), status_code=201)
def create_order(order: Annotated[Order, Body()]) -> Response[dict[str, Any]]:
    """The storefront's order sync: an order placed (units sold count towards return rates)."""
    return sync_order(order.order_number, order)


@app.put(
    "/ops/orders/<order_number>",
    summary="Store or update an order",
    responses=ops_errors(422, ok=_ORDER_SYNCED),
    status_code=201,
)
def sync_order(
    order_number: Annotated[str, Path(min_length=1, max_length=64)], order: Annotated[Order, Body()]
) -> Response[dict[str, Any]]:
    if order.order_number != order_number:
        raise InvalidInput("The order number in the path and the body differ.", code="ORDER_NUMBER_MISMATCH")
    existed = services().orders.find(order_number) is not None
    services().orders.upsert(order)
    return json_response(200 if existed else 201, {"order_number": order_number, "lines": len(order.lines)})


@app.get("/ops/openapi.json", include_in_schema=False)
def openapi() -> Response[str]:
    return Response(200, "application/json", openapi_document(app, TITLE, DESCRIPTION, bearer=True))


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return body_problem(event) or app.resolve(event, context)
