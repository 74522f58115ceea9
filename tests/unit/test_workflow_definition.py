"""The ASL file itself: every stage of the flow exists, wired to catalogue functions, with no dead ends."""

from __future__ import annotations

import json
from typing import Any

from infra import catalogue


def _definition() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(catalogue.ASL_PATH.read_text(encoding="utf-8"))
    return data


def _targets(state: dict[str, Any]) -> set[str]:
    targets = {state["Next"]} if "Next" in state else set()
    targets |= {choice["Next"] for choice in state.get("Choices", [])}
    if "Default" in state:
        targets.add(state["Default"])
    targets |= {catch["Next"] for catch in state.get("Catch", [])}
    return targets


def test_every_transition_lands_on_a_state_and_every_state_is_reachable() -> None:
    # Given the workflow definition
    states = _definition()["States"]
    # When we follow every Next, Choice, Default and Catch from StartAt
    seen, frontier = set(), [_definition()["StartAt"]]
    while frontier:
        name = frontier.pop()
        if name in seen:
            continue
        seen.add(name)
        assert name in states, f"transition to missing state {name}"
        frontier.extend(_targets(states[name]))
    # Then nothing is unreachable, and every path can end
    assert seen == set(states)
    assert any(s["Type"] == "Succeed" or s.get("End") for s in states.values())


def test_task_placeholders_are_exactly_the_catalogue_task_functions() -> None:
    # Given the Lambda task states
    text = catalogue.ASL_PATH.read_text(encoding="utf-8")
    used = {
        state["Parameters"]["FunctionName"].strip("${}")
        for state in _definition()["States"].values()
        if state["Type"] == "Task"
    }
    # Then each names a catalogue task function and every catalogue task function is used
    assert used == set(catalogue.asl_placeholders())
    filled = catalogue.load_definition({key: f"arn:fn:{key}" for key in used})
    assert "${" not in filled and "${" in text


def test_the_design_stages_exist_with_their_waits() -> None:
    # Given the workflow definition
    states = _definition()["States"]
    # Then the waiting stages use task tokens, and the timeouts come from the authorisation
    for name in ("AwaitReview", "AwaitDispatch", "AwaitDelivery", "AwaitInspection"):
        assert states[name]["Resource"].endswith(".waitForTaskToken"), name
    assert states["AwaitDispatch"]["TimeoutSecondsPath"] == "$.authorisation.timeouts.dispatch_seconds"
    assert states["AwaitDelivery"]["HeartbeatSecondsPath"] == "$.authorisation.timeouts.stall_seconds"
    # And a heartbeat timeout goes to the lost-parcel branch, whichever name the engine gives it
    lost = next(c for c in states["AwaitDelivery"]["Catch"] if c["Next"] == "ParcelLost")
    assert {"States.HeartbeatTimeout", "States.Timeout"} <= set(lost["ErrorEquals"])
    assert states["AwaitDispatch"]["Catch"][0] == {
        "ErrorEquals": ["States.Timeout"],
        "ResultPath": "$.error",
        "Next": "LabelExpired",
    }
    # And carrier errors are retried with backoff before the label branch gives up
    retry = states["BuyLabel"]["Retry"][0]
    assert "CarrierUnavailable" in retry["ErrorEquals"] and retry["BackoffRate"] > 1
    # ...then a carrier outage parks the return for ops (never silently stuck), anything else ends it
    outage, other = states["BuyLabel"]["Catch"]
    assert "CarrierUnavailable" in outage["ErrorEquals"] and outage["Next"] == "AwaitLabelFix"
    assert states["AwaitLabelFix"]["Resource"].endswith(".waitForTaskToken")
    assert states["AwaitLabelFix"]["Next"] == "BuyLabel"
    assert other == {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "LabelUnavailable"}
    # And a lost parcel is refunded anyway after the grace period read from the authorisation
    assert states["AfterFinal"]["Choices"] == [
        {"Variable": "$.final.status", "StringEquals": "LOST", "Next": "GraceBeforeLostRefund"}
    ]
    assert states["GraceBeforeLostRefund"] == {
        "Type": "Wait",
        "SecondsPath": "$.authorisation.timeouts.lost_refund_seconds",
        "Next": "Refund",
    }
    # And each terminal branch names its own status
    finals = {name: states[name]["Parameters"]["status"] for name in states if states[name].get("Next") == "Finalise"}
    assert set(finals.values()) == {"REJECTED", "CANCELLED", "EXPIRED", "LOST", "BOUNCED"}


