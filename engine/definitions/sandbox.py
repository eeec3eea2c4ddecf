"""Scripts, conditions and DMN cells run through RestrictedPython's `compile_restricted` with
guards and a whitelist of helpers (notes/spiffworkflow.md §2.11: plain `safe_globals` + exec is
escapable). Model authors are trusted administrators; the sandbox keeps a model away from the
file system, the network and the process, not from being wrong."""
from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from RestrictedPython import compile_restricted, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, safer_getattr
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

import engine.time.calendar  # noqa: F401  (registers the working-day script helpers)
from engine.base.hooks import REGISTRY

_EXTRA_BUILTINS: dict[str, Any] = {
    "any": any, "all": all, "sum": sum, "min": min, "max": max, "list": list, "dict": dict,
    "set": set, "enumerate": enumerate, "sorted": sorted, "len": len, "round": round, "abs": abs,
    "Decimal": Decimal, "date": date, "datetime": datetime, "timedelta": timedelta, "str": str,
    "int": int, "float": float, "bool": bool, "isinstance": isinstance, "range": range,
    "today": date.today, "now": datetime.now,
}


class ScriptError(Exception):
    pass


SCRIPT_SECONDS = 2.0


@contextmanager
def time_limit(seconds: float = SCRIPT_SECONDS) -> Iterator[None]:
    """Stop a runaway script or condition. Python checks signals between bytecodes, so this
    ends loops, not one long C-level operation; it works in the main thread, which is where
    gunicorn's sync workers and RQ's work horses run a move."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise ScriptError(f"脚本运行超过 {seconds:g} 秒，已中止")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _inplace(op: str, x: Any, y: Any) -> Any:
    ops: dict[str, Callable[[Any, Any], Any]] = {
        "+=": lambda a, b: a + b, "-=": lambda a, b: a - b, "*=": lambda a, b: a * b,
        "/=": lambda a, b: a / b, "//=": lambda a, b: a // b, "%=": lambda a, b: a % b,
    }
    if op not in ops:
        raise ScriptError(f"不支持的运算 {op}")
    return ops[op](x, y)


def base_globals() -> dict[str, Any]:
    builtins = dict(safe_builtins)
    builtins.update(_EXTRA_BUILTINS)
    return {
        "__builtins__": builtins,
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": _inplace,
        "_print_": None,
    }


@lru_cache(maxsize=4096)
def compile_code(source: str, mode: str) -> Any:
    """Compile once per distinct source; raise ScriptError with a line number on bad code."""
    try:
        return compile_restricted(source, filename="<bpmn>", mode=mode)
    except SyntaxError as err:
        # compile_restricted may report lineno=None; never let that reach Spiff's formatter.
        line = f"第 {err.lineno} 行：" if err.lineno else ""
        raise ScriptError(f"{line}{err.msg}") from None


def _writable(obj: Any) -> Any:
    return obj


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Spiff environment evaluating over task data with the restricted compiler."""

    def _globals(self, context: dict[str, Any], external: dict[str, Any] | None) -> dict[str, Any]:
        g = base_globals()
        g["_write_"] = _writable  # task data dicts and lists are the script's to change
        g.update(REGISTRY.helpers)
        g.update(external or {})
        g.update(context)
        return g

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict | None = None) -> Any:
        code = compile_code(expression, "eval")
        with time_limit():
            return eval(code, self._globals(context, external_context))

    def execute(self, script: str, context: dict[str, Any], external_context: dict | None = None) -> bool:
        g = self._globals(context, external_context)
        code = compile_code(script, "exec")
        with time_limit():
            exec(code, g)
        reserved = set(base_globals()) | set(REGISTRY.helpers) | set(external_context or {})
        for key, value in g.items():
            if key.startswith("_") or key in reserved or callable(value):
                continue
            context[key] = value
        for key in [k for k in context if k not in g]:
            context.pop(key)  # `del x` in a script removes x from the task data
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> str:  # pragma: no cover
        raise NotImplementedError("service tasks are dispatched by engine.moves.runtime")


class EngineScripts(PythonScriptEngine):
    """Dispatches service tasks to the handlers the domain registered with `engine.base.hooks`."""

    def __init__(self) -> None:
        super().__init__(environment=RestrictedEnvironment())
        self.service_context_factory: Callable[..., Any] | None = None
        self.deferred: list[Any] = []  # service tasks this move left STARTED for the queue

    def call_service(self, task: Any, **kwargs: Any) -> str:
        name = kwargs["operation_name"]
        params = {k: v["value"] for k, v in kwargs.get("operation_params", {}).items()}
        handler = REGISTRY.services.get(name)
        if handler is None:
            raise ScriptError(f"未注册的服务任务处理器：{name}")
        factory = self.service_context_factory
        if factory is None:
            raise ScriptError("服务任务只能在引擎事务内执行")
        result = handler(factory(task), **params) or {}
        task.data.update(result)  # keeps Decimal/date; the JSON path of Spiff would lose them
        return json.dumps(None)
