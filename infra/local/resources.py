"""What CDK deploys, created in the embedded AWS from the same catalogue (tables, bucket, bus, state machine)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from infra import catalogue
from infra.local import environment as env


def provision(client: Callable[[str], Any]) -> None:
    dynamodb = client("dynamodb")
    for spec in catalogue.TABLES:
        keys = [(spec.partition_key, "HASH")] + ([(spec.sort_key, "RANGE")] if spec.sort_key else [])
        attributes = {spec.partition_key: "S", **({spec.sort_key: "S"} if spec.sort_key else {})}
        indexes = []
        for index in spec.indexes:
            index_keys = [(index.partition_key, "HASH")]
            attributes[index.partition_key] = "S"
            if index.sort_key:
                index_keys.append((index.sort_key, "RANGE"))
                attributes[index.sort_key] = index.sort_key_type
            indexes.append(
                {
                    "IndexName": index.name,
                    "KeySchema": [{"AttributeName": n, "KeyType": t} for n, t in index_keys],
                    "Projection": {"ProjectionType": index.projection},
                }
            )
        kwargs: dict[str, Any] = {
            "TableName": env.table_name(spec),
            "KeySchema": [{"AttributeName": n, "KeyType": t} for n, t in keys],
            "AttributeDefinitions": [{"AttributeName": a, "AttributeType": t} for a, t in sorted(attributes.items())],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if indexes:
            kwargs["GlobalSecondaryIndexes"] = indexes
        dynamodb.create_table(**kwargs)
        if spec.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=env.table_name(spec),
                TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
            )
    client("s3").create_bucket(Bucket=env.BUCKET)
    client("ses").verify_email_identity(EmailAddress=env.SENDER)
    client("events").create_event_bus(Name=env.BUS_NAME)
    substitutions = {
        placeholder: env.function_arn(spec.name) for placeholder, spec in catalogue.asl_placeholders().items()
    }
    client("stepfunctions").create_state_machine(
        name=env.STATE_MACHINE_NAME,
        definition=catalogue.load_definition(substitutions),
        roleArn=f"arn:aws:iam::{env.ACCOUNT}:role/returns-local-workflow",
        type="STANDARD",
    )
