"""The shopper portal in real Chromium against the local stack: lookup to refund in three languages,
the EU withdrawal function, an ineligible line, the lookup limit; axe-core on every page.

Screenshots of each page are written under tests/artifacts/portal/ (git-ignored).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from playwright.sync_api import FilePayload, Page, expect

from infra.local.simulator import HAPPY_JOURNEY
from tests.e2e.accessibility import check_page
from tests.e2e.conftest import ARTIFACTS, LOOKUPS_PER_ORDER, RunningStack

pytestmark = pytest.mark.e2e

SHOTS = ARTIFACTS / "portal"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(256) + b"\xff\xd9"


def _order(
    country: str, currency: str, language: str, lines: list[dict[str, Any]], delivered_days_ago: int = 3
) -> dict[str, Any]:
    number = f"WEB-{uuid.uuid4().hex[:8].upper()}"
    delivered = datetime.now(UTC) - timedelta(days=delivered_days_ago)
    return {
        "order_number": number,
        "email": f"web+{number.lower()}@example.com",
        "shopper_name": "Alex Doe",
        "country": country,
        "currency": currency,
        "locale": language,
        "lines": lines,
        "shipping_paid": "4.90",
        "invoice_number": f"INV-{number}",
        "ordered_at": (delivered - timedelta(days=3)).isoformat(),
        "delivered_at": delivered.isoformat(),
        "payment_reference": f"ch_{number.lower()}",
    }


def _line(line_id: str, name: str, price: str, categories: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "line_id": line_id,
        "sku": f"SKU-{line_id}",
        "name": name,
        "quantity": 1,
        "unit_price": price,
        "hs_code": "640411",
        "origin_country": "VN",
        "weight_grams": 700,
        "categories": list(categories),
    }


def _seed(stack: RunningStack, order: dict[str, Any]) -> dict[str, Any]:
    stack.client.put_order(order).raise_for_status()
    return order


def _catalog(stack: RunningStack, language: str) -> dict[str, str]:
    reply = requests.get(f"{stack.url}/shopper/messages", params={"lang": language}, timeout=10)
    reply.raise_for_status()
    messages: dict[str, str] = reply.json()["messages"]
    return messages


def _check_page(page: Page, name: str) -> None:
    check_page(page, SHOTS, name)


def _look_up(page: Page, stack: RunningStack, order: dict[str, Any], language: str) -> None:
    page.goto(f"{stack.url}/portal/?lang={language}")
    expect(page.get_by_test_id("lookup-form")).to_be_visible()
    page.get_by_test_id("lookup-email").fill(order["email"])
    page.get_by_test_id("lookup-order").fill(order["order_number"])


def _track_status(page: Page, status: str, stack: RunningStack, timeout_s: float = 30) -> None:
    """Wait for the status page to show `status`, refreshing as a shopper would."""
    deadline = datetime.now(UTC) + timedelta(seconds=timeout_s)
    while page.get_by_test_id("track-status").get_attribute("data-status") != status:
        assert datetime.now(UTC) < deadline, f"the status page never showed {status}"
        page.wait_for_timeout(500)
        if page.get_by_test_id("track-refresh").is_enabled():
            page.get_by_test_id("track-refresh").click()


@pytest.mark.parametrize(
    ("language", "country", "currency"),
    [("en", "GB", "GBP"), ("zh-Hant", "TW", "TWD"), ("de", "DE", "EUR")],
)
def test_a_shopper_returns_an_item_from_lookup_to_refund(
    phone: Page, stack: RunningStack, language: str, country: str, currency: str
) -> None:
    # Given a delivered order and the portal in the shopper's language
    order = _seed(
        stack,
        _order(country, currency, language, [_line("1", "Canvas sneakers", "89.00" if currency != "TWD" else "2400")]),
    )
    words = _catalog(stack, language)
    _look_up(phone, stack, order, language)
    expect(phone.locator("html")).to_have_attribute("lang", language)
    expect(phone.get_by_test_id("lookup-submit")).to_have_text(words["Find my order"])
    _check_page(phone, f"{language}-1-lookup")

    # When she finds the order, picks the item and a reason, and asks for a refund
    phone.get_by_test_id("lookup-submit").click()
    expect(phone.get_by_test_id("choose-form")).to_be_visible()
    _check_page(phone, f"{language}-2-choose")
    phone.get_by_test_id("qty-1").select_option("1")
    phone.get_by_test_id("reason-1").select_option("DOES_NOT_FIT")
    phone.get_by_test_id("note-1").fill("Half a size too small")
    # And attaches a photo, which goes straight to the bucket through a presigned POST
    phone.get_by_test_id("photos-1").set_input_files(
        files=[FilePayload(name="sole.jpg", mimeType="image/jpeg", buffer=JPEG)]
    )
    expect(phone.locator("#photos-list-1")).to_contain_text("sole.jpg")
    phone.get_by_test_id("resolution-REFUND").check()
    phone.get_by_test_id("choose-submit").click()

    # Then the status page shows the label, with its PDF, in her language
    expect(phone.get_by_test_id("track-status")).to_be_visible()
    _track_status(phone, "LABEL_ISSUED", stack)
    expect(phone.get_by_test_id("track-status")).to_have_text(words["Label ready"])
    label_url = phone.get_by_test_id("label-link").get_attribute("href")
    assert label_url is not None
    assert requests.get(label_url, timeout=10).content.startswith(b"%PDF")
    _check_page(phone, f"{language}-3-label")

    # And the photo was accepted with the return (checked as a real JPEG under this order's uploads)
    return_id = _return_id_from_page(phone, stack)
    assert stack.client.public(return_id)["items"][0]["photos"] == 1
    photo_url = stack.client.ops(return_id)["items"][0]["photos"][0]
    assert requests.get(photo_url, timeout=10).content == JPEG

    # When the carrier delivers the parcel and the warehouse inspects it
    tracking = stack.client.public(return_id)["label"]["tracking_number"]
    assert stack.simulator.play(tracking, HAPPY_JOURNEY) == [202] * len(HAPPY_JOURNEY)
    stack.client.wait_for(return_id, {"DELIVERED"})
    stack.client.inspect_all(return_id).raise_for_status()

    # Then the same page shows the refund, its amount in her currency and the whole timeline done
    _track_status(phone, "REFUNDED", stack)
    expect(phone.get_by_test_id("track-status")).to_have_text(words["Refunded"])
    expect(phone.get_by_test_id("refund-amount")).not_to_be_empty()
    steps = phone.get_by_test_id("track-timeline").locator("li")
    expect(steps.first).to_contain_text(words["Label issued"])
    _check_page(phone, f"{language}-4-refunded")


def _return_id_from_page(page: Page, stack: RunningStack) -> str:
    token = page.url.split("#/track/", 1)[1]
    reply = requests.get(f"{stack.url}/shopper/track/{token}", timeout=10)
    reply.raise_for_status()
    return_id: str = reply.json()["return_id"]
    return return_id


def test_an_eu_shopper_withdraws_from_the_contract_and_gets_a_dated_confirmation(
    phone: Page, stack: RunningStack
) -> None:
    # Given an order delivered in Germany
    order = _seed(stack, _order("DE", "EUR", "de", [_line("1", "Wool coat", "240.00"), _line("2", "Scarf", "35.00")]))
    words = _catalog(stack, "de")
    # When the shopper uses the clearly labelled withdrawal function, without an account
    phone.goto(f"{stack.url}/portal/?lang=de")
    expect(phone.get_by_test_id("withdraw-link")).to_have_text(words["Withdraw from contract"])
    phone.get_by_test_id("withdraw-link").click()
    phone.get_by_test_id("lookup-email").fill(order["email"])
    phone.get_by_test_id("lookup-order").fill(order["order_number"])
    phone.get_by_test_id("lookup-submit").click()
    expect(phone.get_by_test_id("withdraw-form")).to_be_visible()
    _check_page(phone, "withdraw-1-form")
    phone.get_by_test_id("withdraw-line-1").check()
    phone.get_by_test_id("withdraw-submit").click()

    # Then the status page confirms the withdrawal with its date and time and the refund deadline
    confirmation = phone.get_by_test_id("withdrawal-confirmation")
    expect(confirmation).to_be_visible()
    expect(confirmation).to_contain_text("UTC")
    _check_page(phone, "withdraw-2-confirmed")
    # And a confirmation email with the PDF is in the outbox, in German
    mails = [m for m in requests.get(f"{stack.url}/outbox.json", timeout=10).json() if order["email"] in m["to"]]
    withdrawal = [m for m in mails if any(name.startswith("withdrawal-") for name in m["attachments"])]
    assert withdrawal, [m["subject"] for m in mails]
    assert withdrawal[0]["text"].startswith(words["Hello {name},"].format(name="Alex Doe"))


def test_an_ineligible_line_is_shown_with_the_reason(phone: Page, stack: RunningStack) -> None:
    # Given a US order with a final-sale swimsuit beside returnable trainers
    order = _seed(
        stack,
        _order("US", "USD", "en", [_line("1", "Trainers", "60.00"), _line("2", "Swimsuit", "30.00", ("FINAL_SALE",))]),
    )
    # When the shopper opens the order
    _look_up(phone, stack, order, "en")
    phone.get_by_test_id("lookup-submit").click()
    expect(phone.get_by_test_id("choose-form")).to_be_visible()
    # Then the swimsuit says why it cannot come back for a change of mind, and offers only fault reasons
    swimsuit = phone.get_by_test_id("line-2")
    expect(swimsuit).to_contain_text("Not returnable: final sale.")
    reasons = phone.get_by_test_id("reason-2").locator("option").evaluate_all("options => options.map(o => o.value)")
    assert "DEFECTIVE" in reasons and "DOES_NOT_FIT" not in reasons
    _check_page(phone, "ineligible-1-final-sale")

    # Given an order delivered long ago, past even the guarantee period
    old = _seed(stack, _order("US", "USD", "en", [_line("1", "Desk lamp", "45.00")], delivered_days_ago=400))
    # When the shopper opens it
    _look_up(phone, stack, old, "en")
    phone.get_by_test_id("lookup-submit").click()
    # Then the line is shown as not returnable, with the date the window ended, and cannot be chosen
    lamp = phone.get_by_test_id("line-1")
    expect(lamp).to_have_class(re.compile(r"\bline-ineligible\b"))
    expect(lamp).to_contain_text("return window ended on")
    expect(phone.get_by_test_id("qty-1")).to_have_count(0)
    _check_page(phone, "ineligible-2-window-passed")


def test_too_many_lookups_for_one_order_are_refused_with_a_wait(phone: Page, stack: RunningStack) -> None:
    # Given an order someone tries to open by guessing the email
    order = _seed(stack, _order("GB", "GBP", "en", [_line("1", "Trainers", "60.00")]))
    phone.goto(f"{stack.url}/portal/?lang=en")
    statuses = []
    phone.on(
        "response", lambda response: statuses.append(response.status) if "/shopper/lookup" in response.url else None
    )
    # When the lookup is tried more often than the limit per order number
    for attempt in range(LOOKUPS_PER_ORDER + 1):
        phone.get_by_test_id("lookup-email").fill(f"guess{attempt}@example.com")
        phone.get_by_test_id("lookup-order").fill(order["order_number"])
        phone.get_by_test_id("lookup-submit").click()
        expect(phone.get_by_test_id("lookup-error")).not_to_be_empty()
        phone.wait_for_timeout(100)
    # Then wrong guesses got the same "not found" as an unknown order, and then a 429 saying how long to wait
    assert statuses[:LOOKUPS_PER_ORDER] == [404] * LOOKUPS_PER_ORDER
    assert statuses[-1] == 429
    expect(phone.get_by_test_id("lookup-error")).to_contain_text("Try again in")
    _check_page(phone, "rate-limited")
    # And even the right email is refused until the window passes
    direct = requests.post(
        f"{stack.url}/shopper/lookup",
        json={"email": order["email"], "order_number": order["order_number"]},
        timeout=10,
    )
    assert direct.status_code == 429
    assert int(direct.headers["retry-after"]) > 0


@pytest.mark.parametrize("language", ["en", "zh-Hant", "zh-Hans", "ja", "de", "fr", "es"])
def test_every_language_reads_through_the_order_page_and_switches_in_place(
    phone: Page, stack: RunningStack, language: str
) -> None:
    # Given an EU order and the portal opened in one of the seven languages
    order = _seed(stack, _order("FR", "EUR", language, [_line("1", "Linen dress", "129.00")]))
    words = _catalog(stack, language)
    _look_up(phone, stack, order, language)
    # When the shopper opens her order
    phone.get_by_test_id("lookup-submit").click()
    expect(phone.get_by_test_id("choose-form")).to_be_visible()
    # Then the page speaks her language, with the price and the deadline written the way it writes them
    expect(phone.locator("html")).to_have_attribute("lang", language)
    expect(phone.get_by_test_id("choose-submit")).to_have_text(words["Start the return"])
    expect(phone.get_by_test_id("line-1")).to_contain_text(_catalog_money(language))
    _check_page(phone, f"languages-{language}")
    # And the switcher changes the page's language without losing her place
    other = "de" if language != "de" else "ja"
    phone.get_by_test_id("language-select").select_option(other)
    expect(phone.locator("html")).to_have_attribute("lang", other)
    expect(phone.get_by_test_id("choose-submit")).to_have_text(_catalog(stack, other)["Start the return"])
    assert f"lang={other}" in phone.url


def _catalog_money(language: str) -> str:
    from decimal import Decimal

    from returns_core.i18n import translator
    from returns_core.money import Money

    return translator(language).money(Money(Decimal("129.00"), "EUR"))
