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


# ----------------------------------------------------------------------------------------------- cdk-nag

NagResult = tuple[list[str], dict[str, Any]]

# A seller who brings their own domain, web ACL and identity provider: the findings that were
# accepted only for their absence must not be suppressed then, and must not be found either.
OWN_EDGE_CONTEXT = {
    "stage": "edge",
    "portal_domain": "returns.shop.example.com",
    "portal_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab",
    "portal_web_acl_arn": (
        "arn:aws:wafv2:us-east-1:123456789012:global/webacl/returns-portal/a1b2c3d4-5678-90ab-cdef-1234567890ab"
    ),
    "ops_jwt_issuer": "https://login.shop.example.com/",
    "ops_jwt_audience": "returns-ops",
}


def _nag(context: dict[str, Any], outdir: Path) -> tuple[list[str], dict[str, Any]]:
    """The unsuppressed findings ("<path> <rule>: …") and the synthesised template."""
    from aws_cdk.assertions import Annotations, Match, Template

    from infra.app import build_app, check_with_nag

    app, stack = build_app(context=context, outdir=str(outdir))
    check_with_nag(app)
    annotations = Annotations.from_stack(stack)
    anything = Match.string_like_regexp(".*")
    found = [*annotations.find_error("*", anything), *annotations.find_warning("*", anything)]
    findings = [f"{item.id} {str(item.entry.data)[:160]}" for item in found]
    return findings, dict(Template.from_stack(stack).to_json())


@pytest.fixture(scope="session")
def default_nag(synth_context: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> NagResult:
    """The default configuration checked by both packs: unsuppressed findings and the template."""
    return _nag(synth_context, tmp_path_factory.mktemp("nag"))


@pytest.fixture(scope="session")
def edge_nag(tmp_path_factory: pytest.TempPathFactory) -> NagResult:
    """A seller's own domain, WAF and issuer (OWN_EDGE_CONTEXT), checked by both packs."""
    return _nag(OWN_EDGE_CONTEXT, tmp_path_factory.mktemp("nag-edge"))
