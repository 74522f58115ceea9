"""The pynamodb models describe the tables CDK and the local stack create from the catalogue."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pynamodb.indexes import AllProjection, KeysOnlyProjection

from infra import catalogue
from returns_core.storage import models

MODELS: dict[str, Any] = {
    "orders": models.OrderRecord,
    "returns": models.ReturnRecord,
    "ledger": models.LedgerRecord,
    "portal": models.PortalRecord,
    "aggregates": models.AggregateRecord,
}
PROJECTIONS = {KeysOnlyProjection: "KEYS_ONLY", AllProjection: "ALL"}


def _keys(attributes: dict[str, Any]) -> tuple[str | None, str | None]:
    hash_key = next(name for name, attribute in attributes.items() if attribute.is_hash_key)
    range_key = next((name for name, attribute in attributes.items() if attribute.is_range_key), None)
    return hash_key, range_key


@pytest.mark.parametrize("key", sorted(MODELS))
def test_each_model_has_its_catalogue_tables_keys_and_indexes(key: str) -> None:
    # Given a catalogue table and the model the functions read it with
    spec, model = catalogue.table(key), MODELS[key]
    # Then the model's keys are the table's
    assert _keys(model.get_attributes()) == (spec.partition_key, spec.sort_key)
    # And its indexes are the table's, with the same keys and projections
    indexes = {
        index.Meta.index_name: (*_keys(index.Meta.attributes), PROJECTIONS[type(index.Meta.projection)])
        for index in model._indexes.values()
    }
    assert indexes == {index.name: (index.partition_key, index.sort_key, index.projection) for index in spec.indexes}


def test_the_returns_indexes_hold_keys_only_so_saving_a_return_does_not_rewrite_them() -> None:
    # A save that changes neither a return's keys nor its index keys then writes only the table.
    assert {index.projection for index in catalogue.RETURNS.indexes} == {"KEYS_ONLY"}


def test_a_returns_documents_are_stored_deflated_and_read_back_as_written() -> None:
    # Given a label with its routing plan, as a return carries it
    label = {
        "carrier": "sandbox",
        "plan": {"candidates": [{"service": s, "price": {"amount": "5.71", "currency": "USD"}} for s in "ABCDEFGH"]},
    }
    attribute = models.CompressedJSONAttribute()
    # When it is serialised for DynamoDB
    stored = attribute.serialize(label)
    # Then it is a binary value well under the JSON's size, and reads back equal
    assert isinstance(stored, bytes)
    assert len(stored) < len(json.dumps(label)) / 2
    assert attribute.deserialize(attribute.get_value({"B": stored})) == label


def test_a_document_written_before_as_a_json_string_still_reads() -> None:
    attribute = models.CompressedJSONAttribute()
    assert attribute.deserialize(attribute.get_value({"S": '{"carrier": "sandbox"}'})) == {"carrier": "sandbox"}
