"""Catalog lookup and locale formatting for one language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from returns_core.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES, babel_locale
from returns_core.money import Money

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"


def catalog_path(language: str) -> Path:
    return LOCALES_DIR / babel_locale(language) / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def messages(language: str) -> Mapping[str, str]:
    """msgid -> translation for one language; untranslated and fuzzy entries are left out."""
    from babel.messages.pofile import read_po

    path = catalog_path(language)
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=babel_locale(language))
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and isinstance(message.id, str) and message.string and not message.fuzzy
    }


@cache
def message_ids() -> tuple[str, ...]:
    """Every message id the catalogs know (the English catalog lists them all)."""
    from babel.messages.pofile import read_po

    path = catalog_path(DEFAULT_LANGUAGE)
    if not path.exists():
        return ()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=babel_locale(DEFAULT_LANGUAGE))
    return tuple(str(message.id) for message in catalog if message.id and isinstance(message.id, str))


def messages_for(language: str) -> dict[str, str]:
    """The whole catalog for one language, English where a translation is missing (for the portal)."""
    translated = messages(language)
    return {message: translated.get(message, message) for message in message_ids()}


@dataclass(frozen=True)
class Translator:
    language: str

    def __call__(self, message: str, /, **params: Any) -> str:
        text = messages(self.language).get(message, message)
        if not params:
            return text
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            # A broken translation must not break the page: fall back to the English template.
            return message.format(**params)

    @property
    def locale(self) -> str:
        return babel_locale(self.language)

    def money(self, value: Money) -> str:
        from babel.numbers import format_currency

        return str(format_currency(value.amount, value.currency, locale=self.locale))

    def date(self, value: date | datetime, length: str = "long") -> str:
        from babel.dates import format_date

        day = value.astimezone(UTC).date() if isinstance(value, datetime) else value
        return str(format_date(day, format=length, locale=self.locale))

    def datetime(self, value: datetime, length: str = "long") -> str:
        """Date and time in UTC, saying so (a withdrawal confirmation records both)."""
        from babel.dates import format_datetime

        return str(format_datetime(value.astimezone(UTC), format=length, tzinfo=UTC, locale=self.locale))


@cache
def translator(language: str | None) -> Translator:
    return Translator(language if language in LANGUAGES else DEFAULT_LANGUAGE)
