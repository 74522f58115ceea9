"""The portal's use cases: find an order (safely), verify the shopper, upload photos, follow a return."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from returns_core.adapters.documents import DocumentStore
from returns_core.clock import utcnow
from returns_core.domain.orders import Order
from returns_core.domain.policy import MarketPolicy
from returns_core.errors import NotFound, Unauthorised
from returns_core.i18n import N_, Translator
from returns_core.portal.codes import OneTimeCodes
from returns_core.portal.order_view import ShopperContext, order_view
from returns_core.portal.photos import PhotoUploads
from returns_core.portal.throttle import LookupThrottle
from returns_core.portal.tokens import SESSION, SESSION_TTL, TRACK, TRACK_TTL, InvalidToken, TokenSigner
from returns_core.portal.track_view import TrackContext, track_view
from returns_core.storage.repository import OrdersRepository, ReturnsRepository, reserved_quantities
from returns_core.workflow.intake import ORDER_NOT_FOUND
from returns_core.workflow.notifications import ShopperNotifications

SESSION_EXPIRED = N_("Your session has expired. Please look up your order again.")
LINK_INVALID = N_("This link is not valid or has expired.")


def mask_email(email: str) -> str:
    """a•••@e•••.com: enough for the shopper to recognise the address, not enough to learn it."""
    local, _, domain = email.strip().partition("@")
    name, dot, tld = domain.rpartition(".")
    return f"{local[:1]}•••@{name[:1]}•••{dot}{tld}" if name else f"{local[:1]}•••@•••"


@dataclass(frozen=True)
class PortalOptions:
    verify_email: bool
    store_credit_bonus_percent: Decimal


class ShopperPortal:
    def __init__(
        self,
        orders: OrdersRepository,
        returns: ReturnsRepository,
        documents: DocumentStore,
        notifications: ShopperNotifications,
        signer: TokenSigner,
        throttle: LookupThrottle,
        codes: OneTimeCodes,
        photos: PhotoUploads,
        policies: Callable[[str], MarketPolicy],
        options: PortalOptions,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._orders = orders
        self._returns = returns
        self._documents = documents
        self._notifications = notifications
        self._signer = signer
        self._throttle = throttle
        self._codes = codes
        self._photos = photos
        self._policies = policies
        self._options = options
        self._now = now

    def track_token(self, return_id: str) -> str:
        return self._signer.issue(TRACK, {"r": return_id}, TRACK_TTL)

    def _bonus(self, _: Translator) -> str:
        from babel.numbers import format_percent

        return str(format_percent(self._options.store_credit_bonus_percent / 100, locale=_.locale))

    def _opened(self, order: Order, _: Translator) -> dict[str, Any]:
        found = self._orders.get(order.order_number)
        reserved = reserved_quantities(found[1])
        ctx = ShopperContext(_, self._policies(order.country), self._now(), self._bonus(_))
        view = order_view(order, reserved, self._returns.by_order(order.order_number), ctx, self.track_token)
        session = self._signer.issue(SESSION, {"o": order.order_number}, SESSION_TTL)
        return {"session": session, "order": view}

    def lookup(self, email: str, order_number: str, client: str, _: Translator) -> tuple[int, dict[str, Any]]:
        self._throttle.check(client, order_number)
        found = self._orders.find(order_number.strip())
        order = found[0] if found is not None and found[0].email_matches(email) else None
        if self._options.verify_email:
            challenge, code = self._codes.issue(order.order_number if order else None)
            if order is not None:
                self._notifications.send_code(order, code, _.language)
            return 202, {"verification": {"challenge": challenge, "sent_to": mask_email(email)}}
        if order is None:
            raise NotFound(ORDER_NOT_FOUND, code="ORDER_NOT_FOUND")
        return 200, self._opened(order, _)

    def verify(self, challenge: str, code: str, _: Translator) -> dict[str, Any]:
        order_number = self._codes.verify(challenge, code)
        order, _record = self._orders.get(order_number)
        return self._opened(order, _)

    def session_order(self, token: str) -> str:
        try:
            order_number: str = self._signer.verify(SESSION, token)["o"]
        except (InvalidToken, KeyError):
            raise Unauthorised(SESSION_EXPIRED, code="SESSION_INVALID") from None
        return order_number

    def offer_upload(self, session: str, content_type: str, size: int) -> dict[str, Any]:
        return self._photos.offer(self.session_order(session), content_type, size)

    def track(self, token: str, _: Translator) -> dict[str, Any]:
        try:
            return_id = str(self._signer.verify(TRACK, token)["r"])
        except (InvalidToken, KeyError):
            raise NotFound(LINK_INVALID, code="TRACKING_LINK_INVALID") from None
        record = self._returns.find(return_id)
        if record is None:
            raise NotFound(LINK_INVALID, code="TRACKING_LINK_INVALID")
        order, _record = self._orders.get(record.order_number)
        return track_view(record, order, TrackContext(_, self._documents, self._now(), self._bonus(_)))
