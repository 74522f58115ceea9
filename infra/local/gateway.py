"""A local HTTP gateway: turns requests into API Gateway HTTP API (payload 2.0) events.

Routes come from the catalogue, so the local URLs are the deployed ones. Ops routes require a
bearer token, standing in for the JWT authorizer that guards them in AWS.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from infra import catalogue
from infra.local import environment as env
from infra.local.engine import HandlerRegistry
from infra.local.moto_patches import LambdaContext

LOG = logging.getLogger("returns.local.gateway")
_TEXT_TYPES = ("application/json", "text/", "application/x-www-form-urlencoded")
MAX_BODY_BYTES = 1_000_000

# Local-only pages (the portal's files, the outbox, /health): (status, headers, body) or None.
ExtraRoute = Callable[[str, dict[str, str]], tuple[int, dict[str, str], bytes] | None]


def _compile(path: str) -> re.Pattern[str]:
    pattern = re.sub(r"\{([a-zA-Z_][a-zA-Z0-9_]*)\}", r"(?P<\1>[^/]+)", path)
    return re.compile(f"^{pattern}$")


class Gateway:
    def __init__(self, registry: HandlerRegistry, ops_token: str, extra: ExtraRoute | None = None) -> None:
        self._registry = registry
        self._ops_token = ops_token
        self._extra = extra
        self._routes = [(route, spec, _compile(route.path)) for route, spec in catalogue.routes()]
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    def match(self, method: str, path: str) -> tuple[catalogue.Route, catalogue.FunctionSpec, dict[str, str]] | None:
        for route, spec, pattern in self._routes:
            found = pattern.match(path)
            if found and route.method == method:
                return route, spec, found.groupdict()
        return None

    def path_known(self, path: str) -> bool:
        return any(pattern.match(path) for _, _, pattern in self._routes)

    def event(
        self,
        method: str,
        raw_path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        route: catalogue.Route,
        params: dict[str, str],
        source_ip: str,
    ) -> dict[str, Any]:
        content_type = headers.get("content-type", "")
        is_text = not body or any(content_type.startswith(t) for t in _TEXT_TYPES)
        if is_text:
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                is_text = False  # API Gateway base64-encodes what is not valid text
        now = datetime.now(UTC)
        query_params: dict[str, str] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            query_params[key] = f"{query_params[key]},{value}" if key in query_params else value
        return {
            "version": "2.0",
            "routeKey": route.route_key,
            "rawPath": raw_path,
            "rawQueryString": query,
            "cookies": [c.strip() for c in headers.get("cookie", "").split(";") if c.strip()],
            "headers": headers,
            "queryStringParameters": query_params or None,
            "pathParameters": params or None,
            "requestContext": {
                "accountId": env.ACCOUNT,
                "apiId": "local",
                "domainName": headers.get("host", "127.0.0.1"),
                "domainPrefix": "local",
                "http": {
                    "method": method,
                    "path": raw_path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": source_ip,
                    "userAgent": headers.get("user-agent", ""),
                },
                "requestId": str(uuid.uuid4()),
                "routeKey": route.route_key,
                "stage": "$default",
                "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "timeEpoch": int(time.time() * 1000),
            },
            "body": body.decode("utf-8") if is_text else base64.b64encode(body).decode(),
            "isBase64Encoded": not is_text,
        }

    def dispatch(
        self, method: str, target: str, headers: dict[str, str], body: bytes, source_ip: str
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        if self._extra is not None:
            extra = self._extra(method, {"path": parts.path, "query": parts.query})
            if extra is not None:
                return extra
        found = self.match(method, parts.path)
        if found is None:
            status = 405 if self.path_known(parts.path) else 404
            return status, {"content-type": "application/json"}, json.dumps({"message": "Not Found"}).encode()
        route, spec, params = found
        if route.auth is catalogue.Auth.OPS and not self._authorised(headers):
            return 401, {"content-type": "application/json"}, json.dumps({"message": "Unauthorized"}).encode()
        event = self.event(method, parts.path, parts.query, headers, body, route, params, source_ip)
        handler = self._registry.resolve(spec.name)
        assert handler is not None
        try:
            reply = handler(event, LambdaContext(spec.name, env.function_arn(spec.name), env.REGION))
        except Exception:
            LOG.exception("function %s failed", spec.name)
            # What API Gateway answers when the integration fails.
            return 500, {"content-type": "application/json"}, b'{"message":"Internal Server Error"}'
        reply_headers = {k.lower(): str(v) for k, v in (reply.get("headers") or {}).items()}
        reply_body = str(reply.get("body") or "")
        data = base64.b64decode(reply_body) if reply.get("isBase64Encoded") else reply_body.encode("utf-8")
        return int(reply.get("statusCode", 200)), reply_headers, data

    def _authorised(self, headers: dict[str, str]) -> bool:
        given = headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {self._ops_token}".encode())

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> str:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length > MAX_BODY_BYTES:
                    self._reply(413, {"content-type": "application/json"}, b'{"message":"Request Entity Too Large"}')
                    return
                body = self.rfile.read(length) if length else b""
                headers: dict[str, str] = {}
                for key, value in self.headers.items():
                    key = key.lower()
                    headers[key] = f"{headers[key]},{value}" if key in headers else value
                status, reply_headers, data = gateway.dispatch(
                    self.command, self.path, headers, body, self.client_address[0]
                )
                self._reply(status, reply_headers, data)

            def _reply(self, status: int, headers: dict[str, str], data: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    if key != "content-length":
                        self.send_header(key, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="gateway", daemon=True).start()
        self.url = f"http://{host}:{self._server.server_address[1]}"
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
