"""The return label PDF the shopper prints."""

from __future__ import annotations

import base64
import importlib
import re
import zlib
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, cast

import pytest

from returns_core.adapters.documents import DocumentStore
from returns_core.adapters.label_pdf import LabelContent, render_label
from returns_core.adapters.pdf_fonts import PdfText, fonts_for
from returns_core.adapters.sandbox_carrier import SandboxCarrier
from returns_core.ports.carriers import Parcel, ShipmentRequest
from tests.unit.test_sandbox_carrier import InMemoryDocuments

TRACKING = "SBX123456789012"


BASE = LabelContent(
    carrier="sandbox",
    service="ECONOMY",
    tracking_number=TRACKING,
    reference="ret_01HZX",
    from_country="FR",
    to_country="DE",
    to_lines=("Returns Centre", "Lagerstrasse 1", "20457 Hamburg", "Germany"),
    weight_grams=1250,
    valid_until=date(2026, 3, 15),
)


def content(**overrides: Any) -> LabelContent:
    return replace(BASE, **overrides)


# --- Reading what a PDF shows (no PDF library in the venv: reportlab's output is simple enough) ---


def use_catalogs(monkeypatch: pytest.MonkeyPatch, catalogs: dict[str, dict[str, str]]) -> None:
    """Stands in for the .po catalogs: msgid -> translation per language."""
    # The package re-exports the `translator` function under the module's name: patch the module itself.
    module = importlib.import_module("returns_core.i18n.translator")
    monkeypatch.setattr(module, "messages", lambda language: catalogs.get(language, {}))


def _literal(data: bytes, start: int) -> tuple[bytes, int]:
    """A PDF literal string starting at data[start] == '(': its bytes and the index after it."""
    escapes = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}
    out = bytearray()
    depth, i = 1, start + 1
    while True:
        char = data[i]
        if char == ord("\\"):
            following = data[i + 1]
            digits = re.match(rb"[0-7]{1,3}", data[i + 1 : i + 4])
            if digits:
                out.append(int(digits.group(), 8) & 0xFF)
                i += 1 + len(digits.group())
                continue
            if following in (ord("\r"), ord("\n")):
                i += 2
                continue
            out += escapes.get(following, bytes([following]))
            i += 2
            continue
        if char == ord("("):
            depth += 1
        elif char == ord(")"):
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out.append(char)
        i += 1


