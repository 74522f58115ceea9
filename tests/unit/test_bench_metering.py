"""The cost benchmark counts billable units by AWS's published rules, so its dollars can be trusted."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bench.cost import NAIVE_TRANSITIONS_PER_SCAN, naive, price, prices, transitions
from bench.metering import Meter, item_bytes
from infra import catalogue


def _meter() -> Meter:
    return Meter(tables={"returns-table": catalogue.RETURNS, "ledger-table": catalogue.LEDGER})


def test_item_size_is_attribute_names_plus_values() -> None:
    # Given an item with a string, a number, a flag and a nested map
    item = {"id": {"S": "RT-1"}, "n": {"N": "12345"}, "ok": {"BOOL": True}, "m": {"M": {"k": {"S": "vv"}}}}
    # Then its size is what DynamoDB bills: names and values, numbers by digit pairs, maps with overhead
    assert item_bytes(item) == (2 + 4) + (1 + 4) + (2 + 1) + (1 + 3 + 1 + 2 + 1)


def _return_item(status: str, blob: int, **extra: str) -> dict[str, Any]:
    item = {"return_id": {"S": "RT-1"}, "status": {"S": status}, "created_at": {"S": "2026-12-01T10:00:00Z"}}
    item |= {"order_number": {"S": "O-1"}, "blob": {"S": "x" * blob}}
    return item | {name: {"S": value} for name, value in extra.items()}


def _write(
    meter: Meter, before: dict[str, Any] | None, after: dict[str, Any] | None, table: str = "returns-table"
) -> None:
    meter.called("dynamodb", "UpdateItem", {"TableName": table}, [(table, before, after, False)])


def test_a_new_item_costs_a_unit_per_kilobyte_for_the_table_and_one_per_keys_only_index_holding_it() -> None:
    # Given a 1.5 KB return that two of the returns table's keys-only indexes hold (status and order number)
    meter = _meter()
    # When it is first written, and the same item to a table without indexes
    _write(meter, None, _return_item("REQUESTED", 1500))
    _write(meter, None, _return_item("REQUESTED", 1500), table="ledger-table")
    # Then the return costs 2 units for the table and 1 for each index's small entry, the ledger line 2
    assert meter.write_units == Decimal(2 + 1 + 1 + 2)


def test_a_changed_index_key_costs_a_delete_and_a_put_and_an_unprojected_change_costs_the_index_nothing() -> None:
    meter = _meter()
    # When the return's status changes (by_status's key): the table, and a delete and a put in by_status
    _write(meter, _return_item("REQUESTED", 1500), _return_item("AUTHORISED", 1500))
    assert meter.write_units == Decimal(2 + 2)
    # When only its blob changes, which no index projects, only the table is written
    _write(meter, _return_item("AUTHORISED", 1500), _return_item("AUTHORISED", 2500))
    assert meter.write_units == Decimal(4 + 3)
    # When a tracking number appears, the sparse by_tracking_number index gains an entry
    _write(meter, _return_item("AUTHORISED", 100), _return_item("AUTHORISED", 100, tracking_number="1Z9"))
    assert meter.write_units == Decimal(7 + 1 + 1)


def test_an_index_projecting_everything_is_rewritten_at_the_entry_size_on_every_change() -> None:
    # Given a table whose one index projects every attribute
    spec = catalogue.TableSpec(
        "t", "T", partition_key="return_id", indexes=(catalogue.GlobalIndex("by_status", "status", projection="ALL"),)
    )
    meter = Meter(tables={"t": spec})
    # When an attribute the index does not key on changes
    _write(meter, _return_item("AUTHORISED", 1500), _return_item("AUTHORISED", 1600), table="t")
    # Then the index entry (the whole 1.6 KB item) is written again with the table
    assert meter.write_units == Decimal(2 + 2)


def test_transactions_cost_twice_for_the_table_and_a_condition_check_as_a_write() -> None:
    meter = _meter()
    line = {"return_id": {"S": "RT-1"}, "line_id": {"S": "L1"}}
    # A new ledger line, and a condition check (nothing before or after)
    writes: list[tuple[str, dict[str, Any] | None, dict[str, Any], bool]] = [("ledger-table", None, line, True)]
    writes.append(("returns-table", {}, {}, True))
    meter.called("dynamodb", "TransactWriteItems", {"TransactItems": []}, writes)
    assert meter.write_units == Decimal(2 + 2)


def test_reads_cost_a_unit_per_4_kb_and_half_when_eventually_consistent() -> None:
    meter = _meter()
    big = {"return_id": {"S": "RT-1"}, "blob": {"S": "x" * 5000}}
    meter.called("dynamodb", "GetItem", {"TableName": "returns-table", "ConsistentRead": True}, {"Item": big})
    meter.called("dynamodb", "Query", {"TableName": "returns-table"}, {"Items": [big, big]})
    # Then 2 units for the consistent read, 3 halves for the 10 KB eventually consistent query
    assert meter.read_units == Decimal(2) + Decimal("1.5")


def test_calls_on_the_sandbox_providers_own_records_and_local_plumbing_are_not_billed() -> None:
    meter = _meter()
    meter.called("s3", "PutObject", {"Key": "sandbox-payments/refunds/abc.json"}, {})
    meter.called("sqs", "ReceiveMessage", {}, {})
    meter.called("s3", "PutObject", {"Key": "labels/RT-1.pdf"}, {})
    meter.called("events", "PutEvents", {"Entries": [{"Detail": "{}"}, {"Detail": "{}"}]}, {})
    meter.called("ses", "SendRawEmail", {}, {})
    assert (meter.s3_puts, meter.events, meter.emails) == (1, 2, 1)
    assert "sqs:ReceiveMessage" not in meter.calls


def test_lambda_bills_milliseconds_rounded_up_times_memory() -> None:
    meter = _meter()
    meter.invoked("storefront-api", 99.2, through_api=True)  # 1024 MB
    meter.invoked("authorise", 10.0, through_api=False)  # 512 MB
    assert meter.gb_seconds == Decimal("0.100") + Decimal("0.010") / 2
    assert (sum(meter.invocations.values()), meter.api_requests) == (2, 1)


def test_transitions_are_states_entered_plus_task_retries() -> None:
    # Given a history: a task retried once, then a choice, then the end
    history = [
        {"type": "ExecutionStarted"},
        {"type": "TaskStateEntered"},
        {"type": "TaskScheduled"},
        {"type": "TaskFailed"},
        {"type": "TaskScheduled"},
        {"type": "TaskSucceeded"},
        {"type": "ChoiceStateEntered"},
        {"type": "SucceedStateEntered"},
        {"type": "ExecutionSucceeded"},
    ]
    assert transitions(history) == 3 + 1


def test_emails_are_priced_apart_and_the_usual_design_pays_a_transition_loop_per_scan() -> None:
    # Given one return's units
    units = {
        key: Decimal(0)
        for key in ("invocations", "gb_seconds", "api_requests", "write_units", "read_units", "s3_puts", "s3_gets")
    }
    units |= {"transitions": Decimal(12), "events": Decimal(6), "emails": Decimal(4), "scans": Decimal(4)}
    table = prices()
    priced = price(units, table)
    # Then infrastructure is everything but emails
    assert priced["emails"] == 4 * table["ses_per_email"]
    assert (
        priced["infrastructure"]
        == 12 * table["step_functions_standard_per_transition"] + 6 * table["eventbridge_per_custom_event"]
    )
    # And the usual design turns each scan's event into a loop of transitions
    usual = naive(units, table)
    assert (
        usual["step_functions"]
        == (12 + 4 * NAIVE_TRANSITIONS_PER_SCAN) * table["step_functions_standard_per_transition"]
    )
    assert usual["eventbridge"] == 2 * table["eventbridge_per_custom_event"]
