"""Property: for every pair of shipped forms (each mode, and the composite F-01+F-04 P1 uses) and
every field name they share, a value submitted in the first form's task never appears prefilled
in the second task's form — not even when the first task publishes it to the process under the
same name — unless the second task's input mapping declares it. Driven through the real engine
(a two-step BPMN on SpiffWorkflow) and the prefill the task view uses (engine.definitions.taskdata)."""
from __future__ import annotations

from decimal import Decimal
from itertools import permutations
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.definitions import taskdata
from forms import compile_task_form, load_definitions

DEFS = load_definitions()
VARIANTS: list[tuple[str, str | None]] = [
    *[(key, mode) for key, d in sorted(DEFS.items()) for mode in (d.get("modes") or [None])],
    ("F-01+F-04", None),
]


def _form(variant: tuple[str, str | None]) -> Any:
    return compile_task_form(variant[0].split("+"), variant[1], DEFS)


def _shared(a: tuple[str, str | None], b: tuple[str, str | None]) -> list[str]:
    return sorted(set(_form(a).field_names) & set(_form(b).field_names))


PAIRS = [(a, b) for a, b in permutations(VARIANTS, 2) if _shared(a, b)]

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="x">
  <bpmn:process id="pair" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="ut_a"><bpmn:extensionElements><spiffworkflow:properties>{a}</spiffworkflow:properties>
      </bpmn:extensionElements><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="ut_b"><bpmn:extensionElements><spiffworkflow:properties>{b}</spiffworkflow:properties>
      </bpmn:extensionElements><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ut_a" />
    <bpmn:sequenceFlow id="f2" sourceRef="ut_a" targetRef="ut_b" />
    <bpmn:sequenceFlow id="f3" sourceRef="ut_b" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""


def _props(variant: tuple[str, str | None], **extra: str) -> str:
    props = {"formKey": variant[0], **({"formMode": variant[1]} if variant[1] else {}), **extra}
    return "".join(f'<spiffworkflow:property name="{k}" value="{v}" />' for k, v in props.items())


def _spec(a: tuple[str, str | None], b: tuple[str, str | None], a_extra: dict, b_extra: dict) -> Any:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(MODEL.format(a=_props(a, **a_extra), b=_props(b, **b_extra)).encode())
    return parser.get_spec("pair")


def _second_task_after(spec: Any, submission: dict[str, Any]) -> Any:
    """Run the pair model: the first task completes with `submission` (as complete_task keeps it),
    the engine moves on; return the second task, now ready."""
    workflow = BpmnWorkflow(spec)
    workflow.do_engine_steps()
    (first,) = workflow.get_tasks(state=TaskState.READY, manual=True)
    taskdata.record(first, submission)
    first.run()
    workflow.do_engine_steps()
    (second,) = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert second.task_spec.bpmn_id == "ut_b"
    return second


VALUES = st.one_of(
    st.text(min_size=1, max_size=6), st.integers(), st.booleans(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.lists(st.text(max_size=4), min_size=1, max_size=3),
)


def _label(pair: tuple[tuple[str, str | None], tuple[str, str | None]]) -> str:
    (ak, am), (bk, bm) = pair
    return f"{ak}:{am or '-'}->{bk}:{bm or '-'}"


def test_every_pair_of_forms_with_a_common_field_is_covered():
    labels = {_label(p) for p in PAIRS}
    assert "F-05:dept->F-02:edit" in labels and "F-02:edit->F-02:review" in labels  # the issue's case
    assert len(PAIRS) > 50


@pytest.mark.parametrize("pair", PAIRS, ids=_label)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_submitted_value_reaches_another_form_only_through_a_declared_input(pair, data):
    a, b = pair
    shared = _shared(a, b)
    values = data.draw(st.fixed_dictionaries({name: VALUES for name in shared}), label="submitted")
    receiving = _form(b)
    prefillable = {f["name"] for f in receiving.fields if f.get("prefill", True)}

    # no mapping, while the first task even publishes every shared field under its own name
    published = _spec(a, b, {"outputs": ", ".join(shared)}, {})
    second = _second_task_after(published, values)
    assert all(second.data[name] == values[name] for name in shared)  # in the process's data …
    shown = taskdata.form_values(receiving, second)
    assert not set(shown) & set(shared), f"{_label(pair)} prefilled {sorted(set(shown) & set(shared))}"

    # declared: the same values arrive, each in its own field
    mapped = _spec(a, b, {}, {"inputs": "ut_a.*"})
    shown = taskdata.form_values(receiving, _second_task_after(mapped, values))
    assert shown == {name: values[name] for name in shared if name in prefillable}
    one = shared[0]
    single = _spec(a, b, {}, {"inputs": f"{one}=ut_a.{one}"})
    shown = taskdata.form_values(receiving, _second_task_after(single, values))
    assert shown == ({one: values[one]} if one in prefillable else {})


def test_the_issue_case_feasibility_22():
    """F-05 (dept) 可行性 22 → F-02 (edit) 实施方案可行性: not prefilled."""
    spec = _spec(("F-05", "dept"), ("F-02", "edit"), {}, {})
    second = _second_task_after(spec, {"dim_feasibility": Decimal(22), "verdict": "APPROVE", "grade": "良"})
    assert taskdata.form_values(_form(("F-02", "edit")), second) == {}
