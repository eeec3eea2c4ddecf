"""An instance's workflow state: rebuilt around the cached specs of its model version, and the
lookup of one engine task in it (subprocesses included). Every move and the read side load here."""
from __future__ import annotations

import uuid
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow

from engine.base.db import db
from engine.base.models import ProcessInstance
from engine.definitions import specs
from engine.definitions.sandbox import EngineScripts
from engine.moves import serializer

Loaded = tuple[BpmnWorkflow, EngineScripts, specs.LoadedModel]
_READ = "perfflow.read_workflows"  # db.session.info key: {instance id: (state, Loaded)}


def load(instance: ProcessInstance) -> Loaded:
    """The workflow for a move, which will change it. A workflow a reader of this session
    loaded from the very same state is handed over (and forgotten) instead of deserializing
    again: a page that shows a task and then completes it loads the workflow once. Moves lock
    the instance row and re-read it first (runtime.lock_item), so equal state means unmoved."""
    kept = db.session.info.get(_READ, {}).pop(instance.id, None)
    if kept is not None and kept[0] == instance.state:
        return kept[1]
    return _deserialize(instance)


def read_workflow(instance: ProcessInstance) -> BpmnWorkflow:
    """The workflow for reading only (a task view): loaded once per session and state."""
    kept = db.session.info.setdefault(_READ, {})
    found = kept.get(instance.id)
    if found is None or found[0] != instance.state:
        found = kept[instance.id] = (instance.state, _deserialize(instance))
    return found[1][0]


def _deserialize(instance: ProcessInstance) -> Loaded:
    loaded = specs.load_by_id(instance.model_version_id)
    scripts = EngineScripts()
    workflow = serializer.load(instance.state, loaded.spec, loaded.subprocess_specs, scripts)
    return workflow, scripts, loaded


def find_task(workflow: BpmnWorkflow, spiff_task_id: uuid.UUID) -> Any | None:
    """The task in the workflow or any of its subprocesses, or None."""
    for wf in (workflow, *workflow.subprocesses.values()):
        if spiff_task_id in wf.tasks:
            return wf.tasks[spiff_task_id]
    return None


def load_workflow(instance: ProcessInstance) -> BpmnWorkflow:
    return load(instance)[0]
