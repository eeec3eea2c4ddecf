"""Raw-SpiffWorkflow harness for the shipped P1 models (no database, no Flask).

Scripts, conditions and DMN cells run in engine.definitions.sandbox's RestrictedPython environment, with
test-local versions of the domain's script helpers (`today` on a settable clock, `intake_cutoff`,
`domain_of`). Service tasks are
answered by canned, test-local handlers (the real handlers live in `budget/` and are tested there);
their result dict is merged into the task data, as the engine does.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.definitions import taskdata
from engine.definitions.sandbox import RestrictedEnvironment, base_globals
from tests.samples import SCORES

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / "workflows"
BPMN_FILES = [
    WORKFLOWS / "p1_intake" / "p1_project_intake.bpmn",
    WORKFLOWS / "p1_intake" / "ca4_fiscal_exante.bpmn",
    WORKFLOWS / "common" / "ca1_expert_panel.bpmn",
    WORKFLOWS / "common" / "ca2_third_party_engagement.bpmn",
]
DMN_FILES = [
    WORKFLOWS / "dmn" / "dt_01_exante_requirement.dmn",
    WORKFLOWS / "dmn" / "dt_02_exante_conclusion.dmn",
    WORKFLOWS / "dmn" / "dt_05_major_key.dmn",
]

# --------------------------------------------------------------------------- script environment


def intake_cutoff(year: int) -> date:
    return date(year - 1, 8, 31)


class Clock:
    today = date(2025, 6, 1)


HELPERS = {
    "today": lambda: Clock.today,
    "intake_cutoff": intake_cutoff,
    "domain_of": lambda function_category: f"FC{function_category}",
}


class TestEnvironment(RestrictedEnvironment):
    """engine.definitions.sandbox's restricted environment, with test-local script helpers (a fixed clock)."""

    def _globals(self, context, external):
        g = base_globals()
        g["_write_"] = lambda obj: obj
        g.update(HELPERS)
        g.update(external or {})
        g.update(context)
        return g


