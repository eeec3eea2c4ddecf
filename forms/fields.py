"""marshmallow fields for the definition types, with Chinese messages naming the constraint."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError, fields

from forms import messages as M

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@\-]{1,64}$")
# Implicit precision per type: money is 万元 to 1 元 (4 places), percent 2 places (README §0.2).
DEFAULT_PLACES = {"money": 4, "percent": 2}
BASE_MESSAGES = {"required": M.REQUIRED, "null": M.REQUIRED}
LIST_DEFAULT_EMPTY = {"multi_enum", "files", "users", "list"}
# NUL and the other C0/C1 controls except tab and line breaks: PostgreSQL refuses NUL in text, and
# none of them belongs in what a person types.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
TEXT_MAX = 20_000  # a text field without its own max_length
INT_MAX = 2**31 - 1  # integers fit the database's integer columns
DEC_MAX_DIGITS = 15  # digits before the point: beyond any budget in 万元, and quantize stays exact


def clean_text(value: Any, max_length: int = TEXT_MAX) -> str:
    """A submitted text, stripped: refused when it is no string, holds control characters or is
    longer than `max_length` (messages in Chinese)."""
    if not isinstance(value, str):
        raise ValidationError(M.NOT_STRING)
    if CONTROL_RE.search(value):
        raise ValidationError(M.CONTROL_CHARS)
    value = value.strip()
    if len(value) > max_length:
        raise ValidationError(M.length(None, max_length))
    return value


def clean_int(value: Any, lo: int = -INT_MAX - 1, hi: int = INT_MAX) -> int:
    """5, "5" and 5.0 pass; 5.5, True, "5.5", "²" and "٣" don't; outside [lo, hi] is refused."""
    if isinstance(value, bool):
        raise ValidationError(M.NOT_INT)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]{1,20}", value.strip()):
        value = int(value.strip())
    if not isinstance(value, int):
        raise ValidationError(M.NOT_INT)
    if not lo <= value <= hi:
        raise ValidationError(M.OUT_OF_RANGE)
    return value


class Text(fields.Field):
    """Strings are stripped so padding can't satisfy a minimum length."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return clean_text(value)


class Username(Text):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        out = super()._deserialize(value, attr, data, **kwargs)
        if not USERNAME_RE.match(out):
            raise ValidationError(M.NOT_USERNAME)
        return out


class Int(fields.Field):
    """Integers only (marshmallow would truncate 5.5), within 32 bits (clean_int)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        return clean_int(value)


class Dec(fields.Field):
    """Decimal from a number or a string; floats go through str() so 0.1 stays 0.1."""

    def __init__(self, places: int | None = None, **kwargs: Any) -> None:
        self.places = places
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise ValidationError(M.NOT_NUMBER)
        try:
            out = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValidationError(M.NOT_NUMBER) from exc
        if not out.is_finite():
            raise ValidationError(M.NOT_FINITE)
        if out and out.adjusted() >= DEC_MAX_DIGITS:
            raise ValidationError(M.OUT_OF_RANGE)
        if self.places is not None and out != out.quantize(Decimal(1).scaleb(-self.places), rounding="ROUND_DOWN"):
            raise ValidationError(M.places(self.places))
        return out


def _range(spec: dict[str, Any]):
    lo, hi, gt, lt, step = (spec.get(k) for k in ("min", "max", "gt", "lt", "step"))
    if spec["type"] == "percent":
        lo = 0 if lo is None else lo
        hi = 100 if hi is None else hi

    def check(value: Any) -> None:
        errs = []
        dec = Decimal(str(value))
        if lo is not None and dec < Decimal(str(lo)):
            errs.append(M.too_small(lo))
        if hi is not None and dec > Decimal(str(hi)):
            errs.append(M.too_large(hi))
        if gt is not None and dec <= Decimal(str(gt)):
            errs.append(M.not_greater(gt))
        if lt is not None and dec >= Decimal(str(lt)):
            errs.append(M.not_less(lt))
        if step and dec % Decimal(str(step)) != 0:
            errs.append(M.step(step))
        if errs:
            raise ValidationError(errs)

    return check if any(v is not None for v in (lo, hi, gt, lt, step)) else None


def _length(spec: dict[str, Any]):
    lo, hi = spec.get("min_length"), spec.get("max_length")
    if lo is None and hi is None:
        return None

    def check(value: str) -> None:
        if (lo is not None and len(value) < lo) or (hi is not None and len(value) > hi):
            raise ValidationError(M.length(lo, hi))

    return check


def _items(spec: dict[str, Any], required: bool):
    lo, hi = spec.get("min_items"), spec.get("max_items")
    if required and not lo:
        # A required list means "at least one row"; files say so in their own words.
        empty = M.FILES_REQUIRED if spec["type"] == "files" else M.LIST_REQUIRED
    else:
        empty = None

    def check(value: list) -> None:
        if not value and empty:
            raise ValidationError(empty)
        if (lo is not None and len(value) < lo) or (hi is not None and len(value) > hi):
            raise ValidationError(M.items(lo, hi))

    return check


def _one_of(values: list[str]):
    def check(value: str) -> None:
        if value not in values:
            raise ValidationError(M.one_of(values))

    return check


def make_field(spec: dict[str, Any], required: bool, nested: Any = None) -> fields.Field:
    """One marshmallow field for a resolved field spec; `nested` is the generated schema class
    for list/object fields."""
    ftype = spec["type"]
    default = spec.get("default")
    if default is None and ftype in LIST_DEFAULT_EMPTY:
        default = list  # a callable: each load gets its own empty list
    # Optional fields always appear in the clean data (default, [] or None) so gateways and
    # scripts can read them without NameError; a required field with a default may be omitted.
    kw: dict[str, Any] = {"required": required and spec.get("default") is None, "allow_none": not required,
                          "error_messages": dict(BASE_MESSAGES)}
    if not kw["required"]:
        kw["load_default"] = default
    validators = []
    if ftype in ("string", "text", "user", "enum"):
        field_cls = Username if ftype == "user" else Text
        validators.append(_length(spec))
        if ftype == "enum":
            validators.append(_one_of([c["value"] for c in spec["choices"]]))
        out: fields.Field = field_cls(**kw)
    elif ftype == "int":
        validators.append(_range(spec))
        out = Int(**kw)
    elif ftype in ("decimal", "money", "percent"):
        validators.append(_range(spec))
        out = Dec(places=spec.get("places", DEFAULT_PLACES.get(ftype)), **kw)
    elif ftype == "bool":
        kw["error_messages"]["invalid"] = M.NOT_BOOL
        out = fields.Boolean(**kw)
    elif ftype == "date":
        kw["error_messages"]["invalid"] = M.NOT_DATE
        out = fields.Date(**kw)
    elif ftype == "object":
        kw["error_messages"]["type"] = M.NOT_OBJECT
        out = fields.Nested(nested, **kw)
    else:  # list types
        if ftype == "list":
            inner: fields.Field = fields.Nested(nested, error_messages={"type": M.NOT_OBJECT, "null": M.NOT_OBJECT})
        elif ftype == "multi_enum":
            inner = Text(validate=_one_of([c["value"] for c in spec["choices"]]))
        elif ftype == "users":
            inner = Username()
        else:  # files: attachment ids
            inner = Text(validate=_length({"min_length": 1}))
        inner.error_messages = {**inner.error_messages, **BASE_MESSAGES}
        validators.append(_items(spec, required))
        kw["error_messages"]["invalid"] = M.NOT_LIST
        out = fields.List(inner, **kw)
    out.validators = [v for v in validators if v is not None]
    return out
