"""Target adjustments (CA-3, F-13) on F-04 grid rows, without a database: a request's changes
applied to the issued target's rows, finance's minor fixes from its review comments, and the
old → new list the reviewer reads."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

OPERATORS = {"GE": "≥", "LE": "≤", "EQ": "=", "GT": ">", "LT": "<", "QUAL": ""}


def as_number(text: Any) -> Decimal | None:
    """'320', '320.5', ' 95 ' → Decimal; anything else (a QUAL text) → None."""
    if isinstance(text, Decimal):
        return text
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def shown(row: Mapping[str, Any]) -> str:
    """'≥300 项', '=100 %', '有效保障': an indicator's target as a clerk reads it."""
    if row.get("kind") == "QUAL" or row.get("target_value") is None:
        return str(row.get("target_text") or "")
    value = Decimal(row["target_value"])
    text = format(value.normalize(), "f")
    return f"{OPERATORS.get(row.get('operator') or '', '')}{text} {row.get('unit') or ''}".strip()


def set_target(row: dict[str, Any], new: Any) -> None:
    """The new target value of one row: a number for a quantitative indicator, a text otherwise."""
    if row.get("kind") == "QUAL":
        row["target_text"] = str(new)
        return
    number = as_number(new)
    if number is None:
        raise ValueError(f"指标“{row.get('name')}”为定量指标，调整后指标值须为数字")
    row["target_value"] = number


def apply_changes(rows: Iterable[Mapping[str, Any]], changes: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The rows with each change's `new` value put on the indicator it names (by `name`)."""
    out = [dict(r) for r in rows]
    by_name = {r["name"]: r for r in out}
    for change in changes:
        row = by_name.get(change.get("name"))
        if row is None:
            raise ValueError(f"现行目标中没有指标“{change.get('name')}”")
        set_target(row, change["new"])
    return out


def minor_fixes(rows: Iterable[Mapping[str, Any]], comments: Iterable[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """DT-04 良 (FIN_MINOR_FIX): finance completes the target itself — each review comment with a
    suggested value is applied to the indicator it names; comments without one change nothing."""
    out = [dict(r) for r in rows]
    by_name = {r["name"]: r for r in out}
    for c in comments or []:
        row = by_name.get(str(c.get("indicator_id") or "").strip())
        suggested = c.get("suggested_value")
        if row is None or suggested in (None, ""):
            continue
        if row.get("kind") == "QUAL":
            row["target_text"] = str(suggested)
        elif (number := as_number(suggested)) is not None:
            row["target_value"] = number
    return out


def diff_rows(old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]],
              reasons: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """[{name, old, new, reason}] for every indicator added, removed or with a different target."""
    reasons = reasons or {}
    before = {r["name"]: r for r in old}
    after = {r["name"]: r for r in new}
    out = []
    for name, row in after.items():
        was = before.get(name)
        if was is None or shown(was) != shown(row):
            out.append({"name": name, "old": shown(was) if was else "（新增）", "new": shown(row),
                        "reason": reasons.get(name, "")})
    out += [{"name": name, "old": shown(row), "new": "（删除）", "reason": reasons.get(name, "")}
            for name, row in before.items() if name not in after]
    return out


def adjust_closed(fiscal_year: int, on: date) -> bool:
    """forms F-13: no target adjustment requests after Oct 31 of the budget year [A]."""
    return on > date(int(fiscal_year), 10, 31)


def next_month(fiscal_year: int, on: date) -> int:
    """The month an approved change applies from when the unit names none: the next one (1 before
    the year starts, 12 at its end)."""
    if on.year < fiscal_year:
        return 1
    return min(on.month + 1, 12) if on.year == fiscal_year else 12
