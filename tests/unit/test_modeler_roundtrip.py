"""The model editor keeps every SpiffWorkflow extension (issue 13 point 2): each shipped BPMN file and
the construct models that use spiffworkflow elements are imported and exported the way the editor
does it (bpmn-moddle + frontend/src/spiffworkflow-moddle.json, through frontend/roundtrip.mjs), and
the deployment parser then gives the same process specs — task by task, extensions, scripts,
conditions, lanes, events — as from the original files."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.specs.base import TaskSpec

from engine.definitions.specs import build_parser

ROOT = Path(__file__).parents[2]
FRONTEND = ROOT / "frontend"
SHIPPED = sorted((ROOT / "workflows").glob("*/*.bpmn"))
CONSTRUCTS = [ROOT / "tests/models/conformance" / f"{name}.bpmn"
              for name in ("cf_postscript", "cf_payloads", "cf_mi_collections", "cf_call_activity")]
DMN = {p.name: p.read_bytes() for p in (ROOT / "workflows/dmn").glob("*.dmn")}


def _roundtrip(paths: list[Path]) -> dict[str, bytes]:
    if not shutil.which("node") or not (FRONTEND / "node_modules/bpmn-moddle").exists():
        pytest.fail("node and frontend/node_modules are needed (make setup)")
    done = subprocess.run(["node", "roundtrip.mjs", *map(str, paths)], cwd=FRONTEND, check=True,
                          capture_output=True, timeout=120)
    return {name: xml.encode() for name, xml in json.loads(done.stdout).items()}


def _plain(value: Any) -> Any:
    """A spec's state as plain data: other task specs by name (they refer to each other), objects as
    their attributes, so two parses compare equal exactly when they hold the same content."""
    if isinstance(value, TaskSpec):
        return f"<{value.name}>"
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return {"__type__": type(value).__name__, **{k: _plain(v) for k, v in vars(value).items() if k != "_wf_spec"}}
    return value


def _specs(files: dict[str, bytes]) -> dict[str, dict]:
    parser, _ = build_parser(files)
    return {pid: {name: {k: _plain(v) for k, v in vars(task).items() if k != "_wf_spec"}
                  for name, task in spec.task_specs.items()}
            for pid, spec in parser.find_all_specs().items()}


def test_export_keeps_every_spiffworkflow_extension():
    paths = SHIPPED + [p for p in CONSTRUCTS if p.exists()]
    exported = _roundtrip(paths)
    assert set(exported) == {p.name for p in paths}
    original = {p.name: p.read_bytes() for p in SHIPPED}
    before, after = _specs(original | DMN), _specs({n: exported[n] for n in original} | DMN)
    assert before.keys() == after.keys()
    for pid in before:
        assert after[pid] == before[pid], pid
    assert b"loopDataInputRef>experts<" in exported["ca1_expert_panel.bpmn"]  # a variable, not an element
    for path in paths[len(SHIPPED):]:  # each construct model on its own (they share process ids)
        assert _specs({path.name: exported[path.name]}) == _specs({path.name: path.read_bytes()}), path.name
