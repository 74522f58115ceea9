"""Languages: how one is chosen, how money and dates read in it, and that every catalog is complete."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from returns_core.i18n import LANGUAGES, negotiate, translator
from returns_core.i18n.extraction import extract, repo_root, untranslated_literals
from returns_core.i18n.languages import babel_locale
from returns_core.i18n.translator import catalog_path
from returns_core.money import Money

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


@pytest.mark.parametrize(
    ("explicit", "header", "chosen"),
    [
        ("de", "fr-FR,fr;q=0.9", "de"),  # the URL or the switcher wins
        (None, "fr-FR,fr;q=0.9,en;q=0.5", "fr"),
        (None, "zh-TW,zh;q=0.9", "zh-Hant"),  # Taiwan writes Traditional
        (None, "zh-HK", "zh-Hant"),
        (None, "zh-CN,zh;q=0.9", "zh-Hans"),
        ("zh-hant", None, "zh-Hant"),
        (None, "pt-BR,pt;q=0.9,es;q=0.3", "es"),  # the best language we speak
        (None, "en;q=0.1, ja;q=0.8", "ja"),  # quality, not position
        ("xx", "ko-KR", "en"),  # nothing we speak: English
        (None, "", "en"),
        (None, "de;q=abc, es", "es"),  # a malformed range is skipped
    ],
)
def test_the_language_comes_from_the_url_then_the_browser_then_english(
    explicit: str | None, header: str | None, chosen: str
) -> None:
    # Given a language asked for and a browser's Accept-Language / When negotiated / Then
    assert negotiate(explicit, header) == chosen


@pytest.mark.parametrize(
    ("language", "money", "day"),
    [
        ("en", "€1,234.50", "December 6, 2026"),
        ("de", "1.234,50\xa0€", "6. Dezember 2026"),
        ("fr", "1\u202f234,50\xa0€", "6 décembre 2026"),
        ("es", "1.234,50\xa0€", "6 de diciembre de 2026"),
        ("ja", "€1,234.50", "2026年12月6日"),
        ("zh-Hant", "€1,234.50", "2026年12月6日"),
        ("zh-Hans", "€1,234.50", "2026年12月6日"),
    ],
)
def test_money_and_dates_read_as_each_locale_writes_them(language: str, money: str, day: str) -> None:
    # Given an amount in euros and a date / When shown in a language / Then in that locale's own format
    _ = translator(language)
    assert _.money(Money(Decimal("1234.5"), "EUR")) == money
    assert _.date(date(2026, 12, 6)) == day


def test_a_yen_amount_has_no_decimals_and_a_time_says_it_is_utc() -> None:
    # Given a Japanese shopper
    _ = translator("ja")
    # When an amount in yen and a moment are shown / Then as the locale writes them, in UTC
    assert _.money(Money(Decimal("98000"), "JPY")) == "￥98,000"
    assert "UTC" in _.datetime(datetime(2026, 11, 22, 5, 4, tzinfo=UTC))


def test_an_unknown_language_falls_back_to_english_and_a_broken_translation_to_the_template() -> None:
    # Given a language we do not speak / When a message is shown / Then in English, placeholders filled
    assert translator("ko")("Only {count} of this item can still be returned.", count=2) == (
        "Only 2 of this item can still be returned."
    )


# ------------------------------------------------------------------------------------- catalog completeness

EXTRACTED = sorted({found.message for found in extract()})


def _catalog(language: str) -> dict[str, str]:
    with catalog_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=babel_locale(language))
    return {str(m.id): str(m.string) for m in catalog if m.id and not m.fuzzy}


def test_the_sources_have_user_facing_messages_to_check() -> None:
    # Given the portal, the emails, the PDFs and the API errors / Then they say enough to be worth checking
    assert len(EXTRACTED) > 200


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
def test_every_message_is_translated_in_every_language(language: str) -> None:
    # Given every message the sources use and the language's catalog
    catalog = _catalog(language)
    # Then none is missing or left untranslated (run `python -m returns_core.i18n update` to add new ones)
    missing = [message for message in EXTRACTED if not catalog.get(message)]
    assert not missing, f"{language}: {len(missing)} untranslated, e.g. {missing[:5]}"


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
def test_translations_keep_every_placeholder(language: str) -> None:
    # Given the catalog / Then each translation fills exactly the placeholders its message has
    broken = [
        (message, text)
        for message, text in _catalog(language).items()
        if text and sorted(PLACEHOLDER.findall(message)) != sorted(PLACEHOLDER.findall(text))
    ]
    assert not broken, broken[:5]


def test_the_english_catalog_lists_every_message_and_nothing_stale() -> None:
    # Given the English catalog (the list the portal's texts are served from)
    catalog = _catalog("en")
    # Then it has every message the sources use, and none they no longer use
    assert sorted(catalog) == EXTRACTED


def test_no_portal_template_carries_text_outside_the_catalogs() -> None:
    # Given the portal's HTML / Then every visible text and text attribute comes from a catalog
    literals = [f"{Path(found.path).name}:{found.line} {found.message!r}" for found in untranslated_literals()]
    assert not literals, literals


def test_the_extractor_catches_a_literal_left_in_a_template(tmp_path: Path) -> None:
    # Given a template with one translated heading and one forgotten sentence
    portal = tmp_path / "web" / "portal"
    portal.mkdir(parents=True)
    (portal / "index.html").write_text(
        '<main><h1 data-i18n="Find your order"></h1><p>Forgotten</p><input placeholder="Email"></main>'
    )
    # When checked / Then the forgotten text and the literal placeholder are both reported
    found = [item.message for item in untranslated_literals(tmp_path)]
    assert found == ["Forgotten", 'placeholder="Email"']
    assert [item.message for item in extract(tmp_path)] == ["Find your order"]


def test_the_checkout_is_where_extraction_looks() -> None:
    assert (repo_root() / "web" / "portal" / "index.html").exists()
