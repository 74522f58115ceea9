"""The shared layer: Lambda's own wheels, built without Docker, boto3 left to the runtime, within its budget."""

from __future__ import annotations

import filecmp
from pathlib import Path

from aws_cdk.assertions import Template

from infra import layer_build
from infra.constructs.functions import ARCHITECTURE, RUNTIME

ELF_MACHINE_AARCH64 = 183  # e_machine in the ELF header


def _built() -> Path:
    return layer_build.build_layer() / "python"


def test_the_layer_carries_the_runtime_packages_and_returns_core_but_not_boto3() -> None:
    site = _built()
    names = {entry.name.split("-", 1)[0].lower() for entry in site.iterdir()}
    # Then the packages the handlers import are there, built for Lambda, and boto3 is the runtime's
    assert {"aws_lambda_powertools", "pydantic", "pydantic_core", "pynamodb", "reportlab", "babel"} <= names
    assert not names & {"boto3", "botocore", "s3transfer"}
    # And returns_core is the repository's own, file for file
    source = layer_build.SOURCE_DIR / "returns_core"
    for path in source.rglob("*.py"):
        assert filecmp.cmp(path, site / "returns_core" / path.relative_to(source), shallow=False), path


def test_compiled_extensions_are_for_lambdas_arm64_cpython() -> None:
    # Given pydantic-core's compiled extension in the layer
    [extension] = list((_built() / "pydantic_core").glob("_pydantic_core*.so"))
    # Then it is built for CPython 3.14 on aarch64 Linux, the functions' runtime and architecture
    assert "cpython-314-aarch64-linux-gnu" in extension.name
    header = extension.read_bytes()[:20]
    assert header[:4] == b"\x7fELF" and int.from_bytes(header[18:20], "little") == ELF_MACHINE_AARCH64
    assert (RUNTIME.name, ARCHITECTURE.name) == (f"python{layer_build.PYTHON_VERSION}", "arm64")


def test_the_layer_stays_within_its_size_budget() -> None:
    # Lambda allows 250 MB unzipped for a function and its layers; the layer keeps to 120 MB
    assert layer_build.size_of(_built()) < layer_build.SIZE_BUDGET_BYTES


def test_the_layer_is_rebuilt_only_when_its_inputs_change() -> None:
    # Given a built layer
    site = _built()
    marker = site / "returns_core" / "__init__.py"
    before = marker.stat().st_mtime_ns
    # When it is asked for again with the same inputs / Then nothing is rebuilt
    layer_build.build_layer()
    assert marker.stat().st_mtime_ns == before
    # And its digest covers the package list and the product's sources
    assert layer_build.inputs_digest() == (layer_build.BUILD_DIR / ".inputs-digest").read_text(encoding="utf-8")
    assert "boto3" not in " ".join(layer_build.runtime_packages())


def test_every_function_gets_the_built_layer(template: Template) -> None:
    layers = template.find_resources("AWS::Lambda::LayerVersion")
    [(layer_id, layer)] = [(k, v) for k, v in layers.items() if "returns_core" in v["Properties"]["Description"]]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.14"]
    # And each catalogue function runs with it (CDK's own helper functions have their own)
    from infra import catalogue

    ours = [
        function
        for function in template.find_resources("AWS::Lambda::Function").values()
        if function["Properties"].get("Handler") in {spec.handler for spec in catalogue.FUNCTIONS}
    ]
    assert len(ours) == len(catalogue.FUNCTIONS)
    for function in ours:
        assert function["Properties"]["Layers"] == [{"Ref": layer_id}]
