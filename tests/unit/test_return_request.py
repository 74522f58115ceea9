"""What a shopper may ask for: the request model rejects contradictory resolutions."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from returns_core.domain.requests import Resolution, ReturnRequest

ITEM = {"line_id": "1", "quantity": 1, "reason": "DOES_NOT_FIT"}


def test_an_exchange_must_name_the_variant_wanted() -> None:
    # Given an exchange without a variant / When validated / Then refused with a reason
    with pytest.raises(ValidationError, match="exchange_sku"):
        ReturnRequest(order_number="A-1", email="a@example.com", items=(ITEM,), resolution=Resolution.EXCHANGE)


def test_a_variant_is_only_for_exchanges() -> None:
    # Given a refund request that also names a variant / When validated / Then refused
    with pytest.raises(ValidationError, match="EXCHANGE"):
        ReturnRequest(order_number="A-1", email="a@example.com", items=(ITEM,), exchange_sku="TEE-L-NVY")


def test_an_exchange_with_a_variant_is_accepted_and_emails_are_trimmed() -> None:
    # Given an exchange for size L typed with stray spaces around the email
    request = ReturnRequest(
        order_number=" A-1 ",
        email=" a@example.com ",
        items=(ITEM,),
        resolution=Resolution.EXCHANGE,
        exchange_sku="TEE-L-NVY",
    )
    # Then it is kept, trimmed
    assert (request.order_number, request.email, request.exchange_sku) == ("A-1", "a@example.com", "TEE-L-NVY")
