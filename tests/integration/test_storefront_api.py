"""The storefront API under moto: starting a return and following it, as a shopper's storefront sees it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from returns_core.wiring import services

from .support import (
    LocalAws,
    all_returns,
    api_event,
    call_api,
    client,
    execution_arn,
    executions,
    ops,
    reserved,
    return_request,
    seed_order,
    storefront,
    wait_status,
)

# The workflow each created return starts is not this module's concern: the aws fixture ends it.
pytestmark = pytest.mark.leaves_workflows_waiting


def _nothing_written(order_number: str) -> None:
    assert all_returns() == []
    assert executions() == []
    assert reserved(order_number) == {}


# ---------------------------------------------------------------------------------------------------------
# Creating a return
# ---------------------------------------------------------------------------------------------------------


def test_a_new_return_is_created_and_its_workflow_started(aws: LocalAws) -> None:
    # Given a delivered order
    order = seed_order()

    # When the shopper asks to return one pair of sneakers
    reply = storefront("POST", "/returns", return_request(order, items=[("1", 1)]))

    # Then the return exists, REQUESTED, with one execution named after it, and the pair is reserved
    assert reply.status == 201, reply
    return_id = reply.body["return_id"]
    assert return_id.startswith("RT-")
    assert reply.body["status"] == "REQUESTED"
    assert reply.body["items"] == [{"line_id": "1", "quantity": 1, "reason": "DOES_NOT_FIT", "photos": 0}]
    execution = client("stepfunctions").describe_execution(executionArn=execution_arn(return_id))
    assert execution["name"] == return_id
    assert json.loads(execution["input"]) == {"return_id": return_id}
    assert [e["name"] for e in executions()] == [return_id]
    assert reserved(order.order_number) == {"1": 1}


def test_the_same_idempotency_key_answers_the_same_return_and_starts_one_execution(aws: LocalAws) -> None:
    # Given a return created with an Idempotency-Key
    order = seed_order()
    request = return_request(order)
    first = storefront("POST", "/returns", request, {"Idempotency-Key": "checkout-7f3a"})
    assert first.status == 201, first

    # When the storefront sends the same request with the same key again (its retry after a timeout)
    again = storefront("POST", "/returns", request, {"idempotency-key": "checkout-7f3a"})

    # Then it gets the same return with 200, and nothing more exists
    assert again.status == 200, again
    assert again.body["return_id"] == first.body["return_id"]
    assert len(all_returns()) == 1
    assert len(executions()) == 1
    assert reserved(order.order_number) == {"1": 1}


def test_reusing_an_idempotency_key_for_another_request_is_a_conflict(aws: LocalAws) -> None:
    # Given a return created with a key
    order = seed_order()
    first = storefront("POST", "/returns", return_request(order, items=[("1", 1)]), {"Idempotency-Key": "k-1"})
    assert first.status == 201, first

    # When the same key comes with a different body
    reply = storefront("POST", "/returns", return_request(order, items=[("2", 1)]), {"Idempotency-Key": "k-1"})

    # Then 409 IDEMPOTENCY_KEY_REUSED, and the second request changed nothing
    assert reply.status == 409, reply
    assert reply.code == "IDEMPOTENCY_KEY_REUSED"
    assert [r.return_id for r in all_returns()] == [first.body["return_id"]]
    assert len(executions()) == 1
    assert reserved(order.order_number) == {"1": 1}


def test_an_identical_request_without_a_key_lands_on_the_same_return(aws: LocalAws) -> None:
    # Given a return for one of the two T-shirts (so a second one would still fit the order)
    order = seed_order()
    request = return_request(order, items=[("2", 1)])
    first = storefront("POST", "/returns", request)
    assert first.status == 201, first

    # When the shopper's browser submits the identical form again (double click, reload)
    again = storefront("POST", "/returns", request)

    # Then it is the same return: no second return, no second workflow, one T-shirt reserved
    assert again.status == 200, again
    assert again.body["return_id"] == first.body["return_id"]
    assert len(all_returns()) == 1
    assert len(executions()) == 1
    assert reserved(order.order_number) == {"2": 1}


def test_a_wrong_email_and_an_unknown_order_get_the_same_404(aws: LocalAws) -> None:
    # Given an order
    order = seed_order()

    # When someone asks with the right order number but another email, and with an unknown number
    wrong_email = storefront("POST", "/returns", {**return_request(order), "email": "someone@else.example"})
    unknown = storefront("POST", "/returns", {**return_request(order), "order_number": "ORD-404"})

    # Then both answers are the same 404, so the API does not reveal which orders exist
    assert wrong_email.status == unknown.status == 404
    assert wrong_email.code == "ORDER_NOT_FOUND"
    assert wrong_email.body == unknown.body
    _nothing_written(order.order_number)


def test_the_email_is_matched_regardless_of_case_and_surrounding_spaces(aws: LocalAws) -> None:
    # Given an order placed as shopper+ord-1001@example.com
    order = seed_order()

    # When the shopper types it in capitals, with a space pasted around it
    reply = storefront("POST", "/returns", {**return_request(order), "email": f" {order.email.upper()} "})

    # Then the order is found
    assert reply.status == 201, reply


def test_asking_for_more_than_was_ordered_is_422_and_reserves_nothing(aws: LocalAws) -> None:
    # Given an order with two T-shirts
    order = seed_order()

    # When the shopper asks to return three
    reply = storefront("POST", "/returns", return_request(order, items=[("2", 3)]))

    # Then 422 QUANTITY_EXCEEDED naming the line, and no return, reservation or workflow
    assert reply.status == 422, reply
    assert reply.code == "QUANTITY_EXCEEDED"
    assert reply.body["error"]["details"][0]["line_id"] == "2"
    _nothing_written(order.order_number)


def test_asking_again_for_what_an_open_return_holds_is_422(aws: LocalAws) -> None:
    # Given an open return for both T-shirts
    order = seed_order()
    assert storefront("POST", "/returns", return_request(order, items=[("2", 2)])).status == 201

    # When another request asks for one more T-shirt (with a different reason, so not a repeat)
    reply = storefront("POST", "/returns", return_request(order, items=[("2", 1)], reason="CHANGED_MIND"))

    # Then 422 QUANTITY_EXCEEDED, and only the first return exists
    assert reply.status == 422, reply
    assert reply.code == "QUANTITY_EXCEEDED"
    assert len(all_returns()) == 1
    assert reserved(order.order_number) == {"2": 2}


def test_an_unknown_order_line_is_422(aws: LocalAws) -> None:
    # Given an order with lines 1 and 2
    order = seed_order()

    # When the request names line 9
    reply = storefront("POST", "/returns", return_request(order, items=[("9", 1)]))

    # Then 422 UNKNOWN_LINE, nothing written
    assert reply.status == 422, reply
    assert reply.code == "UNKNOWN_LINE"
    _nothing_written(order.order_number)


def test_a_return_from_a_market_the_seller_does_not_serve_is_422_and_writes_nothing(aws: LocalAws) -> None:
    # Given a seller who takes returns from the UK and the US only, and an order shipped to Germany
    aws.monkeypatch.setenv("ENABLED_MARKETS", "UK,US")
    services.cache_clear()
    order = seed_order()
    us_order = seed_order("ORD-US-1", country="US", currency="USD")

    # When the German shopper asks to return it
    reply = storefront("POST", "/returns", return_request(order, items=[("1", 1)]))

    # Then 422 MARKET_NOT_ENABLED naming the country, and nothing is written
    assert (reply.status, reply.code) == (422, "MARKET_NOT_ENABLED"), reply
    assert "DE" in reply.body["error"]["message"]
    _nothing_written(order.order_number)
    # And a return from a market the seller serves is taken as before
    assert storefront("POST", "/returns", return_request(us_order, items=[("1", 1)])).status == 201


def test_an_order_for_a_market_without_a_policy_is_refused_at_order_sync(aws: LocalAws) -> None:
    # Given an otherwise valid order shipped to Mexico, where no return policy is defined
    order = seed_order("ORD-DE-SYNC").model_dump(mode="json") | {"order_number": "ORD-MX-1", "country": "MX"}

    # When the storefront syncs it
    reply = ops("PUT", "/ops/orders/ORD-MX-1", order)

    # Then 422 naming the country, and no order exists to start a return from
    assert reply.status == 422, reply
    assert reply.code == "INVALID_REQUEST"
    assert "MX" in str(reply.body)
    returned = storefront("POST", "/returns", {**return_request(seed_order("ORD-DE-2")), "order_number": "ORD-MX-1"})
    assert (returned.status, returned.code) == (404, "ORDER_NOT_FOUND")


def test_an_order_synced_as_multipart_is_415_and_not_stored(aws: LocalAws) -> None:
    # Given a valid order
    order = seed_order("ORD-DE-SYNC").model_dump(mode="json") | {"order_number": "ORD-DE-FORM"}

    # When the storefront syncs it declared as multipart, without a boundary
    event = api_event("PUT", "/ops/orders/ORD-DE-FORM", order, {"content-type": "multipart/form-data"})
    reply = call_api("ops-api", event)

    # Then 415 with a code (it was a 500), and no order exists to start a return from
    assert (reply.status, reply.code) == (415, "UNSUPPORTED_MEDIA_TYPE"), reply
    returned = storefront("POST", "/returns", {**return_request(seed_order("ORD-DE-2")), "order_number": "ORD-DE-FORM"})
    assert (returned.status, returned.code) == (404, "ORDER_NOT_FOUND")


# ---------------------------------------------------------------------------------------------------------
# Requests that are not valid at all
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ['{"order_number": "ORD-1001", "email": ', "not json at all", "{'single': 'quotes'}"],
    ids=["truncated", "text", "python-dict"],
)
def test_a_body_that_is_not_json_is_400(aws: LocalAws, body: str) -> None:
    # Given an order
    order = seed_order()

    # When the body cannot be parsed
    reply = storefront("POST", "/returns", body)

    # Then 400 MALFORMED_JSON, nothing written
    assert reply.status == 400, reply
    assert reply.code == "MALFORMED_JSON"
    _nothing_written(order.order_number)


@pytest.mark.parametrize(
    ("content_type", "with_body"),
    [
        ("multipart/form-data", True),
        ("multipart/form-data", False),
        ("multipart/form-data; boundary=x", True),
        ("application/x-www-form-urlencoded", True),
        ("text/plain", True),
    ],
    ids=["multipart", "multipart-no-body", "multipart-boundary", "form", "text"],
)
def test_a_body_declared_as_another_type_than_json_is_415(aws: LocalAws, content_type: str, with_body: bool) -> None:
    # Given an order, and a valid request for it
    order = seed_order()
    body = json.dumps(return_request(order)) if with_body else None

    # When it arrives declared as a form, multipart or text
    reply = storefront("POST", "/returns", body, headers={"content-type": content_type})

    # Then 415 UNSUPPORTED_MEDIA_TYPE with a message (a multipart type without a boundary was a 500), nothing written
    assert (reply.status, reply.code) == (415, "UNSUPPORTED_MEDIA_TYPE"), reply
    assert reply.body["error"]["message"]
    _nothing_written(order.order_number)


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


SCHEMA_VIOLATIONS: dict[str, Any] = {
    "missing-items": lambda r: _without(r, "items"),
    "no-items": lambda r: {**r, "items": []},
    "negative-quantity": lambda r: {**r, "items": [{**r["items"][0], "quantity": -1}]},
    "zero-quantity": lambda r: {**r, "items": [{**r["items"][0], "quantity": 0}]},
    "unknown-reason": lambda r: {**r, "items": [{**r["items"][0], "reason": "BORED"}]},
    "extra-field": lambda r: {**r, "coupon": "FREE"},
    "extra-item-field": lambda r: {**r, "items": [{**r["items"][0], "price": "0.01"}]},
    "line-twice": lambda r: {**r, "items": [r["items"][0], r["items"][0]]},
    "not-an-email": lambda r: {**r, "email": "shopper"},
    "unknown-resolution": lambda r: {**r, "resolution": "CASH"},
}


@pytest.mark.parametrize("violation", list(SCHEMA_VIOLATIONS), ids=list(SCHEMA_VIOLATIONS))
def test_a_request_breaking_the_schema_is_422_invalid_request(aws: LocalAws, violation: str) -> None:
    # Given an order
    order = seed_order()

    # When the request breaks the schema
    reply = storefront("POST", "/returns", SCHEMA_VIOLATIONS[violation](return_request(order)))

    # Then 422 INVALID_REQUEST with details, nothing written
    assert reply.status == 422, reply
    assert reply.code == "INVALID_REQUEST"
    assert reply.body["error"]["details"]
    _nothing_written(order.order_number)


@pytest.mark.parametrize("key", ["", "k" * 256, "tab\there", "bell\x07"], ids=["empty", "too-long", "tab", "control"])
def test_a_bad_idempotency_key_is_422(aws: LocalAws, key: str) -> None:
    # Given an order
    order = seed_order()

    # When the Idempotency-Key is empty, too long or not printable
    reply = storefront("POST", "/returns", return_request(order), {"Idempotency-Key": key})

    # Then 422 INVALID_IDEMPOTENCY_KEY, nothing written
    assert reply.status == 422, reply
    assert reply.code == "INVALID_IDEMPOTENCY_KEY"
    _nothing_written(order.order_number)


# ---------------------------------------------------------------------------------------------------------
# Following a return
# ---------------------------------------------------------------------------------------------------------


def test_following_an_unknown_return_is_404(aws: LocalAws) -> None:
    # When a return id that does not exist is asked for
    reply = storefront("GET", "/returns/RT-DOESNOTEXIST1234")

    # Then 404 RETURN_NOT_FOUND
    assert reply.status == 404, reply
    assert reply.code == "RETURN_NOT_FOUND"


def test_following_a_return_shows_its_progress_but_never_who_the_shopper_is(aws: LocalAws) -> None:
    # Given a return whose label has been issued
    order = seed_order(email_address="lena.fischer@example.de", shopper_name="Lena Fischer")
    created = storefront("POST", "/returns", return_request(order))
    assert created.status == 201, created
    return_id = created.body["return_id"]
    wait_status(return_id, "LABEL_ISSUED")

    # When the shopper (or anyone holding the id) follows it
    reply = storefront("GET", f"/returns/{return_id}")

    # Then they see its status, label and timeline...
    assert reply.status == 200, reply
    assert reply.body["return_id"] == return_id
    assert reply.body["status"] == "LABEL_ISSUED"
    assert reply.body["label"]["tracking_number"].startswith("SBX")
    assert reply.body["label"]["label_url"]
    assert [entry["status"] for entry in reply.body["timeline"]] == ["REQUESTED", "APPROVED", "LABEL_ISSUED"]
    # ...and neither reply carries the shopper's email or name
    for body in (created.body, reply.body):
        text = json.dumps(body).lower()
        assert order.email.lower() not in text
        assert "lena" not in text
        assert "fischer" not in text
        assert '"email"' not in text


def test_an_identical_request_after_the_earlier_return_ended_starts_a_new_one(aws: LocalAws) -> None:
    # Given a return that was rejected (the order was delivered 40 days ago, outside the 14-day window)
    order = seed_order(delivered_days_ago=40)
    request = return_request(order, items=[("2", 1)])
    first = storefront("POST", "/returns", request)
    assert first.status == 201, first
    wait_status(first.body["return_id"], "REJECTED")

    # When the shopper sends the identical request again
    again = storefront("POST", "/returns", request)

    # Then it is a new return (with its own decision), not the ended one
    assert again.status == 201, again
    assert again.body["return_id"] != first.body["return_id"]
    assert len(executions()) == 2


def test_concurrent_requests_through_the_local_gateway_each_get_their_own_answer(aws: LocalAws) -> None:
    # Given several orders, and the local gateway that `make run` serves the API through
    from concurrent.futures import ThreadPoolExecutor

    from infra.local.engine import HandlerRegistry
    from infra.local.gateway import Gateway

    orders = [seed_order(f"ORD-CC-{n}") for n in range(6)]
    gateway = Gateway(HandlerRegistry(), ops_token="local-ops-token")

    def start_return(n: int) -> tuple[str, str]:
        body = json.dumps(return_request(orders[n])).encode()
        status, _, reply = gateway.dispatch(
            "POST", "/returns", {"content-type": "application/json"}, body, "203.0.113.7"
        )
        assert status in (200, 201), reply
        return orders[n].order_number, json.loads(reply)["return_id"]

    # When shoppers start returns at the same moment (and some press the button twice)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(start_return, [n for _ in range(3) for n in range(len(orders))]))

    # Then each is answered with a return of their own order, one per order
    by_order: dict[str, set[str]] = {}
    for order_number, return_id in answers:
        by_order.setdefault(order_number, set()).add(return_id)
    assert all(len(ids) == 1 for ids in by_order.values()), by_order
    assert {r.return_id: r.order_number for r in all_returns()} == {ids.pop(): o for o, ids in by_order.items()}
