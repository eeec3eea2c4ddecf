"""The script sandbox: what a model may not do, and the guards that stop it."""
from __future__ import annotations

from decimal import Decimal

import pytest

from engine.definitions.sandbox import RestrictedEnvironment, ScriptError, compile_code


def run(script: str, **data):
    context = dict(data)
    RestrictedEnvironment().execute(script, context)
    return context


def test_plain_scripts_work_with_decimal_and_helpers():
    out = run("total = sum([i['q'] * i['p'] for i in items])\nflag = any([total > 0])",
              items=[{"q": 2, "p": Decimal("0.35")}])
    assert out["total"] == Decimal("0.70") and out["flag"] is True


@pytest.mark.parametrize("source", [
    "import os",
    "().__class__.__base__.__subclasses__()",
    "open('/etc/passwd').read()",
    "__import__('os').getpid()",
])
def test_escapes_are_refused(source):
    with pytest.raises((ScriptError, NameError, ImportError)):
        run(source)


def test_syntax_error_has_a_chinese_message_not_a_crash():
    with pytest.raises(ScriptError) as err:
        compile_code("x ===== 1", "exec")
    assert "第" in str(err.value) or err.value.args[0]


def test_runaway_loop_is_stopped():
    with pytest.raises(ScriptError, match="超过"):
        run("while True:\n    pass")


@pytest.mark.parametrize("source", ["import time", "from os import path", "x = 1\nimport json"])
def test_import_is_refused_when_compiled_so_at_deployment(source):
    with pytest.raises(ScriptError, match="脚本不能导入模块"):
        compile_code(source, "exec")


def test_locals_globals_vars_give_a_copy_of_the_names_not_the_namespace():
    out = run("seen = sorted(k for k in locals() if k in ('a', 'b'))\n"
              "globals()['a'] = 99\n"  # a copy: the real name stays
              "guards = [k for k in vars() if k.startswith('_')]\n"
              "late = 'seen' in globals()", a=1)
    assert out == {"a": 1, "seen": ["a"], "guards": [], "late": True}
    assert RestrictedEnvironment().evaluate("'a' in vars() and 'b' not in locals()", {"a": 1}) is True


def test_vars_of_an_object_is_refused():
    with pytest.raises(ScriptError, match="vars"):
        run("d = vars(x)", x=1)
