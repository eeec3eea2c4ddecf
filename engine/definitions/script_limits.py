"""What a script may spend: one move's budget of script time, loop ticks and memory growth, and
guards that refuse a single operation building a huge value. The sandbox's compiler inserts a
`_tick_()` into every loop body, comprehension and function entry and routes `* ** << + %` and
f-string fields through `_binop_` / `_fmt_` (engine.definitions.sandbox), so the checks run in
whatever thread or process evaluates the script — no signal, no subprocess (docs/design.md
"Script limits")."""
from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

SCRIPT_SECONDS = 2.0  # wall time inside scripts, per move
MAX_TICKS = 5_000_000  # loop iterations + comprehension items + function calls, per move
MEMORY_BYTES = 256 * 1024 * 1024  # growth of the process while a script runs
MAX_LEN = 2_000_000  # characters, bytes or items one operation may produce
MAX_INT_BITS = 200_000  # ~60,000 decimal digits
MEMORY_EVERY = 0.001  # seconds of script time between two looks at the process size


class ScriptError(Exception):
    pass


class ScriptLimit(ScriptError):
    """The budget is spent; once raised, every later tick of the move raises again."""


def _rss() -> int:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # not Linux: the per-operation guards still hold
        return 0


class Budget:
    """One move's budget. Script time is summed over the move's evaluations (a DMN table's cells,
    a gateway's conditions, one script after another), so a model cannot stretch 2 s per cell."""

    def __init__(self, seconds: float = SCRIPT_SECONDS, ticks: int = MAX_TICKS, memory: int = MEMORY_BYTES):
        self.seconds, self.max_ticks, self.memory = seconds, ticks, memory
        self.spent, self.ticks = 0.0, 0
        self.exceeded: str | None = None
        self._depth = 0
        self._start = self._deadline = self._next_look = 0.0
        self._rss0 = 0

    def run(self, fn: Callable[[], Any]) -> Any:
        """Evaluate `fn` inside the budget; a spent budget raises even if the script caught it."""
        outer = self._depth == 0
        if outer:
            self._start = time.monotonic()
            self._deadline = self._start + self.seconds - self.spent
            self._next_look = self._start + MEMORY_EVERY
            self._rss0 = _rss()
        self._depth += 1
        try:
            result = fn()
        finally:
            self._depth -= 1
            if outer:
                self.spent += time.monotonic() - self._start
        if self.exceeded:
            raise ScriptLimit(self.exceeded)
        return result

    def tick(self) -> bool:
        if self.exceeded:
            raise ScriptLimit(self.exceeded)
        if self._depth == 0:  # a function a script left behind, called outside its evaluation
            self._stop("脚本中定义的函数只能在脚本运行时调用")
        self.ticks += 1
        now = time.monotonic()
        if now > self._deadline:
            self._stop(f"脚本运行超过 {self.seconds:g} 秒，已中止")
        if self.ticks > self.max_ticks:
            self._stop(f"脚本循环次数超过 {self.max_ticks:,} 次，已中止")
        if now >= self._next_look:
            self._next_look = now + MEMORY_EVERY
            if self._rss0 and _rss() - self._rss0 > self.memory:
                self._stop(f"脚本占用内存超过 {self.memory // 2**20} MB，已中止")
        return True

    def _stop(self, message: str) -> None:
        self.exceeded = message
        raise ScriptLimit(message)


# --------------------------------------------------------------------------- one operation


def _too_big(what: str) -> ScriptError:
    if what == "整数":
        return ScriptError(f"脚本生成的整数过大（上限 {MAX_INT_BITS:,} 位），已中止")
    return ScriptError(f"脚本生成的{what}过大（单个值上限 {MAX_LEN:,} 个字符或元素），已中止")


def _length(x: Any) -> int | None:
    return len(x) if isinstance(x, str | bytes | list | tuple) else None


def _check_int_bits(bits: float) -> None:
    if bits > MAX_INT_BITS:
        raise _too_big("整数")


def binop(op: str, a: Any, b: Any) -> Any:
    """`a op b` for the operators that can build a huge value in one C-level step, sized first."""
    if op == "*":
        n, seq = (b, a) if _length(a) is not None else (a, b)
        if isinstance(n, int) and _length(seq) is not None:
            if _length(seq) * max(n, 0) > MAX_LEN:
                raise _too_big("序列")
        elif isinstance(a, int) and isinstance(b, int):
            _check_int_bits(a.bit_length() + b.bit_length())
        return a * b
    if op == "**":
        if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
            _check_int_bits(a.bit_length() * b)
        return a**b
    if op == "<<":
        if isinstance(a, int) and isinstance(b, int) and a:
            _check_int_bits(a.bit_length() + b)
        return a << b
    if op == "+":
        la, lb = _length(a), _length(b)
        if la is not None and lb is not None and la + lb > MAX_LEN:
            raise _too_big("序列")
        return a + b
    if op == "%":
        if isinstance(a, str | bytes):
            _check_percent_format(a, b)
        return a % b
    raise ScriptError(f"不支持的运算 {op}")


