"""CDK assertions on the synthesised `ReturnsStack`, checked against `infra.catalogue`.

Given the catalogue (functions, routes, rules, tables) and the ASL file,
when the stack is synthesised (once per session, see conftest.py),
then the template deploys exactly that — property by property, not just resource counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import CfnElement
from aws_cdk.assertions import Annotations, Match, Template
from constructs import IConstruct

from infra import catalogue
from infra.stack import ReturnsConfig, ReturnsStack

Resources = dict[str, dict[str, Any]]

# conftest.py synthesises with stage "test", so these are the names the stack must use.
STACK_NAME = "returns-test"
STATE_MACHINE_NAME = f"{STACK_NAME}-workflow"
_STATES = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}"
STATE_MACHINE_ARN = f"{_STATES}:stateMachine:{STATE_MACHINE_NAME}"
EXECUTIONS_ARN = f"{_STATES}:execution:{STATE_MACHINE_NAME}:*"
SEND_TASK_ACTIONS = {"states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"}
READ_EXECUTION_ACTIONS = {"states:DescribeExecution", "states:GetExecutionHistory", "states:ListExecutions"}
DYNAMODB_WRITE = "dynamodb:PutItem"
DYNAMODB_READ = "dynamodb:GetItem"


# ----------------------------------------------------------------------------------------------- helpers


def of_type(resources: Resources, resource_type: str) -> Resources:
    return {key: value for key, value in resources.items() if value["Type"] == resource_type}


def only(resources: Resources, resource_type: str) -> tuple[str, dict[str, Any]]:
    found = of_type(resources, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.items()))


def render(value: Any) -> Any:
    """A CloudFormation value as a string with `${Ref}`/`${Id.Attr}` markers, to compare ARNs."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return "${" + value["Ref"] + "}"
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(render(part) for part in parts)
    return value


def logical_id(stack: ReturnsStack, construct: IConstruct) -> str:
    """The logical id of a construct's CloudFormation resource, asked of the stack (not guessed)."""
    resource = construct.node.default_child
    assert isinstance(resource, CfnElement), construct.node.path
    return stack.get_logical_id(resource)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def function_ids(resources: Resources) -> dict[str, str]:
    """Catalogue function name → logical id, matched by the Lambda's Handler property."""
    by_handler = {
        props["Properties"]["Handler"]: key for key, props in of_type(resources, "AWS::Lambda::Function").items()
    }
    return {spec.name: by_handler[spec.handler] for spec in catalogue.FUNCTIONS}


def key_schema(partition_key: str, sort_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition_key, "KeyType": "HASH"}]
    if sort_key:
        schema.append({"AttributeName": sort_key, "KeyType": "RANGE"})
    return schema


def table_ids(resources: Resources) -> dict[str, str]:
    """Catalogue table key → logical id, matched by the table's exact key schema."""
    tables = of_type(resources, "AWS::DynamoDB::Table")
    found = {}
    for spec in catalogue.TABLES:
        expected = key_schema(spec.partition_key, spec.sort_key)
        matches = [key for key, table in tables.items() if table["Properties"]["KeySchema"] == expected]
        assert len(matches) == 1, f"table {spec.key}: {matches}"
        found[spec.key] = matches[0]
    return found


def policy_documents(node: Any) -> Iterator[dict[str, Any]]:
    """Every policy document anywhere in the template (IAM, bucket, queue, trust policies)."""
    if isinstance(node, dict):
        if isinstance(node.get("Statement"), list):
            yield node
        for value in node.values():
            yield from policy_documents(value)
    elif isinstance(node, list):
        for value in node:
            yield from policy_documents(value)


