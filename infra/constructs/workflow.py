"""The returns state machine: the one ASL file, its placeholders filled with the task functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import catalogue
from infra.constructs.nag import accept


@dataclass(frozen=True)
class WorkflowIdentity:
    """The state machine's name and ARNs, known before the state machine exists.

    The workflow's task functions are referenced by the definition (StateMachine → Function) and
    one of them (`await-milestone`) may also answer task tokens. Granting it with the state
    machine's own ARN token would add Function → DefaultPolicy → StateMachine → Function, a cycle.
    The state machine therefore gets an explicit name and every function-side reference (grants,
    `STATE_MACHINE_ARN`) uses the ARN built from that name: still this one state machine, no cycle.
    """

    name: str
    arn: str
    executions_arn: str  # every execution of this state machine

    @classmethod
    def for_stack(cls, stack: Stack, name: str) -> WorkflowIdentity:
        def arn(resource: str, resource_name: str) -> str:
            return stack.format_arn(
                service="states",
                resource=resource,
                resource_name=resource_name,
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )

        return cls(name=name, arn=arn("stateMachine", name), executions_arn=arn("execution", f"{name}:*"))


def read_asl() -> str:
    return catalogue.ASL_PATH.read_text(encoding="utf-8")


class Workflow(Construct):
    """A Standard state machine (waits last weeks; task tokens need Standard), logged and traced."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        identity: WorkflowIdentity,
        functions: Mapping[str, lambda_.IFunction],
    ) -> None:
        super().__init__(scope, construct_id)
        tasks = catalogue.asl_placeholders()
        substitutions = {placeholder: functions[spec.name].function_arn for placeholder, spec in tasks.items()}
        # Fail the synth, not the deployment, if the ASL and the catalogue disagree on placeholders.
        catalogue.load_definition(dict.fromkeys(tasks, "arn"))

        self.log_group = logs.LogGroup(self, "ExecutionLogs", retention=logs.RetentionDays.ONE_MONTH)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=identity.name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(read_asl()),
            definition_substitutions=substitutions,
            logs=sfn.LogOptions(
                destination=self.log_group,
                level=sfn.LogLevel.ALL,
                include_execution_data=True,
            ),
            tracing_enabled=True,
        )
        for spec in {spec.name: spec for spec in tasks.values()}.values():
            functions[spec.name].grant_invoke(self.state_machine)
        accept(
            self.state_machine.role,
            "AwsSolutions-IAM5",
            "lambda:InvokeFunction on <task function ARN>:* covers the versions and aliases of exactly the "
            "workflow's task functions; the CloudWatch Logs delivery actions (logging ALL) and X-Ray support no "
            "resource-level permissions (Resource *).",
            applies_to=[r"/^Resource::<Functions[A-Za-z]+Function[0-9A-F]{8}\.Arn>:\*$/g", "Resource::*"],
            children=True,
        )
