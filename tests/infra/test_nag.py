"""cdk-nag's AwsSolutions and Serverless packs find nothing in the stack that has not been reviewed.

Every accepted finding is a suppression on its resource with a reason (infra/constructs/nag.py);
the README lists each suppressed rule with its reason for the seller who deploys the stack.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from infra.catalogue import REPO_ROOT

from .conftest import NagResult


def _suppressions(template: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(logical id, rule, reason) of every cdk-nag suppression in the template."""
    found = []
    for logical_id, resource in template["Resources"].items():
        for item in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
            found.append((logical_id, item["id"], item["reason"]))
    return found


def test_no_unsuppressed_finding_with_the_default_configuration(default_nag: NagResult) -> None:
    # Given the stack as `make synth` writes it, checked by both packs
    findings, _ = default_nag
    # Then nothing is found that has not been reviewed and suppressed with a reason
    assert findings == []


def test_no_unsuppressed_finding_with_the_sellers_own_domain_waf_and_issuer(edge_nag: NagResult) -> None:
    # Given a seller's own domain, certificate, web ACL and identity provider
    findings, template = edge_nag
    # Then nothing is found either
    assert findings == []
    # And what was accepted for want of those is neither needed nor suppressed
    rules = {rule for _, rule, _ in _suppressions(template)}
    assert not rules & {"AwsSolutions-CFR2", "AwsSolutions-CFR4", "AwsSolutions-COG8"}


def test_every_suppression_gives_a_reason_a_reviewer_can_check(default_nag: NagResult) -> None:
    # Given every suppression in the template
    _, template = default_nag
    suppressions = _suppressions(template)
    assert suppressions
    for logical_id, rule, reason in suppressions:
        # Then each names its rule and says why, in a sentence or more
        assert re.fullmatch(r"(AwsSolutions|Serverless)-[A-Za-z0-9]+", rule), (logical_id, rule)
        assert len(reason) >= 60 and reason.endswith((".", ")")), (logical_id, rule, reason)


def test_the_readme_lists_every_suppressed_rule(default_nag: NagResult) -> None:
    # Given the rules suppressed anywhere in the stack
    _, template = default_nag
    rules = {rule for _, rule, _ in _suppressions(template)}
    # Then the README's deploy section names each of them, so a seller can review what was accepted
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### cdk-nag findings accepted", 1)[1].split("\n## ", 1)[0]
    assert sorted(rule for rule in rules if f"`{rule}`" not in section) == []


def test_wildcards_are_accepted_only_for_the_resources_they_were_reviewed_for(
    default_nag: NagResult,
) -> None:
    # Given the IAM5 suppressions on the function roles
    _, template = default_nag
    for logical_id, resource in template["Resources"].items():
        for item in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
            if item["id"] != "AwsSolutions-IAM5" or logical_id.startswith("CustomCDKBucketDeployment"):
                continue
            # Then each names what it applies to: never the whole rule for a role
            assert item.get("applies_to"), logical_id


def test_make_synth_writes_the_template_without_aws_credentials_and_checks_it(tmp_path: Path) -> None:
    # Given a machine with no AWS credentials or configuration at all
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "CDK_"))}
    environment |= {"HOME": str(tmp_path), "CDK_OUTDIR": str(tmp_path / "cdk.out")}
    # When `make synth` runs its command
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "infra.app", "--nag"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    # Then it succeeds, cdk-nag included, and writes the stack's template
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "cdk.out" / "returns-dev.template.json").is_file()
