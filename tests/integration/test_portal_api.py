"""The shopper portal's API under moto: lookup without enumeration, limits, one-time codes, photos,
signed status links, the EU withdrawal function, answers in the shopper's language, OpenAPI."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from returns_core.domain.scans import ScanStatus
from returns_core.portal.photos import MAX_PHOTO_BYTES
from returns_core.storage.models import LedgerRecord
from returns_core.wiring import services

from .support import (
    LocalAws,
    api_event,
    call_api,
    capture_milestones,
    deliver_milestones,
    deliver_scan,
    drive_to_refund,
    get_return,
    order_line,
    return_request,
    seed_order,
    sent_emails,
    storefront,
    wait_parked,
    wait_status,
    wait_tracking_number,
)

# Returns started here stop at their label: the workflow beyond is tested elsewhere.
pytestmark = pytest.mark.leaves_workflows_waiting

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PNG_PRETENDING_JPEG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _lookup(order_number: str, email: str, *, ip: str = "203.0.113.7", lang: str = "") -> Any:
    event = api_event(
        "POST", "/shopper/lookup", {"email": email, "order_number": order_number}, query=f"lang={lang}" if lang else ""
    )
    event["requestContext"]["http"]["sourceIp"] = ip
    return call_api("storefront-api", event)


def _settings(aws: LocalAws, **values: str) -> None:
    for name, value in values.items():
        aws.monkeypatch.setenv(name, value)
    services.cache_clear()


def _put_photo(key: str, data: bytes, content_type: str) -> None:
    services().documents.put(key, data, content_type)


# ----------------------------------------------------------------------------------------------------- lookup


def test_a_shopper_finds_her_order_with_each_line_eligibility_and_deadline(aws: LocalAws) -> None:
    # Given a German order with a sealed swimsuit beside sneakers
    lines = [order_line("1"), order_line("2", sku="SWM-1", name="Swimsuit", categories=("HYGIENE_SEALED",))]
    order = seed_order("ORD-P1", lines=lines, delivered_days_ago=3)
    # When she looks it up in German
    reply = _lookup(order.order_number, order.email.upper(), lang="de")
    # Then she gets a session and the order, with the sneakers returnable until 14 days after delivery
    assert reply.status == 200, reply
    view = reply.body["order"]
    assert reply.body["session"]
    sneakers, swimsuit = view["lines"]
    assert (sneakers["eligible"], sneakers["returnable_quantity"]) == (True, 1)
    delivered = order.delivered_at
    assert delivered is not None
    assert sneakers["deadline"] == (delivered + timedelta(days=14)).date().isoformat()
    assert re.search(r"\d+\. \w+ \d{4}", sneakers["deadline_display"])  # "6. Dezember 2026"
    # And the swimsuit is shown as not returnable for a change of mind, but still for a fault
    assert swimsuit["eligible"] is False
    assert swimsuit["why_not"]
    assert set(swimsuit["allowed_reasons"]) == {
        "NOT_AS_DESCRIBED",
        "DEFECTIVE",
        "DAMAGED_IN_TRANSIT",
        "WRONG_ITEM",
        "MISSING_PARTS",
    }
    assert view["withdrawal_available"] is True
    assert view["policy"]["legal_source"].startswith("Directive 2011/83/EU")


def test_an_unknown_order_and_a_wrong_email_get_the_same_answer(aws: LocalAws) -> None:
    # Given an existing order
    order = seed_order("ORD-P2")
    # When someone tries a wrong email, and an order number that does not exist
    wrong_email = _lookup(order.order_number, "someone@example.com")
    unknown = _lookup("ORD-NOPE", order.email)
    # Then both get the same 404 with the same code and message: nothing tells them apart
    assert wrong_email.status == unknown.status == 404
    assert wrong_email.body == unknown.body
    assert wrong_email.body["error"]["code"] == "ORDER_NOT_FOUND"


def test_errors_are_answered_in_the_shoppers_language(aws: LocalAws) -> None:
    # Given a shopper whose browser prefers Japanese
    event = api_event(
        "POST",
        "/shopper/lookup",
        {"email": "a@example.com", "order_number": "ORD-NOPE"},
        headers={"accept-language": "ja-JP,ja;q=0.9,en;q=0.5"},
    )
    # When the lookup fails
    reply = call_api("storefront-api", event)
    # Then the code is stable and the message is the Japanese catalog's
    from returns_core.i18n import translator
    from returns_core.workflow.intake import ORDER_NOT_FOUND

    assert reply.body["error"]["code"] == "ORDER_NOT_FOUND"
    assert reply.body["error"]["message"] == translator("ja")(ORDER_NOT_FOUND)


def test_lookups_are_limited_per_order_number_with_retry_after(aws: LocalAws) -> None:
    # Given a limit of 3 lookups per order number
    _settings(aws, PORTAL_LOOKUPS_PER_ORDER="3")
    order = seed_order("ORD-P3")
    # When someone guesses emails for it from different addresses
    replies = [_lookup(order.order_number, f"guess{n}@example.com", ip=f"198.51.100.{n}") for n in range(4)]
    # Then the fourth is refused with 429 and how long to wait, and so is the right email now
    assert [r.status for r in replies] == [404, 404, 404, 429]
    assert replies[-1].code == "RATE_LIMITED"
    assert 0 < int(replies[-1].headers["retry-after"]) <= 900
    assert _lookup(order.order_number, order.email).status == 429
    # And another order is not affected
    other = seed_order("ORD-P3B")
    assert _lookup(other.order_number, other.email).status == 200


def test_lookups_are_limited_per_client(aws: LocalAws) -> None:
    # Given a limit of 2 lookups per client
    _settings(aws, PORTAL_LOOKUPS_PER_CLIENT="2")
    orders = [seed_order(f"ORD-PC{n}") for n in range(3)]
    # When one client walks through order numbers
    replies = [_lookup(order.order_number, order.email, ip="192.0.2.1") for order in orders]
    # Then the third is refused, while another client still gets in
    assert [r.status for r in replies] == [200, 200, 429]
    assert _lookup(orders[2].order_number, orders[2].email, ip="192.0.2.2").status == 200


# ------------------------------------------------------------------------------------------- one-time codes


def _code_from_email(address: str) -> str:
    texts = [mail.text for mail in sent_emails() if address in mail.to]
    assert texts, f"no email to {address}"
    found = re.search(r"\b(\d{6})\b", texts[-1])
    assert found, texts[-1]
    return found.group(1)


def test_with_verification_on_the_order_opens_only_with_the_emailed_code(aws: LocalAws) -> None:
    # Given a seller who wants a one-time code before personal details are shown
    _settings(aws, PORTAL_VERIFY_EMAIL="true")
    order = seed_order("ORD-P4")
    # When the shopper looks up her order in French
    reply = _lookup(order.order_number, order.email, lang="fr")
    # Then no order is shown yet: a code went to the order's address, in French
    assert reply.status == 202
    assert "order" not in reply.body and "session" not in reply.body
    challenge = reply.body["verification"]["challenge"]
    assert reply.body["verification"]["sent_to"].startswith("s•••@")
    code = _code_from_email(order.email)
    # When she enters a wrong code, then the right one
    wrong = storefront(
        "POST", "/shopper/verify", {"challenge": challenge, "code": "000000" if code != "000000" else "1"}
    )
    right = storefront("POST", "/shopper/verify", {"challenge": challenge, "code": code})
    # Then the wrong one is refused and the right one opens the order; the code works once
    assert (wrong.status, wrong.code) == (422, "CODE_INVALID")
    assert right.status == 200, right
    assert right.body["order"]["order_number"] == order.order_number
    again = storefront("POST", "/shopper/verify", {"challenge": challenge, "code": code})
    assert again.status == 422


def test_with_verification_on_an_unknown_order_looks_the_same_and_sends_nothing(aws: LocalAws) -> None:
    # Given verification on and an order
    _settings(aws, PORTAL_VERIFY_EMAIL="true")
    order = seed_order("ORD-P5")
    # When someone asks with a wrong email
    reply = _lookup(order.order_number, "attacker@example.com")
    # Then the answer has the same shape as for the right email, and no email is sent anywhere
    assert reply.status == 202
    assert set(reply.body["verification"]) == {"challenge", "sent_to"}
    assert sent_emails() == []
    # And no code can open it
    guess = storefront(
        "POST", "/shopper/verify", {"challenge": reply.body["verification"]["challenge"], "code": "123456"}
    )
    assert guess.status == 422


def test_guessing_codes_stops_after_five_attempts(aws: LocalAws) -> None:
    # Given a code sent for an order
    _settings(aws, PORTAL_VERIFY_EMAIL="true")
    order = seed_order("ORD-P6")
    challenge = _lookup(order.order_number, order.email).body["verification"]["challenge"]
    code = _code_from_email(order.email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    # When five wrong codes are tried
    statuses = [storefront("POST", "/shopper/verify", {"challenge": challenge, "code": wrong}).status for _ in range(5)]
    # Then even the right code is refused afterwards
    assert statuses == [422] * 5
    assert storefront("POST", "/shopper/verify", {"challenge": challenge, "code": code}).status == 429


# ---------------------------------------------------------------------------------------------------- photos


def _session(order_number: str, email: str) -> str:
    reply = _lookup(order_number, email)
    assert reply.status == 200, reply
    session: str = reply.body["session"]
    return session


def test_a_photo_upload_is_offered_for_images_only_and_with_a_session(aws: LocalAws) -> None:
    # Given a shopper with a session
    order = seed_order("ORD-P7")
    session = _session(order.order_number, order.email)
    auth = {"authorization": f"Bearer {session}"}
    # When she asks to upload a JPEG, a PDF, a huge image, and a JPEG without a session
    jpeg = storefront("POST", "/shopper/uploads", {"content_type": "image/jpeg", "size": 1000}, auth)
    pdf = storefront("POST", "/shopper/uploads", {"content_type": "application/pdf", "size": 1000}, auth)
    huge = storefront("POST", "/shopper/uploads", {"content_type": "image/png", "size": MAX_PHOTO_BYTES + 1}, auth)
    anonymous = storefront("POST", "/shopper/uploads", {"content_type": "image/jpeg", "size": 1000})
    # Then only the JPEG gets a presigned POST, limited to its type, its key and the size cap
    assert jpeg.status == 201, jpeg
    assert jpeg.body["fields"]["key"] == jpeg.body["key"]
    assert jpeg.body["fields"]["Content-Type"] == "image/jpeg"
    assert jpeg.body["key"].startswith("uploads/")
    assert (pdf.status, pdf.code) == (422, "PHOTO_TYPE_NOT_ALLOWED")
    assert (huge.status, huge.code) == (422, "PHOTO_TOO_LARGE")
    assert (anonymous.status, anonymous.code) == (401, "SESSION_INVALID")


def test_a_return_keeps_real_photos_and_refuses_forged_ones(aws: LocalAws) -> None:
    # Given two uploads for an order: a real JPEG and a PNG sent as "image/jpeg"
    order = seed_order("ORD-P8")
    auth = {"authorization": f"Bearer {_session(order.order_number, order.email)}"}
    real = storefront("POST", "/shopper/uploads", {"content_type": "image/jpeg", "size": len(JPEG)}, auth).body["key"]
    forged = storefront("POST", "/shopper/uploads", {"content_type": "image/jpeg", "size": 80}, auth).body["key"]
    _put_photo(real, JPEG, "image/jpeg")
    _put_photo(forged, PNG_PRETENDING_JPEG, "image/jpeg")
    other = seed_order("ORD-P8B")
    foreign = storefront(
        "POST",
        "/shopper/uploads",
        {"content_type": "image/jpeg", "size": len(JPEG)},
        {"authorization": f"Bearer {_session(other.order_number, other.email)}"},
    ).body["key"]
    _put_photo(foreign, JPEG, "image/jpeg")

    def with_photos(keys: list[str]) -> dict[str, Any]:
        request = return_request(order, reason="DEFECTIVE")
        request["items"][0]["photos"] = keys
        return request

    # When returns are asked for with the forged photo, with another order's photo, then with the real one
    refused = storefront("POST", "/returns", with_photos([forged]))
    foreign_refused = storefront("POST", "/returns", with_photos([foreign]))
    created = storefront("POST", "/returns", with_photos([real]))
    # Then only the real photo is accepted, and it is kept on the return
    assert (refused.status, refused.code) == (422, "PHOTO_INVALID")
    assert (foreign_refused.status, foreign_refused.code) == (422, "PHOTO_INVALID")
    assert created.status == 201, created
    assert get_return(created.body["return_id"]).request["items"][0]["photos"] == [real]
    wait_status(created.body["return_id"], "LABEL_ISSUED")


# ------------------------------------------------------------------------------------------- status page


def test_the_status_link_shows_the_return_in_the_shoppers_language(aws: LocalAws) -> None:
    # Given a return started in German
    order = seed_order("ORD-P9")
    created = storefront("POST", "/returns", return_request(order, language="de"))
    assert created.status == 201, created
    wait_status(created.body["return_id"], "LABEL_ISSUED")
    # When the status page is opened through the signed link
    reply = storefront("GET", f"/shopper/track/{created.body['track_token']}", query="lang=de")
    # Then it shows the label, the next step with its date and the timeline, in German
    assert reply.status == 200, reply
    page = reply.body
    from returns_core.i18n import translator

    assert page["status"] == "LABEL_ISSUED"
    assert page["status_label"] == translator("de")("Label ready")
    assert page["label"]["url"] and page["label"]["qr_svg"].startswith("data:image/svg+xml;base64,")
    assert page["next_step"]["expected_display"]
    assert [step["state"] for step in page["timeline"]][:2] == ["current", "next"]
    assert page["customs"] is None  # Germany to the German warehouse: no customs


def test_a_forged_or_session_token_does_not_open_a_status_page(aws: LocalAws) -> None:
    # Given a return and a lookup session for its order
    order = seed_order("ORD-P10")
    created = storefront("POST", "/returns", return_request(order))
    token = created.body["track_token"]
    session = _session(order.order_number, order.email)
    # When the page is asked for with a tampered token, or with the session token
    tampered = storefront("GET", f"/shopper/track/{token[:-2]}xx")
    wrong_kind = storefront("GET", f"/shopper/track/{session}")
    # Then both are a 404 with a clear code
    assert (tampered.status, tampered.code) == (404, "TRACKING_LINK_INVALID")
    assert (wrong_kind.status, wrong_kind.code) == (404, "TRACKING_LINK_INVALID")
    wait_status(created.body["return_id"], "LABEL_ISSUED")


# -------------------------------------------------------------------------------------------- withdrawal


def test_an_eu_withdrawal_is_confirmed_by_email_with_a_pdf_and_a_refund_deadline(aws: LocalAws) -> None:
    # Given an order delivered in France
    order = seed_order("ORD-P11", country="FR")
    # When the shopper withdraws from the contract in French
    request = return_request(order, reason="CHANGED_MIND", language="fr", withdrawal=True)
    reply = storefront("POST", "/returns", request)
    # Then the withdrawal and a refund deadline 14 days later are recorded on the return
    assert reply.status == 201, reply
    record = get_return(reply.body["return_id"])
    assert record.withdrawal is not None
    declared = datetime.fromisoformat(record.withdrawal["declared_at"])
    assert record.refund_deadline is not None
    # (a period of days runs to the end of its last day: Regulation 1182/71 Art. 3)
    assert record.refund_deadline.date() == (declared + timedelta(days=14)).date()
    assert (record.refund_deadline.hour, record.refund_deadline.minute) == (23, 59)
    # And a confirmation went to the shopper, in French, with the PDF on a durable medium
    from returns_core.i18n import translator

    subject = translator("fr")("Confirmation of your withdrawal from order {order}", order=order.order_number)
    mails = [mail for mail in sent_emails() if mail.subject == subject]
    assert len(mails) == 1
    assert mails[0].attachments == [f"withdrawal-{record.return_id}.pdf"]
    # And repeating the request sends no second confirmation
    assert storefront("POST", "/returns", request).status == 200
    assert len([mail for mail in sent_emails() if mail.subject == subject]) == 1
    wait_status(record.return_id, "LABEL_ISSUED")


def test_a_withdrawal_outside_the_eu_is_refused_and_nothing_is_written(aws: LocalAws) -> None:
    # Given a US order
    order = seed_order("ORD-P12", country="US", currency="USD")
    # When the shopper uses the withdrawal function
    reply = storefront("POST", "/returns", return_request(order, withdrawal=True))
    # Then it is refused with a clear code and no return exists
    assert (reply.status, reply.code) == (422, "WITHDRAWAL_NOT_OFFERED")
    assert services().returns.by_order(order.order_number) == []


def test_an_exchange_must_name_a_variant_the_seller_offers(aws: LocalAws) -> None:
    # Given sneakers offered in size 43 as well
    line = order_line("1") | {"variants": [{"sku": "SNK-43-WHT", "name": "Canvas sneakers, white, 43"}]}
    order = seed_order("ORD-P13", lines=[line])
    base = return_request(order, resolution="EXCHANGE")
    # When the shopper asks for an unknown variant, then for the size 43
    unknown = storefront("POST", "/returns", {**base, "exchange_sku": "SNK-99-PNK"})
    known = storefront("POST", "/returns", {**base, "exchange_sku": "SNK-43-WHT"})
    # Then only the offered variant is accepted
    assert (unknown.status, unknown.code) == (422, "UNKNOWN_VARIANT")
    assert known.status == 201, known
    wait_status(known.body["return_id"], "LABEL_ISSUED")


# ----------------------------------------------------------------------------------------------- the API


def test_the_catalog_is_served_in_the_negotiated_language(aws: LocalAws) -> None:
    # When the portal asks for its texts with a Taiwanese browser and no explicit language
    reply = storefront("GET", "/shopper/messages", headers={"accept-language": "zh-TW,zh;q=0.8"})
    # Then it gets Traditional Chinese, and every language with its own name for the switcher
    assert reply.body["language"] == "zh-Hant"
    assert {item["tag"] for item in reply.body["languages"]} == {"en", "zh-Hant", "zh-Hans", "ja", "de", "fr", "es"}
    assert "Find my order" in reply.body["messages"]


@pytest.mark.parametrize(
    "path", ["/returns", "/returns/{return_id}", "/shopper/lookup", "/shopper/verify", "/shopper/uploads"]
)
def test_the_openapi_document_describes_the_storefront_routes(aws: LocalAws, path: str) -> None:
    # When the document is fetched
    reply = storefront("GET", "/openapi.json")
    # Then it is OpenAPI 3.1 and documents the route, its errors and their shape
    assert reply.status == 200
    document = reply.body
    assert document["openapi"].startswith("3.1")
    assert path in document["paths"]
    operation = next(iter(document["paths"][path].values()))
    assert "422" in operation["responses"]
    schema = operation["responses"]["422"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/ErrorBody")


@pytest.mark.parametrize(
    ("method", "path", "successes"),
    [
        ("post", "/returns", {"200", "201"}),
        ("get", "/returns/{return_id}", {"200"}),
        ("get", "/shopper/messages", {"200"}),
        ("post", "/shopper/lookup", {"200", "202"}),
        ("post", "/shopper/verify", {"200"}),
        ("post", "/shopper/uploads", {"201"}),
        ("get", "/shopper/track/{token}", {"200"}),
    ],
)
def test_the_openapi_document_lists_each_routes_success_replies(
    aws: LocalAws, method: str, path: str, successes: set[str]
) -> None:
    # When the document is fetched
    document = storefront("GET", "/openapi.json").body
    # Then each route lists the statuses it answers with on success, as JSON (they were missing),
    # and a body that is not declared as JSON gets a coded 415 like every other error
    responses = document["paths"][path][method]["responses"]
    assert {status for status in responses if status.startswith("2")} == successes
    assert all("application/json" in responses[status]["content"] for status in successes)
    assert responses["415"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")


# ------------------------------------------------------------------------------------- milestone emails


def test_the_shopper_is_emailed_in_her_language_when_the_carrier_accepts_and_delivers(aws: LocalAws) -> None:
    # Given a Japanese shopper's return with its label, and a portal for the status links
    _settings(aws, PORTAL_URL="https://returns.example.com/portal/")
    queue = capture_milestones(aws)
    order = seed_order("ORD-P14", country="JP", currency="JPY", lines=[order_line("1", price="9800")])
    return_id = storefront("POST", "/returns", return_request(order, language="ja")).body["return_id"]
    tracking = wait_tracking_number(return_id)
    # When the carrier accepts the parcel (the scan arrives twice) and later delivers it
    wait_parked(return_id, "DISPATCH")
    deliver_scan(tracking, ScanStatus.ACCEPTED, event_id="evt-acc")
    deliver_scan(tracking, ScanStatus.ACCEPTED, event_id="evt-acc")
    wait_parked(return_id, "DELIVERY")
    deliver_scan(tracking, ScanStatus.DELIVERED)
    milestones = deliver_milestones(aws, queue)
    # Then she gets one email per milestone, in Japanese, addressed by name, linking her status page
    assert sorted(set(milestones)) == ["ACCEPTED", "DELIVERED"]
    from returns_core.i18n import translator

    _ = translator("ja")
    subjects = [mail.subject for mail in sent_emails() if order.email in mail.to]
    accepted = _("The carrier has your return for order {order}", order=order.order_number)
    delivered = _("Your return for order {order} has arrived", order=order.order_number)
    assert subjects.count(accepted) == 1 and subjects.count(delivered) == 1
    text = next(mail.text for mail in sent_emails() if mail.subject == accepted)
    assert text.startswith(_("Hello {name},", name=order.shopper_name))
    assert "https://returns.example.com/portal/?lang=ja#/track/" in text


def test_store_credit_carries_the_sellers_bonus_to_the_ledger_the_email_and_the_page(aws: LocalAws) -> None:
    # Given a seller who adds 10 % to store credit, and a shopper who takes credit for her sneakers
    _settings(aws, STORE_CREDIT_BONUS_PERCENT="10")
    order = seed_order("ORD-P15", lines=[order_line("1", price="100.00")])
    created = storefront("POST", "/returns", return_request(order, resolution="STORE_CREDIT", reason="DEFECTIVE"))
    return_id = created.body["return_id"]
    # When the parcel comes back and is accepted
    drive_to_refund(return_id)
    record = wait_status(return_id, "CLOSED")
    # Then the credit is the refundable amount plus 10 %, in the ledger and on the return
    assert record.refund is not None
    total = Decimal(record.refund["breakdown"]["total"]["amount"])
    assert Decimal(record.refund["store_credit"]["amount"]) == (total * Decimal("1.10")).quantize(Decimal("0.01"))
    ledger = {line.kind: line for line in LedgerRecord.query(return_id)}
    assert Decimal(ledger["STORE_CREDIT"].amount) == -Decimal(record.refund["store_credit"]["amount"])
    # And the shopper is told the credited amount, on the page and by email
    credit = f"€{Decimal(record.refund['store_credit']['amount']):.2f}"  # 100.00 + 4.90 outbound shipping, +10 %
    assert credit == "€115.39"
    page = storefront("GET", f"/shopper/track/{created.body['track_token']}").body
    assert credit in page["next_step"]["text"]
    assert any(credit in mail.text for mail in sent_emails() if order.email in mail.to)
