"""Construct ids derived from catalogue names, so ids stay stable when the catalogue grows."""

from __future__ import annotations


def pascal_id(name: str, suffix: str = "") -> str:
    """`"storefront-api"` → `"StorefrontApi"` (+ suffix); `"by_status"` → `"ByStatus"`."""
    words = name.replace("_", "-").split("-")
    return "".join(word[:1].upper() + word[1:] for word in words if word) + suffix
