"""`python -m returns_core.i18n update`: re-extract the messages and merge them into every catalog."""

from __future__ import annotations

import sys

from returns_core.i18n.extraction import untranslated_literals, update


def main(argv: list[str]) -> int:
    if argv[:1] != ["update"]:
        print("usage: python -m returns_core.i18n update", file=sys.stderr)
        return 2
    for language, count in update().items():
        print(f"{language}: {count} untranslated")
    for literal in untranslated_literals():
        print(f"{literal.path}:{literal.line}: untranslated literal {literal.message!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
