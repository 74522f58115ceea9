"""Fonts for the PDFs we render (label, customs invoice, withdrawal confirmation), per language.

Latin text is set in Helvetica. Chinese and Japanese need a font with their glyphs: reportlab's
built-in CID fonts need no font files (the PDF names the font and the reader supplies it), so
nothing is bundled. A line may mix scripts (a Japanese sentence with a German street name), so
`PdfText` draws each run in a font that has its glyphs: CJK characters in the language's CID font,
the rest in Helvetica. reportlab is imported lazily: only the document paths need it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import Any

LATIN: tuple[str, str] = ("Helvetica", "Helvetica-Bold")
# reportlab's CID fonts (Adobe's Asian font packs; every PDF reader has a substitute for them).
CJK_FONTS: dict[str, str] = {"ja": "HeiseiKakuGo-W5", "zh-Hans": "STSong-Light", "zh-Hant": "MSung-Light"}
# For a CJK character in an otherwise Latin document (a product name, say).
FALLBACK_CJK_FONT = "HeiseiKakuGo-W5"
# reportlab declares MSung-Light (Adobe-CNS1) with the GB (Simplified) CMap; its own is UniCNS.
_ENCODING_FIXES = {"MSung-Light": "UniCNS-UCS2-H"}

# Spaces and marks Babel's CLDR data uses that Helvetica's WinAnsi encoding lacks.
_PRINTABLE = str.maketrans(
    {
        "\u202f": "\u00a0",  # narrow no-break space (French thousands, English "2:05 PM")
        "\u2007": "\u00a0",  # figure space
        "\u2009": " ",  # thin space
        "\u200a": " ",  # hair space
        "\u200b": None,  # zero-width space
        "\u200e": None,  # left-to-right mark
        "\u200f": None,  # right-to-left mark
        "\u2011": "-",  # non-breaking hyphen
        "\u2212": "-",  # minus sign
    }
)
# Characters a CJK line must not start with (closing punctuation); they stay on the line before.
_NO_LINE_START = frozenset("、。\uff0c\uff0e,.)\uff09」』】\u3015〉》\uff01\uff1f!?\uff1a\uff1b:;ー・\uff05%")
# Marks, among the pieces of a paragraph, where a line must end.
_NEW_LINE = "\n"


@cache
def _register(face: str) -> str:
    """Registers a CID font with reportlab once per process; returns its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    font = UnicodeCIDFont(face)
    if face in _ENCODING_FIXES:
        font.encodingName = _ENCODING_FIXES[face]
    pdfmetrics.registerFont(font)
    return face


def fonts_for(language: str) -> tuple[str, str]:
    """(regular, bold) font names for a language; CJK fonts have no bold, so both are the same."""
    face = CJK_FONTS.get(language)
    if face is None:
        return LATIN
    _register(face)
    return face, face


def printable(text: str) -> str:
    """Text with the spaces Helvetica cannot show replaced by ones it can."""
    return text.translate(_PRINTABLE)


@lru_cache(maxsize=4096)
def _in_latin_font(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F", "H")


class PdfText:
    """Measures, wraps and draws text for one language, switching fonts by script within a line."""

    def __init__(self, language: str) -> None:
        self.language = language
        regular, _bold = fonts_for(language)
        self.cjk_font: str | None = None if regular in LATIN else regular

    def _cjk_for(self, char: str) -> str | None:
        if _in_latin_font(char):
            return None
        if self.cjk_font is not None:
            return self.cjk_font
        return _register(FALLBACK_CJK_FONT) if _is_wide(char) else None

    def runs(self, text: str, bold: bool = False) -> list[tuple[str, str]]:
        """(text, font name) pieces of one line, in order."""
        latin = LATIN[1] if bold else LATIN[0]
        pieces: list[tuple[str, str]] = []
        for char in printable(text):
            font = self._cjk_for(char) or latin
            if pieces and pieces[-1][1] == font:
                pieces[-1] = (pieces[-1][0] + char, font)
            else:
                pieces.append((char, font))
        return pieces

    def width(self, text: str, size: float, bold: bool = False) -> float:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        return float(sum(stringWidth(piece, font, size) for piece, font in self.runs(text, bold)))

    def draw(
        self, pdf: Any, x: float, y: float, text: str, size: float, bold: bool = False, align: str = "left"
    ) -> None:
        """One line at (x, y); align is left, right (x is the right edge) or centre (x is the middle)."""
        if not text:
            return
        if align == "right":
            x -= self.width(text, size, bold)
        elif align == "centre":
            x -= self.width(text, size, bold) / 2
        pieces = self.runs(text, bold)
        fake_bold = bold and any(font not in LATIN for _, font in pieces)
        if fake_bold:
            # CID fonts have no bold face: fill and stroke the outline instead.
            pdf.saveState()
            pdf.setLineWidth(size * 0.035)
            pdf.setStrokeColor(pdf._fillColorObj)
        line = pdf.beginText(x, y)
        for piece, font in pieces:
            line.setFont(font, size)
            if fake_bold:
                line.setTextRenderMode(0 if font in LATIN else 2)
            line.textOut(piece)
        pdf.drawText(line)
        if fake_bold:
            pdf.restoreState()

    def wrap(self, text: str, max_width: float, size: float, bold: bool = False) -> list[str]:
        """Lines no wider than max_width: breaks at spaces, and between CJK characters."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            lines += self._wrap_paragraph(paragraph, max_width, size, bold)
        return lines

    def _wrap_paragraph(self, text: str, max_width: float, size: float, bold: bool) -> list[str]:
        # Pieces a line may break between: words, single spaces, and single CJK characters; a word
        # wider than the line itself (a long reference) is broken between its characters.
        pieces: list[str] = []
        for char in text:
            if char == " " or _is_wide(char) or not pieces or pieces[-1] == " " or _is_wide(pieces[-1][-1]):
                pieces.append(char)
            else:
                pieces[-1] += char
        lines: list[str] = []
        current = ""
        for piece in self._break_overlong(pieces, max_width, size, bold):
            if piece == _NEW_LINE:
                if current.strip():
                    lines.append(current.strip())
                current = ""
                continue
            candidate = current + piece
            # Closing punctuation hangs at the end of the line rather than start the next one.
            if not current or piece in _NO_LINE_START or self.width(candidate.rstrip(), size, bold) <= max_width:
                current = candidate
            else:
                lines.append(current.strip())
                current = "" if piece.isspace() else piece
        if current.strip() or not lines:
            lines.append(current.strip())
        return lines

    def _break_overlong(self, pieces: list[str], max_width: float, size: float, bold: bool) -> Iterator[str]:
        for piece in pieces:
            if self.width(piece, size, bold) <= max_width:
                yield piece
            else:
                yield _NEW_LINE  # the long word starts a line of its own, then breaks where it must
                yield from piece
