"""The static sites (the shopper portal, the ops dashboard), served by the local gateway as CloudFront
serves the portal from S3 in AWS."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from infra.catalogue import REPO_ROOT

PORTAL_DIR = REPO_ROOT / "web" / "portal"
PORTAL_PREFIX = "/portal/"
DASHBOARD_DIR = REPO_ROOT / "web" / "ops"
DASHBOARD_PREFIX = "/dashboard/"
SITES = {PORTAL_PREFIX: PORTAL_DIR, DASHBOARD_PREFIX: DASHBOARD_DIR}


def content_security_policy(upload_origin: str) -> str:
    # Photos go straight to S3 (the upload origin); labels open there through links.
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        f"connect-src 'self' {upload_origin}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


def security_headers(upload_origin: str) -> dict[str, str]:
    return {
        "content-security-policy": content_security_policy(upload_origin),
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "cache-control": "no-cache",
    }


def serve(
    path: str, upload_origin: str, sites: dict[str, Path] | None = None
) -> tuple[int, dict[str, str], bytes] | None:
    """A file of one of the sites for a GET of `path`, or None when the path is no site's."""
    if path in ("/", "/portal"):
        return 302, {"location": PORTAL_PREFIX}, b""
    if path == DASHBOARD_PREFIX.rstrip("/"):
        return 302, {"location": DASHBOARD_PREFIX}, b""
    for prefix, root in (sites or SITES).items():
        if path.startswith(prefix):
            return _file(root, path[len(prefix) :] or "index.html", upload_origin)
    return None


def _file(root: Path, name: str, upload_origin: str) -> tuple[int, dict[str, str], bytes]:
    target = (root / name).resolve()
    if root.resolve() not in target.parents or not target.is_file():
        return 404, {"content-type": "text/plain; charset=utf-8"}, b"Not found"
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type.endswith("javascript"):
        content_type += "; charset=utf-8"
    return 200, {"content-type": content_type, **security_headers(upload_origin)}, target.read_bytes()
