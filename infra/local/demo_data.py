"""Demo orders for the local stack: one per market, with dates relative to today."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from returns_core.clock import iso


def _line(line_id: str, sku: str, name: str, price: str, hs: str, origin: str, grams: int, qty: int = 1,
          categories: tuple[str, ...] = (), variants: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:  # fmt: skip
    return {
        "variants": [{"sku": sku, "name": name} for sku, name in variants],
        "line_id": line_id,
        "sku": sku,
        "name": name,
        "quantity": qty,
        "unit_price": price,
        "hs_code": hs,
        "origin_country": origin,
        "weight_grams": grams,
        "categories": list(categories),
    }


def demo_orders(now: datetime) -> list[dict[str, Any]]:
    def order(number: str, country: str, currency: str, locale: str, delivered_days_ago: int, name: str,
              lines: list[dict[str, Any]], shipping: str, payment: str = "") -> dict[str, Any]:  # fmt: skip
        # `payment` names how the sandbox provider settles refunds on it (async, async-fail, reverse).
        delivered = now - timedelta(days=delivered_days_ago)
        return {
            "order_number": number,
            "email": f"shopper+{number.lower()}@example.com",
            "shopper_name": name,
            "country": country,
            "currency": currency,
            "locale": locale,
            "lines": lines,
            "shipping_paid": shipping,
            "invoice_number": f"INV-{number}",
            "ordered_at": iso(delivered - timedelta(days=4)),
            "delivered_at": iso(delivered),
            "payment_reference": f"ch_demo_{number.lower()}" + (f"-{payment}" if payment else ""),
        }

    return [
        order(
            "DEMO-1001",
            "DE",
            "EUR",
            "de",
            3,
            "Lena Fischer",
            [
                _line(
                    "1",
                    "SNK-42-WHT",
                    "Canvas sneakers, white, 42",
                    "89.90",
                    "640411",
                    "VN",
                    900,
                    variants=(
                        ("SNK-43-WHT", "Canvas sneakers, white, 43"),
                        ("SNK-41-WHT", "Canvas sneakers, white, 41"),
                    ),
                ),
                _line(
                    "2",
                    "TEE-M-NVY",
                    "Organic T-shirt, navy, M",
                    "24.90",
                    "610910",
                    "PT",
                    200,
                    qty=2,
                    variants=(("TEE-L-NVY", "Organic T-shirt, navy, L"), ("TEE-M-WHT", "Organic T-shirt, white, M")),
                ),
                _line(
                    "3",
                    "SWM-38-BLU",
                    "Swimsuit, blue, 38 (final sale)",
                    "39.00",
                    "611241",
                    "IT",
                    150,
                    categories=("FINAL_SALE", "HYGIENE_SEALED"),
                ),
            ],
            "4.90",
        ),  # fmt: skip
        order(
            "DEMO-1002",
            "FR",
            "EUR",
            "fr",
            40,
            "Camille Martin",
            [
                _line("1", "DRS-38-RED", "Linen dress, red, 38", "129.00", "620444", "PT", 400),
            ],
            "5.90",
        ),  # fmt: skip
        order(
            "DEMO-1003",
            "GB",
            "GBP",
            "en",
            5,
            "Oliver Hughes",
            [
                _line("1", "JKT-L-OLV", "Waxed jacket, olive, L", "149.00", "620193", "GB", 1400),
            ],
            "6.95",
        ),  # fmt: skip
        order(
            "DEMO-1004",
            "US",
            "USD",
            "en",
            10,
            "Jordan Lee",
            [
                _line("1", "BAG-TOTE-BLK", "Leather tote, black", "240.00", "420221", "IT", 1100),
            ],
            "12.00",
        ),  # fmt: skip
        order(
            "DEMO-1005",
            "JP",
            "JPY",
            "ja",
            2,
            "Sato Haruka",
            [
                _line("1", "CAM-X100", "Mirrorless camera body", "98000", "852589", "JP", 700),
            ],
            "1200",
        ),  # fmt: skip
        order(
            "DEMO-1006",
            "AU",
            "AUD",
            "en",
            6,
            "Mia Nguyen",
            [
                _line("1", "SCK-3PK", "Merino socks, 3 pack", "12.00", "611595", "CN", 150),
            ],
            "9.95",
        ),  # fmt: skip
        order(
            "DEMO-1007",
            "NL",
            "EUR",
            "en",
            1,
            "Daan de Vries",
            [
                _line(
                    "1",
                    "HDP-ANC",
                    "Noise-cancelling headphones",
                    "279.00",
                    "851830",
                    "CN",
                    600,
                    categories=("BATTERY",),
                ),
                _line("2", "CBL-USB-C", "USB-C cable", "14.00", "854442", "CN", 80),
            ],
            "0.00",
        ),  # fmt: skip
        order(
            "DEMO-1008",
            "TW",
            "TWD",
            "zh-Hant",
            3,
            "Chen Yi-ting",
            [
                _line("1", "TEA-SET-CER", "Ceramic tea set", "2400", "691110", "TW", 1600),
            ],
            "150",
        ),  # fmt: skip
        order(
            "DEMO-1009",
            "ES",
            "EUR",
            "es",
            4,
            "Lucía García",
            [
                _line(
                    "1",
                    "SHO-39-BRN",
                    "Leather boots, brown, 39",
                    "159.00",
                    "640351",
                    "ES",
                    1200,
                    variants=(("SHO-40-BRN", "Leather boots, brown, 40"),),
                ),
            ],
            "0.00",
        ),  # fmt: skip
        order(
            "DEMO-1010",
            "US",
            "USD",
            "en",
            5,
            "Avery Brooks",
            [
                _line("1", "RUN-10-BLU", "Trail running shoes, blue, 10", "135.00", "640411", "VN", 950),
            ],
            "9.00",
        ),  # fmt: skip
        order(
            "DEMO-1011",
            "AU",
            "AUD",
            "en",
            2,
            "Noah Williams",
            [
                _line("1", "SCK-3PK", "Merino socks, 3 pack", "12.00", "611595", "CN", 150),
            ],
            "9.95",
            payment="async",
        ),  # fmt: skip
    ]


def email_for(order_number: str) -> str:
    return f"shopper+{order_number.lower()}@example.com"
