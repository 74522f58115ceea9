"""CDK entry point: `python -m infra.app` (what `cdk.json` runs).

Environment-agnostic: no account or region is resolved, so synthesis needs no AWS credentials.
Deploy-time choices come from context (see `ReturnsConfig`), e.g. `cdk deploy -c stage=prod`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Tags

from infra.catalogue import REPO_ROOT
from infra.stack import ReturnsConfig, ReturnsStack

# Feature flags live here rather than in cdk.json so that `python -m infra.app`, `cdk synth` and
# the tests synthesise the very same template. Context given by the CDK CLI still overrides them.
FEATURE_FLAGS: dict[str, Any] = {
    "@aws-cdk/aws-iam:minimizePolicies": True,
    "@aws-cdk/core:checkSecretUsage": True,
    "@aws-cdk/aws-lambda:recognizeLayerVersion": True,
    "@aws-cdk/aws-iam:standardizedServicePrincipals": True,
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


def main() -> None:
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