def role_statements(resources: Resources, function_id: str) -> list[dict[str, Any]]:
    """The allow/deny statements of a function's execution role (inline and attached policies)."""
    role_id = resources[function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    role = resources[role_id]["Properties"]
    statements = [s for policy in role.get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]
    for policy in of_type(resources, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def resources_for(statements: list[dict[str, Any]], action: str) -> list[Any]:
    """Rendered resources of the Allow statements granting `action`."""
    return [
        render(resource)
        for statement in statements
        if statement["Effect"] == "Allow" and action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    ]


def granted_actions(statements: list[dict[str, Any]]) -> set[str]:
    return {
        action for statement in statements if statement["Effect"] == "Allow" for action in as_list(statement["Action"])
    }


def references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "Ref" in node and isinstance(node["Ref"], str):
            yield node["Ref"]
        if "Fn::GetAtt" in node:
            yield node["Fn::GetAtt"][0]
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def specs_where(predicate: Any) -> list[catalogue.FunctionSpec]:
    return [spec for spec in catalogue.FUNCTIONS if predicate(spec)]


FUNCTION_NAMES = [spec.name for spec in catalogue.FUNCTIONS]
PORTAL_TOKEN_READERS = {"storefront-api", "notify"}
ROUTES = catalogue.routes()
RULES = {rule.name: rule for spec in catalogue.FUNCTIONS for rule in spec.rules}


# ----------------------------------------------------------------------------------------------- workflow


def test_state_machine_is_standard_named_traced_and_logs_everything(resources: Resources) -> None:
    # Given the synthesised stack
    # When we look at its one state machine
    _, machine = only(resources, "AWS::StepFunctions::StateMachine")
    props = machine["Properties"]
    # Then it is a Standard workflow (task tokens, waits of weeks), with the pre-computed name
    assert props["StateMachineType"] == "STANDARD"
    assert props["StateMachineName"] == STATE_MACHINE_NAME
    assert props["TracingConfiguration"] == {"Enabled": True}
    # And it logs ALL events, execution data included, to a log group kept one month
    logging = props["LoggingConfiguration"]
    assert logging["Level"] == "ALL"
    assert logging["IncludeExecutionData"] is True
    log_group_id = logging["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    assert resources[log_group_id]["Properties"]["RetentionInDays"] == 30


def test_state_machine_definition_is_the_asl_file_verbatim(resources: Resources) -> None:
    # Given the one ASL file shared with the local stack
    asl = catalogue.ASL_PATH.read_text(encoding="utf-8")
    # When the stack is synthesised
    _, machine = only(resources, "AWS::StepFunctions::StateMachine")
    # Then the definition is that text, placeholders left for DefinitionSubstitutions
    assert machine["Properties"]["DefinitionString"] == asl


def test_definition_substitutions_fill_every_placeholder_with_its_function(resources: Resources) -> None:
    # Given the catalogue's placeholder → task function map
    placeholders = catalogue.asl_placeholders()
    ids = function_ids(resources)
    # When we read the state machine's substitutions
    _, machine = only(resources, "AWS::StepFunctions::StateMachine")
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    # Then there is exactly one per placeholder, each the Arn of the right function
    assert set(substitutions) == set(placeholders)
    for placeholder, spec in placeholders.items():
        assert substitutions[placeholder] == {"Fn::GetAtt": [ids[spec.name], "Arn"]}, placeholder
    # And filling them the way Step Functions does (load_definition semantics) leaves valid ASL
    # whose every Lambda task calls one of the stack's task functions
    arn_of = {fid: f"arn:aws:lambda:eu-west-1:123456789012:function:{fid}" for fid in ids.values()}
    filled = catalogue.load_definition({key: arn_of[value["Fn::GetAtt"][0]] for key, value in substitutions.items()})
    called = {
        state["Parameters"]["FunctionName"]
        for state in json.loads(filled)["States"].values()
        if state["Type"] == "Task"
    }
    assert called == {arn_of[ids[spec.name]] for spec in placeholders.values()}


def test_state_machine_role_may_invoke_exactly_the_task_functions(resources: Resources) -> None:
    # Given the task functions named in the ASL
    ids = function_ids(resources)
    task_ids = {ids[spec.name] for spec in catalogue.asl_placeholders().values()}
    # When we read the state machine role's permissions
    _, machine = only(resources, "AWS::StepFunctions::StateMachine")
    role_id = machine["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    statements = [
        statement
        for policy in of_type(resources, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    invoked = resources_for(statements, "lambda:InvokeFunction")
    # Then it can invoke those functions (and their versions) and nothing else
    assert set(invoked) == {f"${{{fid}.Arn}}" for fid in task_ids} | {f"${{{fid}.Arn}}:*" for fid in task_ids}


# ----------------------------------------------------------------------------------------------- functions


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_is_deployed_as_catalogued(resources: Resources, stack: ReturnsStack, name: str) -> None:
    # Given a catalogue function
    spec = catalogue.function(name)
    # When we find its Lambda by handler
    props = resources[function_ids(resources)[name]]["Properties"]
    # Then runtime, architecture, sizing, tracing and layer are as designed
    assert props["Handler"] == spec.handler
    assert props["Runtime"] == "python3.14"
    assert props["Architectures"] == ["arm64"]
    assert props["MemorySize"] == spec.memory_mb
    assert props["Timeout"] == spec.timeout_seconds
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["Layers"] == [{"Ref": logical_id(stack, stack.functions.layer)}]
    # And its logs go to a log group of its own kept one month
    log_group_id = props["LoggingConfig"]["LogGroup"]["Ref"]
    assert resources[log_group_id]["Properties"]["RetentionInDays"] == 30


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_function_environment_names_every_table_and_what_it_touches(
    resources: Resources, stack: ReturnsStack, synth_context: dict[str, Any], name: str
) -> None:
    # Given a catalogue function and the context the stack was synthesised with
    spec = catalogue.function(name)
    tables = table_ids(resources)
    bucket_id = logical_id(stack, stack.storage.documents)
    bus_id, _ = only(resources, "AWS::Events::EventBus")
    webhook_secret_id = logical_id(stack, stack.functions.webhook_secret)
    portal_secret_id = logical_id(stack, stack.functions.portal_token_secret)
    distribution_id, _ = only(resources, "AWS::CloudFront::Distribution")
    expected: dict[str, Any] = {
        "DOCUMENTS_BUCKET": "${" + bucket_id + "}",
        "EVENT_BUS_NAME": "${" + bus_id + "}",
        "POWERTOOLS_SERVICE_NAME": "returns",
        "PYDANTIC_DISABLE_PLUGINS": "__all__",
        "SENDER_EMAIL": synth_context["sender_email"],
        "BASE_CURRENCY": synth_context["base_currency"],
        "PORTAL_VERIFY_EMAIL": synth_context["portal_verify_email"],
        "STORE_CREDIT_BONUS_PERCENT": synth_context["store_credit_bonus_percent"],
        "SELLER_POLICY": json.dumps(synth_context["seller_policy"], sort_keys=True),
        "CARRIER_PROVIDER": "sandbox",
        "PAYMENT_PROVIDER": "sandbox",
    }
    expected |= {table.env_var: "${" + tables[table.key] + "}" for table in catalogue.TABLES}
    if spec.start_executions or spec.read_executions:
        expected["STATE_MACHINE_ARN"] = STATE_MACHINE_ARN
    if name == "carrier-webhook":
        expected["CARRIER_WEBHOOK_SECRET_ARN"] = "${" + webhook_secret_id + "}"
        secrets_id = logical_id(stack, stack.functions.carrier_webhook_secrets)
        expected["CARRIER_WEBHOOK_SECRETS_ARN"] = "${" + secrets_id + "}"
    if name in ("buy-label", "finalise"):
        # Buying, voiding and claiming labels talk to the carrier's API; nothing else holds its key.
        expected["CARRIER_API_KEY_ARN"] = "${" + logical_id(stack, stack.functions.carrier_api_key) + "}"
    if name == "refund":
        # Only the refund task talks to the payment provider's API.
        expected["PAYMENT_API_KEY_ARN"] = "${" + logical_id(stack, stack.functions.payment_api_key) + "}"
    if name == "payment-webhook":
        secrets_id = logical_id(stack, stack.functions.payment_webhook_secrets)
        expected["PAYMENT_WEBHOOK_SECRETS_ARN"] = "${" + secrets_id + "}"
    if name in PORTAL_TOKEN_READERS:
        expected["PORTAL_TOKEN_SECRET_ARN"] = "${" + portal_secret_id + "}"
    if name == "notify":
        # Only notify links to the distribution's own domain: storefront-api is an integration of the API
        # the distribution fronts, so it cannot depend on the distribution (see Functions.link_portal).
        expected["PORTAL_URL"] = "https://${" + distribution_id + ".DomainName}/portal/"
    # When we read its environment
    variables = resources[function_ids(resources)[name]]["Properties"]["Environment"]["Variables"]
    # Then it holds exactly those variables
    assert {key: render(value) for key, value in variables.items()} == expected


def test_function_code_is_the_functions_package_at_the_asset_root(resources: Resources, cdk_outdir: Path) -> None:
    # Given every catalogue function's code location
    keys = {resources[fid]["Properties"]["Code"]["S3Key"] for fid in function_ids(resources).values()}
    # When we open the staged asset
    assert len(keys) == 1, "all functions share one code asset"
    # CDK keeps the source folder's "extension" in the staged name (a checkout in tmp.X stages as asset.<hash>.X).
    (asset,) = cdk_outdir.glob(f"asset.{keys.pop().removesuffix('.zip')}*")
    staged = {path.relative_to(asset) for path in asset.rglob("*") if path.is_file()}
    # Then it holds the repo's functions/ package at its root and nothing else
    source = catalogue.REPO_ROOT / "functions"
    expected = {
        Path("functions") / path.relative_to(source)
        for path in source.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix != ".pyc"
        and not path.name.startswith(".")
    }
    assert staged == expected
    assert {path.parts[0] for path in staged} == {"functions"}


def test_shared_layer_holds_returns_core_for_python_314_on_arm(
    resources: Resources, stack: ReturnsStack, cdk_outdir: Path
) -> None:
    # Given the shared layer
    props = resources[logical_id(stack, stack.functions.layer)]["Properties"]
    # Then it targets the functions' runtime and architecture
    assert props["CompatibleRuntimes"] == ["python3.14"]
    assert props["CompatibleArchitectures"] == ["arm64"]
    # And its asset has returns_core under python/, where Lambda puts it on sys.path
    asset = cdk_outdir / f"asset.{props['Content']['S3Key'].removesuffix('.zip')}"
    assert (asset / "python" / "returns_core" / "settings.py").is_file()
    assert not list(asset.rglob("__pycache__"))


def secret_readers(resources: Resources, secret_id: str) -> set[str]:
    """The catalogue functions whose roles may read the secret's value."""
    return {
        name
        for name, fid in function_ids(resources).items()
        if "${" + secret_id + "}" in resources_for(role_statements(resources, fid), "secretsmanager:GetSecretValue")
    }


def test_only_the_webhook_function_can_read_the_webhook_secret(resources: Resources, stack: ReturnsStack) -> None:
    # Given the generated carrier webhook secret
    secret_id = logical_id(stack, stack.functions.webhook_secret)
    assert "GenerateSecretString" in resources[secret_id]["Properties"]
    # When we look for who may read it
    # Then only carrier-webhook may
    assert secret_readers(resources, secret_id) == {"carrier-webhook"}


def test_portal_token_secret_is_generated_and_read_only_by_who_signs_or_links(
    resources: Resources, stack: ReturnsStack
) -> None:
    # Given the portal's token-signing secret
    secret_id = logical_id(stack, stack.functions.portal_token_secret)
    props = resources[secret_id]["Properties"]
    # Then its value is generated at deployment (48 letters and digits), never written in the template
    assert props["GenerateSecretString"] == {"ExcludePunctuation": True, "PasswordLength": 48}
    assert "SecretString" not in props
    # And only storefront-api (issues tokens) and notify (status links in emails) may read it
    assert secret_readers(resources, secret_id) == PORTAL_TOKEN_READERS
    # And a workflow task such as authorise may not
    authorise = role_statements(resources, function_ids(resources)["authorise"])
    assert not {a for a in granted_actions(authorise) if a.startswith("secretsmanager:")}


def test_only_the_payment_webhook_can_read_the_payment_providers_webhook_secrets(
    resources: Resources, stack: ReturnsStack
) -> None:
    # Given the secret the seller fills with Stripe's and Adyen's webhook signing secrets
    secret_id = logical_id(stack, stack.functions.payment_webhook_secrets)
    # Then it starts as an empty object (nothing signed by anyone verifies), and only payment-webhook reads it
    assert json.loads(resources[secret_id]["Properties"]["SecretString"]) == {}
    assert secret_readers(resources, secret_id) == {"payment-webhook"}


# ----------------------------------------------------------------------------------------------- api


def test_every_catalogue_route_exists_and_reaches_its_function(resources: Resources) -> None:
    # Given the catalogue's routes
    ids = function_ids(resources)
    api_id, api = only(resources, "AWS::ApiGatewayV2::Api")
    assert api["Properties"]["ProtocolType"] == "HTTP"
    routes = {
        props["Properties"]["RouteKey"]: props["Properties"]
        for props in of_type(resources, "AWS::ApiGatewayV2::Route").values()
    }
    # Then the API has exactly those route keys
    assert set(routes) == {route.route_key for route, _ in ROUTES}
    for route, spec in ROUTES:
        props = routes[route.route_key]
        assert props["ApiId"] == {"Ref": api_id}
        # And each route's integration is a payload-v2 Lambda proxy to the catalogued function
        integration_id = render(props["Target"]).removeprefix("integrations/${").removesuffix("}")
        integration = resources[integration_id]["Properties"]
        assert integration["IntegrationType"] == "AWS_PROXY"
        assert integration["PayloadFormatVersion"] == "2.0"
        assert integration["IntegrationUri"] == {"Fn::GetAtt": [ids[spec.name], "Arn"]}, route.route_key


def test_ops_routes_need_a_jwt_and_the_others_do_not(resources: Resources) -> None:
    # Given the JWT authorizer (against the stack's Cognito user pool by default)
    authorizer_id, authorizer = only(resources, "AWS::ApiGatewayV2::Authorizer")
    pool_id, _ = only(resources, "AWS::Cognito::UserPool")
    client_id, _ = only(resources, "AWS::Cognito::UserPoolClient")
    assert authorizer["Properties"]["AuthorizerType"] == "JWT"
    assert authorizer["Properties"]["JwtConfiguration"] == {
        "Issuer": {"Fn::GetAtt": [pool_id, "ProviderURL"]},
        "Audience": [{"Ref": client_id}],
    }
    routes = {
        props["Properties"]["RouteKey"]: props["Properties"]
        for props in of_type(resources, "AWS::ApiGatewayV2::Route").values()
    }
    for route, _ in ROUTES:
        props = routes[route.route_key]
        if route.auth is catalogue.Auth.OPS:
            # Then OPS routes are behind it
            assert props["AuthorizationType"] == "JWT", route.route_key
            assert props["AuthorizerId"] == {"Ref": authorizer_id}, route.route_key
        else:
            # And shopper and (signed) carrier routes have no authorizer
            assert props.get("AuthorizationType", "NONE") == "NONE", route.route_key
            assert "AuthorizerId" not in props, route.route_key


def test_api_gateway_may_invoke_each_routed_function(resources: Resources) -> None:
    # Given the functions that serve routes
    ids = function_ids(resources)
    routed = {spec.name for _, spec in ROUTES}
    # When we read the Lambda permissions granted to API Gateway
    invokable = {
        props["Properties"]["FunctionName"]["Fn::GetAtt"][0]
        for props in of_type(resources, "AWS::Lambda::Permission").values()
        if props["Properties"]["Principal"] == "apigateway.amazonaws.com"
    }
    # Then exactly the routed functions may be invoked by it
    assert invokable == {ids[name] for name in routed}


def test_default_stage_is_throttled_and_access_logged(template: Template) -> None:
    # Then the $default stage auto-deploys, is throttled and writes access logs
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {
            "StageName": "$default",
            "AutoDeploy": True,
            "DefaultRouteSettings": {"ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100},
            "AccessLogSettings": {
                "DestinationArn": Match.any_value(),
                "Format": Match.string_like_regexp("requestId"),
            },
        },
    )


# ----------------------------------------------------------------------------------------------- events


def test_bus_exists_with_the_stack_scoped_name(resources: Resources) -> None:
    _, bus = only(resources, "AWS::Events::EventBus")
    assert bus["Properties"]["Name"] == f"{STACK_NAME}-bus"


@pytest.mark.parametrize("rule_name", sorted(RULES))
def test_rule_has_the_catalogue_pattern_and_targets_its_functions_with_a_dlq(
    resources: Resources, rule_name: str
) -> None:
    # Given a catalogue event rule and the functions listing it
    rule = RULES[rule_name]
    ids = function_ids(resources)
    targets = {ids[spec.name] for spec in specs_where(lambda spec: rule in spec.rules)}
    bus_id, _ = only(resources, "AWS::Events::EventBus")
    # When we find the rule on the bus with that exact pattern
    matches = {
        key: props["Properties"]
        for key, props in of_type(resources, "AWS::Events::Rule").items()
        if props["Properties"]["EventPattern"] == rule.pattern
    }
    assert len(matches) == 1, matches
    rule_id, props = next(iter(matches.items()))
    # Then it listens on the product's bus
    assert props["EventBusName"] == {"Ref": bus_id}
    assert props.get("State", "ENABLED") == "ENABLED"
    # And targets exactly its functions, each with an SQS dead-letter queue
    assert {target["Arn"]["Fn::GetAtt"][0] for target in props["Targets"]} == targets
    for target in props["Targets"]:
        dlq_id = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
        assert resources[dlq_id]["Type"] == "AWS::SQS::Queue"
        # And EventBridge may write to that queue, for this rule only
        queue_policies = [
            statement
            for policy in of_type(resources, "AWS::SQS::QueuePolicy").values()
            if {"Ref": dlq_id} in policy["Properties"]["Queues"]
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        ]
        assert any(
            statement["Effect"] == "Allow"
            and statement["Principal"] == {"Service": "events.amazonaws.com"}
            and statement["Condition"]["ArnEquals"]["aws:SourceArn"] == {"Fn::GetAtt": [rule_id, "Arn"]}
            for statement in queue_policies
        )
    # And EventBridge may invoke the targets, from this rule only
    for function_id in targets:
        assert any(
            permission["Properties"]["Principal"] == "events.amazonaws.com"
            and permission["Properties"]["FunctionName"] == {"Fn::GetAtt": [function_id, "Arn"]}
            and permission["Properties"]["SourceArn"] == {"Fn::GetAtt": [rule_id, "Arn"]}
            for permission in of_type(resources, "AWS::Lambda::Permission").values()
        )


def test_milestone_events_reach_notify_through_their_own_rule_with_a_dlq(resources: Resources) -> None:
    # Given notify, a workflow task that also emails the milestones reached outside the state machine
    ids = function_ids(resources)
    bus_id, _ = only(resources, "AWS::Events::EventBus")
    # When we find the rule for ReturnMilestone events from the workflow
    pattern = {"source": ["returns.workflow"], "detail-type": ["ReturnMilestone"]}
    assert catalogue.MILESTONE_RULE.pattern == pattern
    matches = [
        props["Properties"]
        for props in of_type(resources, "AWS::Events::Rule").values()
        if props["Properties"]["EventPattern"] == pattern
    ]
    assert len(matches) == 1, matches
    (rule,) = matches
    # Then it is on the product's bus and targets notify alone, failures going to an SQS dead-letter queue
    assert rule["EventBusName"] == {"Ref": bus_id}
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [ids["notify"], "Arn"]}
    assert resources[target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]]["Type"] == "AWS::SQS::Queue"
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 21600, "MaximumRetryAttempts": 8}


def test_one_rule_per_catalogue_rule(resources: Resources) -> None:
    assert len(of_type(resources, "AWS::Events::Rule")) == len(RULES)


# ----------------------------------------------------------------------------------------------- storage


@pytest.mark.parametrize("key", [spec.key for spec in catalogue.TABLES])
def test_table_matches_the_catalogue(resources: Resources, key: str) -> None:
    # Given a catalogue table
    spec = catalogue.table(key)
    # When we find the table with its key schema
    table = resources[table_ids(resources)[key]]
    props = table["Properties"]
    # Then its GSIs are the catalogue's, with the catalogue's projections
    expected_indexes = [
        {
            "IndexName": index.name,
            "KeySchema": key_schema(index.partition_key, index.sort_key),
            "Projection": {"ProjectionType": index.projection},
        }
        for index in spec.indexes
    ]
    assert props.get("GlobalSecondaryIndexes", []) == expected_indexes
    # And every key attribute is a string, but for an index sorting by a number
    expected_types = dict.fromkeys({spec.partition_key, spec.sort_key} - {None}, "S")
    for index in spec.indexes:
        expected_types[index.partition_key] = "S"
        if index.sort_key:
            expected_types[index.sort_key] = index.sort_key_type
    attribute_types = {d["AttributeName"]: d["AttributeType"] for d in props["AttributeDefinitions"]}
    assert attribute_types == expected_types
    # And it is on demand, recoverable to a point in time, and protected from deletion
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    # And it expires items by the catalogue's TTL attribute, when it has one
    if spec.ttl_attribute:
        assert props["TimeToLiveSpecification"] == {"AttributeName": spec.ttl_attribute, "Enabled": True}
    else:
        assert "TimeToLiveSpecification" not in props


def test_portal_table_is_keyed_by_key_and_expires_items_at_expires_at(resources: Resources) -> None:
    # Given the portal's table (lookup counters and one-time codes)
    props = resources[table_ids(resources)["portal"]]["Properties"]
    # Then it is keyed by `key` alone and DynamoDB deletes its items once `expires_at` has passed
    assert props["KeySchema"] == [{"AttributeName": "key", "KeyType": "HASH"}]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_exactly_the_catalogue_tables_exist(resources: Resources) -> None:
    assert len(of_type(resources, "AWS::DynamoDB::Table")) == len(catalogue.TABLES)


def test_documents_bucket_is_private_encrypted_ssl_only_and_retained(resources: Resources, stack: ReturnsStack) -> None:
    # Given the documents bucket
    bucket_id = logical_id(stack, stack.storage.documents)
    bucket = resources[bucket_id]
    props = bucket["Properties"]
    # Then it is encrypted and blocks every kind of public access
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"
    }
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["DeletionPolicy"] == "Retain"
    # And its policy denies any request not over TLS
    assert denies_plain_http(resources, bucket_id)


def bucket_policy_statements(resources: Resources, bucket_id: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in of_type(resources, "AWS::S3::BucketPolicy").values()
        if policy["Properties"]["Bucket"] == {"Ref": bucket_id}
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def denies_plain_http(resources: Resources, bucket_id: str) -> bool:
    return any(
        statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for statement in bucket_policy_statements(resources, bucket_id)
    )


def test_documents_bucket_takes_photo_uploads_by_post_from_the_portal_origins(
    resources: Resources, stack: ReturnsStack
) -> None:
    # Given the documents bucket (synthesised without `portal_origins`)
    props = resources[logical_id(stack, stack.storage.documents)]["Properties"]
    # Then browsers may POST presigned uploads to it, and only POST (reads are links, not fetches)
    assert props["CorsConfiguration"]["CorsRules"] == [
        {"AllowedMethods": ["POST"], "AllowedOrigins": ["*"], "AllowedHeaders": ["*"], "MaxAge": 3000}
    ]


# ------------------------------------------------------------------------------------------- least privilege


def test_no_policy_statement_anywhere_allows_every_action(resources: Resources) -> None:
    # Given every policy document in the template
    statements = [s for document in policy_documents(resources) for s in document["Statement"]]
    assert statements
    # Then no statement has Action "*"
    assert not [s for s in statements if "*" in as_list(s.get("Action", []))]
    # And no task-token callback is granted on every resource
    assert not [
        s
        for s in statements
        if SEND_TASK_ACTIONS & set(as_list(s.get("Action", []))) and "*" in as_list(s.get("Resource", []))
    ]


def test_function_roles_have_no_managed_policies(resources: Resources) -> None:
    for name, function_id in function_ids(resources).items():
        role_id = resources[function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
        assert "ManagedPolicyArns" not in resources[role_id]["Properties"], name


def test_storefront_api_cannot_answer_task_tokens(resources: Resources) -> None:
    # Given the storefront's role
    statements = role_statements(resources, function_ids(resources)["storefront-api"])
    # Then it cannot resume, fail or heartbeat a waiting task
    assert not SEND_TASK_ACTIONS & granted_actions(statements)
    assert not [s for s in statements if any(a.startswith("states:SendTask") for a in as_list(s["Action"]))]


def test_storefront_api_sends_email_reads_the_token_key_and_writes_only_uploads_and_withdrawals(
    resources: Resources, stack: ReturnsStack
) -> None:
    # Given the storefront's role
    statements = role_statements(resources, function_ids(resources)["storefront-api"])
    actions = granted_actions(statements)
    bucket = "${" + logical_id(stack, stack.storage.documents) + ".Arn}"
    # Then it may send the one-time codes and withdrawal confirmations by email
    assert {"ses:SendEmail", "ses:SendRawEmail"} <= actions
    # And read the key that signs the portal's tokens
    secret = "${" + logical_id(stack, stack.functions.portal_token_secret) + "}"
    assert secret in resources_for(statements, "secretsmanager:GetSecretValue")
    # And put objects (photos through presigned POSTs, withdrawal confirmations) under those prefixes only
    assert sorted(resources_for(statements, "s3:PutObject")) == [f"{bucket}/uploads/*", f"{bucket}/withdrawals/*"]
    # And delete nothing, while it still reads documents (labels, customs papers) for presigned links
    assert not {a for a in actions if a.startswith("s3:Delete")}
    assert f"{bucket}/*" in resources_for(statements, "s3:GetObject*")
    # And publishes no events (on-scan and ops-api publish milestones)
    assert "events:PutEvents" not in actions


def test_on_scan_answers_task_tokens_only_on_this_state_machine(resources: Resources) -> None:
    # Given on-scan's role
    statements = role_statements(resources, function_ids(resources)["on-scan"])
    # Then it may resume, fail and heartbeat tasks of this state machine and nowhere else
    for action in SEND_TASK_ACTIONS:
        assert resources_for(statements, action) == [STATE_MACHINE_ARN], action
    _, machine = only(resources, "AWS::StepFunctions::StateMachine")
    assert STATE_MACHINE_ARN.endswith(":stateMachine:" + machine["Properties"]["StateMachineName"])


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_state_machine_permissions_follow_the_catalogue(resources: Resources, name: str) -> None:
    # Given a catalogue function and its role
    spec = catalogue.function(name)
    statements = role_statements(resources, function_ids(resources)[name])
    actions = granted_actions(statements)
    # Then it answers task tokens iff task_callbacks, on this state machine only
    if spec.task_callbacks:
        for action in SEND_TASK_ACTIONS:
            assert resources_for(statements, action) == [STATE_MACHINE_ARN]
    else:
        assert not SEND_TASK_ACTIONS & actions
    # And starts executions iff start_executions, of this state machine only
    if spec.start_executions:
        assert resources_for(statements, "states:StartExecution") == [STATE_MACHINE_ARN]
    else:
        assert "states:StartExecution" not in actions
    # And reads executions iff read_executions, of this state machine only
    if spec.read_executions:
        assert resources_for(statements, "states:DescribeExecution") == [EXECUTIONS_ARN]
        assert resources_for(statements, "states:GetExecutionHistory") == [EXECUTIONS_ARN]
        assert resources_for(statements, "states:ListExecutions") == [STATE_MACHINE_ARN]
    else:
        assert not {"states:DescribeExecution", "states:GetExecutionHistory", "states:ListExecutions"} & actions
    # And has no other Step Functions permission
    allowed = SEND_TASK_ACTIONS | READ_EXECUTION_ACTIONS | {"states:StartExecution"}
    assert {a for a in actions if a.startswith("states:")} <= allowed


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_data_permissions_follow_the_catalogue(resources: Resources, synth_context: dict[str, Any], name: str) -> None:
    # Given a catalogue function and its role
    spec = catalogue.function(name)
    statements = role_statements(resources, function_ids(resources)[name])
    actions = granted_actions(statements)
    tables = table_ids(resources)
    arn = {key: "${" + table_id + ".Arn}" for key, table_id in tables.items()}
    # Then it reads exactly its tables, and writes exactly the READ_WRITE ones (indexes included)
    readable = {key for key in tables if arn[key] in resources_for(statements, DYNAMODB_READ)}
    writable = {key for key in tables if arn[key] in resources_for(statements, DYNAMODB_WRITE)}
    assert readable == set(spec.tables)
    assert writable == {key for key, access in spec.tables.items() if access is catalogue.Access.READ_WRITE}
    for key in spec.tables:
        if catalogue.table(key).indexes:
            assert arn[key] + "/index/*" in resources_for(statements, "dynamodb:Query")
    # And it touches the documents bucket only as catalogued
    assert ("s3:GetObject*" in actions) == (spec.documents is not None)
    assert ("s3:PutObject" in actions) == (spec.documents is catalogue.Access.READ_WRITE)
    # And publishes to the bus only if put_events, and only to the product's bus
    bus_id, _ = only(resources, "AWS::Events::EventBus")
    if spec.put_events:
        assert resources_for(statements, "events:PutEvents") == ["${" + bus_id + ".Arn}"]
    else:
        assert "events:PutEvents" not in actions
    # And sends email only if send_email, only as the configured sender (address or its domain)
    if spec.send_email:
        sender = synth_context["sender_email"]
        identity = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/"
        for action in ("ses:SendEmail", "ses:SendRawEmail"):
            assert sorted(resources_for(statements, action)) == sorted(
                [identity + sender, identity + sender.rpartition("@")[2]]
            )
    else:
        assert not {a for a in actions if a.startswith("ses:")}


# ----------------------------------------------------------------------------------------------- stack


def test_template_has_no_dependency_cycle(resources: Resources) -> None:
    # Given the references between resources (Ref, GetAtt, DependsOn)
    graph = {
        key: {ref for ref in references(value.get("Properties", {})) if ref in resources}
        | set(as_list(value.get("DependsOn", [])))
        for key, value in resources.items()
    }
    # When we walk them depth first
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for child in graph[node]:
            assert state.get(child) != "open", f"cycle: {' → '.join([*path, node, child])}"
            if child not in state:
                visit(child, [*path, node])
        state[node] = "done"

    # Then no resource depends on itself, however indirectly (the await-milestone trap)
    for node in graph:
        if node not in state:
            visit(node, [])


def test_outputs_give_the_api_url_state_machine_bus_and_portal(resources: Resources, template: Template) -> None:
    machine_id, _ = only(resources, "AWS::StepFunctions::StateMachine")
    distribution_id, _ = only(resources, "AWS::CloudFront::Distribution")
    bus_id, _ = only(resources, "AWS::Events::EventBus")
    api_id, _ = only(resources, "AWS::ApiGatewayV2::Api")
    outputs = template.to_json()["Outputs"]
    assert outputs["StateMachineArn"]["Value"] == {"Ref": machine_id}
    assert outputs["EventBusName"]["Value"] == {"Ref": bus_id}
    assert render(outputs["ApiUrl"]["Value"]) == (
        "https://${" + api_id + "}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"
    )
    assert render(outputs["PortalUrl"]["Value"]) == "https://${" + distribution_id + ".DomainName}/portal/"


def test_stack_is_environment_agnostic_and_synthesises_without_warnings(
    stack: ReturnsStack, template: Template
) -> None:
    # Given the stack built with no env (and synthesised by the `template` fixture)
    # Then it needs no account/region (no credentials to synthesise)
    assert stack.stack_name == STACK_NAME
    assert stack.resolve(stack.account) == {"Ref": "AWS::AccountId"}
    # And CDK reported no errors or warnings while building it
    annotations = Annotations.from_stack(stack)
    assert annotations.find_error("*", Match.any_value()) == []
    assert annotations.find_warning("*", Match.any_value()) == []


# ----------------------------------------------------------------------------------------------- config


def test_config_rejects_invalid_context() -> None:
    # Given context a seller could mistype, then the app refuses to synthesise it
    with pytest.raises(ValueError, match="stage"):
        ReturnsConfig(stage="Prod!")
    with pytest.raises(ValueError, match="ISO 4217"):
        ReturnsConfig(base_currency="euro")
    with pytest.raises(ValueError, match="sender_email"):
        ReturnsConfig(sender_email="returns")
    with pytest.raises(ValueError, match="ops_jwt"):
        ReturnsConfig(ops_jwt_issuer="https://issuer.example.com")
    with pytest.raises(ValueError, match="portal_certificate_arn"):
        ReturnsConfig(portal_domain="returns.shop.example.com")
    with pytest.raises(ValueError, match="us-east-1"):
        ReturnsConfig(
            portal_domain="returns.shop.example.com",
            portal_certificate_arn="arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab",
        )
    with pytest.raises(ValueError, match="portal_origins"):
        ReturnsConfig(portal_origins=("shop.example.com",))
    with pytest.raises(ValueError, match="unknown market"):
        ReturnsConfig(seller_policy='{"XX": {"window_days": 30}}')
    with pytest.raises(ValueError, match="store_credit_bonus_percent"):
        ReturnsConfig(store_credit_bonus_percent=150)
    with pytest.raises(ValueError, match="carrier_provider"):
        ReturnsConfig(carrier_provider="pigeon")
    with pytest.raises(ValueError, match="return hubs"):
        ReturnsConfig(return_hubs='{"not": "a list"}')
    with pytest.raises(ValueError, match="payment_provider"):
        ReturnsConfig(payment_provider="barter")
    with pytest.raises(ValueError, match="adyen_merchant_account"):
        ReturnsConfig(payment_provider="adyen")
    with pytest.raises(ValueError, match="adyen_api_url"):
        ReturnsConfig(payment_provider="adyen", adyen_merchant_account="ShopEU", adyen_api_url="http://evil.example")


def test_the_payment_provider_from_context_reaches_the_functions() -> None:
    # Given Adyen on a live account, as a seller would write it in cdk.json
    live = "https://1797a841fbb37ca7-ShopEU-checkout-live.adyenpayments.com/checkout/v71"
    config = ReturnsConfig(payment_provider="adyen", adyen_merchant_account="ShopEU", adyen_api_url=live)
    # Then the functions read them as settings; by default refunds go to the sandbox
    assert config.seller_settings["PAYMENT_PROVIDER"] == "adyen"
    assert config.seller_settings["ADYEN_MERCHANT_ACCOUNT"] == "ShopEU"
    assert config.seller_settings["ADYEN_API_URL"] == live
    assert ReturnsConfig().seller_settings["PAYMENT_PROVIDER"] == "sandbox"


def test_carriers_and_hubs_from_context_reach_the_functions() -> None:
    # Given EasyPost with Shippo standing in, and one hub, as a seller would write them in cdk.json
    from infra.local.environment import DEMO_HUBS

    config = ReturnsConfig(
        carrier_provider="easypost", carrier_fallbacks=("shippo",), return_hubs=json.dumps(DEMO_HUBS)
    )
    # Then the functions read them as settings
    assert config.seller_settings["CARRIER_PROVIDER"] == "easypost"
    assert config.seller_settings["CARRIER_FALLBACKS"] == "shippo"
    assert json.loads(config.seller_settings["RETURN_HUBS"])[0]["hub_id"] == "hub-us-nj"


@pytest.mark.parametrize("name", [spec.name for spec in catalogue.FUNCTIONS])
def test_the_sellers_portal_terms_reach_every_function(resources: Resources, name: str) -> None:
    # Given the seller's terms in context (one-time codes, a 15 % bonus, 60 days in the US)
    variables = resources[function_ids(resources)[name]]["Properties"]["Environment"]["Variables"]
    # Then every function reads the same terms, and they parse as the functions will parse them
    assert variables["PORTAL_VERIFY_EMAIL"] == "true"
    assert variables["STORE_CREDIT_BONUS_PERCENT"] == "15"
    environ = {key: value if isinstance(value, str) else "resolved" for key, value in variables.items()}
    from returns_core.domain.policy import effective_policy, parse_seller_policies
    from returns_core.settings import Settings

    settings = Settings.from_env({**environ, "AWS_REGION": "eu-west-1"})
    assert effective_policy("US", parse_seller_policies(settings.seller_policy)).window_days == 60
