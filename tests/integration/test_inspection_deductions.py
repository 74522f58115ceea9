"""Partial acceptance at inspection: units refused with their reason, and a deduction for the
condition of accepted units the shopper damaged, within what the market's policy allows."""

from __future__ import annotations

from returns_core.money import Money
from returns_core.storage.models import LedgerRecord
from returns_core.wiring import services

from .support import (
    LocalAws,
    create_return,
    delivered_to_warehouse,
    get_return,
    ops,
    order_line,
    refund_objects,
    seed_order,
    sent_emails,
    wait_execution,
)

US_LINES = [
    order_line("1", sku="JKT-L", name="Rain jacket, L", price="120.00", hs_code="620193", origin="VN"),
    order_line("2", sku="CAP-1", name="Cap", price="20.00", hs_code="650500", origin="CN", quantity=2),
]


def _item(line_id: str, accepted: int, **extra: object) -> dict[str, object]:
    return {"line_id": line_id, "accepted_quantity": accepted, "grade": "C", "disposition": "REFURBISH", **extra}


def _inspect(return_id: str, *items: dict[str, object]) -> object:
    return ops("POST", f"/ops/returns/{return_id}/inspection", {"inspector": "warehouse-7", "items": list(items)})


def test_a_damaged_jacket_and_a_missing_cap_are_refunded_less_what_inspection_found(aws: LocalAws) -> None:
    # Given a US return (refunded after inspection) of a jacket and two caps, delivered to the warehouse
    order = seed_order("ORD-US-DMG", country="US", currency="USD", lines=US_LINES)
    return_id = create_return(order, items=[("1", 1), ("2", 2)])
    delivered_to_warehouse(return_id)

    # When the inspector tries deductions the policy or the facts do not allow
    refused = [
        _inspect(return_id, _item("1", 1, deduction_percent="30")),
        _inspect(return_id, _item("1", 1, deduction_percent="130", deduction_reason="SIGNS_OF_USE")),
        _inspect(return_id, _item("2", 2, not_accepted_reason="MISSING")),
    ]
    # Then each is a 422 saying why, and the return still waits for its inspection
    assert [(reply.status, reply.code) for reply in refused] == [  # type: ignore[attr-defined]
        (422, "DEDUCTION_REASON_REQUIRED"),
        (422, "INVALID_REQUEST"),
        (422, "NOTHING_NOT_ACCEPTED"),
    ]
    assert get_return(return_id).inspection is None

    # When the jacket is accepted with a 25 % deduction for a torn seam and one cap is missing
    accepted = _inspect(
        return_id,
        _item("1", 1, deduction_percent="25", deduction_reason="DAMAGED_BY_SHOPPER", note="Seam torn at the cuff"),
        _item("2", 1, not_accepted_reason="MISSING"),
    )
    assert accepted.status == 200, accepted  # type: ignore[attr-defined]
    assert wait_execution(return_id)["status"] == "SUCCEEDED"

    # Then the shopper gets the jacket less 30.00 and one cap: 110.00, paid once
    record = get_return(return_id)
    breakdown = record.refund["breakdown"]
    assert breakdown["items"] == {"amount": "140.00", "currency": "USD"}
    assert breakdown["condition_deduction"] == {"amount": "30.00", "currency": "USD"}
    assert breakdown["total"] == {"amount": "110.00", "currency": "USD"}
    [paid] = refund_objects()
    assert paid["amount"] == breakdown["total"]
    # And the inspection keeps why, and the ledger shows the deduction recovered beside the refund
    lines = {item["line_id"]: item for item in record.inspection["items"]}
    assert (lines["2"]["not_accepted_reason"], lines["1"]["deduction_reason"]) == ("MISSING", "DAMAGED_BY_SHOPPER")
    ledger = {line.kind: line.amount for line in LedgerRecord.query(return_id)}
    assert (ledger["REFUND"], ledger["CONDITION_DEDUCTION"]) == ("-110.00", "30.00")
    # And the refund email tells the shopper what was kept back for the jacket's condition
    from returns_core.i18n import translator

    _ = translator("en")
    subject = f"Your refund for order {order.order_number} is on its way"
    text = next(mail.text for mail in sent_emails() if mail.subject == subject)
    assert _("Kept back for the condition of the items: {amount}.", amount=_.money(Money.of("30.00", "USD"))) in text
    assert "Restocking fee kept back" not in text


def test_a_defective_item_cannot_be_deducted_for_its_condition(aws: LocalAws) -> None:
    # Given a jacket returned as defective
    order = seed_order("ORD-US-DEF", country="US", currency="USD", lines=US_LINES)
    return_id = create_return(order, items=[("1", 1)], reason="DEFECTIVE")
    delivered_to_warehouse(return_id)
    # When the inspector deducts for its condition / Then it is refused: the fault is the seller's
    reply = _inspect(return_id, _item("1", 1, deduction_percent="40", deduction_reason="DAMAGED_BY_SHOPPER"))
    assert (reply.status, reply.code) == (422, "DEDUCTION_NOT_ALLOWED")  # type: ignore[attr-defined]
    # And the inspection without a deduction refunds it in full
    assert _inspect(return_id, _item("1", 1)).status == 200  # type: ignore[attr-defined]
    assert wait_execution(return_id)["status"] == "SUCCEEDED"
    assert get_return(return_id).refund["breakdown"]["total"] == {"amount": "120.00", "currency": "USD"}


JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def test_the_inspector_attaches_photos_of_the_damage_that_ops_can_open_later(aws: LocalAws) -> None:
    # Given a delivered US return of a jacket
    order = seed_order("ORD-US-PIC", country="US", currency="USD", lines=US_LINES)
    return_id = create_return(order, items=[("1", 1)])
    delivered_to_warehouse(return_id)

    # When the inspector asks to upload a photo, a PDF and a photo of an unknown return
    photo = ops("POST", f"/ops/returns/{return_id}/inspection-photos", {"content_type": "image/jpeg", "size": 900})
    pdf = ops("POST", f"/ops/returns/{return_id}/inspection-photos", {"content_type": "application/pdf", "size": 900})
    unknown = ops("POST", "/ops/returns/RT-NONE/inspection-photos", {"content_type": "image/jpeg", "size": 900})

    # Then only the photo gets a presigned POST, under this return's own prefix
    assert photo.status == 201, photo
    key = photo.body["key"]
    assert key.startswith(f"inspections/{return_id}/") and photo.body["fields"]["key"] == key
    assert ((pdf.status, pdf.code), unknown.status) == ((422, "PHOTO_TYPE_NOT_ALLOWED"), 404)

    # When the upload lands and the inspection names it, and a key of another return is tried first
    services().documents.put(key, JPEG, "image/jpeg")
    foreign = "inspections/RT-ANOTHER/x.jpg"
    services().documents.put(foreign, JPEG, "image/jpeg")
    stolen = _inspect(return_id, _item("1", 1, photos=[foreign]))
    assert (stolen.status, stolen.code) == (422, "PHOTO_INVALID")  # type: ignore[attr-defined]
    damaged = _item("1", 1, deduction_percent="10", deduction_reason="SIGNS_OF_USE", photos=[key])
    assert _inspect(return_id, damaged).status == 200  # type: ignore[attr-defined]

    # Then ops see a link to it beside the item
    [item] = ops("GET", f"/ops/returns/{return_id}").body["items"]
    [link] = item["inspection_photos"]
    assert key in link
    assert wait_execution(return_id)["status"] == "SUCCEEDED"
