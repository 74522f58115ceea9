"""Which address a lookup is counted against, directly and behind CloudFront."""

from __future__ import annotations

from typing import Any

import pytest

from returns_core.api.http import client_address


def _event(source: str, forwarded: str | None = None) -> dict[str, Any]:
    headers = {"x-forwarded-for": forwarded} if forwarded is not None else {}
    return {"headers": headers, "requestContext": {"http": {"sourceIp": source}}}


@pytest.mark.parametrize(
    ("source", "forwarded", "client"),
    [
        ("203.0.113.7", None, "203.0.113.7"),  # straight to the API
        ("130.176.1.1", "198.51.100.9", "198.51.100.9"),  # CloudFront appended the viewer
        ("130.176.1.1", "1.2.3.4, 198.51.100.9", "198.51.100.9"),  # what the viewer sent is not trusted
        ("130.176.1.1", "1.2.3.4, 198.51.100.9, 130.176.1.1", "198.51.100.9"),  # the gateway appended the edge
        ("203.0.113.7", "", "203.0.113.7"),
    ],
)
def test_the_viewer_is_the_last_forwarded_address_before_the_connection(
    source: str, forwarded: str | None, client: str
) -> None:
    # Given a request as API Gateway hands it over / When its client is named / Then
    assert client_address(_event(source, forwarded)) == client
