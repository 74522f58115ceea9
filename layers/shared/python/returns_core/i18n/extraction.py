"""Finding every user-facing message in the sources and keeping the catalogs in step with them.

Python marks messages with `_(...)` (a Translator) or `N_(...)`; the portal's HTML carries them in
`data-i18n` (text) and `data-i18n-<attribute>` (placeholder, aria-label, title, alt); its
JavaScript calls `t(...)`. Used by `python -m returns_core.i18n` and by the catalog tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from returns_core.i18n.languages import LANGUAGES, babel_locale
from returns_core.i18n.translator import LOCALES_DIR, catalog_path

PYTHON_KEYWORDS = {"_": None, "N_": None}
JS_KEYWORDS = {"t": None}
TRANSLATED_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")
# Text that is the same in every language: symbols and the language names in their own language.
NOT_TEXT = frozenset({"\u00d7", "\u2192", "\u2190", "\u00b7", "\u2014", "|"})


@dataclass(frozen=True)
class Found:
    message: str
    path: str
    line: int


def repo_root() -> Path:
    # layers/shared/python/returns_core/i18n -> the checkout's root
    return Path(__file__).resolve().parents[5]


def sources(root: Path) -> Iterator[Path]:
    for folder, patterns in (
        (root / "layers" / "shared" / "python" / "returns_core", ("*.py",)),
        (root / "functions", ("*.py",)),
        (root / "web" / "portal", ("*.html", "*.js")),
    ):
        for pattern in patterns:
            yield from sorted(folder.rglob(pattern))


class _HtmlMessages(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, int]] = []
        self.literals: list[tuple[str, int]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        line = self.getpos()[0]
        values = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            if name == "data-i18n" or name.startswith("data-i18n-"):
                self.found.append((value, line))
            elif name in TRANSLATED_ATTRIBUTES and value.strip() and f"data-i18n-{name}" not in values:
                self.literals.append((f'{name}="{value}"', line))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if text and not self._skip and text not in NOT_TEXT:
            self.literals.append((text, self.getpos()[0]))


def html_messages(path: Path) -> tuple[list[Found], list[Found]]:
    """(messages, untranslated literals) of one HTML template."""
    parser = _HtmlMessages()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    found = [Found(message, str(path), line) for message, line in parser.found]
    literals = [Found(text, str(path), line) for text, line in parser.literals]
    return found, literals


def _babel_messages(method: str, path: Path, keywords: dict[str, None]) -> list[Found]:
    from babel.messages.extract import extract_from_file

    found = []
    for line, message, _comments, _context in extract_from_file(method, str(path), keywords=keywords):
        text = message if isinstance(message, str) else message[0]
        if text:
            found.append(Found(text, str(path), line))
    return found


def extract(root: Path | None = None) -> list[Found]:
    root = root or repo_root()
    found: list[Found] = []
    for path in sources(root):
        if path.suffix == ".py":
            found += _babel_messages("python", path, PYTHON_KEYWORDS)
        elif path.suffix == ".js":
            found += _babel_messages("javascript", path, JS_KEYWORDS)
        elif path.suffix == ".html":
            found += html_messages(path)[0]
    return found


def untranslated_literals(root: Path | None = None) -> list[Found]:
    root = root or repo_root()
    literals: list[Found] = []
    for path in sources(root):
        if path.suffix == ".html":
            literals += html_messages(path)[1]
    return literals


def template(found: Iterable[Found], root: Path) -> object:
    from babel.messages.catalog import Catalog

    catalog = Catalog(project="returns-platform", domain="messages", charset="utf-8", fuzzy=False)
    for item in found:
        location = (str(Path(item.path).relative_to(root)), item.line)
        catalog.add(item.message, locations=[location])
    return catalog


def update(root: Path | None = None) -> dict[str, int]:
    """Write messages.pot and merge it into every language's catalog; untranslated counts per language."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    root = root or repo_root()
    pot = template(extract(root), root)
    assert isinstance(pot, Catalog)
    LOCALES_DIR.mkdir(parents=True, exist_ok=True)
    with (LOCALES_DIR / "messages.pot").open("wb") as handle:
        write_po(handle, pot, omit_header=True, sort_output=True, width=120)
    missing: dict[str, int] = {}
    for language in LANGUAGES:
        path = catalog_path(language)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=babel_locale(language))
        else:
            catalog = Catalog(locale=babel_locale(language), domain="messages", fuzzy=False)
        catalog.update(pot, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, omit_header=False, sort_output=True, width=120, include_previous=False)
        if language != "en":
            missing[language] = sum(1 for m in catalog if m.id and not m.string)
    return missing