def _happy_path(trigger: str) -> list[str]:
    """The states an approved, shipped, delivered, inspected and refunded return passes through."""
    states = _definition()["States"]
    path, name = [], _definition()["StartAt"]
    while True:
        path.append(name)
        state = states[name]
        if state["Type"] == "Succeed" or state.get("End"):
            return path
        if name == "Decide":
            name = "BuyLabel"
        elif name == "ShipOrKeep":
            chosen = [c["Next"] for c in state["Choices"] if c.get("StringEquals") == trigger]
            name = chosen[0] if chosen else state["Default"]
        else:
            name = state["Next"]


def test_the_happy_path_stays_within_twelve_state_transitions_whenever_the_refund_is_paid() -> None:
    # Given the happy path for each refund trigger
    for trigger in ("INSTANT", "ACCEPTANCE_SCAN", "DELIVERY", "INSPECTION"):
        path = _happy_path(trigger)
        # Then it costs at most 12 transitions (scans heartbeat the wait; they are not transitions)
        assert len(path) <= 12, (trigger, path)
        # And every one still waits for the parcel and the inspection, and settles after it
        assert path[-4:] == ["AwaitInspection", "Refund", "RecordCosts", "NotifyOutcome"], trigger
        assert sum(name.startswith("AwaitDispatch") for name in path) == 1
        assert sum(name.startswith("AwaitDelivery") for name in path) == 1


def test_each_trigger_pays_its_early_refund_right_after_its_milestone() -> None:
    assert _happy_path("INSTANT")[3:5] == ["ShipOrKeep", "RefundInstantly"]
    acceptance = _happy_path("ACCEPTANCE_SCAN")
    assert acceptance[acceptance.index("AwaitDispatchForAcceptanceRefund") + 1] == "RefundOnAcceptance"
    delivery = _happy_path("DELIVERY")
    assert delivery[delivery.index("AwaitDeliveryForDeliveryRefund") + 1] == "RefundOnDelivery"
    inspection = _happy_path("INSPECTION")
    assert not [name for name in inspection if name.startswith("RefundOn") or name == "RefundInstantly"]


def test_the_trigger_branches_are_the_same_states_as_the_default_path_but_for_where_they_go_next() -> None:
    # Given the branch copies of the notify and wait states
    states = _definition()["States"]
    copies = {
        "NotifyLabelIssuedForAcceptanceRefund": "NotifyLabelIssued",
        "AwaitDispatchForAcceptanceRefund": "AwaitDispatch",
        "NotifyLabelIssuedForDeliveryRefund": "NotifyLabelIssued",
        "AwaitDispatchForDeliveryRefund": "AwaitDispatch",
        "AwaitDeliveryForDeliveryRefund": "AwaitDelivery",
    }

    def without_next(state: dict[str, Any]) -> dict[str, Any]:
        rest = {key: value for key, value in state.items() if key != "Next"}
        rest["Catch"] = [
            {key: value for key, value in catch.items() if key != "Next" or value != state["Next"]}
            for catch in state.get("Catch", [])
        ]
        return rest

    # Then each is its original but for Next (and a Catch that falls through to Next)
    for copy, original in copies.items():
        assert without_next(states[copy]) == without_next(states[original]), copy
    # And the three early refunds are one state, best effort: any error goes on to the next wait
    early = [states[name] for name in ("RefundInstantly", "RefundOnAcceptance", "RefundOnDelivery")]
    for state in early:
        assert state["Parameters"]["Payload"] == {"return_id.$": "$.return_id", "early": True}
        assert state["Catch"] == [
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.early_refund_error", "Next": state["Next"]}
        ]
        assert without_next(state) == without_next(early[0])
        assert state["ResultPath"] == "$.early_refund"


LAMBDA_TRANSIENT_ERRORS = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}


def test_every_task_rides_out_two_minutes_of_lambda_throttling_before_failing() -> None:
    # Given every Task state (the refund and label functions have a concurrency ceiling in AWS)
    tasks = {name: state for name, state in _definition()["States"].items() if state["Type"] == "Task"}
    assert tasks
    for name, state in tasks.items():
        # Then Lambda's transient errors, throttling among them, are retried with backoff ...
        (retry,) = [r for r in state.get("Retry", []) if set(r["ErrorEquals"]) >= LAMBDA_TRANSIENT_ERRORS]
        waits = [retry["IntervalSeconds"] * retry.get("BackoffRate", 2.0) ** n for n in range(retry["MaxAttempts"])]
        # ... for two minutes at least, so a burst queues up instead of failing the return
        assert sum(waits) >= 120, (name, waits)
