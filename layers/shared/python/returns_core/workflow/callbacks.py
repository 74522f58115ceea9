"""Resuming Step Functions tasks that wait on a task token, at most once.

`TaskTimedOut` / `InvalidToken` / `TaskDoesNotExist` from SendTask* mean the task was already
resumed or has ended: that is an outcome, not an error.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

_ALREADY_CLOSED = {"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"}


class TaskCallbacks:
    def __init__(self, client: Any) -> None:
        self._client = client

    def _call(self, operation: str, **kwargs: Any) -> bool:
        try:
            getattr(self._client, operation)(**kwargs)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in _ALREADY_CLOSED:
                return False
            raise
        return True

    def succeed(self, token: str, output: dict[str, Any]) -> bool:
        return self._call("send_task_success", taskToken=token, output=json.dumps(output, default=str))

    def fail(self, token: str, error: str, cause: str) -> bool:
        return self._call("send_task_failure", taskToken=token, error=error, cause=cause[:32000])

    def heartbeat(self, token: str) -> bool:
        return self._call("send_task_heartbeat", taskToken=token)
