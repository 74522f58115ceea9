"""The sandbox payment provider's back office for the local stack: settles pending refunds, sends webhooks.

A real provider settles an acknowledged refund later and tells us by a signed webhook; this thread does
the same for the sandbox provider, through the real HTTP path (`POST /webhooks/payments/sandbox`).
"""

from __future__ import annotations

import threading
from typing import Any

import requests

from returns_core.adapters.documents import DocumentStore
from returns_core.adapters.sandbox_payments import SandboxPayments
from returns_core.clock import utcnow

POLL_SECONDS = 0.5


class PaymentBackOffice:
    def __init__(self, api_url: str, secret: str, s3: Any, bucket: str) -> None:
        self._url = f"{api_url}/webhooks/payments/{SandboxPayments.name}"
        self._secret = secret
        self._provider = SandboxPayments(DocumentStore(s3, bucket))
        self._session = requests.Session()
        self._stop = threading.Event()
        self._unsent: list[tuple[bytes, dict[str, str]]] = []

    def start(self) -> None:
        threading.Thread(target=self._run, name="payment-back-office", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def tick(self) -> int:
        """Settle what is due and post its webhooks (again, next tick, for any that did not get a 2xx)."""
        self._unsent += self._provider.settle_due(utcnow(), self._secret)
        sent, still = 0, []
        for body, headers in self._unsent:
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
                still.append((body, headers))
        self._unsent = still
        return sent

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                self.tick()
            except Exception:  # noqa: S112 - the engine may be stopping; try again next tick
                continue
