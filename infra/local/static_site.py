"""The portal's static files, served by the local gateway as CloudFront serves them from S3 in AWS."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from infra.catalogue import REPO_ROOT

PORTAL_DIR = REPO_ROOT / "web" / "portal"
PORTAL_PREFIX = "/portal/"


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


def serve(path: str, upload_origin: str, root: Path = PORTAL_DIR) -> tuple[int, dict[str, str], bytes] | None:
    """A file of the portal for a GET of `path`, or None when the path is not the portal's."""
    if path in ("/", "/portal"):
        return 302, {"location": PORTAL_PREFIX}, b""
    if not path.startswith(PORTAL_PREFIX):
        return None
    name = path[len(PORTAL_PREFIX) :] or "index.html"
    target = (root / name).resolve()
    if root.resolve() not in target.parents or not target.is_file():
        return 404, {"content-type": "text/plain; charset=utf-8"}, b"Not found"
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type.endswith("javascript"):
        content_type += "; charset=utf-8"
    return 200, {"content-type": content_type, **security_headers(upload_origin)}, target.read_bytes()
