"""SpiffWorkflow's own public test models as sweep material (issue 13 point 5), read at run time
from a checkout of the SpiffWorkflow repository (`SPIFF_UPSTREAM_TESTS=<dir>`), never copied here.

The files are grouped as SpiffWorkflow's python tests load them: every literal call
`load_workflow_spec(glob, process_id[, dmn_glob])` or `load_collaboration(glob, id)` in a family's
tests (bpmn, camunda, spiff) gives the files of the glob under that family's `data/` (plus its DMN
under `data/dmn/`) and the process to start; a collaboration, and any file no test names, gives one
case per executable top-level process it holds. What to drive is read from the files: the names of
the messages something catches (a top-level message start aside: only its message starts it; and
messages with correlation properties, whose values no driver knows) are posted, and waiting timers are let fire once when the model has any."""
from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

FAMILIES = ("bpmn", "camunda", "spiff")
LOADERS = {"load_workflow_spec", "load_collaboration"}
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
MODEL_SUFFIXES = (".bpmn", ".bpmn20.xml")


# What SpiffWorkflow's own tests set on a user or manual task before running it (`task.data[...] =`,
# `task.set_data(...)`), per case and step: our table of inputs, read off those tests by hand (their
# values are computed in loops, helper methods and dicts, where parsing is not sensible). Both bare
# Spiff and PerfFlow complete the step with it (PerfFlow: the F-00 submission plus these fields).
# return_to_event and timer-non-interrupt-boundary are refused at deployment now (their gateways
# read what only the form-less step could give, engine.definitions.condition_sources): kept, so
# the comparison comes back if that rule ever changes.
TASK_DATA: dict[str, dict[str, dict[str, Any]]] = {
    "bpmn/return_to_event.bpmn:return_to_event": {"manual": {"repeat": False}},
    "bpmn/timer-non-interrupt-boundary.bpmn:NonInterruptTimer": {"Activity_Work": {"work_done": "Yes"},
                                                                 "GetReason": {"delay_reason": "Just Because"}},
}

# What the tests set before the first step runs (`start.data = …`, the start task's `set_data`, or
# the first ready task's data when nothing reads it before that task): fed as the instance's start
# data on both sides (PerfFlow's `POST …/instances` `data`, Spiff's root task data). What a test
# then sets on a form-less step (a member's `output_item`, `done` on the loop's step) is not fed:
# F-00 cannot carry it, so those steps are done with no data on both sides.
START_DATA: dict[str, dict[str, Any]] = {
    "bpmn/Test-Workflows/Timer-Intermediate.bpmn20.xml:sid-909dfba4-15dd-47b3-b7d4-88330891429a":
        {"due_time": "2027-01-01T09:00:00"},  # its test: now + 0.01 s; the drivers let the timer fire
    "bpmn/exclusive_gateway_no_default.bpmn:NoDefaultGateway": {"x": 1},  # no flow matches: both fail
    "bpmn/standard_loop.bpmn:main": {"done": False},
    "bpmn/parallel_multiinstance_loop_input.bpmn:main": {"input_data": [1, 2, 3]},
    "bpmn/sequential_multiinstance_loop_input.bpmn:main": {"input_data": [1, 2, 3]},
    "camunda/parallel_multiinstance_cardinality.bpmn:main": {"input_data": [1, 2, 3]},
    "spiff/prescript_postscript.bpmn:Process_1": {"a": 1, "b": 2},
    "spiff/prescript_postscript_*.bpmn:parent": {"old": "hello"},
    "spiff/signal_event_payload.bpmn:event_test": {"v1": 1, "v2": 2, "v3": 3},
    "spiff/spiff_multiinstance.bpmn:Process_1": {"input_data": [1, 2, 3]},
    "spiff/script_on_mi.bpmn:Process_1": {"input_data": [1, 2, 3]},
    "spiff/receive_correlations.bpmn:correlation-test": {"value_1": "a", "value_2": "b"},
    "spiff/correlation.bpmn:proc_1": {"task_num": 0, "task_name": "subprocess 0", "extra_data": "unused data"},
}


@dataclass(frozen=True)
class Case:
    id: str  # family/relative file(s):process
    files: tuple[tuple[str, bytes], ...]  # upload name -> content
    key: str | None
    messages: tuple[str, ...]
    fire_timers: bool
    task_data: dict[str, dict[str, Any]] = field(default_factory=dict)  # step id -> what its tests set
    start_data: dict[str, Any] = field(default_factory=dict)  # what its tests set before the first step

    @property
    def file_map(self) -> dict[str, bytes]:
        return dict(self.files)


def tests_root(given: str | os.PathLike[str]) -> Path:
    """`given` may be the repository, its tests/ or tests/SpiffWorkflow."""
    base = Path(given)
    for candidate in (base / "tests" / "SpiffWorkflow", base / "SpiffWorkflow", base):
        if all((candidate / family / "data").is_dir() for family in FAMILIES):
            return candidate
    raise FileNotFoundError(f"no SpiffWorkflow test tree (bpmn/data, camunda/data, spiff/data) under {base}")


