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


def test_the_happy_path_stays_within_twelve_state_transitions() -> None:
    # Given the happy path (approved, shipped, delivered, inspected, refunded)
    states = _definition()["States"]
    path, name = [], _definition()["StartAt"]
    choose = {"Decide": "BuyLabel", "ShipOrKeep": "NotifyLabelIssued"}
    while True:
        path.append(name)
        state = states[name]
        if state["Type"] == "Succeed" or state.get("End"):
            break
        name = choose.get(name) or state["Next"]
    # Then it costs at most 12 transitions (scans heartbeat the wait; they are not transitions)
    assert len(path) <= 12, path
    assert path[-3:] == ["RecordCosts", "NotifyOutcome", "Done"]
