"""The shared Lambda layer, built without Docker: the runtime's third-party packages as wheels for
Lambda's platform (arm64, CPython 3.14) and the product's own `returns_core`.

`pip install --platform manylinux2014_aarch64 --only-binary=:all: --target` fetches the wheels built
for Lambda's machine whatever machine builds the layer, so no container is needed. boto3 and
botocore are left to the runtime, which ships them. The layer is rebuilt only when what goes into it
changes (the package list, the platform, the product's sources): a digest of those inputs is kept
beside it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIR = REPO_ROOT / "layers" / "shared" / "python"
BUILD_DIR = REPO_ROOT / "build" / "layer"
PLATFORM = "manylinux2014_aarch64"
PYTHON_VERSION = "3.14"  # the functions' runtime (infra.constructs.functions.RUNTIME)
# Shipped by the Lambda Python runtime; bundling them would only add weight (and an older botocore).
PROVIDED_BY_RUNTIME = ("boto3", "botocore", "s3transfer")
# What the unzipped layer may weigh (Lambda allows 250 MB for a function and all its layers).
SIZE_BUDGET_BYTES = 120 * 1024 * 1024
_DIGEST_FILE = ".inputs-digest"


class LayerBuildFailed(RuntimeError):
    pass


def runtime_packages() -> list[str]:
    """The project's runtime dependencies, as pyproject.toml pins them, less what the runtime provides."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [
        requirement
        for requirement in project["dependencies"]
        if _name(requirement) not in {name.lower() for name in PROVIDED_BY_RUNTIME}
    ]


def _name(requirement: str) -> str:
    for stop in "[<>=!~; ":
        requirement = requirement.split(stop, 1)[0]
    return requirement.strip().lower()


def inputs_digest() -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([runtime_packages(), PLATFORM, PYTHON_VERSION, PROVIDED_BY_RUNTIME]).encode())
    for path in sorted(SOURCE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(str(path.relative_to(SOURCE_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def build_layer(target: Path = BUILD_DIR) -> Path:
    """The layer's directory (holding `python/`), built if its inputs changed since the last build."""
    wanted = inputs_digest()
    stamp = target / _DIGEST_FILE
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted:
        return target
    staging = target.with_name(target.name + ".staging")
    shutil.rmtree(staging, ignore_errors=True)
    site = staging / "python"
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
        "--platform", PLATFORM, "--implementation", "cp", "--python-version", PYTHON_VERSION,
        "--only-binary=:all:", "--target", str(site), *runtime_packages(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - our own argv, no shell
    if done.returncode != 0:
        raise LayerBuildFailed(f"pip could not fetch the layer's wheels for {PLATFORM}:\n{done.stderr[-2000:]}")
    for entry in list(site.iterdir()):
        name = entry.name.split("-", 1)[0].lower()
        if name in PROVIDED_BY_RUNTIME or entry.name in ("bin", "__pycache__"):
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    shutil.copytree(
        SOURCE_DIR / "returns_core", site / "returns_core", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    (staging / _DIGEST_FILE).write_text(wanted, encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def size_of(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())


if __name__ == "__main__":
    built = build_layer()
    print(f"{built} ({size_of(built) / 2**20:.1f} MB)")