_PERCENT = re.compile(r"%[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_percent_format(template: str | bytes, args: Any) -> None:
    text = template.decode("latin-1") if isinstance(template, bytes) else template
    for width, precision in _PERCENT.findall(text):
        for number in (width, precision):
            if number == "*" or (number and int(number) > MAX_LEN):
                raise _too_big("字符串")
    values = args.values() if isinstance(args, dict) else args if isinstance(args, tuple) else (args,)
    if measure(list(values), MAX_LEN) > MAX_LEN:
        raise _too_big("字符串")


_INPLACE = {"+=": "+", "*=": "*", "%=": "%", "**=": "**", "<<=": "<<"}
_PLAIN: dict[str, Callable[[Any, Any], Any]] = {
    "-=": lambda a, b: a - b, "/=": lambda a, b: a / b, "//=": lambda a, b: a // b,
    ">>=": lambda a, b: a >> b, "&=": lambda a, b: a & b, "|=": lambda a, b: a | b, "^=": lambda a, b: a ^ b,
}


def inplace(op: str, a: Any, b: Any) -> Any:
    if op in _INPLACE:
        return binop(_INPLACE[op], a, b)
    if op in _PLAIN:
        return _PLAIN[op](a, b)
    raise ScriptError(f"不支持的运算 {op}")


_WIDTH = re.compile(r"(\d+)")


def fmt(value: Any, conversion: int, spec: str) -> str:
    """An f-string field: its conversion, then `format` once the widths and the value are sized."""
    if conversion in (ord("r"), ord("a")):
        value = safe_repr(value)
    elif conversion == ord("s"):
        value = safe_str(value)
    if any(int(n) > MAX_LEN for n in _WIDTH.findall(spec)):
        raise _too_big("字符串")
    if not isinstance(value, str | int | float | Decimal):
        value = safe_str(value)
    return format(value, spec)


def safe_str(value: Any = "") -> str:
    if not isinstance(value, str | int | float | Decimal) and measure(value, MAX_LEN) > MAX_LEN:
        raise _too_big("字符串")
    return str(value)


def safe_repr(value: Any) -> str:
    if measure(value, MAX_LEN) > MAX_LEN:
        raise _too_big("字符串")
    return repr(value)


def safe_pow(a: Any, b: Any, mod: Any = None) -> Any:
    return binop("**", a, b) if mod is None else pow(a, b, mod)


def safe_range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_LEN:
        raise _too_big("range")
    return r


def safe_sum(items: Iterable[Any], start: Any = 0) -> Any:
    if isinstance(start, int | float | Decimal):
        return sum(items, start)
    total = start  # sequences: each concatenation sized, never a quadratic C loop
    for item in items:
        total = binop("+", total, item)
    return total


def _widened(method: Callable[..., Any], s: str | bytes, name: str) -> Callable[..., Any]:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if name in ("ljust", "rjust", "center", "zfill") and args and isinstance(args[0], int):
            if args[0] > MAX_LEN:
                raise _too_big("字符串")
        elif name == "expandtabs":
            size = args[0] if args else kwargs.get("tabsize", 8)
            if isinstance(size, int) and len(s) * max(size, 1) > MAX_LEN:
                raise _too_big("字符串")
        elif name == "replace" and len(args) >= 2:
            old, new = args[0], args[1]
            count = (len(s) + 1) if not old else s.count(old)
            if len(s) + count * len(new) > MAX_LEN:
                raise _too_big("字符串")
        elif name == "join" and args:
            parts = list(args[0])
            if sum(len(p) for p in parts if isinstance(p, str | bytes)) + len(s) * len(parts) > MAX_LEN:
                raise _too_big("字符串")
            return method(parts)
        return method(*args, **kwargs)

    return guarded


_STRING_GROWTH = {"ljust", "rjust", "center", "zfill", "expandtabs", "replace", "join"}


def guard_method(obj: Any, name: str, attr: Any) -> Any:
    """Methods that can build a huge value from a small one are sized first; `translate` goes."""
    if isinstance(obj, str | bytes):
        if name in ("translate", "maketrans"):
            raise ScriptError("脚本不支持 translate")
        if name in _STRING_GROWTH:
            return _widened(attr, obj, name)
    elif isinstance(obj, list) and name == "extend":
        def extend(items: Any) -> None:
            size = _length(items)
            if size is not None and len(obj) + size > MAX_LEN:
                raise _too_big("列表")
            attr(items)

        return extend
    return attr


# --------------------------------------------------------------------------- sizes


def measure(value: Any, limit: int) -> int:
    """The size of `value` as JSON (UTF-8 bytes, approximately: numbers and dates by their
    text), walked without building it and given up as soon as it passes `limit`. Shared
    references count each time they appear, as they would when serialized."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item) + 2 if item.isascii() else len(item.encode("utf-8", "replace")) + 2
        elif isinstance(item, bytes):
            total += len(item) * 2 + 2
        elif isinstance(item, dict):
            total += 2 + 2 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += 2 + len(item)
            stack.extend(item)
        elif isinstance(item, bool) or item is None:
            total += 5
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 2
        else:
            total += 32  # Decimal, date, datetime and the like: short text
        if total > limit:
            return limit + 1
    return total
