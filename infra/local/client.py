"""A small HTTP client for the returns API, used by the demo and the end-to-end tests."""

from __future__ import annotations

import time
from typing import Any

import requests

from returns_core.domain.statuses import TERMINAL


class ReturnsClient:
    def __init__(self, api_url: str, ops_token: str) -> None:
        self.url = api_url
        self._ops = {"authorization": f"Bearer {ops_token}"}
        self._session = requests.Session()

    def create_return(
        self, order_number: str, email: str, items: list[dict[str, Any]], resolution: str = "REFUND",
        idempotency_key: str | None = None,
    ) -> requests.Response:  # fmt: skip
        headers = {"idempotency-key": idempotency_key} if idempotency_key else {}
        body = {"order_number": order_number, "email": email, "items": items, "resolution": resolution}
        return self._session.post(f"{self.url}/returns", json=body, headers=headers, timeout=15)

    def public(self, return_id: str) -> dict[str, Any]:
        response = self._session.get(f"{self.url}/returns/{return_id}", timeout=15)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def ops(self, return_id: str) -> dict[str, Any]:
        response = self._session.get(f"{self.url}/ops/returns/{return_id}", headers=self._ops, timeout=15)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def ops_list(self, status: str | None = None) -> list[dict[str, Any]]:
        params: dict[str, str | int] = {"status": status, "limit": 100} if status else {"limit": 100}
        response = self._session.get(f"{self.url}/ops/returns", headers=self._ops, params=params, timeout=15)
        response.raise_for_status()
        returns: list[dict[str, Any]] = response.json()["returns"]
        return returns

    def ops_post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return self._session.post(f"{self.url}{path}", json=body, headers=self._ops, timeout=15)

    def put_order(self, order: dict[str, Any]) -> requests.Response:
        url = f"{self.url}/ops/orders/{order['order_number']}"
        return self._session.put(url, json=order, headers=self._ops, timeout=15)

    def inspect_all(self, return_id: str, grade: str = "A", disposition: str = "RESTOCK") -> requests.Response:
        record = self.ops(return_id)
        items = [
            {
                "line_id": item["line_id"],
                "accepted_quantity": item["quantity"],
                "grade": grade,
                "disposition": disposition,
            }
            for item in record["items"]
        ]
        return self.ops_post(f"/ops/returns/{return_id}/inspection", {"inspector": "warehouse-1", "items": items})

    def review(self, return_id: str, decision: str, reason: str) -> requests.Response:
        body = {"decision": decision, "reason": reason, "reviewer": "ops-lead"}
        return self.ops_post(f"/ops/returns/{return_id}/review", body)

    def wait_for(self, return_id: str, statuses: set[str], timeout: float = 30.0) -> dict[str, Any]:
        """Poll until the return is in one of `statuses`; a different terminal status ends the wait too."""
        deadline = time.monotonic() + timeout
        record = self.ops(return_id)
        while record["status"] not in statuses and time.monotonic() < deadline:
            if record["status"] in TERMINAL:
                break
            time.sleep(0.2)
            record = self.ops(return_id)
        return record

    def wait_for_execution_end(self, return_id: str, timeout: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        record = self.ops(return_id)
        while (record.get("execution") or {}).get("status") == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.2)
            record = self.ops(return_id)
        return record
