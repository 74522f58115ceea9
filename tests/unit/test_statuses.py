"""The return's status lifecycle and how carrier scans move it."""

from __future__ import annotations

import itertools

import pytest

from returns_core.domain.scans import FAILURES, MOVING, ScanStatus, return_status_for
from returns_core.domain.statuses import (
    TERMINAL,
    IllegalTransition,
    ReturnStatus,
    can_transition,
    is_terminal,
    physical_rank,
)

S = ReturnStatus

HAPPY_PATH = [
    S.REQUESTED,
    S.APPROVED,
    S.LABEL_ISSUED,
    S.IN_TRANSIT,
    S.DELIVERED,
    S.INSPECTED,
    S.REFUND_PENDING,
    S.REFUNDED,
]


def test_the_happy_path_is_allowed_step_by_step() -> None:
    # Given a return that is approved, shipped, delivered, inspected and refunded
    # When each step follows the previous one / Then every step is allowed and the last one ends the return
    for current, target in itertools.pairwise(HAPPY_PATH):
        assert can_transition(current, target), f"{current} -> {target}"
    assert is_terminal(HAPPY_PATH[-1])


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.REQUESTED, S.IN_REVIEW),
        (S.IN_REVIEW, S.APPROVED),
        (S.IN_REVIEW, S.REJECTED),
        (S.APPROVED, S.REFUND_PENDING),  # returnless refund: the shopper keeps the item
        (S.LABEL_ISSUED, S.DELIVERED),  # first scan seen is the delivery
        (S.LABEL_ISSUED, S.EXPIRED),  # never dispatched
        (S.LABEL_ISSUED, S.CANCELLED),
        (S.IN_TRANSIT, S.LOST),
        (S.IN_TRANSIT, S.BOUNCED),
        (S.INSPECTED, S.CLOSED),  # inspection failed: nothing to refund
        (S.REFUND_PENDING, S.CLOSED),
    ],
)
def test_allowed_side_paths(current: ReturnStatus, target: ReturnStatus) -> None:
    assert can_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.REQUESTED, S.REFUNDED),  # no money before the goods or a decision
        (S.REQUESTED, S.LABEL_ISSUED),  # a label only after approval
        (S.IN_REVIEW, S.LABEL_ISSUED),
        (S.APPROVED, S.DELIVERED),
        (S.DELIVERED, S.IN_TRANSIT),  # a late scan never moves a return back
        (S.IN_TRANSIT, S.LABEL_ISSUED),
        (S.DELIVERED, S.REFUND_PENDING),  # inspection first
        (S.IN_TRANSIT, S.CANCELLED),  # the parcel is already moving
        (S.DELIVERED, S.LOST),
        (S.REFUNDED, S.REFUND_PENDING),
        (S.REJECTED, S.APPROVED),
        (S.APPROVED, S.APPROVED),
    ],
)
def test_forbidden_transitions(current: ReturnStatus, target: ReturnStatus) -> None:
    assert not can_transition(current, target)


def test_terminal_statuses_are_the_ends_of_a_return() -> None:
    assert {S.REJECTED, S.REFUNDED, S.CLOSED, S.EXPIRED, S.BOUNCED, S.CANCELLED} == TERMINAL
    for status in S:
        assert is_terminal(status) == (status in TERMINAL)


@pytest.mark.parametrize("terminal", sorted(TERMINAL))
def test_nothing_follows_a_terminal_status(terminal: ReturnStatus) -> None:
    # Given a return that has ended / When anything is attempted / Then no status may follow
    assert not any(can_transition(terminal, target) for target in S)


@pytest.mark.parametrize("status", sorted(set(S) - TERMINAL))
def test_every_open_status_has_a_way_out(status: ReturnStatus) -> None:
    # Given a return that is still open / Then it can still move on (no return gets stuck for ever)
    assert any(can_transition(status, target) for target in S)


def test_every_status_is_reachable_from_requested() -> None:
    reached, frontier = {S.REQUESTED}, [S.REQUESTED]
    while frontier:
        current = frontier.pop()
        for target in S:
            if can_transition(current, target) and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(S)


def test_physical_rank_orders_the_carriers_path() -> None:
    assert physical_rank(S.LABEL_ISSUED) < physical_rank(S.IN_TRANSIT) < physical_rank(S.DELIVERED)
    assert physical_rank(S.REQUESTED) == -1
    assert physical_rank(S.REFUNDED) == -1


def test_no_allowed_transition_regresses_along_the_physical_path() -> None:
    # Given two statuses on the carrier's path / When one may follow the other / Then it is further along
    on_path = [s for s in S if physical_rank(s) >= 0]
    for current, target in itertools.product(on_path, on_path):
        if can_transition(current, target):
            assert physical_rank(target) > physical_rank(current), f"{current} -> {target}"


def test_illegal_transition_names_both_statuses() -> None:
    error = IllegalTransition(S.DELIVERED, S.IN_TRANSIT)
    assert error.current is S.DELIVERED
    assert error.target is S.IN_TRANSIT
    assert "DELIVERED" in str(error)
    assert "IN_TRANSIT" in str(error)


class TestScansToStatuses:
    @pytest.mark.parametrize("scan", sorted(MOVING - {ScanStatus.DELIVERED}))
    def test_a_moving_scan_means_in_transit(self, scan: ScanStatus) -> None:
        assert return_status_for(scan) is S.IN_TRANSIT

    def test_delivered_scan_means_delivered(self) -> None:
        assert return_status_for(ScanStatus.DELIVERED) is S.DELIVERED

    @pytest.mark.parametrize(
        "scan", [ScanStatus.LABEL_CREATED, ScanStatus.CANCELLED, ScanStatus.STALE, *sorted(FAILURES)]
    )
    def test_scans_that_do_not_move_the_return_forward(self, scan: ScanStatus) -> None:
        # Failures fail the wait (lost / bounced) through the workflow, not through this mapping.
        assert return_status_for(scan) is None

    def test_failures_are_not_proof_of_dispatch(self) -> None:
        assert not (MOVING & FAILURES)
        assert ScanStatus.ACCEPTED in MOVING
