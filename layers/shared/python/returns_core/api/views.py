"""What each audience sees of a return. No view carries the shopper's email, name or address."""

from __future__ import annotations

from typing import Any

from returns_core.adapters.documents import DocumentStore
from returns_core.storage.models import ReturnRecord
from returns_core.workflow.alerts import outstanding_acknowledgements


def _label(record: ReturnRecord, documents: DocumentStore | None) -> dict[str, Any] | None:
    if not record.label:
        return None
    label = {
        key: record.label.get(key)
        for key in ("carrier", "service", "tracking_number", "valid_until", "qr_code", "customs")
    }
    if documents is not None and record.label.get("label_key"):
        label["label_url"] = documents.presigned_url(record.label["label_key"])
    return label


def public_view(record: ReturnRecord, documents: DocumentStore | None = None) -> dict[str, Any]:
    return {
        "return_id": record.return_id,
        "order_number": record.order_number,
        "status": record.status,
        "created_at": record.created_at,
        "updated_at": record.updated_at.isoformat(),
        "items": [
            {
                "line_id": item["line_id"],
                "quantity": item["quantity"],
                "reason": item["reason"],
                "photos": len(item.get("photos") or []),
            }
            for item in record.request["items"]
        ],
        "resolution": record.request["resolution"],
        "returnless": record.returnless,
        "label": _label(record, documents),
        "refund": (
            {"status": record.refund.get("status"), "total": record.refund["breakdown"]["total"]}
            if record.refund
            else None
        ),
        "timeline": [
            {k: v for k, v in entry.items() if k in ("kind", "status", "scan", "at", "location")}
            for entry in record.timeline or []
        ],
    }


def _ops_items(record: ReturnRecord, documents: DocumentStore | None) -> list[dict[str, Any]]:
    """Each item with the shopper's note and photos and the inspector's (notes and photos are for ops only)."""

    def links(keys: list[str] | None) -> list[str]:
        return [documents.presigned_url(key) if documents else key for key in keys or []]

    inspected = {item["line_id"]: item for item in (record.inspection or {}).get("items", [])}
    return [
        {
            "line_id": item["line_id"],
            "quantity": item["quantity"],
            "reason": item["reason"],
            "note": item.get("note"),
            "photos": links(item.get("photos")),
            "inspection_photos": links(inspected.get(item["line_id"], {}).get("photos")),
        }
        for item in record.request["items"]
    ]


def route_of(record: ReturnRecord) -> dict[str, Any] | None:
    """The routing decision with every candidate and its cost (on the label, or on the timeline when kept)."""
    plan: dict[str, Any] | None = (record.label or {}).get("plan")
    if plan is None:
        plans = [entry["plan"] for entry in record.timeline or [] if entry.get("kind") == "ROUTE"]
        plan = plans[-1] if plans else None
    return plan


def ops_view(record: ReturnRecord, documents: DocumentStore | None = None) -> dict[str, Any]:
    return {
        **public_view(record, documents),
        "items": _ops_items(record, documents),
        "withdrawal": record.withdrawal,
        "claim": record.claim,
        "refund_deadline": record.refund_deadline.isoformat() if record.refund_deadline else None,
        "language": record.locale,
        "market": record.market,
        "currency": record.currency,
        "decision": record.decision,
        "review": record.review,
        "route": route_of(record),
        "inspection": record.inspection,
        "refund": record.refund,
        "final": record.final,
        "waiting_for": record.waiting_for,
        "dispatched_at": record.dispatched_at.isoformat() if record.dispatched_at else None,
        "delivered_at": record.delivered_at.isoformat() if record.delivered_at else None,
        "timeline": record.timeline or [],
        "alerts_to_acknowledge": sorted(outstanding_acknowledgements(record)),
    }


def summary_view(record: ReturnRecord) -> dict[str, Any]:
    return {
        "return_id": record.return_id,
        "order_number": record.order_number,
        "status": record.status,
        "market": record.market,
        "created_at": record.created_at,
        "updated_at": record.updated_at.isoformat(),
        "waiting_for": record.waiting_for,
    }
