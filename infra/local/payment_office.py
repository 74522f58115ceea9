"""The sandbox payment provider's back office for the local stack: settles pending refunds, sends webhooks.

A real provider settles an acknowledged refund later and tells us by a signed webhook; this thread does
the same for the sandbox provider, through the real HTTP path (`POST /webhooks/payments/sandbox`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import requests

from returns_core.adapters.documents import DocumentStore
from returns_core.adapters.sandbox_payments import SandboxPayments, webhook_headers
from returns_core.clock import utcnow

POLL_SECONDS = 0.5


class PaymentBackOffice:
    def __init__(
        self,
        api_url: str,
        secret: str,
        documents: DocumentStore,
        session: Any = None,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._url = f"{api_url}/webhooks/payments/{SandboxPayments.name}"
        self._secret = secret
        self._provider = SandboxPayments(documents)
        self._session = session or requests.Session()
        self._now = now
        self._stop = threading.Event()
        self._unsent: list[bytes] = []

    def start(self) -> None:
        threading.Thread(target=self._run, name="payment-back-office", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def tick(self) -> int:
        """Settle what is due and post its webhooks (again, next tick, for any that did not get a 2xx).

        Each attempt is signed afresh, as real providers sign each retry: a retry carrying the first
        attempt's timestamp would be refused for good once it is older than the signature tolerance.
        """
        self._unsent += [body for body, _ in self._provider.settle_due(self._now(), self._secret)]
        sent, still = 0, []
        for body in self._unsent:
            headers = webhook_headers(body, self._secret, self._now())
            try:
                answer = self._session.post(
                    self._url, data=body, headers={"content-type": "application/json", **headers}, timeout=10
                )
                ok = answer.status_code < 300
            except requests.RequestException:
                ok = False
            if ok:
                sent += 1
            else:
                still.append(body)
        self._unsent = still
        return sent

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                self.tick()
            except Exception:  # noqa: S112 - the engine may be stopping; try again next tick
                continue
