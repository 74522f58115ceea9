"""One Lambda function per `catalogue.FUNCTIONS`, each with its own least-privilege role."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aws_cdk import Duration, SecretValue, Stack, Token
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import catalogue
from infra.constructs.nag import accept, accept_dead_letter_queue
from infra.constructs.naming import pascal_id
from infra.constructs.workflow import WorkflowIdentity
from infra.layer_build import build_layer

RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
SERVICE_NAME = "returns"
# The only function that verifies carrier signatures, and so the only reader of the secret.
WEBHOOK_FUNCTION = "carrier-webhook"
WEBHOOK_SECRET_ARN_ENV = "CARRIER_WEBHOOK_SECRET_ARN"  # noqa: S105 - a variable name, not a secret
# The HMAC key of the shopper portal's session and status-link tokens: the storefront issues them, notify
# puts status links in its emails. Locally the key itself is given (PORTAL_TOKEN_SECRET) instead.
PORTAL_TOKEN_FUNCTIONS = ("storefront-api", "notify")
# Third-party carriers: their webhook secrets (JSON, provider -> secrets) for the webhook function, and
# the API key for the functions that buy, void and claim labels.
CARRIER_WEBHOOK_SECRETS_ARN_ENV = "CARRIER_WEBHOOK_SECRETS_ARN"
CARRIER_API_KEY_ARN_ENV = "CARRIER_API_KEY_ARN"
CARRIER_API_FUNCTIONS = ("buy-label", "finalise")
PAYMENT_API_KEY_ARN_ENV = "PAYMENT_API_KEY_ARN"
PAYMENT_API_FUNCTIONS = ("refund",)
PAYMENT_WEBHOOK_SECRETS_ARN_ENV = "PAYMENT_WEBHOOK_SECRETS_ARN"
PAYMENT_WEBHOOK_FUNCTION = "payment-webhook"
PORTAL_TOKEN_SECRET_ARN_ENV = "PORTAL_TOKEN_SECRET_ARN"  # noqa: S105 - a variable name, not a secret
# The functions whose emails link to the portal's status page.
PORTAL_LINK_FUNCTIONS = ("storefront-api", "notify")
PORTAL_URL_ENV = "PORTAL_URL"
# Writes confined to known key prefixes: such a function may put objects there and nowhere else, and
# delete nothing. The storefront is public-facing: photos come in through presigned POSTs (signed with
# its own credentials, so they need s3:PutObject on uploads/), withdrawal confirmations go to withdrawals/.
DOCUMENT_WRITE_PREFIXES: dict[str, tuple[str, ...]] = {
    "storefront-api": ("uploads/*", "withdrawals/*"),
    "on-scan": ("unmatched-scans/*",),
    "ops-api": ("unmatched-scans/*",),
}

# Handlers are `functions.<module>.handler`, so the asset is the repo root holding nothing but the
# `functions/` package (no bundling, no Docker). Later patterns win: "*" and ".*" drop every
# top-level entry (dot-entries such as .venv too, which are then not even walked), the negations
# keep `functions/`, the last two drop bytecode caches inside it.
FUNCTION_ASSET_EXCLUDES = ["*", ".*", "!functions", "!functions/**", "__pycache__", "*.pyc"]
# The layer's digest of its inputs stays out of the asset (it would only change the asset's hash).
LAYER_ASSET_EXCLUDES = ["__pycache__", "*.pyc", ".inputs-digest"]


class Functions(Construct):
    """Deploys the catalogue's functions and grants each exactly what its `FunctionSpec` asks for."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tables: Mapping[str, dynamodb.ITable],
        documents: s3.IBucket,
        bus: events.IEventBus,
        workflow: WorkflowIdentity,
        sender_email: str,
        base_currency: str,
        seller_settings: Mapping[str, str] | None = None,
        reserve_concurrency: bool = True,
    ) -> None:
        super().__init__(scope, construct_id)
        self._reserve_concurrency = reserve_concurrency
        self._tables = tables
        self._documents = documents
        self._bus = bus
        self._workflow = workflow
        self._sender_email = sender_email
        # Function-side view of the state machine, by its pre-computed ARN (see WorkflowIdentity).
        self._state_machine = sfn.StateMachine.from_state_machine_arn(self, "WorkflowRef", workflow.arn)

        self.code = lambda_.Code.from_asset(str(catalogue.REPO_ROOT), exclude=FUNCTION_ASSET_EXCLUDES)
        self.layer = lambda_.LayerVersion(
            self,
            "SharedLayer",
            # Built without Docker from platform wheels, rebuilt only when its inputs change.
            code=lambda_.Code.from_asset(str(build_layer()), exclude=LAYER_ASSET_EXCLUDES),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="returns_core and its third-party packages (arm64 wheels; boto3 from the runtime)",
        )
        self.webhook_secret = secretsmanager.Secret(
            self,
            "CarrierWebhookSecret",
            description="Shared secret the carriers sign their webhooks with",
            generate_secret_string=secretsmanager.SecretStringGenerator(exclude_punctuation=True, password_length=64),
        )
        self.portal_token_secret = secretsmanager.Secret(
            self,
            "PortalTokenSecret",
            description="HMAC key signing the shopper portal's session and status-link tokens",
            generate_secret_string=secretsmanager.SecretStringGenerator(exclude_punctuation=True, password_length=48),
        )
        self._common_environment = {
            catalogue.DOCUMENTS_BUCKET_ENV: documents.bucket_name,
            catalogue.EVENT_BUS_ENV: bus.event_bus_name,
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            # No pydantic plugins are used: skip scanning the installed packages for them at cold start.
            "PYDANTIC_DISABLE_PLUGINS": "__all__",
            "SENDER_EMAIL": sender_email,
            "BASE_CURRENCY": base_currency,
            **(seller_settings or {}),
        }
        self.async_failure_queues: dict[str, sqs.Queue] = {}
        self.functions: dict[str, lambda_.Function] = {spec.name: self._function(spec) for spec in catalogue.FUNCTIONS}
        self._share_secret(self.webhook_secret, WEBHOOK_SECRET_ARN_ENV, (WEBHOOK_FUNCTION,))
        self._share_secret(self.portal_token_secret, PORTAL_TOKEN_SECRET_ARN_ENV, PORTAL_TOKEN_FUNCTIONS)
        # Created empty ("{}" / a placeholder): the seller puts the providers' values in after deploying.
        self.carrier_webhook_secrets = secretsmanager.Secret(
            self,
            "CarrierWebhookSecrets",
            description='Third-party carriers\' webhook secrets: {"easypost": ["..."], "aftership": [...], ...}',
            secret_string_value=SecretValue.unsafe_plain_text("{}"),
        )
        self.carrier_api_key = secretsmanager.Secret(
            self,
            "CarrierApiKey",
            description="The carrier API key (EasyPost or Shippo) when CARRIER_PROVIDER is not the sandbox",
            generate_secret_string=secretsmanager.SecretStringGenerator(exclude_punctuation=True, password_length=32),
        )
        self._share_secret(self.carrier_webhook_secrets, CARRIER_WEBHOOK_SECRETS_ARN_ENV, (WEBHOOK_FUNCTION,))
        self._share_secret(self.carrier_api_key, CARRIER_API_KEY_ARN_ENV, CARRIER_API_FUNCTIONS)
        self.payment_api_key = secretsmanager.Secret(
            self,
            "PaymentApiKey",
            description="The payment API key (Stripe's secret key, Adyen's X-API-Key), unless on the sandbox",
            generate_secret_string=secretsmanager.SecretStringGenerator(exclude_punctuation=True, password_length=32),
        )
        self._share_secret(self.payment_api_key, PAYMENT_API_KEY_ARN_ENV, PAYMENT_API_FUNCTIONS)
        self.payment_webhook_secrets = secretsmanager.Secret(
            self,
            "PaymentWebhookSecrets",
            description='Payment providers\' webhook secrets: {"stripe": ["whsec_..."], "adyen": ["<hex HMAC key>"]}',
            secret_string_value=SecretValue.unsafe_plain_text("{}"),
        )
        self._share_secret(self.payment_webhook_secrets, PAYMENT_WEBHOOK_SECRETS_ARN_ENV, (PAYMENT_WEBHOOK_FUNCTION,))
        self._accept_secret_findings()

    def _accept_secret_findings(self) -> None:
        provider_issued = (
            "Issued by the provider (its dashboard creates and revokes it); rotation happens there and the seller "
            "puts the new value here (README, Secrets). Secrets Manager cannot rotate another company's key."
        )
        reasons = {
            self.carrier_api_key: provider_issued,
            self.payment_api_key: provider_issued,
            self.carrier_webhook_secrets: provider_issued
            + " Each provider holds a list, so the old and the new secret are both accepted during a switch.",
            self.payment_webhook_secrets: provider_issued
            + " Each provider holds a list, so the old and the new secret are both accepted during a switch.",
            self.webhook_secret: (
                "Shared with the carriers that sign their webhooks with it: a scheduled rotation would make every "
                "webhook fail until each carrier is given the new value, so it is changed by hand (README, Secrets)."
            ),
            self.portal_token_secret: (
                "Signs the status links emailed to shoppers, which must keep working for the life of a return "
                "(weeks to months); a scheduled rotation would break them. Changed by hand if it leaks."
            ),
        }
        for secret, reason in reasons.items():
            accept(secret, "AwsSolutions-SMG4", reason)

    def _share_secret(self, secret: secretsmanager.ISecret, env_var: str, names: Iterable[str]) -> None:
        """The secret's ARN in the environment of exactly these functions, and read access for them only."""
        for name in names:
            function = self.functions[name]
            function.add_environment(env_var, secret.secret_arn)
            secret.grant_read(function)

    def link_portal(self, url: str) -> None:
        """`PORTAL_URL` for the functions whose emails link to the portal.

        A URL known before deployment (the seller's own domain) goes to all of them. The distribution's
        generated domain cannot go to a function behind the HTTP API: the distribution has the API as
        its origin, the API integrates the function, so the function cannot also depend on the
        distribution. Those functions then send emails without a status link.
        """
        routed = {spec.name for _, spec in catalogue.routes()}
        for name in PORTAL_LINK_FUNCTIONS:
            if not Token.is_unresolved(url) or name not in routed:
                self.functions[name].add_environment(PORTAL_URL_ENV, url)

    def _function(self, spec: catalogue.FunctionSpec) -> lambda_.Function:
        scope = Construct(self, pascal_id(spec.name))
        log_group = logs.LogGroup(scope, "Logs", retention=logs.RetentionDays.ONE_MONTH)
        # A role of its own without the managed basic-execution policy: logs go to its group only.
        role = iam.Role(
            scope,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Least-privilege role of the {spec.name} function",
        )
        log_group.grant_write(role)
        function = lambda_.Function(
            scope,
            "Function",
            description=spec.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=spec.handler,
            code=self.code,
            layers=[self.layer],
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_seconds),
            environment=self._environment(spec),
            role=role,
            log_group=log_group,
            tracing=lambda_.Tracing.ACTIVE,
            reserved_concurrent_executions=spec.reserved_concurrency if self._reserve_concurrency else None,
            **self._async_failures(scope, spec),
        )
        self._grant(spec, function)
        self._accept_findings(spec, function, role)
        return function

    def _accept_findings(self, spec: catalogue.FunctionSpec, function: lambda_.Function, role: iam.Role) -> None:
        callers = []
        if spec.routes:
            callers.append("API Gateway, which returns its errors to the caller")
        if spec.asl_placeholder:
            callers.append("Step Functions, whose Retry and Catch in the ASL handle its errors")
        if spec.rules:
            callers.append(
                "EventBridge asynchronously: what still fails after two retries goes to its on-failure "
                "destination queue (EventInvokeConfig), which keeps the event with the error; a DLQ would keep less"
            )
        accept(
            function,
            "Serverless-LambdaDLQ",
            f"Invoked by {'; and by '.join(callers)}. A function DLQ only applies to asynchronous invocations.",
        )
        accept(
            role,
            "AwsSolutions-IAM5",
            "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions (Resource *).",
            applies_to=["Resource::*"],
            children=True,
        )
        if spec.tables:
            accept(
                role,
                "AwsSolutions-IAM5",
                "Queries on the global secondary indexes of the tables this function reads (table/<name>/index/*).",
                applies_to=[r"/^Resource::<Storage[A-Za-z]+Table[0-9A-F]{8}\.Arn>\/index\/\*$/g"],
                children=True,
            )
        if spec.documents is not None:
            actions = ["Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*"]
            if spec.documents is catalogue.Access.READ_WRITE:
                actions.append("Action::s3:Abort*")  # abandoning its own multipart uploads
            if spec.documents is catalogue.Access.READ_WRITE and spec.name not in DOCUMENT_WRITE_PREFIXES:
                actions.append("Action::s3:DeleteObject*")
            accept(
                role,
                "AwsSolutions-IAM5",
                "CDK's grant_read/grant_read_write action groups on the one documents bucket: reads of its objects "
                "(labels, customs papers, photos, sandbox registries; List so a missing key is a 404, not a 403) "
                "and, where the function writes, puts confined to its key prefixes (DOCUMENT_WRITE_PREFIXES).",
                applies_to=[*actions, r"/^Resource::<StorageDocumentsBucket[0-9A-F]{8}\.Arn>\/([a-z-]+\/)?\*$/g"],
                children=True,
            )
        if spec.read_executions:
            accept(
                role,
                "AwsSolutions-IAM5",
                "DescribeExecution and GetExecutionHistory on the executions of this one state machine "
                "(execution:<name>:*), for the ops timeline.",
                applies_to=[
                    r"/^Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:.+:\*$/g"
                ],
                children=True,
            )

    def _async_failures(self, scope: Construct, spec: catalogue.FunctionSpec) -> dict[str, Any]:
        """Functions the bus invokes asynchronously: an event they still fail on after Lambda's retries
        is kept in a queue of their own, not dropped (the rule's DLQ only sees delivery failures)."""
        if not spec.rules:
            return {}
        queue = sqs.Queue(
            scope,
            "AsyncFailures",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.async_failure_queues[spec.name] = queue
        accept_dead_letter_queue(
            queue, f"the on-failure destination of the {spec.name} function's asynchronous invocations"
        )
        return {
            "on_failure": destinations.SqsDestination(queue),
            "retry_attempts": 2,
            "max_event_age": Duration.hours(6),
        }

    def _environment(self, spec: catalogue.FunctionSpec) -> dict[str, str]:
        environment = dict(self._common_environment)
        # Every function knows every table's name (configuration, read once at cold start);
        # what it may do to a table is decided by its role alone.
        for table_spec in catalogue.TABLES:
            environment[table_spec.env_var] = self._tables[table_spec.key].table_name
        if spec.start_executions or spec.read_executions:
            environment[catalogue.STATE_MACHINE_ENV] = self._workflow.arn
        return environment

    def _grant(self, spec: catalogue.FunctionSpec, function: lambda_.Function) -> None:
        for key, access in spec.tables.items():
            if access is catalogue.Access.READ_WRITE:
                self._tables[key].grant_read_write_data(function)
            else:
                self._tables[key].grant_read_data(function)
        write_prefixes = DOCUMENT_WRITE_PREFIXES.get(spec.name)
        if spec.documents is catalogue.Access.READ_WRITE and write_prefixes:
            self._documents.grant_read(function)
            for prefix in write_prefixes:
                self._documents.grant_put(function, prefix)
        elif spec.documents is catalogue.Access.READ_WRITE:
            self._documents.grant_read_write(function)
        elif spec.documents is catalogue.Access.READ:
            self._documents.grant_read(function)
        if spec.put_events:
            self._bus.grant_put_events_to(function)
        if spec.start_executions:
            self._state_machine.grant_start_execution(function)
        if spec.read_executions:
            function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["states:DescribeExecution", "states:GetExecutionHistory"],
                    resources=[self._workflow.executions_arn],
                )
            )
            function.add_to_role_policy(
                iam.PolicyStatement(actions=["states:ListExecutions"], resources=[self._workflow.arn])
            )
        if spec.task_callbacks:
            self._state_machine.grant_task_response(function)
        if spec.send_email:
            function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["ses:SendEmail", "ses:SendRawEmail"],
                    resources=self._sender_identity_arns(),
                )
            )

    def _sender_identity_arns(self) -> list[str]:
        """The sender's SES identity, verified either as the address itself or as its domain."""
        stack = Stack.of(self)
        domain = self._sender_email.rpartition("@")[2]
        return [
            stack.format_arn(service="ses", resource="identity", resource_name=identity)
            for identity in (self._sender_email, domain)
        ]
