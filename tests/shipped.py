"""The user tasks of the shipped models (workflows/**/*.bpmn), read from the files: what tests of
the domain need to call a step's handler the way the engine does."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}


@cache
def user_tasks() -> dict[str, tuple[str, dict[str, str]]]:
    """BPMN id of every shipped user task → (file relative to workflows/, its properties)."""
    found: dict[str, tuple[str, dict[str, str]]] = {}
    for path in sorted(WORKFLOWS.rglob("*.bpmn")):
        if path.relative_to(WORKFLOWS).parts[0] == "templates":
            continue  # new models start from these; they are not deployed (engine.definitions.model_templates)
        for task in etree.parse(str(path)).iterfind(".//bpmn:userTask", NS):
            props = {p.get("name"): p.get("value") for p in task.iterfind(".//spiffworkflow:property", NS)}
            found[task.get("id")] = (str(path.relative_to(WORKFLOWS)), props)
    return found


def handler_name(task_id: str) -> str | None:
    """The `completionHandler` a shipped user task names (None: it names none)."""
    return user_tasks()[task_id][1].get("completionHandler")
