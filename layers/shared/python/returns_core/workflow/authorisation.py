"""The Authorise task: policy and risk decide whether a return goes ahead, waits for a person, or stops."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from returns_core.clock import iso, parse_utc, utcnow
from returns_core.domain.eligibility import (
    POLICY_VALIDATORS,
    RISK_VALIDATORS,
    Decision,
    EligibilityContext,
    RiskThresholds,
    assess,
)
from returns_core.domain.lanes import DELIVERY_LIMIT, STALL_LIMIT, zone_for
from returns_core.domain.policy import MarketPolicy, RefundTrigger, policy_for
from returns_core.domain.requests import RequestedItem, ReturnRequest
from returns_core.domain.statuses import ReturnStatus
from returns_core.fx import FxRates
from returns_core.settings import Settings
from returns_core.storage.models import ReturnRecord
from returns_core.storage.repository import OrdersRepository, ReturnsRepository, reserved_quantities
from returns_core.workflow.lifecycle import transition

LABEL_VALIDITY_SECONDS = 14 * 86400
# How long an acknowledged refund may stay pending before ops are asked to look (card refunds settle
# in days; some bank transfers take over a week).
REFUND_OUTCOME_SECONDS = 10 * 86400


def request_of(record: ReturnRecord, email: str) -> ReturnRequest:
    return ReturnRequest(
        order_number=record.order_number,
        email=email,
        items=tuple(RequestedItem.model_validate(item) for item in record.request["items"]),
        resolution=record.request["resolution"],
        exchange_sku=record.request.get("exchange_sku"),
    )


@dataclass(frozen=True)
class Authoriser:
    orders: OrdersRepository
    returns: ReturnsRepository
    settings: Settings
    fx: FxRates
    now: Callable[[], datetime] = utcnow
    # The market's statutory floor with the seller's own, more generous, terms applied.
    policies: Callable[[str], MarketPolicy] = policy_for

    def authorise(self, return_id: str) -> dict[str, Any]:
        record = self.returns.get(return_id)
        order, order_record = self.orders.get(record.order_number)
        zone = zone_for(order.country, self.settings.warehouse_country)
        # Where the acceptance scan (proof of dispatch) is what obliges the refund, a loss after it does not delay it.
        proof_of_dispatch = self.policies(order.country).refund_trigger is RefundTrigger.ACCEPTANCE_SCAN
        lost_refund_days = 0 if proof_of_dispatch else self.settings.lost_refund_days
        timeouts = {
            "dispatch_seconds": self.settings.scaled_seconds(LABEL_VALIDITY_SECONDS),
            "stall_seconds": self.settings.scaled_seconds(int(STALL_LIMIT[zone].total_seconds())),
            "delivery_seconds": self.settings.scaled_seconds(int(DELIVERY_LIMIT[zone].total_seconds())),
            "lost_refund_seconds": self.settings.scaled_seconds(lost_refund_days * 86400),
            "refund_outcome_seconds": self.settings.scaled_seconds(REFUND_OUTCOME_SECONDS),
        }
        market_trigger = self.policies(order.country).refund_trigger
        if record.decision:  # a retried task: the decision was already taken
            trigger = record.decision.get("refund_trigger", market_trigger.value)
            return {"decision": record.decision["decision"], "timeouts": timeouts, "refund_trigger": trigger}

        request = request_of(record, order.email)
        # Quantities reserved by other returns of this order, not by this one.
        others = reserved_quantities(order_record)
        for item in request.items:
            others[item.line_id] = max(0, others.get(item.line_id, 0) - item.quantity)
        thresholds = RiskThresholds(
            review_value=self.settings.review_value_threshold,
            to_base_rate=self.fx.quote(order.currency, self.settings.base_currency).rate,
        )
        ctx = EligibilityContext(
            order=order,
            request=request,
            policy=self.policies(order.country),
            now=self.now(),
            already_returned=others,
            returns_on_order=max(0, int(order_record.returns_count) - 1),
            shopper_recent_returns=self._shopper_recent_returns(record, thresholds.serial_window_days),
            shopper_recent_exchanges=self._shopper_recent_exchanges(record, thresholds.serial_window_days),
            return_to_country=self.settings.warehouse_country,
            risk=thresholds,
        )
        assessment = assess(ctx, POLICY_VALIDATORS + RISK_VALIDATORS)
        decided_at = self.now()
        # Trust is the storefront's word about the shopper; a return that risk sent to review loses it.
        instant = order.shopper_trusted and assessment.decision is Decision.APPROVED
        trigger = RefundTrigger.INSTANT if instant else market_trigger

        def change(record: ReturnRecord) -> None:
            record.decision = {
                "decision": assessment.decision.value,
                "at": iso(decided_at),
                "refund_trigger": trigger.value,
                "findings": [
                    {
                        "code": f.code,
                        "severity": f.severity.value,
                        "message": f.message,
                        "line_id": f.line_id,
                        # Kept so the shopper's pages and emails can say it in their language.
                        "template": f.template,
                        "params": dict(f.params),
                    }
                    for f in assessment.findings
                ],
            }
            if assessment.decision is Decision.APPROVED:
                transition(record, ReturnStatus.APPROVED, decided_at)
            elif assessment.decision is Decision.REVIEW:
                transition(record, ReturnStatus.IN_REVIEW, decided_at)

        self.returns.mutate(return_id, change)
        return {"decision": assessment.decision.value, "timeouts": timeouts, "refund_trigger": trigger.value}

    def _shopper_recent_exchanges(self, record: ReturnRecord, window_days: int) -> tuple[tuple[str, str], ...]:
        """(SKU returned, SKU sent instead) of the shopper's other exchanges settled within the window."""
        if not record.shopper_key or record.request.get("resolution") != "EXCHANGE":
            return ()
        since = iso(parse_utc(record.created_at) - timedelta(days=window_days))
        swaps: list[tuple[str, str]] = []
        for return_id in self.returns.shopper_return_ids(record.shopper_key, since, record.created_at):
            other = self.returns.find(return_id) if return_id != record.return_id else None
            exchange = ((other.refund or {}).get("exchange") if other else None) or {}
            swaps.extend((line["returned_sku"], line["replacement_sku"]) for line in exchange.get("lines", []))
        return tuple(swaps)

    def _shopper_recent_returns(self, record: ReturnRecord, window_days: int) -> int:
        """The shopper's other returns, on any order, created within the window before this one."""
        if not record.shopper_key:
            return 0  # a return from before shoppers were keyed
        since = iso(parse_utc(record.created_at) - timedelta(days=window_days))
        found = self.returns.shopper_return_ids(record.shopper_key, since, record.created_at)
        return sum(1 for return_id in found if return_id != record.return_id)
