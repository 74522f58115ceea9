"""Hosting of the shopper portal and the ops dashboard: their static files in a private bucket, served
with the API by CloudFront.

One distribution, one origin for the page and one for the API, so the page calls the API on its own
origin with relative URLs (docs/portal-api.md) and its Content-Security-Policy can stay `'self'`.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, Duration, Fn, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra import catalogue
from infra.constructs.nag import accept
from infra.constructs.storage import private_bucket

PORTAL_DIR = catalogue.REPO_ROOT / "web" / "portal"
# The files sit under this key prefix, so CloudFront paths `/portal/...` are the bucket's keys as they are
# (the local gateway serves the same paths, see infra/local/static_site.py).
PORTAL_PREFIX = "portal/"
# The ops dashboard (web/ops/) beside it, under `/dashboard/`; it calls the ops API, which wants a JWT.
DASHBOARD_DIR = catalogue.REPO_ROOT / "web" / "ops"
DASHBOARD_PREFIX = "dashboard/"
# The paths of the API the pages call; everything else is the pages' bucket.
API_PATH_PATTERNS = ("/returns*", "/shopper/*", "/openapi.json", "/ops/*")

# Viewer requests to the page: `/` goes to the portal as the local gateway does, and a directory path
# (`/portal/`, the status links in emails) is its index.html. S3 behind OAC has no index documents.
_INDEX_FUNCTION = """\
function handler(event) {
  var request = event.request;
  if (request.uri === '/' || request.uri === '/portal') {
    return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: '/portal/' } } };
  }
  if (request.uri.endsWith('/')) {
    request.uri += 'index.html';
  }
  return request;
}
"""


def content_security_policy(upload_origins: Sequence[str]) -> str:
    """The local gateway's policy (infra/local/static_site.py), with the documents bucket's origins:
    photos are POSTed straight to the bucket through presigned POSTs."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        f"connect-src 'self' {' '.join(upload_origins)}; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    )


class Portal(Construct):
    """The portal's bucket (private, reached by CloudFront through Origin Access Control only), its files,
    and the distribution: the page by default, the storefront API paths to the HTTP API, never cached."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: apigwv2.IHttpApi,
        documents: s3.IBucket,
        access_logs: s3.IBucket,
        domain_name: str | None = None,
        certificate_arn: str | None = None,
        web_acl_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if bool(domain_name) != bool(certificate_arn):
            raise ValueError("give both the portal's domain name and its certificate, or neither")
        self.bucket = private_bucket(
            self,
            "Bucket",
            keep_old_versions=Duration.days(30),
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="s3/portal/",
        )

        # `bucket.s3.amazonaws.com` is where boto3's presigned POSTs go; the regional name for good measure.
        upload_origins = [f"https://{documents.bucket_domain_name}", f"https://{documents.bucket_regional_domain_name}"]
        self.security_headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            # Policy names are unique per account, not per region: the stack may be deployed in several.
            response_headers_policy_name=f"{Stack.of(self).stack_name}-portal-security-{Aws.REGION}",
            comment="Shopper portal: strict CSP, HSTS, nosniff, no referrer, no framing",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(upload_origins), override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(730), include_subdomains=True, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
            ),
        )
        index = cloudfront.Function(
            self,
            "IndexFunction",
            comment="Shopper portal: / to /portal/, directory paths to their index.html",
            code=cloudfront.FunctionCode.from_inline(_INDEX_FUNCTION),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
        )
        # The API's host name: `https://<id>.execute-api.<region>.amazonaws.com` → its third part.
        api_origin = origins.HttpOrigin(
            Fn.select(2, Fn.split("/", api.api_endpoint)),
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        )
        api_behavior = cloudfront.BehaviorOptions(
            origin=api_origin,
            # Not a redirect: a redirected POST would lose its body; plain HTTP is refused instead.
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            # Query strings (`lang`) and headers (Accept-Language, Authorization, Idempotency-Key) reach the
            # API; Host does not, API Gateway routes by its own host name.
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=self.security_headers,
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Shopper portal and its API",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.security_headers,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=index, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                    )
                ],
            ),
            additional_behaviors=dict.fromkeys(API_PATH_PATTERNS, api_behavior),
            domain_names=[domain_name] if domain_name else None,
            certificate=(
                acm.Certificate.from_certificate_arn(self, "Certificate", certificate_arn) if certificate_arn else None
            ),
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if certificate_arn else None,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            enable_logging=True,
            log_bucket=access_logs,
            log_file_prefix="cloudfront/portal/",
            web_acl_id=web_acl_arn,
        )
        self.deployment = self._deploy("Files", PORTAL_DIR, PORTAL_PREFIX)
        self.dashboard_deployment = self._deploy("DashboardFiles", DASHBOARD_DIR, DASHBOARD_PREFIX)
        self._accept_findings(certificate_arn, web_acl_arn)
        self.domain_name: str = domain_name or self.distribution.distribution_domain_name
        self.url: str = f"https://{self.domain_name}/{PORTAL_PREFIX}"

    def _accept_findings(self, certificate_arn: str | None, web_acl_arn: str | None) -> None:
        accept(
            self.distribution,
            "AwsSolutions-CFR1",
            "Cross-border returns: shoppers reach the portal from every market the seller sells to. Which "
            "countries may return is the seller's policy, applied to the order's market, not to the viewer's IP.",
        )
        if not web_acl_arn:
            accept(
                self.distribution,
                "AwsSolutions-CFR2",
                "AWS WAF is opt-in (portal_web_acl_arn) because a web ACL bills monthly plus per request. Without "
                "it the API stage is throttled and portal lookups are rate-limited per client.",
            )
        if not certificate_arn:
            accept(
                self.distribution,
                "AwsSolutions-CFR4",
                "Without the seller's own domain (portal_domain) the distribution uses CloudFront's default "
                "*.cloudfront.net certificate, whose minimum protocol version cannot be set; with it, TLSv1.2_2021.",
            )
        # BucketDeployment's provider function is one per stack, created and configured by CDK.
        stack = Stack.of(self)
        provider_reason = (
            "CDK's BucketDeployment provider, which copies the portal's static files at deploy time: its runtime, "
            "role (AWSLambdaBasicExecutionRole, read on the CDK assets bucket, write on the portal bucket, "
            "CloudFront invalidation) and settings are CDK's, invoked synchronously by CloudFormation only."
        )
        for child in stack.node.children:
            if child.node.id.startswith("Custom::CDKBucketDeployment"):
                for rule in (
                    "AwsSolutions-IAM4",
                    "AwsSolutions-IAM5",
                    "AwsSolutions-L1",
                    "Serverless-LambdaLatestVersion",
                    "Serverless-LambdaDLQ",
                    "Serverless-LambdaTracing",
                ):
                    accept(child, rule, provider_reason, children=True)

    def _deploy(self, construct_id: str, folder: object, prefix: str) -> s3deploy.BucketDeployment:
        return s3deploy.BucketDeployment(
            self,
            construct_id,
            sources=[s3deploy.Source.asset(str(folder))],
            destination_bucket=self.bucket,
            destination_key_prefix=prefix,
            # Browsers revalidate; CloudFront keeps a day and is invalidated by every deployment.
            cache_control=[
                s3deploy.CacheControl.set_public(),
                s3deploy.CacheControl.max_age(Duration.seconds(0)),
                s3deploy.CacheControl.must_revalidate(),
                s3deploy.CacheControl.s_max_age(Duration.days(1)),
            ],
            distribution=self.distribution,
            distribution_paths=[f"/{prefix}*"],
        )
