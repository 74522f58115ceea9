"""cdk-nag findings reviewed and accepted, recorded on the resource they concern with their reason.

Each construct suppresses its own findings here, beside the code that causes them, so a reason is
read where the resource is defined; the infra tests run the AwsSolutions and Serverless packs and
fail on any finding that is not suppressed this way (tests/infra/test_nag.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from cdk_nag import NagPackSuppression, NagSuppressions, RegexAppliesTo
from constructs import IConstruct


def accept(
    construct: IConstruct,
    rule: str,
    reason: str,
    *,
    applies_to: Iterable[str] = (),
    children: bool = False,
) -> None:
    """Suppress `rule` on `construct` (and its children when asked), for the findings `applies_to`
    names (cdk-nag's `Action::…`/`Resource::…` strings, or `/regex/` patterns), or all of them."""
    matches: list[str | RegexAppliesTo] = [
        RegexAppliesTo(regex=item) if item.startswith("/") else item for item in applies_to
    ]
    NagSuppressions.add_resource_suppressions(
        construct,
        [NagPackSuppression(id=rule, reason=reason, applies_to=matches or None)],
        apply_to_children=children,
    )


def accept_dead_letter_queue(queue: IConstruct, role: str) -> None:
    """A queue that is itself where failed events end up: it needs no DLQ of its own."""
    reason = (
        f"This queue is {role}: the last stop of events that failed, watched by an alarm on its depth and kept "
        "14 days. cdk-nag only recognises a DLQ named in another queue's redrive policy."
    )
    for rule in ("AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"):
        accept(queue, rule, reason)
