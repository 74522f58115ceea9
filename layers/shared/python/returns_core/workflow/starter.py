"""Starting the workflow for a return: one execution per return, named after it."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError


class StepFunctionsStarter:
    def __init__(self, client: Any, state_machine_arn: str) -> None:
        self._client = client
        self._arn = state_machine_arn

    def start(self, return_id: str) -> None:
        try:
            self._client.start_execution(
                stateMachineArn=self._arn, name=return_id, input=json.dumps({"return_id": return_id})
            )
        except ClientError as exc:
            # Same name, same input: the execution exists already, which is what we want.
            if exc.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise

    def execution_arn(self, return_id: str) -> str:
        prefix = self._arn.replace(":stateMachine:", ":execution:")
        return f"{prefix}:{return_id}"
