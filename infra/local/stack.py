"""The whole system on 127.0.0.1: embedded AWS, the HTTP gateway, the sandbox carrier's scans."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import requests

from infra.local import environment as env
from infra.local import outbox, static_site
from infra.local.demo_data import demo_orders
from infra.local.engine import LocalEngine
from infra.local.gateway import Gateway
from infra.local.payment_office import PaymentBackOffice
from infra.local.simulator import AutoCarrier, ScanSimulator, shipments_lister
from returns_core.adapters.documents import DocumentStore

# 14 days of label validity become ~8 s: a demo or a test sees every timeout branch quickly.
DEMO_TIME_SCALE = Decimal("0.0000066")


@dataclass
class LocalStack:
    time_scale: Decimal = DEMO_TIME_SCALE
    webhook_secret: str = field(default_factory=lambda: secrets.token_hex(24))
    ops_token: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    auto_carrier_gap: float | None = None
    log_level: str = "INFO"
    portal_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    # Seller settings the portal reads (see Settings): one-time codes, lookup limits.
    portal_settings: dict[str, str] = field(default_factory=dict)
    engine: LocalEngine | None = None
    gateway: Gateway | None = None
    _auto: AutoCarrier | None = None
    _payments: PaymentBackOffice | None = None

    @property
    def url(self) -> str:
        assert self.gateway is not None
        return self.gateway.url

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self.engine = LocalEngine(
            self.webhook_secret, self.time_scale, log_level=self.log_level, portal_secret=self.portal_secret
        )
        self.engine.start()
        self.gateway = Gateway(self.engine.registry, self.ops_token, extra=self._extra_routes)
        url = self.gateway.serve(host, port)
        # Known only now that the gateway has its port; no handler has run yet to read the environment.
        os.environ.update({"PORTAL_URL": f"{url}{static_site.PORTAL_PREFIX}", **self.portal_settings})
        self._payments = PaymentBackOffice(
            url, self.webhook_secret, DocumentStore(self.engine.client("s3"), env.BUCKET)
        )
        self._payments.start()
        if self.auto_carrier_gap is not None:
            lister = shipments_lister(self.engine.client("s3"), env.BUCKET)
            self._auto = AutoCarrier(ScanSimulator(url, self.webhook_secret), lister, self.auto_carrier_gap)
            self._auto.start()
        return url

    def stop(self) -> None:
        if self._auto:
            self._auto.stop()
        if self._payments:
            self._payments.stop()
        if self.gateway:
            self.gateway.stop()
        if self.engine:
            self.engine.stop()

    def simulator(self) -> ScanSimulator:
        return ScanSimulator(self.url, self.webhook_secret)

    def ops_headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.ops_token}"}

    def seed(self) -> list[str]:
        from returns_core.clock import utcnow

        numbers = []
        for order in demo_orders(utcnow()):
            response = requests.put(
                f"{self.url}/ops/orders/{order['order_number']}",
                json=order,
                headers=self.ops_headers(),
                timeout=10,
            )
            response.raise_for_status()
            numbers.append(order["order_number"])
        return numbers

    def _extra_routes(self, method: str, request: dict[str, str]) -> tuple[int, dict[str, str], bytes] | None:
        if method != "GET":
            return None
        path = request["path"]
        if path == "/health":
            return 200, {"content-type": "application/json"}, json.dumps({"status": "ok"}).encode()
        assert self.engine is not None
        return static_site.serve(path, self.engine.endpoint) or outbox.serve(path)

    def describe(self) -> dict[str, Any]:
        return {
            "api_url": self.url,
            "portal_url": f"{self.url}{static_site.PORTAL_PREFIX}",
            # The token rides in the fragment, which the browser never sends to a server.
            "dashboard_url": f"{self.url}{static_site.DASHBOARD_PREFIX}#token={self.ops_token}",
            "outbox_url": f"{self.url}/outbox",
            "aws_endpoint": self.engine.endpoint if self.engine else None,
            "ops_token": self.ops_token,
            "time_scale": str(self.time_scale),
        }
