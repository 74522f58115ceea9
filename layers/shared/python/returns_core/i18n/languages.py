"""The languages the product speaks and how a request's language is chosen."""

from __future__ import annotations

from functools import cache

DEFAULT_LANGUAGE = "en"
# BCP 47 tags as they appear in URLs and the `lang` parameter.
LANGUAGES: tuple[str, ...] = ("en", "zh-Hant", "zh-Hans", "ja", "de", "fr", "es")

# Region-only Chinese tags name a script by custom: Taiwan, Hong Kong and Macau write Traditional.
_CHINESE_REGIONS = {"tw": "zh-Hant", "hk": "zh-Hant", "mo": "zh-Hant", "cn": "zh-Hans", "sg": "zh-Hans"}
_BY_LOWER = {tag.lower(): tag for tag in LANGUAGES}


def babel_locale(language: str) -> str:
    """The Babel locale identifier for one of our language tags (zh-Hant -> zh_Hant)."""
    return language.replace("-", "_")


@cache
def language_name(language: str) -> str:
    """The language's own name for itself, for the language switcher."""
    from babel import Locale

    name: str = Locale.parse(babel_locale(language)).get_display_name() or language
    return name[:1].upper() + name[1:]


def match(tag: str) -> str | None:
    """Our language for a BCP 47 tag, or None when we do not speak it."""
    parts = tag.strip().replace("_", "-").lower().split("-")
    if not parts or not parts[0]:
        return None
    if parts[0] == "zh":
        for part in parts[1:]:
            if part in ("hant", "hans"):
                return _BY_LOWER[f"zh-{part}"]
            if part in _CHINESE_REGIONS:
                return _CHINESE_REGIONS[part]
        return "zh-Hans"
    return _BY_LOWER.get(parts[0])


def _accepted(header: str) -> list[str]:
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        if tag and tag != "*" and 0 < quality <= 1:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(explicit: str | None = None, accept_language: str | None = None) -> str:
    """The language asked for in the URL or switcher, else the browser's best match, else English."""
    if explicit:
        chosen = match(explicit)
        if chosen:
            return chosen
    for tag in _accepted(accept_language or ""):
        chosen = match(tag)
        if chosen:
            return chosen
    return DEFAULT_LANGUAGE
