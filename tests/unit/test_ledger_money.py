"""Money on the ledger, as properties: every line rounds to its currency's minor unit, records the FX rate
it was converted at, and each cost or recovery of a return is one signed line in the return's currency."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from returns_core.fx import SandboxFxRates, convert
from returns_core.money import Money, minor_units
from returns_core.storage.models import ReturnRecord
from returns_core.workflow.costs import ledger_entries

CURRENCIES = sorted(SandboxFxRates.USD_PER_UNIT)
RATES = SandboxFxRates()


@st.composite
def money(draw: st.DrawFn, currency: str | None = None, max_value: int = 100_000) -> Money:
    chosen = currency or draw(st.sampled_from(CURRENCIES))
    places = minor_units(chosen)
    amount = draw(st.decimals(min_value=0, max_value=max_value, places=places, allow_nan=False, allow_infinity=False))
    return Money(amount, chosen)


@settings(deadline=None)
@given(amount=money(), base=st.sampled_from(CURRENCIES))
def test_a_converted_amount_is_in_the_base_currencys_minor_unit_within_half_of_one(amount: Money, base: str) -> None:
    # When an amount is converted to the seller's base currency
    converted, quote = convert(amount, base, RATES)
    # Then it has exactly the base currency's decimals (JPY none, KWD three)
    assert converted.currency == base
    assert -converted.amount.as_tuple().exponent == minor_units(base)  # type: ignore[operator]
    # And it is the exact product rounded to the nearest unit, with the rate it used recorded
    exact = amount.amount * quote.rate
    assert abs(converted.amount - exact) <= Decimal(1).scaleb(-minor_units(base)) / 2
    assert quote.rate == RATES.quote(amount.currency, base).rate
    assert (quote.source, quote.target) == (amount.currency, base)


@st.composite
def settled_returns(draw: st.DrawFn) -> tuple[ReturnRecord, dict[str, Money]]:
    """A refunded return with a label, a refund breakdown and a label refund, and its amounts."""
    currency = draw(st.sampled_from(CURRENCIES))
    label = draw(money(currency, 200))
    items = draw(money(currency))
    fee = Money(items.amount * Decimal(draw(st.integers(0, 20))) / 100, currency)
    return_shipping = draw(money(currency, 50)).min(items - fee)
    total = items - fee - return_shipping
    label_refund = draw(st.none() | st.just(label))
    record = ReturnRecord(
        "RT-PROP",
        order_number="ORD-PROP",
        status="REFUNDED",
        created_at="2026-12-01T10:00:00Z",
        market="EU",
        currency=currency,
        request={"items": [], "resolution": "REFUND"},
        returnless=False,
        label={
            "carrier": "sandbox",
            "service": "ECONOMY",
            "tracking_number": "SBX1",
            "price": label.to_json(),
            "valid_until": "2026-12-30T00:00:00Z",
            "label_key": "labels/RT-PROP.pdf",
        },
        refund={
            "status": "succeeded",
            "refund_id": "re_1",
            "resolution": "REFUND",
            "breakdown": {
                "items": items.to_json(),
                "restocking_fee": fee.to_json(),
                "return_shipping": return_shipping.to_json(),
                "outbound_shipping": Money.zero(currency).to_json(),
                "capped_by": None,
                "total": total.to_json(),
            },
        },
        final={"label_refund": label_refund.to_json()} if label_refund else None,
    )
    amounts = {"label": label, "total": total, "fee": fee, "return_shipping": return_shipping}
    if label_refund:
        amounts["label_refund"] = label_refund
    return record, amounts


@settings(deadline=None)
@given(case=settled_returns())
def test_a_returns_ledger_has_one_signed_line_per_cost_and_recovery(
    case: tuple[ReturnRecord, dict[str, Money]],
) -> None:
    record, amounts = case
    # When the ledger lines of a refunded return are drawn up
    entries = ledger_entries(record)
    kinds = {kind: amount for kind, amount, _ in entries}
    # Then there is one line per cost or recovery, all in the return's currency, rounded to its unit
    assert len(kinds) == len(entries)
    for amount in kinds.values():
        assert amount.currency == record.currency
        assert amount.amount == amount.amount.quantize(Decimal(1).scaleb(-minor_units(record.currency)))
    # And costs are negative, recoveries positive, each exactly the amount it records
    assert kinds["LABEL"] == -amounts["label"]
    assert kinds["REFUND"] == -amounts["total"]
    assert kinds.get("LABEL_REFUND") == amounts.get("label_refund")
    assert kinds.get("RESTOCKING_FEE", Money.zero(record.currency)) == amounts["fee"]
    assert kinds.get("RETURN_SHIPPING_RECOVERED", Money.zero(record.currency)) == amounts["return_shipping"]
