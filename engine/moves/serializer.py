"""Workflow state <-> JSON without the spec: the spec is parsed once per model version and
kept in memory (notes/spiffworkflow.md §3.2). Decimal, date, datetime and UUID survive the round
trip through engine.base.convert."""
from __future__ import annotations

import json
import threading
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine.base import convert

_registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)


def _register(kind: convert.Kind) -> None:
    # {"value": text} under the kind's name: the format Spiff's own UUID and datetime entries use.
    _registry.register(kind.type, lambda v: {"value": kind.to_text(v)}, lambda d: kind.from_text(d["value"]),
                       typename=kind.name)


for _kind in convert.KINDS:
    _register(_kind)
_registry.register(set, lambda v: {"value": sorted(v, key=str)}, lambda d: set(d["value"]), typename="set")

SERIALIZER = BpmnWorkflowSerializer(_registry)
REGISTRY = _registry  # the converters, for SpiffWorkflow's spec diff (engine.moves.migration)
# The converter object behind the registry entry (a partial over its bound from_dict).
_WF_CONVERTER = _registry.convert_from_dict[_registry.typenames[BpmnWorkflow]].args[0].__self__
VERSION = SERIALIZER.VERSION
LOADS = 0  # deserializations in this process (tests count them per request)


_dump_lock = threading.Lock()


def dump(workflow: BpmnWorkflow) -> str:
    """The instance state as JSON: everything but the (cached) specs. Spiff 3.2 converts custom
    types in the JSON encoder while a registry-wide flag is set, so dumps take turns."""
    with _dump_lock:
        _registry._encoder_mode = True
        try:
            dct = WorkflowConverter.to_dict(_WF_CONVERTER, workflow)
            dct["subprocesses"] = _WF_CONVERTER.mapping_to_dict(workflow.subprocesses)
            dct["bpmn_events"] = _registry.convert(workflow.bpmn_events)
            return json.dumps(dct, cls=SERIALIZER._encoder_cls, separators=(",", ":"))
        finally:
            _registry._encoder_mode = False


def load(state: str, spec: Any, subprocess_specs: dict[str, Any], script_engine: Any) -> BpmnWorkflow:
    """Rebuild a workflow around cached spec objects: the same steps as Spiff's
    BpmnWorkflowConverter.from_dict minus restoring the specs (about half the load time)."""
    global LOADS
    LOADS += 1
    dct = json.loads(state)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine, deserializing=True)
    workflow.tasks = _WF_CONVERTER.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
    workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
    _WF_CONVERTER.set_default_attributes(workflow, dct)
    _WF_CONVERTER.subprocesses_from_dict(dct["subprocesses"], workflow)
    workflow.bpmn_events = _registry.restore(dct.get("bpmn_events", []))
    return workflow
