"""An instance's workflow state: rebuilt around the cached specs of its model version, and the
lookup of one engine task in it (subprocesses included). Every move and the read side load here."""
from __future__ import annotations

import uuid
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow

from engine.base.models import ProcessInstance
from engine.definitions import specs
from engine.definitions.sandbox import EngineScripts
from engine.moves import serializer


def load(instance: ProcessInstance) -> tuple[BpmnWorkflow, EngineScripts, specs.LoadedModel]:
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