class Services:
    """Canned service handlers (test-local). Every call is logged as (operator, params)."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.experts = ["expert.e01", "expert.e06", "expert.e09"]
        self.engagements = 0

    def __call__(self, data, operator, params):
        self.calls.append((operator, params))
        if operator == "experts.select":
            assert params["panel_type"] and params["n_experts"] >= 1
            return {"experts": list(self.experts), "excluded": ["expert.e05"]}
        if operator == "panel.aggregate":
            present = [o for o in params["opinions"] if not o["absent"]]
            score = sum(Decimal(o["total_score"]) for o in present) / len(present) if present else None
            verdicts = [o["expert_verdict"] for o in present]
            proposed = max(set(verdicts), key=verdicts.count) if verdicts else None
            return {"panel_score": score, "panel_verdict_proposed": proposed, "panel_summary": ""}
        if operator == "thirdparty.candidates":
            return {"tp_candidates": [{"firm": "TP-A"}, {"firm": "TP-C"}]}
        if operator == "engagement.create":
            self.engagements += 1
            return {"engagement_id": f"ENG-{self.engagements}"}
        if operator in ("project.set_status", "exante.conclude", "project.enter_library",
                        "project.record_classification"):
            return None
        raise AssertionError(f"unknown service operator {operator}")

    def of(self, operator):
        return [p for op, p in self.calls if op == operator]


class Engine(PythonScriptEngine):
    def __init__(self, services: Services):
        super().__init__(environment=TestEnvironment())
        self.services = services

    def call_service(self, task, operation_name=None, operation_params=None, **kwargs):
        params = {k: v["value"] for k, v in (operation_params or {}).items()}
        result = self.services(task.data, operation_name, params)
        if result:
            task.data.update(result)
        return "null"


# --------------------------------------------------------------------------- parsing


def make_parser() -> SpiffBpmnParser:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_files([str(p) for p in BPMN_FILES])
    parser.add_dmn_files([str(p) for p in DMN_FILES])
    return parser


@pytest.fixture(scope="session")
def specs():
    parser = make_parser()
    return {
        pid: (parser.get_spec(pid), parser.get_subprocess_specs(pid))
        for pid in ("p1_project_intake", "ca4_fiscal_exante", "ca1_expert_panel", "ca2_third_party_engagement")
    }


# --------------------------------------------------------------------------- running


class Run:
    def __init__(self, spec, subprocess_specs, data):
        self.services = Services()
        self.wf = BpmnWorkflow(spec, subprocess_specs, script_engine=Engine(self.services))
        self.wf.task_tree.data.update(data)
        self.seen: list[str] = []
        self.step()

    def step(self):
        self.wf.do_engine_steps()
        for t in self.ready():
            assert t.task_spec.lane, f"user task {t.task_spec.name} has no lane"
            assert "formKey" in t.task_spec.extensions.get("properties", {}), t.task_spec.name

    def ready(self):
        return self.wf.get_tasks(state=TaskState.READY, manual=True)

    def ready_names(self):
        return sorted(t.task_spec.name for t in self.ready())

    def task(self, name, /, assignee=None):
        tasks = [t for t in self.ready() if t.task_spec.name == name]
        if assignee is not None:
            tasks = [t for t in tasks if self.assignee(t) == assignee]
        assert len(tasks) == 1, f"expected one READY {name} ({assignee}); ready: {self.ready_names()}"
        return tasks[0]

    def assignee(self, task):
        expr = task.task_spec.extensions.get("properties", {}).get("assignee")
        return None if expr is None else self.wf.script_engine.evaluate(task, expr)

    def complete(self, name, /, _who=None, **form):
        task = self.task(name, _who)
        self.seen.append(name)
        taskdata.record(task, form)  # as engine.moves.runtime keeps a submission: under its step
        task.run()
        self.step()
        return task

    def fire_timer(self, spec_name, **match):
        waiting = [
            t for t in self.wf.get_tasks(state=TaskState.WAITING, spec_name=spec_name)
            if all(t.data.get(k) == v for k, v in match.items())
        ]
        assert len(waiting) == 1, (spec_name, match, len(waiting))
        past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
        waiting[0]._set_internal_data(event_value=past)
        self.wf.refresh_timers()
        self.step()
        self.step()

    def completed_ends(self):
        return sorted(
            t.task_spec.name for t in self.wf.get_tasks(state=TaskState.COMPLETED)
            if t.task_spec.name.startswith("end_") and t.workflow is self.wf
        )

    def data_after(self, spec_name):
        tasks = self.wf.get_tasks(spec_name=spec_name, state=TaskState.COMPLETED)
        assert tasks, f"{spec_name} never ran"
        return tasks[-1].data

    def events(self):
        return self.wf.get_events()


@pytest.fixture()
def run_p1(specs):
    spec, subs = specs["p1_project_intake"]

    def start(data):
        return Run(spec, subs, data)

    return start


@pytest.fixture(autouse=True)
def _clock():
    Clock.today = date(2025, 6, 1)
    yield
    Clock.today = date(2025, 6, 1)


# --------------------------------------------------------------------------- sample data (§8.3 / §8.5)

ALL_PACKS = ["CORE", "SD", "SZ", "QP", "FJ", "JN"]

# code: dept, function_category, object_type, NEW/CONTINUING, years, FY2026 request (万元), extra F-01 fields
PROJECTS = {
    "P-D02-001": ("D02", "210", "PROJECT", "NEW", (2026, 2028), 15000, {"large_influence": True}),
    "P-D03-001": ("D03", "214", "PROJECT", "NEW", (2026, 2028), 10000, {}),
    "P-D01-001": ("D01", "205", "PROJECT", "NEW", (2026, 2027), 3000, {}),
    "P-D05-001": ("D05", "211", "PROJECT", "NEW", (2026, 2028), 300, {}),
    "P-D05-002": ("D05", "211", "PROJECT", "NEW", (2026, 2026), 299, {}),
    "P-D11-001": ("D11", "223", "PROJECT", "NEW", (2026, 2027), 5000, {}),
    "P-D04-002": ("D04", "213", "SPECIAL_FUND", "CONTINUING", (2026, 2028), 1800, {"policy_expiry_year": 2025}),
    "P-D10-001": ("D10", "216", "SPECIAL_FUND", "CONTINUING", (2026, 2028), 14000, {"policy_expiry_year": 2025}),
}



def initial_data(code, packs=ALL_PACKS, **over):
    dept = PROJECTS[code][0]
    data = {
        "project_id": f"id-{code}",
        "project_code": code,
        "request_year": 2026,
        "packs": list(packs),
        "in_year": False,
        "is_major_flag": False,
        "cost_catalog": False,
        "dept_code": dept,
    }
    data.update(over)
    return data


def fill_form(code, **over):
    _dept, fc, otype, noc, (y0, y1), amount, extra = PROJECTS[code]
    form = {
        "name": code,
        "object_type": otype,
        "new_or_continuing": noc,
        "start_year": y0,
        "end_year": y1,
        "function_category": fc,
        "annual_requests": [
            {"year": y, "fiscal_amount": Decimal(amount), "other_amount": Decimal("0")} for y in range(y0, y1 + 1)
        ],
        "indicators": [],
        "overall_goal": "…",
    }
    form.update(extra)
    form.update(over)
    return form


def scores_form(key, **over):
    n, e, t, f, fin = SCORES[key]
    form = {
        "dim_necessity": Decimal(n), "dim_economy": Decimal(e), "dim_target": Decimal(t),
        "dim_feasibility": Decimal(f), "dim_financing": Decimal(fin),
        "total_score": Decimal(n + e + t + f + fin),
        "financing_compliant": True,
    }
    form.update(over)
    return form


class _Sample:
    ALL = ALL_PACKS
    PROJECTS = PROJECTS
    SCORES = SCORES
    initial = staticmethod(initial_data)
    fill = staticmethod(fill_form)
    scores = staticmethod(scores_form)


@pytest.fixture(scope="session")
def sample():
    return _Sample


@pytest.fixture(scope="session")
def clock():
    return Clock


@pytest.fixture(scope="session")
def make_engine():
    return lambda: Engine(Services())
