"""Scripts, conditions and DMN cells run through RestrictedPython's `compile_restricted` with
guards and a whitelist of helpers (notes/spiffworkflow.md §2.11: plain `safe_globals` + exec is
escapable). Model authors are trusted administrators; the sandbox keeps a model away from the
file system, the network and the process, not from being wrong; the budget in `script_limits`
keeps a runaway from holding a thread, a connection or memory (docs/design.md "Script limits")."""
from __future__ import annotations

import ast
import json
import re
import warnings
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from RestrictedPython import compile_restricted, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

import engine.time.calendar  # noqa: F401  (registers the working-day script helpers)
from engine.base.hooks import REGISTRY
from engine.base.now import now as _engine_now
from engine.base.now import today as clock_today
from engine.definitions import datasize, decision_tables
from engine.definitions import script_limits as limits
from engine.definitions.element_kinds import display_name
from engine.definitions.script_limits import SCRIPT_SECONDS, Budget, ScriptError, ScriptLimit

__all__ = ["SCRIPT_SECONDS", "Budget", "EngineScripts", "RestrictedEnvironment", "ScriptError", "ScriptLimit",
           "base_globals", "compile_code", "visible_names"]

def clock_now(tz: Any = None) -> datetime:
    """`now()` in scripts: the engine's clock (naive local time unless a zone is given)."""
    return _engine_now(tz)


_EXTRA_BUILTINS: dict[str, Any] = {
    "any": any, "all": all, "sum": limits.safe_sum, "min": min, "max": max, "list": list, "dict": dict,
    "set": set, "enumerate": enumerate, "sorted": sorted, "len": len, "round": round, "abs": abs,
    "Decimal": Decimal, "date": date, "datetime": datetime, "timedelta": timedelta, "str": limits.safe_str,
    "repr": limits.safe_repr, "pow": limits.safe_pow, "int": int, "float": float, "bool": bool,
    "isinstance": isinstance, "range": limits.safe_range, "today": clock_today, "now": clock_now,
}


def _guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    return limits.guard_method(obj, name, safer_getattr(obj, name, default))


def base_globals() -> dict[str, Any]:
    builtins = dict(safe_builtins)
    builtins.update(_EXTRA_BUILTINS)
    return {
        "__builtins__": builtins,
        "_getattr_": _guarded_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,  # a, b = 1, 2
        "_write_": full_write_guard,
        "_inplacevar_": limits.inplace,
        "_binop_": limits.binop,
        "_fmt_": limits.fmt,
        "_print_": None,
    }


IMPORT_REFUSED = ("脚本不能导入模块（import）：可用的只有内置函数、date/datetime/timedelta/Decimal "
                  "和系统登记的脚本函数")
_GUARDED_OPS = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Add: "+", ast.Mod: "%"}


def _tick() -> ast.expr:
    return ast.Call(func=ast.Name("_tick_", ast.Load()), args=[], keywords=[])


def _placed(new: ast.AST, old: ast.AST) -> Any:
    for node in ast.walk(new):
        if "lineno" in node._attributes and not hasattr(node, "lineno"):
            ast.copy_location(node, old)
    return new


