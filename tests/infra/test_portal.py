"""CDK assertions on the shopper portal's hosting: its bucket, its files and the CloudFront distribution.

Given the synthesised `ReturnsStack` (once per session, see conftest.py),
when we read the portal's resources,
then the page is served privately from S3 over HTTPS with a strict CSP, and the API paths reach the API.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra import catalogue
from infra.app import build_app
from infra.stack import ReturnsStack
from tests.infra.test_stack import (
    Resources,
    bucket_policy_statements,
    denies_plain_http,
    function_ids,
    logical_id,
    of_type,
    only,
    render,
)

PORTAL_DIR = catalogue.REPO_ROOT / "web" / "portal"
DASHBOARD_DIR = catalogue.REPO_ROOT / "web" / "ops"
API_PATHS = {"/returns*", "/shopper/*", "/openapi.json", "/ops/*"}
# CloudFront's managed policies, by their fixed ids.
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def distribution_config(resources: Resources) -> tuple[str, dict[str, Any]]:
    distribution_id, distribution = only(resources, "AWS::CloudFront::Distribution")
    return distribution_id, distribution["Properties"]["DistributionConfig"]


def origins_by_id(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {origin["Id"]: origin for origin in config["Origins"]}


def test_default_behaviour_serves_the_portal_bucket_through_origin_access_control_over_https(
    resources: Resources, stack: ReturnsStack
) -> None:
    # Given the distribution and the portal's bucket
    _, config = distribution_config(resources)
    bucket_id = logical_id(stack, stack.portal.bucket)
    default = config["DefaultCacheBehavior"]
    # When we follow the default behaviour to its origin
    origin = origins_by_id(config)[default["TargetOriginId"]]
    # Then it is the bucket, reached with an Origin Access Control (no legacy identity, no website endpoint)
    assert origin["DomainName"] == {"Fn::GetAtt": [bucket_id, "RegionalDomainName"]}
    oac_id = origin["OriginAccessControlId"]["Fn::GetAtt"][0]
    oac = resources[oac_id]["Properties"]["OriginAccessControlConfig"]
    assert oac["OriginAccessControlOriginType"] == "s3"
    assert oac["SigningBehavior"] == "always"
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    # And viewers on plain HTTP are redirected to HTTPS, and may only read
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    assert default["AllowedMethods"] == ["GET", "HEAD"]


def test_api_paths_go_to_the_http_api_uncached_with_query_strings_and_headers(resources: Resources) -> None:
    # Given the distribution and the HTTP API
    _, config = distribution_config(resources)
    api_id, _ = only(resources, "AWS::ApiGatewayV2::Api")
    behaviours = {behaviour["PathPattern"]: behaviour for behaviour in config["CacheBehaviors"]}
    # Then exactly the storefront API paths have behaviours of their own
    assert set(behaviours) == API_PATHS
    for path, behaviour in behaviours.items():
        # And each goes to the API's host name over HTTPS
        origin = origins_by_id(config)[behaviour["TargetOriginId"]]
        assert origin["DomainName"] == {
            "Fn::Select": [2, {"Fn::Split": ["/", {"Fn::GetAtt": [api_id, "ApiEndpoint"]}]}]
        }, path
        assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only", path
        # And is never cached, takes every method, and forwards all but Host (lang, Accept-Language,
        # Authorization, Idempotency-Key reach the API; API Gateway routes by its own host name)
        assert behaviour["CachePolicyId"] == CACHING_DISABLED, path
        assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER, path
        assert {"GET", "POST", "OPTIONS"} <= set(behaviour["AllowedMethods"]), path
        # And refuses plain HTTP (a redirected POST would lose its body)
        assert behaviour["ViewerProtocolPolicy"] == "https-only", path


def test_every_behaviour_answers_with_the_strict_security_headers(resources: Resources, stack: ReturnsStack) -> None:
    # Given the distribution's response headers policy
    _, config = distribution_config(resources)
    behaviours = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    (policy_ref,) = {json.dumps(behaviour["ResponseHeadersPolicyId"]) for behaviour in behaviours}
    policy_id = json.loads(policy_ref)["Ref"]
    headers = resources[policy_id]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    documents_id = logical_id(stack, stack.storage.documents)
    # Then the CSP allows the page's own origin, and connections to the documents bucket for photo uploads
    csp = render(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    assert csp == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        f"connect-src 'self' https://${{{documents_id}.DomainName}} https://${{{documents_id}.RegionalDomainName}}; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    assert headers["ContentSecurityPolicy"]["Override"] is True
    # And HSTS, nosniff, no referrer and no framing, overriding whatever the origin says
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["StrictTransportSecurity"]["Override"] is True
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["ReferrerPolicy"] == {"ReferrerPolicy": "no-referrer", "Override": True}
    assert headers["FrameOptions"] == {"FrameOption": "DENY", "Override": True}


def test_portal_bucket_is_private_ssl_only_versioned_retained_and_readable_by_this_distribution_only(
    resources: Resources, stack: ReturnsStack
) -> None:
    # Given the portal's bucket
    bucket_id = logical_id(stack, stack.portal.bucket)
    distribution_id, _ = distribution_config(resources)
    bucket = resources[bucket_id]
    props = bucket["Properties"]
    # Then it is encrypted, versioned, retained and blocks every kind of public access
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"
    }
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["DeletionPolicy"] == "Retain"
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    # And its policy denies plain HTTP
    assert denies_plain_http(resources, bucket_id)
    # And lets CloudFront read objects only on behalf of this distribution
    allowed = [s for s in bucket_policy_statements(resources, bucket_id) if s["Effect"] == "Allow"]
    assert allowed
    for statement in allowed:
        assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        assert statement["Action"] == "s3:GetObject"
        source = render(statement["Condition"]["StringEquals"]["AWS:SourceArn"])
        assert source.endswith(":distribution/${" + distribution_id + "}")


@pytest.mark.parametrize(("prefix", "folder"), [("portal/", PORTAL_DIR), ("dashboard/", DASHBOARD_DIR)])
def test_the_portal_and_the_dashboard_are_their_web_folders_deployed_under_their_prefix(
    resources: Resources, stack: ReturnsStack, cdk_outdir: Path, prefix: str, folder: Path
) -> None:
    # Given the bucket deployment of one of the sites
    deployments = [r["Properties"] for r in resources.values() if r["Type"] == "Custom::CDKBucketDeployment"]
    [props] = [p for p in deployments if p["DestinationBucketKeyPrefix"] == prefix]
    # Then it copies into the portal's bucket, under its prefix, and invalidates the distribution's copies
    assert props["DestinationBucketName"] == {"Ref": logical_id(stack, stack.portal.bucket)}
    distribution_id, _ = distribution_config(resources)
    assert props["DistributionId"] == {"Ref": distribution_id}
    assert props["DistributionPaths"] == [f"/{prefix}*"]
    # And its one source is the staged web folder, file for file
    (key,) = props["SourceObjectKeys"]
    asset = cdk_outdir / f"asset.{key.removesuffix('.zip')}"
    staged = {path.relative_to(asset) for path in asset.rglob("*") if path.is_file()}
    assert staged == {path.relative_to(folder) for path in folder.rglob("*") if path.is_file()}
    assert Path("index.html") in staged


def test_root_and_directory_paths_reach_the_portal_index(resources: Resources) -> None:
    # Given the viewer-request function of the default behaviour
    _, config = distribution_config(resources)
    (association,) = config["DefaultCacheBehavior"]["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    function = resources[association["FunctionARN"]["Fn::GetAtt"][0]]["Properties"]
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is needed to run the CloudFront function")
    # When it sees the root, the portal without its slash, a directory path and a file
    script = function["FunctionCode"] + (
        "for (const uri of ['/', '/portal', '/portal/', '/portal/app.js']) {"
        " console.log(JSON.stringify(handler({request: {uri: uri, querystring: {}}}))); }"
    )
    run = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True)  # noqa: S603 - our own code
    lines = run.stdout.splitlines()
    root, bare, directory, file = (json.loads(line) for line in lines)
    # Then the first two are redirected to /portal/ (relative links in index.html need the slash)
    for answer in (root, bare):
        assert answer["statusCode"] == 302
        assert answer["headers"]["location"]["value"] == "/portal/"
    # And /portal/ (the status links in emails) is its index.html, files are left as they are
    assert directory["uri"] == "/portal/index.html"
    assert file["uri"] == "/portal/app.js"
    assert "DefaultRootObject" not in config


def test_notify_links_to_the_distribution_and_the_storefront_cannot(resources: Resources) -> None:
    # Given the functions whose emails link to the status page
    ids = function_ids(resources)
    distribution_id, _ = distribution_config(resources)

    def portal_url(name: str) -> Any:
        return resources[ids[name]]["Properties"]["Environment"]["Variables"].get("PORTAL_URL")

    # Then notify (not behind the API) links to the distribution's domain
    assert render(portal_url("notify")) == "https://${" + distribution_id + ".DomainName}/portal/"
    # And storefront-api, which the distribution reaches through the API, has no link to it (a cycle)
    assert portal_url("storefront-api") is None


def test_the_sellers_own_portal_domain_reaches_both_link_senders(tmp_path: Path) -> None:
    # Given the seller's own portal domain, its certificate and the origins allowed to upload photos
    context = {
        "stage": "custom",
        "portal_domain": "returns.shop.example.com",
        "portal_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab",
        "portal_origins": ["https://returns.shop.example.com"],
    }
    # When the stack is synthesised with them
    from aws_cdk.assertions import Template

    _, custom = build_app(context=context, outdir=str(tmp_path))
    resources: Resources = Template.from_stack(custom).to_json()["Resources"]
    ids = function_ids(resources)
    # Then the distribution answers for that domain with that certificate, on modern TLS only
    _, config = distribution_config(resources)
    assert config["Aliases"] == ["returns.shop.example.com"]
    assert config["ViewerCertificate"]["AcmCertificateArn"] == context["portal_certificate_arn"]
    assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    # And both storefront-api and notify link to it: a plain string, so no cycle
    for name in ("storefront-api", "notify"):
        variables = resources[ids[name]]["Properties"]["Environment"]["Variables"]
        assert variables["PORTAL_URL"] == "https://returns.shop.example.com/portal/", name
    # And only the portal's origin may POST photos to the documents bucket
    (documents,) = [
        bucket["Properties"]
        for bucket in of_type(resources, "AWS::S3::Bucket").values()
        if "CorsConfiguration" in bucket["Properties"]
    ]
    assert documents["CorsConfiguration"]["CorsRules"][0]["AllowedOrigins"] == ["https://returns.shop.example.com"]
