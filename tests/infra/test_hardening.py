"""What a seller's security review looks for: MFA for ops, access logs, a WAF when asked, concurrency limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra import catalogue
from infra.stack import ReturnsConfig

from .conftest import OWN_EDGE_CONTEXT, NagResult
from .test_stack import Resources, function_ids, of_type, only, render


def _bucket(resources: Resources, construct_path: str) -> tuple[str, dict[str, Any]]:
    """The bucket at a construct path ("Storage/AccessLogsBucket"), by its logical id's readable part."""
    prefix = construct_path.replace("/", "")
    found = [(key, value) for key, value in of_type(resources, "AWS::S3::Bucket").items() if key[:-8] == prefix]
    assert len(found) == 1, construct_path
    return found[0]


def test_ops_staff_must_sign_in_with_a_second_factor(resources: Resources) -> None:
    # Given the ops user pool the stack creates when no issuer is given
    _, pool = only(resources, "AWS::Cognito::UserPool")
    # Then MFA (an authenticator app) is required, and nobody can sign themselves up
    assert pool["Properties"]["MfaConfiguration"] == "ON"
    assert pool["Properties"]["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert pool["Properties"]["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


def test_every_request_to_the_buckets_and_the_portal_is_logged_and_the_logs_expire(resources: Resources) -> None:
    # Given the access-log bucket
    logs_id, logs = _bucket(resources, "Storage/AccessLogsBucket")
    # Then the documents and the portal buckets log every request to it
    for path, prefix in (
        ("Storage/DocumentsBucket", "s3/documents/"),
        ("Portal/Bucket", "s3/portal/"),
    ):
        _, bucket = _bucket(resources, path)
        assert bucket["Properties"]["LoggingConfiguration"] == {
            "DestinationBucketName": {"Ref": logs_id},
            "LogFilePrefix": prefix,
        }
    # And so does the portal's distribution
    _, distribution = only(resources, "AWS::CloudFront::Distribution")
    logging = distribution["Properties"]["DistributionConfig"]["Logging"]
    assert logging["Bucket"] == {"Fn::GetAtt": [logs_id, "RegionalDomainName"]}
    assert logging["Prefix"] == "cloudfront/portal/"
    # And the logs are private, encrypted, expire after 400 days, and are kept if the stack is deleted
    props = logs["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"
    }
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == 400
    assert logs["DeletionPolicy"] == "Retain"


def test_s3_writes_its_access_logs_under_a_bucket_policy_limited_to_this_account(resources: Resources) -> None:
    # Given the access-log bucket's policy
    logs_id, _ = _bucket(resources, "Storage/AccessLogsBucket")
    policies = [
        value
        for value in of_type(resources, "AWS::S3::BucketPolicy").values()
        if value["Properties"]["Bucket"] == {"Ref": logs_id}
    ]
    statements = [s for policy in policies for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    # Then the S3 logging service may put objects only under each source bucket's prefix, for this account
    grants = [s for s in statements if s.get("Principal") == {"Service": "logging.s3.amazonaws.com"}]
    by_source = {render(grant["Condition"]["ArnLike"]["aws:SourceArn"]): render(grant["Resource"]) for grant in grants}
    documents_id, _ = _bucket(resources, "Storage/DocumentsBucket")
    portal_id, _ = _bucket(resources, "Portal/Bucket")
    assert by_source == {
        "${" + documents_id + ".Arn}": "${" + logs_id + ".Arn}/s3/documents/*",
        "${" + portal_id + ".Arn}": "${" + logs_id + ".Arn}/s3/portal/*",
    }
    for grant in grants:
        assert grant["Action"] == "s3:PutObject"
        assert grant["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


@pytest.mark.parametrize("name", [spec.name for spec in catalogue.FUNCTIONS])
def test_functions_calling_rate_limited_apis_have_a_concurrency_ceiling(resources: Resources, name: str) -> None:
    # Given a catalogue function
    spec = catalogue.function(name)
    props = resources[function_ids(resources)[name]]["Properties"]
    # Then the ones that call a carrier's or payment provider's API are capped, the others are not
    assert props.get("ReservedConcurrentExecutions") == spec.reserved_concurrency
    if name in ("refund", "buy-label"):
        assert spec.reserved_concurrency == 20


def test_a_new_account_can_deploy_without_reserving_concurrency(tmp_path: Path) -> None:
    # Given a seller whose account's concurrency quota is still 10 (nothing can be reserved)
    from aws_cdk.assertions import Template

    from infra.app import build_app

    _, stack = build_app(context={"stage": "fresh", "reserve_concurrency": "false"}, outdir=str(tmp_path))
    functions = Template.from_stack(stack).find_resources("AWS::Lambda::Function")
    # Then no function reserves any
    assert functions
    assert not [key for key, value in functions.items() if "ReservedConcurrentExecutions" in value["Properties"]]


def test_a_stack_deployed_when_indexes_projected_everything_can_keep_them_so(tmp_path: Path) -> None:
    # Given a seller whose tables were created while every index projected ALL (CloudFormation cannot
    # change an existing index's projection, so the upgrade would fail)
    from aws_cdk.assertions import Template

    from infra.app import build_app

    _, stack = build_app(context={"stage": "older", "indexes_project_all": "true"}, outdir=str(tmp_path))
    tables = Template.from_stack(stack).find_resources("AWS::DynamoDB::Table")
    # Then every index still projects ALL, under the same names
    indexes = [index for table in tables.values() for index in table["Properties"].get("GlobalSecondaryIndexes", [])]
    assert {index["IndexName"] for index in indexes} >= {index.name for index in catalogue.RETURNS.indexes}
    assert {index["Projection"]["ProjectionType"] for index in indexes} == {"ALL"}


def test_the_sellers_web_acl_guards_the_portal_and_its_api(edge_nag: NagResult) -> None:
    # Given a seller's own web ACL, domain and identity provider
    template = edge_nag[1]["Resources"]
    # Then the distribution is behind it and accepts TLS 1.2 or newer only, and no user pool is created
    _, distribution = only(template, "AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    assert config["WebACLId"] == OWN_EDGE_CONTEXT["portal_web_acl_arn"]
    assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert of_type(template, "AWS::Cognito::UserPool") == {}


def test_config_rejects_invalid_monitoring_and_edge_context() -> None:
    # Given context a seller could mistype, then the app refuses to synthesise it
    with pytest.raises(ValueError, match="alarm_email"):
        ReturnsConfig(alarm_email="ops")
    with pytest.raises(ValueError, match="alarm limits"):
        ReturnsConfig(alarm_api_p99_latency_ms=0)
    with pytest.raises(ValueError, match="portal_web_acl_arn"):
        # A regional web ACL cannot guard a CloudFront distribution
        ReturnsConfig(
            portal_web_acl_arn="arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/shop/a1b2c3d4-5678-90ab-cdef-1234567890ab"
        )


def test_every_secret_the_seller_fills_in_is_named_in_the_outputs_by_its_arn(
    resources: Resources, template: Any
) -> None:
    # Given the secrets the stack creates (the portal's token key is generated and never handled by hand)
    secrets = set(of_type(resources, "AWS::SecretsManager::Secret"))
    outputs = template.to_json()["Outputs"]
    named = {output["Value"].get("Ref") for output in outputs.values() if isinstance(output["Value"], dict)} & secrets
    # Then each other one is in an output, as a reference (its ARN), so `put-secret-value` can find it
    portal_key = [key for key in secrets if key.startswith("FunctionsPortalTokenSecret")]
    assert named == secrets - set(portal_key)
    # And no output or default value holds a secret's text
    assert all("SecretString" not in str(output) for output in outputs.values())


def test_the_markets_and_the_warehouse_from_context_reach_the_functions() -> None:
    # Given a seller who takes returns from the EU and the UK, back to their own warehouse in the Netherlands
    config = ReturnsConfig(
        markets=("EU", "UK"), warehouse_country="NL", warehouse_address="Shop BV|Kade 7|1013 AA Amsterdam|NL"
    )
    # Then the functions read them as settings, and parse them as the functions will
    from returns_core.settings import Settings

    environ = {**config.seller_settings, **{spec.env_var: "t" for spec in catalogue.TABLES}}
    settings = Settings.from_env({**environ, "DOCUMENTS_BUCKET": "b", "EVENT_BUS_NAME": "e"})
    assert settings.markets == frozenset({"EU", "UK"})
    assert (settings.warehouse_country, settings.warehouse_address) == ("NL", "Shop BV|Kade 7|1013 AA Amsterdam|NL")
    # And by default every market is served
    assert "ENABLED_MARKETS" not in ReturnsConfig().seller_settings


def test_config_rejects_unknown_markets_and_malformed_warehouses() -> None:
    with pytest.raises(ValueError, match="markets"):
        ReturnsConfig(markets=("EU", "Mars"))
    with pytest.raises(ValueError, match="warehouse_country"):
        ReturnsConfig(warehouse_country="Netherlands")
    with pytest.raises(ValueError, match="warehouse_address"):
        ReturnsConfig(warehouse_address="just one line")
