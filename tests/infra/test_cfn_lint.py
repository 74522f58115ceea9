"""cfn-lint on the synthesised template, in the regions sellers deploy to: nothing to report."""

from __future__ import annotations

import json

from aws_cdk.assertions import Template

# W3005 flags a DependsOn that a GetAtt already implies. CDK writes both for every function (on its
# role, beside the role's default policy); the duplicate is harmless and not ours to remove.
IGNORED = {"W3005": "CDK's own DependsOn on each function's role, already implied by the Role GetAtt"}
REGIONS = ["us-east-1", "eu-central-1", "eu-west-1", "ap-northeast-1", "ap-southeast-2"]


def test_the_template_passes_cfn_lint(template: Template) -> None:
    from cfnlint.api import ManualArgs, lint

    matches = lint(json.dumps(template.to_json()), config=ManualArgs(regions=REGIONS, ignore_checks=list(IGNORED)))
    assert [f"{m.rule.id} {m.message} at {'/'.join(map(str, m.path))}" for m in matches] == []
