"""Money conversions (README §0.2): records store 元 as Decimal(18,2); forms, task data and rule
tables use 万元. Convert only at the record boundary."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
WAN = Decimal(10000)


def to_decimal(value: object) -> Decimal:
    """Decimal from Decimal/int/str; floats go through str so 0.1 stays 0.1."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(value)  # type: ignore[arg-type]


def wan_to_yuan(amount_wan: Decimal | int | str | float | None) -> Decimal | None:
    """万元 → 元, quantized to the cent (4 decimals of 万元 = 1 元 precision, rounding half up)."""
    if amount_wan is None:
        return None
    return (to_decimal(amount_wan) * WAN).quantize(CENT, rounding=ROUND_HALF_UP)


def yuan_to_wan(amount_yuan: Decimal | int | str | float | None) -> Decimal | None:
    """元 → 万元, exact (no rounding: 1 元 = 0.0001 万元, the cent stays as 0.000001)."""
    if amount_yuan is None:
        return None
    return to_decimal(amount_yuan) / WAN


def annual_need_yuan(value: Any) -> dict[str, str]:
    """F-02/F-03 `annual_need` (list of {year, amount} or {year: amount}, 万元) → {"2026": "元"}."""
    if not value:
        return {}
    pairs = value.items() if isinstance(value, Mapping) else ((r.get("year"), r.get("amount")) for r in value)
    return {str(int(y)): str(wan_to_yuan(a)) for y, a in pairs if y is not None and a is not None}


def shares(value: Any) -> dict[str, str] | None:
    """F-01 funding_split [{source, share}] → {"GENERAL": "70", "GOV_FUND": "30"} (shares in %)."""
    if not value:
        return None
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    return {row["source"]: str(row["share"]) for row in value}
