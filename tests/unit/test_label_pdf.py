"""The return label PDF the shopper prints."""

from __future__ import annotations

import base64
import re
import zlib
from dataclasses import replace
from typing import Any

from returns_core.adapters.label_pdf import LabelContent, render_label

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
    valid_until="2026-03-15",
)


def content(**overrides: Any) -> LabelContent:
    return replace(BASE, **overrides)


def page_texts(pdf: bytes) -> list[str]:
    """The strings drawn on the pages (content streams are ASCII85 + Flate encoded by reportlab)."""
    texts: list[str] = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = stream.strip()
        data = base64.a85decode(data.removesuffix(b"~>"))
        texts += [t.decode("latin-1") for t in re.findall(rb"\((.*?)\) Tj", zlib.decompress(data))]
    return texts


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


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
    assert "VALID UNTIL: 2026-03-15" in texts


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