def upload_name(path: Path) -> str:
    """The deploy API takes .bpmn, .bpmn20.xml and .dmn: every file goes up under its own name."""
    return path.name


@dataclass(frozen=True)
class _Load:
    family: str
    pattern: str
    process: str | None  # None: a collaboration, or a process id the test computes
    dmn: str | None


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _loads(root: Path) -> list[_Load]:
    found: list[_Load] = []
    for family in FAMILIES:
        for source in sorted((root / family).rglob("*.py")):
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name not in LOADERS or not node.args or _literal(node.args[0]) is None:
                    continue
                keywords = {k.arg: k.value for k in node.keywords}
                process = _literal(node.args[1]) if len(node.args) > 1 and name == "load_workflow_spec" else None
                dmn = _literal(node.args[2]) if len(node.args) > 2 else _literal(keywords.get("dmn_filename"))
                found.append(_Load(family, _literal(node.args[0]) or "", process, dmn))
    return found


def _roots(paths: list[Path]) -> list[etree._Element]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return [etree.parse(str(p), parser).getroot() for p in paths if p.name.endswith(MODEL_SUFFIXES)]


def top_processes(paths: list[Path]) -> list[str]:
    """Executable processes no call activity of these files calls, in document order."""
    roots = _roots(paths)
    called = {c.get("calledElement") for r in roots for c in r.iter(f"{BPMN}callActivity")}
    return [p.get("id") for r in roots for p in r.iter(f"{BPMN}process")
            if p.get("isExecutable", "false") == "true" and p.get("id") not in called]


def _process_id(paths: list[Path], given: str) -> str:
    """Spiff's parser also finds a process by its name (`'Parallel Many Threads At Same Point
    Nested'`); the deploy API takes ids."""
    processes = [p for r in _roots(paths) for p in r.iter(f"{BPMN}process")]
    if any(p.get("id") == given for p in processes):
        return given
    return next((p.get("id") for p in processes if p.get("name") == given), given)


def _drive(paths: list[Path], key: str | None) -> tuple[tuple[str, ...], bool]:
    roots = _roots(paths)
    # a message with correlation properties needs values no driver knows: it is not posted
    correlated = {e.get("messageRef") for r in roots for e in r.iter(f"{BPMN}correlationPropertyRetrievalExpression")}
    names = {m.get("id"): m.get("name") or m.get("id") for r in roots for m in r.iter(f"{BPMN}message")
             if m.get("id") not in correlated}
    caught: list[str] = []
    for root in roots:
        for process in root.iter(f"{BPMN}process"):
            for event in process.iter(f"{BPMN}startEvent", f"{BPMN}intermediateCatchEvent", f"{BPMN}boundaryEvent",
                                      f"{BPMN}receiveTask"):
                top_start = event.tag == f"{BPMN}startEvent" and event.getparent() is process and process.get("id") == key
                refs = [d.get("messageRef") for d in event.iter(f"{BPMN}messageEventDefinition")]
                if event.tag == f"{BPMN}receiveTask":
                    refs.append(event.get("messageRef"))
                for ref in refs:
                    name = names.get(ref)
                    if name and not top_start and name not in caught:
                        caught.append(name)
    timers = any(True for r in roots for _ in r.iter(f"{BPMN}timerEventDefinition"))
    return tuple(caught), timers


def _case(root: Path, family: str, paths: list[Path], key: str | None, shown: str) -> Case:
    messages, timers = _drive(paths, key)
    case_id = f"{family}/{shown}:{key or '-'}"
    return Case(case_id, tuple((upload_name(p), p.read_bytes()) for p in paths), key, messages, timers,
                TASK_DATA.get(case_id, {}), START_DATA.get(case_id, {}))


def discover(given: str | os.PathLike[str]) -> list[Case]:
    """Every model of the tree, grouped as its tests load it; each group and process once."""
    root = tests_root(given)
    cases: dict[tuple[tuple[Path, ...], str | None], Case] = {}
    covered: set[Path] = set()

    def add(family: str, paths: list[Path], key: str | None, shown: str) -> None:
        if (tuple(paths), key) not in cases:
            cases[(tuple(paths), key)] = _case(root, family, paths, key, shown)

    for load in _loads(root):
        data = root / load.family / "data"
        models = sorted(p for p in data.glob(load.pattern) if p.name.endswith(MODEL_SUFFIXES))
        if not models:
            continue
        covered.update(models)
        dmn = sorted(data.joinpath("dmn").glob(load.dmn)) if load.dmn else []
        for key in [_process_id(models, load.process)] if load.process else top_processes(models) or [None]:
            add(load.family, models + dmn, key, load.pattern + (f"+dmn/{load.dmn}" if load.dmn else ""))
    for family in FAMILIES:
        for path in sorted((root / family / "data").rglob("*")):
            if path.name.endswith(MODEL_SUFFIXES) and path not in covered:
                for key in top_processes([path]) or [None]:
                    add(family, [path], key, str(path.relative_to(root / family / "data")))
    return sorted(cases.values(), key=lambda c: c.id)
