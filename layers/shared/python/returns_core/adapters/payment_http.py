"""One HTTP exchange with a payment provider, its failures mapped onto the payment port's errors.

A timeout (ours, or the provider's 408/504) leaves the outcome unknown: PaymentTimeout, resolved by a
lookup. A connection failure, 429 or 5xx is PaymentUnavailable (retried with backoff); any other 4xx is
PaymentRejected (ops look at it). The providers' adapters differ only in what they send and read.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable, Mapping

from returns_core.adapters.http_json import Timeout, Transport
from returns_core.ports.payments import PaymentRejected, PaymentTimeout, PaymentUnavailable


def exchange(
    transport: Transport,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    timeout: Timeout,
    *,
    provider: str,
    what: str,
    explain: Callable[[bytes], str] = lambda _payload: "",
) -> tuple[int, bytes]:
    """(status, body) of a 2xx/3xx answer; `what` names the call in errors, `explain` reads an error body."""
    try:
        status, _, payload = transport(method, url, headers, body, timeout)
    except TimeoutError:
        raise PaymentTimeout(f"{provider} {what}: no answer in time") from None
    except (OSError, http.client.HTTPException) as exc:
        raise PaymentUnavailable(f"{provider} {what}: {type(exc).__name__}") from exc
    if status in (408, 504):
        raise PaymentTimeout(f"{provider} HTTP {status}")
    if status == 429 or status >= 500:
        raise PaymentUnavailable(f"{provider} HTTP {status}{explain(payload)}")
    if status >= 400:
        raise PaymentRejected(f"{provider} HTTP {status}{explain(payload)}")
    return status, payload
