"""The embedded AWS: a moto server in this process, executing the real ASL file.

Creates what CDK deploys (tables with the catalogue's key schemas, the documents bucket, the
bus and the catalogue's rules, the state machine from `statemachines/returns.asl.json`), runs
Lambda tasks by calling our handlers in-process, and delivers rule matches to their target
functions. moto has no EventBridge → Lambda target, so each rule targets an SQS queue with the
same event pattern and a poller hands the events to the function, retrying like EventBridge.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import boto3

from infra import catalogue
from infra.local import environment as env
from infra.local.resources import provision

LOG = logging.getLogger("returns.local")
LambdaHandler = Callable[[dict[str, Any], Any], Any]

_MAX_RECEIVES = 5


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# One lock per function for the whole process, whichever registry resolved it: the process holds one
# instance of each function, and Lambda gives an instance one invocation at a time. The handlers rely
# on that (Powertools' resolver keeps the current event on the module's `app`), so concurrent calls
# through the gateway, the pollers and moto's tasks take turns instead of reading each other's events.
_INSTANCE_LOCKS: dict[str, threading.RLock] = {}
_INSTANCE_LOCKS_GUARD = threading.Lock()


def _one_at_a_time(name: str, handler: LambdaHandler) -> LambdaHandler:
    with _INSTANCE_LOCKS_GUARD:
        lock = _INSTANCE_LOCKS.setdefault(name, threading.RLock())

    def invoke(event: dict[str, Any], context: Any) -> Any:
        with lock:
            return handler(event, context)

    return invoke


class HandlerRegistry:
    """Catalogue function name → its handler, imported on first use like a Lambda cold start."""

    def __init__(self) -> None:
        self._handlers: dict[str, LambdaHandler] = {}
        self._lock = threading.Lock()

    def resolve(self, name: str) -> LambdaHandler | None:
        with self._lock:
            if name not in self._handlers:
                spec = next((s for s in catalogue.FUNCTIONS if s.name == name), None)
                if spec is None:
                    return None
                module_name, attr = spec.handler.rsplit(".", 1)
                self._handlers[name] = _one_at_a_time(name, getattr(importlib.import_module(module_name), attr))
            return self._handlers[name]


class LocalEngine:
    def __init__(
        self,
        webhook_secret: str,
        time_scale: Decimal,
        retry_scale: float = 0.02,
        log_level: str = "INFO",
        portal_secret: str | None = None,
    ) -> None:
        self.webhook_secret = webhook_secret
        self.portal_secret = portal_secret or secrets.token_urlsafe(32)
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self.log_level = log_level
        self.time_scale = time_scale
        self.retry_scale = retry_scale
        self.registry = HandlerRegistry()
        self.port = 0
        self.endpoint = ""
        self._server: Any = None
        self._stop = threading.Event()
        self._pollers: list[threading.Thread] = []

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._clients.clear()
        # moto's interpreter calls back into the server on localhost:$MOTO_PORT.
        os.environ["MOTO_PORT"] = str(self.port)
        os.environ.update(
            env.handler_environment(self.endpoint, self.webhook_secret, self.time_scale, self.portal_secret)
        )
        os.environ["POWERTOOLS_LOG_LEVEL"] = self.log_level

        from moto.core.config import default_user_config
        from moto.server import ThreadedMotoServer

        from infra.local import moto_patches

        default_user_config.update({"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}})
        moto_patches.apply_all(self.registry.resolve, time_scale=self.retry_scale)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
        self._provision()
        for spec in catalogue.FUNCTIONS:
            for rule in spec.rules:
                thread = threading.Thread(
                    target=self._poll_rule, args=(spec.name, rule), name=f"rule-{rule.name}", daemon=True
                )
                thread.start()
                self._pollers.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._pollers:
            thread.join(timeout=5)
        if self._server is not None:
            self._server.stop()

    def client(self, service: str) -> Any:
        """One client per service for the engine's lifetime (botocore clients are thread-safe): a client
        built afresh loads its service's model from disk, which costs more than the call it makes."""
        with self._clients_lock:
            if service not in self._clients:
                session: Any = boto3.session.Session()
                self._clients[service] = session.client(
                    service,
                    region_name=env.REGION,
                    endpoint_url=self.endpoint,
                    aws_access_key_id="local",
                    aws_secret_access_key="local",  # noqa: S106 - moto accepts any credentials
                )
            return self._clients[service]

    def _provision(self) -> None:
        provision(self.client)

    # -- EventBridge rule → function -------------------------------------------------------------

    def _rule_queue(self, rule: catalogue.EventRule) -> str:
        sqs = self.client("sqs")
        dlq = sqs.create_queue(QueueName=f"returns-local-{rule.name}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue = sqs.create_queue(
            QueueName=f"returns-local-{rule.name}",
            Attributes={
                "VisibilityTimeout": "2",
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(_MAX_RECEIVES)}),
            },
        )["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events = self.client("events")
        events.put_rule(Name=rule.name, EventBusName=env.BUS_NAME, EventPattern=json.dumps(rule.pattern))
        events.put_targets(Rule=rule.name, EventBusName=env.BUS_NAME, Targets=[{"Id": "function", "Arn": arn}])
        return str(queue)

    def _poll_rule(self, function_name: str, rule: catalogue.EventRule) -> None:
        from infra.local.moto_patches import LambdaContext

        queue = self._rule_queue(rule)
        sqs = self.client("sqs")
        handler = self.registry.resolve(function_name)
        assert handler is not None
        while not self._stop.is_set():
            try:
                messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
                    "Messages", []
                )
            except Exception:  # the server is going away
                if self._stop.is_set():
                    return
                time.sleep(0.2)
                continue
            for message in messages:
                try:
                    context = LambdaContext(function_name, env.function_arn(function_name), env.REGION)
                    handler(json.loads(message["Body"]), context)
                except Exception:
                    # Left on the queue: redelivered after the visibility timeout, like EventBridge retries.
                    LOG.exception("rule target %s failed; will retry", function_name)
                    continue
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
