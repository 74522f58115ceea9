"""Costs and recoveries that arrive after the workflow's own steps, entered by ops from the carrier's
or the customs broker's paperwork: duties and taxes billed for a cross-border return, a carrier's
surcharge after weighing the parcel, the money a carrier pays on a claim for a lost parcel.

Each is kept on the return (with who entered it and its reference) and becomes one ledger line,
`<KIND>#<reference>`: the same paper entered twice is one line.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from returns_core.clock import iso
from returns_core.errors import Conflict
from returns_core.money import Money
from returns_core.storage.models import ReturnRecord
from returns_core.workflow.lifecycle import append_timeline


class AdjustmentKind(StrEnum):
    DUTIES_AND_TAXES = "DUTIES_AND_TAXES"
    CARRIER_SURCHARGE = "CARRIER_SURCHARGE"
    CARRIER_CLAIM_RECOVERED = "CARRIER_CLAIM_RECOVERED"


# Recoveries are positive ledger lines, costs negative.
_RECOVERIES = frozenset({AdjustmentKind.CARRIER_CLAIM_RECOVERED})


def record_adjustment(
    record: ReturnRecord,
    kind: AdjustmentKind,
    amount: Money,
    reference: str,
    operator: str,
    note: str | None,
    at: datetime,
) -> bool:
    """Keep the adjustment on the return; False if this paper was entered already (nothing changes).

    Conflict if the same reference was entered with another amount, or a claim recovery has no claim."""
    for earlier in record.adjustments or []:
        if earlier["kind"] == kind.value and earlier["reference"] == reference:
            if Money.from_json(earlier["amount"]) != amount:
                raise Conflict(
                    f"{kind.value} {reference} was entered as {Money.from_json(earlier['amount'])}; enter a"
                    " correction under its own reference.",
                    code="ADJUSTMENT_CONFLICT",
                )
            return False
    if kind is AdjustmentKind.CARRIER_CLAIM_RECOVERED:
        if not record.claim or not record.claim.get("claim_id"):
            raise Conflict("This return has no carrier claim to recover money on.", code="NO_CLAIM")
        recovered = Money.from_json(record.claim["recovered"]) + amount if record.claim.get("recovered") else amount
        record.claim = {**record.claim, "status": "PAID", "recovered": recovered.to_json(), "paid_at": iso(at)}
    entry: dict[str, Any] = {
        "kind": kind.value,
        "amount": amount.to_json(),
        "reference": reference,
        "operator": operator,
        "at": iso(at),
    }
    if note:
        entry["note"] = note
    record.adjustments = [*(record.adjustments or []), entry]
    append_timeline(record, {"kind": "ADJUSTMENT", "adjustment": kind.value, "reference": reference, "at": iso(at)})
    return True


def adjustment_entries(record: ReturnRecord) -> list[tuple[str, str, Money, dict[str, Any]]]:
    """(line id, kind, signed amount, detail) for each adjustment on the return."""
    entries = []
    for adjustment in record.adjustments or []:
        kind = AdjustmentKind(adjustment["kind"])
        amount = Money.from_json(adjustment["amount"])
        signed = amount if kind in _RECOVERIES else -amount
        line_id = f"{kind.value}#{adjustment['reference']}"
        entries.append((line_id, kind.value, signed, {"reference": adjustment["reference"]}))
    return entries