def _content_streams(pdf: bytes) -> list[bytes]:
    """The pages' content streams (reportlab encodes them ASCII85 + Flate)."""
    streams = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        streams.append(zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>"))))
    return streams


def font_names(pdf: bytes) -> set[str]:
    return {name.decode() for name in re.findall(rb"/BaseFont /([\w-]+)", pdf)}


def text_runs(pdf: bytes) -> list[list[tuple[str, str]]]:
    """Every text object drawn, as its (font, text) runs: one entry per line of text."""
    resources = dict(
        re.findall(rb"/BaseFont /([\w-]+) (?:/DescendantFonts \[.*?\] )?/Encoding /[\w-]+ /Name /(F\d+)", pdf, re.S)
    )
    base_font = {name: base.decode() for base, name in resources.items()}
    type0 = set(re.findall(rb"/Name /(F\d+) /Subtype /Type0", pdf))
    blocks: list[list[tuple[str, str]]] = []
    for data in _content_streams(pdf):
        operands: list[bytes] = []
        font = b""
        block: list[tuple[str, str]] = []
        i = 0
        while i < len(data):
            char = data[i : i + 1]
            if char.isspace():
                i += 1
            elif char == b"(":
                value, i = _literal(data, i)
                operands.append(value)
            else:
                token = re.match(rb"/?[^\s/\[\]()<>]+|.", data[i:], re.S)
                assert token is not None
                word = token.group()
                i += len(word)
                if word.startswith(b"/") or re.fullmatch(rb"[-+.\d]+", word):
                    operands.append(word)
                    continue
                if word == b"BT":
                    block = []
                elif word == b"ET":
                    blocks.append(block)
                elif word == b"Tf":
                    font = operands[-2].lstrip(b"/")
                elif word == b"Tj":
                    encoding = "utf-16-be" if font in type0 else "cp1252"
                    block.append((base_font.get(font, "?"), operands[-1].decode(encoding)))
                operands = []
    return [block for block in blocks if block]


def page_texts(pdf: bytes) -> list[str]:
    """The lines of text drawn on the pages, in drawing order."""
    return ["".join(text for _font, text in block) for block in text_runs(pdf)]


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


# --- The label ---


def test_the_label_is_a_one_page_pdf() -> None:
    pdf = render_label(content())
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert page_count(pdf) == 1


def test_the_tracking_number_is_printed_under_the_barcode() -> None:
    texts = page_texts(render_label(content()))
    assert TRACKING in texts


def test_the_label_shows_where_it_goes_and_what_it_is() -> None:
    texts = page_texts(render_label(content()))
    assert "SANDBOX  ECONOMY" in texts
    assert "20457 Hamburg" in texts
    assert "RMA: ret_01HZX" in texts
    assert "WEIGHT: 1.25 kg" in texts
    assert "VALID UNTIL: March 15, 2026" in texts


def test_customs_and_boxless_notes_appear_only_when_asked() -> None:
    plain = page_texts(render_label(content()))
    assert not any("CUSTOMS" in text for text in plain)
    assert not any("QR" in text for text in plain)
    full = page_texts(render_label(content(customs=True, qr_payload=f"SBX-DROPOFF:{TRACKING}")))
    assert any(text.startswith("CUSTOMS: RETURNED GOODS") for text in full)
    assert "Boxless drop-off: show the QR code" in full


def test_the_same_label_renders_to_the_same_bytes() -> None:
    # Retried tasks re-render labels; identical input gives an identical file
    assert render_label(content()) == render_label(content())


def test_the_validity_of_a_label_bought_late_in_the_day_is_its_utc_date() -> None:
    # Given a validity given as a moment (the carrier's) rather than a day
    texts = page_texts(render_label(content(valid_until=datetime(2026, 3, 15, 23, 30, tzinfo=UTC))))
    # Then the label shows the UTC date
    assert "VALID UNTIL: March 15, 2026" in texts


class TestLanguages:
    def test_captions_are_in_the_shoppers_language_and_the_data_is_not(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Given German translations of two captions
        use_catalogs(monkeypatch, {"de": {"SHIP TO:": "ZUSTELLEN AN:", "VALID UNTIL: {date}": "GÜLTIG BIS: {date}"}})
        # When a German shopper's label is rendered
        texts = page_texts(render_label(content(language="de")))
        # Then the captions are German, the date and weight German-formatted, the carrier's data unchanged
        assert "ZUSTELLEN AN:" in texts
        assert "GÜLTIG BIS: 15. März 2026" in texts
        assert "WEIGHT: 1,25 kg" in texts  # no translation yet: the English caption, a German number
        assert "SANDBOX  ECONOMY" in texts
        assert TRACKING in texts
        assert "SHIP TO:" not in texts

    def test_a_latin_language_label_uses_only_the_standard_fonts(self) -> None:
        for language in ("en", "de", "fr", "es"):
            assert font_names(render_label(content(language=language))) <= {
                "Helvetica",
                "Helvetica-Bold",
                "Times-Roman",  # reportlab's default for the QR drawing
            }

    def test_a_japanese_label_is_set_in_a_japanese_font(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Given a Japanese caption
        use_catalogs(monkeypatch, {"ja": {"SHIP TO:": "お届け先"}})
        # When a Japanese shopper's label is rendered
        pdf = render_label(content(language="ja"))
        # Then the Japanese text is drawn in a CID font that has its glyphs
        assert "HeiseiKakuGo-W5" in font_names(pdf)
        runs = {text: font for block in text_runs(pdf) for font, text in block}
        assert runs["お届け先"] == "HeiseiKakuGo-W5"
        assert "VALID UNTIL: 2026年3月15日" in page_texts(pdf)
        # ...and the address, which is Latin, in Helvetica
        assert runs["Lagerstrasse 1"] == "Helvetica"

    @pytest.mark.parametrize(
        ("language", "font", "encoding"),
        [("zh-Hant", "MSung-Light", "UniCNS-UCS2-H"), ("zh-Hans", "STSong-Light", "UniGB-UCS2-H")],
    )
    def test_chinese_labels_are_set_in_a_font_of_their_script(
        self, monkeypatch: pytest.MonkeyPatch, language: str, font: str, encoding: str
    ) -> None:
        # Given a Chinese caption
        use_catalogs(monkeypatch, {language: {"SHIP TO:": "寄至"}})
        # When the label is rendered
        pdf = render_label(content(language=language))
        # Then the font is the script's, with the Unicode CMap of its character collection
        assert font in font_names(pdf)
        assert f"/Encoding /{encoding}".encode() in pdf
        assert "寄至" in page_texts(pdf)

    def test_latin_letters_a_cjk_font_lacks_are_drawn_in_helvetica(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Given a Japanese label to an address with German letters
        pdf = render_label(content(language="ja", to_lines=("Rückgabe GmbH", "Müllerstraße 5")))
        # Then those lines are whole and in a font that has ü and ß
        runs = [block for block in text_runs(pdf) if "".join(text for _, text in block) == "Müllerstraße 5"]
        assert runs == [[("Helvetica", "Müllerstraße 5")]]

    def test_a_language_we_do_not_speak_gets_the_english_label(self) -> None:
        texts = page_texts(render_label(content(language="xx")))
        assert "SHIP TO:" in texts
        assert "VALID UNTIL: March 15, 2026" in texts

    def test_long_notes_wrap_beside_the_qr_code(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Given a long translation of the customs note
        long_note = "ZOLL: RÜCKWAREN - siehe die beigefügte Handelsrechnung für alle Einzelheiten der Sendung"
        use_catalogs(monkeypatch, {"de": {"CUSTOMS: RETURNED GOODS - see commercial invoice": long_note}})
        # When it is printed on a label with a QR code
        texts = page_texts(render_label(content(language="de", customs=True, qr_payload="SBX-DROPOFF:1")))
        # Then it is split over lines that each fit left of the QR code (2.55 in = 183.6 pt at 8 pt)
        start = next(index for index, text in enumerate(texts) if text.startswith("ZOLL:"))
        lines = texts[start : start + 3]
        assert " ".join(lines).startswith(long_note)
        assert all(PdfText("de").width(line, 8) <= 183.6 for line in lines)


class TestPdfText:
    def test_fonts_per_language(self) -> None:
        assert fonts_for("en") == ("Helvetica", "Helvetica-Bold")
        assert fonts_for("ja") == ("HeiseiKakuGo-W5", "HeiseiKakuGo-W5")
        assert fonts_for("zh-Hant") == ("MSung-Light", "MSung-Light")
        assert fonts_for("zh-Hans") == ("STSong-Light", "STSong-Light")

    def test_chinese_text_without_spaces_wraps_between_characters(self) -> None:
        text = PdfText("zh-Hans")
        comma, stop = "\uff0c", "\u3002"  # fullwidth comma, ideographic full stop
        sentence = f"我们将在收到您退回的商品后尽快退款{comma}包括标准运费{stop}" * 3
        lines = text.wrap(sentence, 120, 10)
        assert len(lines) > 1
        assert "".join(lines) == sentence
        # closing punctuation never starts a line: it hangs past the end of the one before
        assert all(text.width(line.rstrip(comma + stop), 10) <= 120 for line in lines)
        assert not any(line[0] in (comma, stop) for line in lines)

    def test_words_wrap_at_spaces_and_an_overlong_word_is_broken(self) -> None:
        text = PdfText("en")
        lines = text.wrap("Reference " + "X" * 80, 100, 10)
        assert lines[0] == "Reference"
        assert "".join(lines[1:]) == "X" * 80
        assert all(text.width(line, 10) <= 100 for line in lines)

    def test_spaces_helvetica_lacks_are_printed_as_spaces_it_has(self) -> None:
        # French thousands and English times use a narrow no-break space
        assert PdfText("fr").runs("1\u202f234,50\xa0€") == [("1\xa0234,50\xa0€", "Helvetica")]


def test_the_sandbox_carrier_prints_the_label_in_the_shipments_language(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a German shopper's shipment
    use_catalogs(monkeypatch, {"de": {"SHIP TO:": "ZUSTELLEN AN:"}})
    documents = InMemoryDocuments()
    carrier = SandboxCarrier(cast(DocumentStore, documents), ("Returns Centre", "20457 Hamburg"))
    shipment = ShipmentRequest("R-de", "DE", "DE", Parcel(weight_grams=500), language="de")
    # When the carrier sells a label for it
    label = carrier.buy(shipment, carrier.rates(shipment)[0])
    # Then the stored label speaks German
    pdf = documents.get(label.label_key)
    assert pdf is not None
    assert "ZUSTELLEN AN:" in page_texts(pdf)
