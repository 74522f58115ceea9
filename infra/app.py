"""CDK entry point: `python -m infra.app` (what `cdk.json` runs).

Environment-agnostic: no account or region is resolved, so synthesis needs no AWS credentials.
Deploy-time choices come from context (see `ReturnsConfig`), e.g. `cdk deploy -c stage=prod`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import App, Aspects, Tags, cx_api

from infra.catalogue import REPO_ROOT
from infra.stack import ReturnsConfig, ReturnsStack

# Feature flags live here rather than in cdk.json so that `python -m infra.app`, `cdk synth` and
# the tests synthesise the very same template. Context given by the CDK CLI still overrides them.
FEATURE_FLAGS: dict[str, Any] = {
    "@aws-cdk/aws-iam:minimizePolicies": True,
    "@aws-cdk/core:checkSecretUsage": True,
    "@aws-cdk/aws-lambda:recognizeLayerVersion": True,
    "@aws-cdk/aws-iam:standardizedServicePrincipals": True,
    # S3 server access logs are granted by a bucket policy, not the LogDeliveryWrite ACL.
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    # Undeployable templates (e.g. a dependency cycle) fail the synth instead of the deployment.
    "@aws-cdk/core:validateAgainstDefaultRules": True,
}
DEFAULT_OUTDIR = REPO_ROOT / "cdk.out"


def build_app(context: Mapping[str, Any] | None = None, outdir: str | None = None) -> tuple[App, ReturnsStack]:
    """The app and its one stack. `context` overrides the feature flags; context from the CDK CLI
    (cdk.json, `-c key=value`) overrides both."""
    app = App(
        context={**FEATURE_FLAGS, **(context or {})},
        # The CLI tells the app where to write; run directly, write to <repo>/cdk.out, not the cwd.
        outdir=outdir or os.environ.get("CDK_OUTDIR") or str(DEFAULT_OUTDIR),
    )
    config = ReturnsConfig.from_context(app.node)
    stack = ReturnsStack(
        app,
        config.stack_name,
        config=config,
        description=f"Serverless returns workflow ({config.stage})",
    )
    Tags.of(app).add("project", "returns")
    Tags.of(app).add("stage", config.stage)
    return app, stack


def check_with_nag(app: App) -> None:
    """cdk-nag's AwsSolutions and Serverless packs on every construct: a finding not accepted with a reason
    (infra/constructs/nag.py) is reported as an error and fails the synthesis."""
    from cdk_nag import AwsSolutionsChecks, ServerlessChecks

    Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    Aspects.of(app).add(ServerlessChecks(verbose=True))


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m infra.app [--nag]` (`make synth` checks with cdk-nag; the CDK CLI's synth does not)."""
    app, _ = build_app()
    if "--nag" in (sys.argv[1:] if argv is None else argv):
        check_with_nag(app)
    assembly = app.synth()
    errors = [
        f"{message.id}: {message.entry.data}"
        for stack in assembly.stacks
        for message in stack.messages
        if message.level == cx_api.SynthesisMessageLevel.ERROR
    ]
    if errors:
        sys.exit("synthesis found errors:\n" + "\n".join(errors))


if __name__ == "__main__":
    main()
