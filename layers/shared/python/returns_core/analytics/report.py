"""The seller's analytics report, built from the monthly counters alone (never from the returns)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from returns_core.analytics.buckets import percentile
from returns_core.analytics.counters import STAGES
from returns_core.analytics.skus import DEFAULT_TOP, SkuTotals
from returns_core.money import from_minor_units

Rows = Mapping[str, Mapping[str, Mapping[str, int]]]  # month -> key -> counter -> value
MAX_MONTHS = 36


class InvalidPeriod(ValueError):
    pass


def months_between(start: str, end: str) -> list[str]:
    try:
        first = (int(start[:4]), int(start[5:7]))
        last = (int(end[:4]), int(end[5:7]))
    except ValueError:
        raise InvalidPeriod("months are written YYYY-MM") from None
    if (
        len(start) != 7
        or len(end) != 7
        or start[4] != "-"
        or end[4] != "-"
        or not (1 <= first[1] <= 12 and 1 <= last[1] <= 12)
    ):
        raise InvalidPeriod("months are written YYYY-MM")
    if first > last:
        raise InvalidPeriod("the period starts after it ends")
    months = []
    year, month = first
    while (year, month) <= last:
        months.append(f"{year:04d}-{month:02d}")
        if len(months) > MAX_MONTHS:
            raise InvalidPeriod(f"a period covers at most {MAX_MONTHS} months")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _rate(part: int, whole: int) -> str:
    if whole <= 0:
        return "0.0000"
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN))


def _sum(rows: Rows, prefix: str) -> dict[str, dict[str, int]]:
    """Counters of every key starting with `prefix`, added over the months, by the rest of the key."""
    summed: dict[str, dict[str, int]] = {}
    for keys in rows.values():
        for key, counters in keys.items():
            if key == prefix or key.startswith(prefix):
                name = key[len(prefix) :]
                target = summed.setdefault(name, {})
                for counter, value in counters.items():
                    target[counter] = target.get(counter, 0) + value
    return summed


def sku_row(totals: SkuTotals) -> dict[str, Any]:
    return {
        "sku": totals.sku,
        "units_sold": totals.units_sold,
        "units_returned": totals.units_returned,
        "return_rate": _rate(totals.units_returned, totals.units_sold),
    }


def full_list_path(start: str, end: str) -> str:
    return f"/ops/analytics/skus?from={start}&to={end}"


def build(
    rows: Rows,
    base_currency: str,
    start: str,
    end: str,
    most_returned: Sequence[SkuTotals] = (),
    sku_limit: int = DEFAULT_TOP,
) -> dict[str, Any]:
    """The report from the period's counter rows (all but the per-SKU ones) and its most returned SKUs,
    as `analytics.skus.most_returned` ranks them (at most `sku_limit`)."""

    def money(minor: int) -> dict[str, str]:
        return from_minor_units(minor, base_currency).to_json()

    total = _sum(rows, "TOTAL").get("", {})
    returns = total.get("returns", 0)
    cost = total.get("cost_minor", 0)
    per_return = (Decimal(cost) / returns).to_integral_value(ROUND_HALF_EVEN) if returns else Decimal(0)
    reasons = _sum(rows, "REASON#")
    lanes = _sum(rows, "LANE#")
    countries = _sum(rows, "COUNTRY#")
    stages = _sum(rows, "STAGE#")
    report: dict[str, Any] = {
        "period": {"from": start, "to": end},
        "base_currency": base_currency,
        "totals": {
            "returns": returns,
            "units_returned": total.get("units", 0),
            "units_sold": total.get("units_sold", 0),
            "return_rate": _rate(total.get("units", 0), total.get("units_sold", 0)),
            "refunded": money(total.get("refunded_minor", 0)),
            "cost": money(cost),
            "cost_per_return": money(int(per_return)),
        },
        "reasons": sorted(
            (
                {
                    "reason": reason,
                    "returns": c.get("returns", 0),
                    "units": c.get("units", 0),
                    "share": _rate(c.get("returns", 0), returns),
                }
                for reason, c in reasons.items()
            ),
            key=lambda row: (-row["returns"], row["reason"]),
        ),
        # The most returned SKUs, not every SKU: the catalogue's size must not set the dashboard's speed.
        "return_rate_by_sku": [sku_row(totals) for totals in most_returned[:sku_limit]],
        "skus": {
            "ranked_by": "units_returned",
            "limit": sku_limit,
            "shown": len(most_returned[:sku_limit]),
            "full_list": full_list_path(start, end),
        },
        "stage_cycle_times": _stage_rows(stages),
        "carriers": sorted(
            (
                {
                    "carrier": lane.split("#")[0],
                    "lane": lane.split("#")[1],
                    "shipments": c.get("shipments", 0),
                    "lost": c.get("lost", 0),
                    "delayed": c.get("delayed", 0),
                    "loss_rate": _rate(c.get("lost", 0), c.get("shipments", 0)),
                    "delay_rate": _rate(c.get("delayed", 0), c.get("shipments", 0)),
                }
                for lane, c in lanes.items()
            ),
            key=lambda row: (-row["shipments"], row["carrier"], row["lane"]),
        ),
        "cost_per_return": sorted(
            (
                {
                    "carrier": lane.split("#")[0],
                    "lane": lane.split("#")[1],
                    "returns": c.get("shipments", 0),
                    "cost": money(c.get("cost_minor", 0)),
                    "per_return": money(
                        int((Decimal(c.get("cost_minor", 0)) / c["shipments"]).to_integral_value(ROUND_HALF_EVEN))
                        if c.get("shipments")
                        else 0
                    ),
                }
                for lane, c in lanes.items()
            ),
            key=lambda row: (-row["returns"], row["carrier"], row["lane"]),
        ),
        "by_country": sorted(
            (
                {
                    "country": country,
                    "returns": c.get("returns", 0),
                    "refunded": money(c.get("refunded_minor", 0)),
                    "cost": money(c.get("cost_minor", 0)),
                }
                for country, c in countries.items()
            ),
            key=lambda row: (-row["returns"], row["country"]),
        ),
        "months": [
            {
                "month": month,
                "returns": keys.get("TOTAL", {}).get("returns", 0),
                "units_sold": keys.get("TOTAL", {}).get("units_sold", 0),
                "refunded": money(keys.get("TOTAL", {}).get("refunded_minor", 0)),
                "cost": money(keys.get("TOTAL", {}).get("cost_minor", 0)),
            }
            for month, keys in sorted(rows.items())
        ],
    }
    return report


def _stage_rows(stages: Mapping[str, Mapping[str, int]]) -> list[dict[str, Any]]:
    buckets: dict[str, dict[int, int]] = {}
    for key, counters in stages.items():
        stage, _, bucket = key.rpartition("#B")
        buckets.setdefault(stage, {})[int(bucket)] = counters.get("waited", 0)
    rows = []
    for stage in STAGES:
        counts = buckets.get(stage)
        if not counts:
            continue
        p50, p90 = percentile(counts, Decimal("0.5")), percentile(counts, Decimal("0.9"))
        rows.append(
            {"stage": stage, "count": sum(counts.values()), "p50_hours": f"{p50:.1f}", "p90_hours": f"{p90:.1f}"}
        )
    return rows


def to_csv(report: Mapping[str, Any], every_sku: Iterable[SkuTotals] | None = None) -> str:
    """One row per figure: section, key, metric, value, currency. With `every_sku`, the SKU section
    holds those SKUs (an export lists them all) instead of the report's most returned ones."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "key", "metric", "value", "currency"])
    keys = {
        "reasons": "reason",
        "return_rate_by_sku": "sku",
        "stage_cycle_times": "stage",
        "by_country": "country",
        "months": "month",
    }

    def emit(section: str, key: str, row: Mapping[str, Any]) -> None:
        for metric, value in row.items():
            if isinstance(value, dict):
                writer.writerow([section, key, metric, value["amount"], value["currency"]])
            elif metric not in ("carrier", "lane", keys.get(section, "")):
                writer.writerow([section, key, metric, value, ""])

    emit("totals", "", report["totals"])
    for section, name in keys.items():
        rows = report[section]
        if section == "return_rate_by_sku" and every_sku is not None:
            rows = (sku_row(totals) for totals in every_sku)
        for row in rows:
            emit(section, str(row[name]), row)
    for section in ("carriers", "cost_per_return"):
        for row in report[section]:
            emit(section, f"{row['carrier']} {row['lane']}", row)
    return out.getvalue()
