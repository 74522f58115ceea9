"""A return's path through the state machine, from Step Functions' execution history."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from returns_core.clock import iso


def execution_summary(client: Any, execution_arn: str) -> dict[str, Any] | None:
    try:
        described = client.describe_execution(executionArn=execution_arn)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in {"ExecutionDoesNotExist", "ResourceNotFound"}:
            return None
        raise
    states: list[dict[str, Any]] = []
    open_states: dict[str, dict[str, Any]] = {}
    paginator_args: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = client.get_execution_history(**paginator_args)
        for event in page["events"]:
            kind = event["type"]
            if kind.endswith("StateEntered"):
                name = event["stateEnteredEventDetails"]["name"]
                entry = {"state": name, "entered_at": iso(event["timestamp"]), "exited_at": None}
                states.append(entry)
                open_states[name] = entry
            elif kind.endswith("StateExited"):
                name = event["stateExitedEventDetails"]["name"]
                if name in open_states:
                    open_states.pop(name)["exited_at"] = iso(event["timestamp"])
        token = page.get("nextToken")
        if not token:
            break
        paginator_args["nextToken"] = token
    return {
        "execution_arn": execution_arn,
        "status": described["status"],
        "started_at": iso(described["startDate"]),
        "stopped_at": iso(described["stopDate"]) if described.get("stopDate") else None,
        "path": states,
    }
