"""The HTTP API: one route per catalogue `Route`, ops routes behind a JWT authorizer."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import jsii
from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import catalogue
from infra.constructs.nag import accept
from infra.constructs.naming import pascal_id

ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "latency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
}


# Why the routes outside the JWT authorizer have none: who calls them cannot hold a token of ours.
PUBLIC_ROUTE_REASONS = {
    catalogue.Auth.PUBLIC: (
        "Shopper-facing: a shopper has no account. The stage is throttled, portal lookups are rate-limited per "
        "client, and an order is shown or returned only against its own email and order number (with a one-time "
        "code when portal_verify_email is on)."
    ),
    catalogue.Auth.SIGNED: (
        "Called by a carrier or payment provider, which cannot present a JWT: the function verifies the provider's "
        "signature over the raw body in constant time and answers 401 to anything unsigned or stale."
    ),
}


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigateway.AccessLogFormat:
        return apigateway.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FORMAT))


class Api(Construct):
    """Shopper, carrier and ops routes on one HTTP API (payload v2, `$default` stage, throttled).

    Ops routes are checked by a JWT authorizer: against the issuer/audience given in context
    (`ops_jwt_issuer`, `ops_jwt_audience`) for a seller's own IdP, else against a Cognito user
    pool created here (self sign-up off; ops staff are invited by an administrator).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        throttle_rate_limit: int,
        throttle_burst_limit: int,
        ops_jwt_issuer: str | None = None,
        ops_jwt_audience: Sequence[str] = (),
        cors_allow_origins: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool: cognito.UserPool | None = None
        self.user_pool_client: cognito.UserPoolClient | None = None
        self.ops_authorizer = self._ops_authorizer(ops_jwt_issuer, list(ops_jwt_audience))

        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            description="Returns workflow: storefront, carrier webhooks and ops",
            create_default_stage=False,
            cors_preflight=(
                apigwv2.CorsPreflightOptions(
                    allow_origins=list(cors_allow_origins),
                    allow_methods=list(
                        dict.fromkeys(apigwv2.CorsHttpMethod[route.method] for route, _ in catalogue.routes())
                    ),
                    allow_headers=["authorization", "content-type", "idempotency-key"],
                    max_age=Duration.hours(1),
                )
                if cors_allow_origins
                else None
            ),
        )
        access_logs = logs.LogGroup(self, "AccessLogs", retention=logs.RetentionDays.ONE_MONTH)
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=throttle_rate_limit, burst_limit=throttle_burst_limit),
            access_log_settings=_AccessLogSettings(access_logs),
        )
        self.url: str = self.stage.url

        self.routes: dict[str, apigwv2.HttpRoute] = {}
        integrations_by_function: dict[str, integrations.HttpLambdaIntegration] = {}
        for route, spec in catalogue.routes():
            integration = integrations_by_function.get(spec.name)
            if integration is None:
                integration = integrations.HttpLambdaIntegration(
                    pascal_id(spec.name, "Integration"), functions[spec.name]
                )
                integrations_by_function[spec.name] = integration
            (self.routes[route.route_key],) = self.http_api.add_routes(
                path=route.path,
                methods=[apigwv2.HttpMethod[route.method]],
                integration=integration,
                authorizer=self.ops_authorizer if route.auth is catalogue.Auth.OPS else None,
            )
            if route.auth is not catalogue.Auth.OPS:
                accept(
                    self.routes[route.route_key], "AwsSolutions-APIG4", PUBLIC_ROUTE_REASONS[route.auth], children=True
                )

    def _ops_authorizer(self, issuer: str | None, audience: list[str]) -> authorizers.HttpJwtAuthorizer:
        if bool(issuer) != bool(audience):
            raise ValueError("give both ops_jwt_issuer and ops_jwt_audience, or neither")
        if not issuer:
            self.user_pool = cognito.UserPool(
                self,
                "OpsUserPool",
                self_sign_up_enabled=False,
                sign_in_aliases=cognito.SignInAliases(email=True),
                # Ops staff approve refunds: a password alone is not enough.
                mfa=cognito.Mfa.REQUIRED,
                mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
                password_policy=cognito.PasswordPolicy(
                    min_length=12,
                    require_digits=True,
                    require_lowercase=True,
                    require_uppercase=True,
                    require_symbols=True,
                ),
                account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
                removal_policy=RemovalPolicy.RETAIN,
            )
            self.user_pool_client = self.user_pool.add_client(
                "OpsDashboardClient",
                auth_flows=cognito.AuthFlow(user_srp=True),
                generate_secret=False,
                prevent_user_existence_errors=True,
                disable_o_auth=True,
            )
            accept(
                self.user_pool,
                "AwsSolutions-COG8",
                "The Plus feature plan bills every monthly active user; the pool holds a few ops staff, all with "
                "MFA required, invited by an administrator, with self sign-up off. A seller may enable it in Cognito.",
            )
            issuer = self.user_pool.user_pool_provider_url
            audience = [self.user_pool_client.user_pool_client_id]
        return authorizers.HttpJwtAuthorizer(
            "OpsAuthorizer",
            jwt_issuer=issuer,
            jwt_audience=audience,
            authorizer_name="ops-jwt",
        )
