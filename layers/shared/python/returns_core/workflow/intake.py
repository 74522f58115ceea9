"""Turning a shopper's request into a return: validate, reserve, start the workflow.

The return id is derived from the order and the request (or the caller's Idempotency-Key),
so a repeated or concurrent identical request lands on the same return and starts the same
execution (executions are named after the return): no second return, no second workflow.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Protocol

from returns_core.clock import iso, utcnow
from returns_core.domain import deadlines
from returns_core.domain.deadlines import within_statutory_window
from returns_core.domain.eligibility import INPUT_VALIDATORS, EligibilityContext, assess
from returns_core.domain.orders import Order, normalise_email, shopper_key
from returns_core.domain.policy import MarketPolicy, UnsupportedMarket, market_for, policy_for
from returns_core.domain.requests import Resolution, ReturnRequest
from returns_core.domain.statuses import ReturnStatus, is_terminal
from returns_core.errors import Conflict, InvalidInput, NotFound, Unavailable
from returns_core.i18n import N_
from returns_core.observability import logger
from returns_core.storage.models import ReturnRecord
from returns_core.storage.repository import (
    OrdersRepository,
    ReturnsRepository,
    is_conflict,
    reserved_quantities,
)

_ATTEMPTS = 5
# The same answer for an unknown order and a wrong email, so the reply does not reveal which orders exist.
ORDER_NOT_FOUND = N_("No order matches this email and order number.")


class WorkflowStarter(Protocol):
    def start(self, return_id: str) -> None: ...


def return_id_for(order_number: str, email: str, discriminator: str) -> str:
    # The shopper's email is part of the hash, so knowing an order number is not enough to derive an id.
    digest = hashlib.sha256(f"{order_number}\x1f{normalise_email(email)}\x1f{discriminator}".encode()).digest()
    return "RT-" + base64.b32encode(digest).decode()[:16]


def request_fingerprint(request: ReturnRequest) -> str:
    # The language is how the shopper reads about the return, not what they return.
    return hashlib.sha256(request.model_dump_json(exclude={"email", "language"}).encode()).hexdigest()


WITHDRAWAL_NOT_OFFERED = N_(
    "The withdrawal function applies to orders delivered in the European Union. Please start a normal return."
)
UNKNOWN_VARIANT = N_("The variant chosen for the exchange is not offered for these items.")


class PhotoCheck(Protocol):
    def check(self, order_number: str, keys: list[str]) -> None: ...


class Intake:
    def __init__(
        self,
        orders: OrdersRepository,
        returns: ReturnsRepository,
        starter: WorkflowStarter,
        now: Callable[[], datetime] = utcnow,
        photos: PhotoCheck | None = None,
        policies: Callable[[str], MarketPolicy] = policy_for,
        markets: frozenset[str] | None = None,
    ) -> None:
        self._markets = markets
        self._orders = orders
        self._returns = returns
        self._starter = starter
        self._now = now
        self._photos = photos
        self._policies = policies

    def create(self, request: ReturnRequest, idempotency_key: str | None = None) -> tuple[ReturnRecord, bool]:
        """The return and whether it was created now (False: an identical earlier request)."""
        for _ in range(_ATTEMPTS):
            found = self._orders.find(request.order_number)
            if found is None or not found[0].email_matches(request.email):
                raise NotFound(ORDER_NOT_FOUND, code="ORDER_NOT_FOUND")
            order, order_record = found
            fingerprint = request_fingerprint(request)
            discriminator = (
                f"key:{idempotency_key}" if idempotency_key else f"n:{order_record.returns_count}:{fingerprint}"
            )
            return_id = return_id_for(order.order_number, order.email, discriminator)
            existing = self._returns.find(return_id)
            if existing is None and not idempotency_key:
                existing = self._open_repeat(order, int(order_record.returns_count), fingerprint)
            if existing is not None:
                if existing.request.get("fingerprint") != fingerprint:
                    raise Conflict(
                        N_("This Idempotency-Key was already used for a different request."),
                        code="IDEMPOTENCY_KEY_REUSED",
                    )
                self._start(existing.return_id)
                return existing, False
            try:
                market = market_for(order.country)
            except UnsupportedMarket:
                raise InvalidInput(
                    N_("Returns are not offered for orders shipped to {country}."),
                    params={"country": order.country},
                    code="UNSUPPORTED_MARKET",
                ) from None
            if self._markets is not None and market not in self._markets:
                raise InvalidInput(
                    N_("This shop does not take returns for orders shipped to {country}."),
                    params={"country": order.country},
                    code="MARKET_NOT_ENABLED",
                )
            policy = self._policies(order.country)
            reserved = reserved_quantities(order_record)
            ctx = EligibilityContext(order, request, policy, self._now(), already_returned=reserved)
            errors = assess(ctx, INPUT_VALIDATORS).input_errors
            if errors:
                raise InvalidInput(
                    errors[0].template,
                    params=dict(errors[0].params),
                    code=errors[0].code,
                    details=[{"code": e.code, "line_id": e.line_id, "message": e.message} for e in errors],
                )
            self._check_extras(order, request, policy)
            for item in request.items:
                reserved[item.line_id] = reserved.get(item.line_id, 0) + item.quantity
            now = self._now()
            # The law's own terms, not the seller's: only they set a statutory refund deadline.
            floor = policy_for(order.country)
            statutory = within_statutory_window(floor, order, now)
            refund_deadline = None
            if request.resolution is Resolution.REFUND or request.withdrawal:
                refund_deadline = deadlines.on_notice(floor, order, now)
            withdrawal = None
            if request.withdrawal:
                withdrawal = {"declared_at": iso(now)}
                if refund_deadline is not None:
                    withdrawal["refund_deadline"] = refund_deadline.date().isoformat()
            record = ReturnRecord(
                return_id,
                order_number=order.order_number,
                status=ReturnStatus.REQUESTED.value,
                created_at=iso(now),
                updated_at=now,
                market=market,
                currency=order.currency,
                locale=request.language or order.locale,
                withdrawal=withdrawal,
                refund_deadline=refund_deadline,
                shopper_key=shopper_key(order.email),
                request={
                    "items": [item.model_dump(mode="json") for item in request.items],
                    "resolution": request.resolution.value,
                    "exchange_sku": request.exchange_sku,
                    "fingerprint": fingerprint,
                    "withdrawal": request.withdrawal,
                    # Whether the request fell in the statutory window: a deadline counted from the goods'
                    # arrival (set when they arrive) applies only then.
                    "statutory": statutory,
                },
                timeline=[{"kind": "STATUS", "status": ReturnStatus.REQUESTED.value, "at": iso(now)}],
            )
            try:
                self._returns.create(record, order_record, reserved)
            except Exception as exc:
                if is_conflict(exc):
                    continue  # the order changed (another return) or the same request won the race
                raise
            self._start(return_id, compensate=partial(self._undo, record, request))
            return record, True
        raise Conflict(N_("The order is being changed by another request; try again."), code="CONCURRENT_REQUEST")

    def _check_extras(self, order: Order, request: ReturnRequest, policy: MarketPolicy) -> None:
        if request.withdrawal and not policy.withdrawal_function:
            raise InvalidInput(WITHDRAWAL_NOT_OFFERED, code="WITHDRAWAL_NOT_OFFERED")
        if request.exchange_sku:
            offered = {
                variant.sku
                for item in request.items
                if (line := order.line(item.line_id)) is not None
                for variant in line.variants
            }
            if request.exchange_sku not in offered:
                raise InvalidInput(UNKNOWN_VARIANT, code="UNKNOWN_VARIANT")
        photos = [key for item in request.items for key in item.photos]
        if photos and self._photos is not None:
            self._photos.check(order.order_number, photos)

    def _open_repeat(self, order: Order, returns_count: int, fingerprint: str) -> ReturnRecord | None:
        """The order's latest return if this request repeats it (same items, no key) and it is still open.

        The id of an unkeyed return counts the order's earlier returns, so a repeated request, or the
        loser of two concurrent identical ones, would otherwise get an id of its own and a second return.
        Once the latest return has ended (rejected, expired, refunded...), asking again starts a new one.
        """
        if returns_count < 1:
            return None
        latest = self._returns.find(
            return_id_for(order.order_number, order.email, f"n:{returns_count - 1}:{fingerprint}")
        )
        if latest is None or is_terminal(ReturnStatus(latest.status)):
            return None
        return latest

    def _start(self, return_id: str, compensate: Callable[[], None] | None = None) -> None:
        try:
            self._starter.start(return_id)
        except Exception as exc:
            logger.exception("could not start the workflow", extra={"return_id": return_id})
            if compensate is not None:
                compensate()
            raise Unavailable(N_("The return could not be started; nothing was kept. Try again.")) from exc

    def _undo(self, record: ReturnRecord, request: ReturnRequest) -> None:
        """No workflow, no return: remove it and give its quantities back."""
        try:
            record.delete()
            self._orders.release(record.order_number, {i.line_id: i.quantity for i in request.items})
        except Exception:
            logger.exception(
                "compensation failed; the return is left in REQUESTED", extra={"return_id": record.return_id}
            )
