"""Deployment's check of what a condition reads (engine.definitions.condition_sources): a name only a
form-less step could have been meant to give is refused at the condition's element; a name the
model produces, a guarded one, or one read before any form-less step (start data) deploys."""
from __future__ import annotations

import pytest

from engine.definitions import condition_sources
from engine.definitions import specs as spec_mod

_MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    {objects}
    <bpmn:startEvent id="start" />
    <bpmn:scriptTask id="prepare"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="work">{form}</bpmn:userTask>
    <bpmn:exclusiveGateway id="gw" default="no" />
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="prepare" />
    {flows}
    <bpmn:sequenceFlow id="yes" sourceRef="gw" targetRef="{yes}">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="no" sourceRef="gw" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""
# start → prepare → work → gateway, or start → prepare → gateway → work (the step after the condition)
_STEP_FIRST = ('<bpmn:sequenceFlow id="f1" sourceRef="prepare" targetRef="work" />'
               '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="gw" />', "end")
_STEP_AFTER = ('<bpmn:sequenceFlow id="f1" sourceRef="prepare" targetRef="gw" />'
               '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />', "work")
_FORM = ('<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formKey" value="F-00" />'
         '<spiffworkflow:property name="outputs" value="verdict" /></spiffworkflow:properties></bpmn:extensionElements>')


def refusals(condition: str, *, script: str = "pass", form: str = "", objects: str = "",
             step_first: bool = True) -> list[tuple[str, str]]:
    """(element, message) for each refusal of start → script → step without a form → gateway (or,
    `step_first=False`, the gateway before the step)."""
    flows, yes = _STEP_FIRST if step_first else _STEP_AFTER
    xml = _MODEL.format(condition=condition, script=script, form=form, objects=objects, flows=flows, yes=yes)
    parser, roots = spec_mod.build_parser({"m.bpmn": xml.encode()})
    specs = {"p": parser.get_spec("p"), **parser.get_subprocess_specs("p")}
    found: list[tuple[str, str]] = []
    condition_sources.check(specs, lambda _pid, element, msg: found.append((element, msg)),
                            condition_sources.flow_finder(roots.values()))
    return found


def test_a_name_only_the_form_less_step_could_give_is_refused_at_the_flow():
    assert refusals("repeat == 'Yes'") == [("yes", condition_sources.message("repeat"))]
    assert "请为用户任务设置表单并用 outputs 发布该字段" in condition_sources.message("repeat")


@pytest.mark.parametrize(("condition", "kwargs"), [
    ("repeat", {"script": "repeat = True"}),  # a script gives it
    ("verdict == 'APPROVE'", {"form": _FORM}),  # the step has a form and publishes the field
    ("'repeat' in locals() and repeat", {}),  # guarded by the condition itself
    ("locals().get('repeat', False)", {}),
    ("len([x for x in [1, 2] if x > 1]) > 0 and today() is not None", {}),  # bound in it; sandbox names
    ("repeat", {"objects": '<bpmn:dataObject id="repeat" />'}),  # a data object
    ("repeat", {"step_first": False}),  # read before any form-less step: start data can give it
])
def test_a_produced_guarded_or_start_fed_name_deploys(condition, kwargs):
    assert refusals(condition, **kwargs) == []


def test_a_script_that_only_changes_a_name_does_not_give_it():
    assert refusals("repeat > 1", script="repeat += 1") == [("yes", condition_sources.message("repeat"))]
