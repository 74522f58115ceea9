"""DynamoDB tables (exactly as `catalogue.TABLES` describes them) and the documents bucket."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import catalogue
from infra.constructs.nag import accept
from infra.constructs.naming import pascal_id


def _string_attribute(name: str | None) -> dynamodb.Attribute | None:
    # Table keys are strings (ids, statuses, ISO-8601 timestamps); an index may sort by a number.
    return _key_attribute(name, "S")


def _key_attribute(name: str | None, kind: str) -> dynamodb.Attribute | None:
    types = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}
    return dynamodb.Attribute(name=name, type=types[kind]) if name else None


def private_bucket(scope: Construct, construct_id: str, *, keep_old_versions: Duration, **extra: Any) -> s3.Bucket:
    """An encrypted, versioned bucket no one outside the account can read, reachable over TLS only, kept on delete."""
    return s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforce_ssl=True,
        versioned=True,
        lifecycle_rules=[
            s3.LifecycleRule(
                id="tidy-up",
                abort_incomplete_multipart_upload_after=Duration.days(7),
                noncurrent_version_expiration=keep_old_versions,
            )
        ],
        removal_policy=RemovalPolicy.RETAIN,
        **extra,
    )


# Who read or wrote which label, photo or page, kept long enough to answer a question a year on.
ACCESS_LOG_RETENTION = Duration.days(400)


def access_log_bucket(scope: Construct, construct_id: str) -> s3.Bucket:
    """Where S3 server access logs and CloudFront's standard logs go: private, TLS only, expiring."""
    bucket = s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        # CloudFront's standard logs are delivered with an ACL grant, so ACLs stay enabled here (only here).
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        enforce_ssl=True,
        lifecycle_rules=[
            s3.LifecycleRule(
                id="expire-logs",
                expiration=ACCESS_LOG_RETENTION,
                abort_incomplete_multipart_upload_after=Duration.days(7),
            )
        ],
        removal_policy=RemovalPolicy.RETAIN,
    )
    accept(
        bucket, "AwsSolutions-S1", "This is the access-log bucket itself: logging its own access into it would loop."
    )
    return bucket


class Storage(Construct):
    """The product's state: one table per `TableSpec` and a private bucket for labels and papers."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        upload_origins: Sequence[str] = ("*",),
        indexes_project_all: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        # CloudFormation cannot change an existing index's projection, so a stack deployed while every
        # index projected ALL keeps them so (`indexes_project_all`); the functions read by key either way.
        self._indexes_project_all = indexes_project_all
        self.tables: dict[str, dynamodb.Table] = {spec.key: self._table(spec) for spec in catalogue.TABLES}
        self.access_logs = access_log_bucket(self, "AccessLogsBucket")
        self.documents = private_bucket(
            self,
            "DocumentsBucket",
            keep_old_versions=Duration.days(90),
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="s3/documents/",
            # The portal's photo uploads are presigned POSTs from the shopper's browser. The portal's own
            # origin (the CloudFront domain) cannot be named here: the distribution depends on the API, the
            # API on the storefront function, and that function on this bucket. So the origins come from
            # context (`portal_origins`), by default any: CORS only decides whether a page may read the
            # answer; what may be written, where, how big, is decided by the signed POST policy alone.
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.POST],
                    allowed_origins=list(upload_origins),
                    allowed_headers=["*"],
                    max_age=3000,
                )
            ],
        )

    def _table(self, spec: catalogue.TableSpec) -> dynamodb.Table:
        partition_key = _string_attribute(spec.partition_key)
        assert partition_key is not None
        table = dynamodb.Table(
            self,
            pascal_id(spec.key, "Table"),
            partition_key=partition_key,
            sort_key=_string_attribute(spec.sort_key),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=spec.ttl_attribute,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index in spec.indexes:
            index_partition_key = _string_attribute(index.partition_key)
            assert index_partition_key is not None
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=index_partition_key,
                sort_key=_key_attribute(index.sort_key, index.sort_key_type),
                projection_type=dynamodb.ProjectionType["ALL" if self._indexes_project_all else index.projection],
            )
        return table