class BudgetedTransformer(RestrictingNodeTransformer):
    """RestrictedPython's checks, plus the budget: a `_tick_()` at the top of every loop body and
    function, in front of every comprehension item and lambda body, and the operators that can
    build a huge value in one step routed through `_binop_`, f-string fields through `_fmt_`.
    The names start with `_`, so a script can neither call nor shadow them."""

    def _ticked(self, node: Any) -> Any:
        node.body.insert(0, _placed(ast.Expr(_tick()), node))
        return node

    def visit_While(self, node: ast.While) -> Any:
        return self._ticked(super().visit_While(node))

    def visit_For(self, node: ast.For) -> Any:
        return self._ticked(super().visit_For(node))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        return self._ticked(super().visit_FunctionDef(node))

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        node = super().visit_Lambda(node)
        node.body = _placed(ast.BoolOp(op=ast.And(), values=[_tick(), node.body]), node.body)
        return node

    def visit_comprehension(self, node: ast.comprehension) -> Any:
        node = super().visit_comprehension(node)
        node.ifs.insert(0, _placed(_tick(), node.iter))
        return node

    def visit_Import(self, node: ast.Import) -> Any:
        self.error(node, IMPORT_REFUSED)  # __import__ is not among the builtins: refuse at deployment
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        self.error(node, IMPORT_REFUSED)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = super().visit_BinOp(node)
        op = _GUARDED_OPS.get(type(node.op))
        if op is None:
            return node
        call = ast.Call(func=ast.Name("_binop_", ast.Load()), args=[ast.Constant(op), node.left, node.right],
                        keywords=[])
        return _placed(call, node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        node = super().visit_FormattedValue(node)
        spec = node.format_spec if node.format_spec is not None else ast.Constant("")
        call = ast.Call(func=ast.Name("_fmt_", ast.Load()),
                        args=[node.value, ast.Constant(node.conversion), spec], keywords=[])
        return _placed(ast.FormattedValue(value=call, conversion=-1, format_spec=None), node)


@lru_cache(maxsize=4096)
def compile_code(source: str, mode: str) -> Any:
    """Compile once per distinct source; raise ScriptError with a line number on bad code."""
    try:
        with warnings.catch_warnings():  # "Prints, but never reads 'printed'": print() goes to the log
            warnings.simplefilter("ignore", SyntaxWarning)
            return compile_restricted(source, filename="<bpmn>", mode=mode, policy=BudgetedTransformer)
    except SyntaxError as err:
        if isinstance(err.msg, tuple | list):  # RestrictedPython's refusals: ("Line 1: ...", ...)
            raise ScriptError("；".join(re.sub(r"^Line (\d+): ", r"第 \1 行：", m) for m in err.msg)) from None
        # compile_restricted may report lineno=None; never let that reach Spiff's formatter.
        line = f"第 {err.lineno} 行：" if err.lineno else ""
        raise ScriptError(f"{line}{err.msg}") from None


def _writable(obj: Any) -> Any:
    return obj


PRINT_MAX_CHARS = 10_000  # of print() output kept per move; the rest is dropped with a note


class ScriptLog:
    """What scripts print() in one move, per element: runtime keeps it as `print` audit rows,
    shown in the instance's history (docs/design.md, "Models from other tools")."""

    def __init__(self) -> None:
        self.lines: list[tuple[str | None, str | None, str]] = []  # (element id, its name, text)
        self.size = 0
        self.element: str | None = None  # the element whose script runs now (EngineScripts.execute)
        self.element_name: str | None = None  # its name, or its kind in Chinese

    def printer(self, _getattr_: Any = None) -> PrintCollector:
        return _BoundedPrinter(self, _getattr_)

    def take(self) -> list[tuple[str | None, str | None, str]]:
        lines, self.lines = self.lines, []
        return lines


class _BoundedPrinter(PrintCollector):
    def __init__(self, log: ScriptLog, _getattr_: Any = None) -> None:
        super().__init__(_getattr_)
        self.log = log

    def write(self, text: str) -> None:
        room = PRINT_MAX_CHARS - self.log.size
        if room <= 0:
            return
        text = text if len(text) <= room else text[:room] + "…（输出过长，其余省略）"
        self.log.size += len(text)
        self.txt.append(text)


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Spiff environment evaluating over task data with the restricted compiler. One environment
    serves one loaded workflow, that is one move: its `budget` is the move's (script_limits)."""

    def __init__(self, environment_globals: dict[str, Any] | None = None) -> None:
        super().__init__(environment_globals)
        self.budget = Budget()
        self.log = ScriptLog()

    def _budgeted(self, g: dict[str, Any]) -> dict[str, Any]:
        g["_tick_"] = self.budget.tick  # after the task data: no key of it can shadow the budget
        return g

    def _globals(self, context: dict[str, Any], external: dict[str, Any] | None) -> dict[str, Any]:
        g = base_globals()
        g["_write_"] = _writable  # task data dicts and lists are the script's to change
        g["_print_"] = self.log.printer
        g.update(REGISTRY.helpers)
        g.update(external or {})
        g.update(context)

        def namespace(*of: Any) -> dict[str, Any]:
            """`locals()`, `globals()`, `vars()`: a copy of the script's names (task data and
            helpers), for `'x' in locals()`; writing to it changes nothing."""
            if of:
                raise ScriptError("vars() 只能不带参数使用（给出脚本可见的变量）")
            return {k: v for k, v in g.items() if not k.startswith("_")}

        g["__builtins__"].update(locals=namespace, globals=namespace, vars=namespace)
        return g

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict | None = None) -> Any:
        code = compile_code(expression, "eval")
        g = self._budgeted(self._globals(context, external_context))
        return self.budget.run(lambda: eval(code, g))

    def execute(self, script: str, context: dict[str, Any], external_context: dict | None = None) -> bool:
        g = self._budgeted(self._globals(context, external_context))
        code = compile_code(script, "exec")
        try:
            self.budget.run(lambda: exec(code, g))
        finally:
            if isinstance(printed := g.get("_print"), PrintCollector) and (text := printed()):
                self.log.lines.append((self.log.element, self.log.element_name, text.rstrip("\n")))
        reserved = set(base_globals()) | set(REGISTRY.helpers) | set(external_context or {})
        for key, value in g.items():
            if key.startswith("_") or key in reserved or callable(value):
                continue
            context[key] = value
        for key in [k for k in context if k not in g]:
            context.pop(key)  # `del x` in a script removes x from the task data
        if (reason := datasize.too_big(context)) is not None:
            raise ScriptError(f"脚本结果{reason}")
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> str:  # pragma: no cover
        raise NotImplementedError("service tasks are dispatched by engine.moves.runtime")


def visible_names() -> set[str]:
    """The names a script or condition sees besides the task data: builtins, the registered
    helpers, `locals`/`globals`/`vars` (engine.definitions.condition_sources)."""
    g = RestrictedEnvironment()._globals({}, None)
    return {k for k in g if not k.startswith("_")} | set(g["__builtins__"])


class EngineScripts(PythonScriptEngine):
    """Dispatches service tasks to the handlers the domain registered with `engine.base.hooks`."""

    def __init__(self) -> None:
        super().__init__(environment=RestrictedEnvironment())
        self.service_context_factory: Callable[..., Any] | None = None
        self.deferred: list[Any] = []  # service tasks this move left STARTED for the queue
        self.decisions: list[dict[str, Any]] = []  # decisions this move took (engine.definitions.decision_tables)
        self._in_force: dict[str, Any] | None = None

    def tables_in_force(self) -> dict[str, Any]:
        """The decision-table versions in force, read once per move and only by a move that decides."""
        if self._in_force is None:
            self._in_force = decision_tables.in_force()
        return self._in_force

    def execute(self, task: Any, script: str, external_context: dict | None = None) -> Any:
        """A script runs for `task`: what it prints is logged under the task's element."""
        log = self.environment.log
        log.element = getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name
        log.element_name = display_name(task.task_spec)
        try:
            return super().execute(task, script, external_context)
        finally:
            log.element = log.element_name = None

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
        if (reason := datasize.too_big({**task.data, **result})) is not None:
            raise ScriptError(f"服务任务 {name} 的结果{reason}")
        task.data.update(result)  # keeps Decimal/date; the JSON path of Spiff would lose them
        return json.dumps(None)
