"""Synthesise the stack once per test session; every infra test reads the same template."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# The jsii kernel (started by the first `aws_cdk` import) nags about the Node version on stderr.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

if TYPE_CHECKING:
    from aws_cdk.assertions import Template

    from infra.stack import ReturnsStack

Resources = dict[str, dict[str, Any]]


@pytest.fixture(scope="session")
def synth_context() -> dict[str, Any]:
    """Deliberately not the defaults, so the tests see context reaching the functions."""
    return {
        "stage": "test",
        "sender_email": "returns@shop.example.com",
        "base_currency": "EUR",
        "portal_verify_email": "true",
        "store_credit_bonus_percent": "15",
        "seller_policy": {"US": {"window_days": 60, "return_shipping_paid_by": "SELLER"}},
        "alarm_email": "ops@shop.example.com",
    }


@pytest.fixture(scope="session")
def cdk_outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cdk.out")


@pytest.fixture(scope="session")
def stack(synth_context: dict[str, Any], cdk_outdir: Path) -> ReturnsStack:
    from infra.app import build_app

    _, returns_stack = build_app(context=synth_context, outdir=str(cdk_outdir))
    return returns_stack


@pytest.fixture(scope="session")
def template(stack: ReturnsStack) -> Template:
    """The one synthesis of the session (assets are staged into `cdk_outdir`)."""
    from aws_cdk.assertions import Template

    return Template.from_stack(stack)


@pytest.fixture(scope="session")
def resources(template: Template) -> Resources:
    found: Resources = template.to_json()["Resources"]
    return found
