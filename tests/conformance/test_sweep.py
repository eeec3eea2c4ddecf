"""The sweep (issue 13 point 5): every model of ../shared/conformance (MIWG reference models and
their bpmn.io exports) and our construct models in tests/models/conformance, deployed through the
deploy API and run through the APIs as their initiator (user tasks completed, messages posted,
timers let fire on the engine's clock), compared with the same files run on bare SpiffWorkflow
3.2: the same end (event and data), the same failure (an incident), or refused at deployment with
Chinese element-level messages."""
from __future__ import annotations

from typing import Any

import pytest

from tests.conformance import judge, support
from tests.factories import ROOT

CORPUS = ROOT.parent / "shared" / "conformance"


RUNS = (judge.SAME, judge.BOTH_FAIL)  # what a construct model of ours must give


def _case(name: str, messages: tuple[str, ...] = (), fire_timers: bool = False, expected: tuple[str, ...] = RUNS,
          says: str = "") -> Any:
    return pytest.param(support.model(name), messages, fire_timers, expected, says, id=name)


CONSTRUCTS = [
    _case("cf_mi_collections"),  # parallel and sequential MI, collections and cardinality, items
    _case("cf_mi_user_outputs"),  # MI user task whose members give no output item: both fail
    _case("cf_data_objects"),  # data object, data output and input associations
    _case("cf_data_output_missing"),  # a data output association with nothing to give: both fail
    _case("cf_postscript"),  # pre- and post-scripts on a user task and a script task
    _case("cf_postscript_fails"),
    _case("cf_terminate"),
    _case("cf_event_gateway", messages=("go_ahead",)),
    _case("cf_event_gateway", fire_timers=True),
    _case("cf_script_print"),
    _case("cf_team_lane"),
    _case("cf_unknown_role_lane"),  # lanes "A", "B": no such role, the process administrators start and work it
    _case("cf_bare_user_task"),
    _case("cf_error_escalation_signal"),  # error end → error boundary, escalation, signal throw/catch
    _case("cf_boundary_timer"),  # interrupting timer boundary event: the step is done first
    _case("cf_boundary_timer", fire_timers=True),  # ... and the timer fires first
    _case("cf_event_subprocess"),  # an error event sub-process
    _case("cf_call_activity"),  # a call activity with data inputs and outputs
    _case("cf_payloads"),  # error, escalation and signal payloads (spiffworkflow:payloadExpression)
    _case("cf_boundary_kinds"),  # standard loop, inclusive gateway, manual task ...
    _case("cf_boundary_kinds", messages=("cancel_request",)),  # ... cancelled by a message boundary event
    _case("cf_multiple_catch", messages=("cf_both_a", "cf_both_b", "cf_either_c")),  # catch events of several messages
    _case("cf_call_missing", expected=(judge.REFUSED,)),  # a called process not uploaded: refused at the call
    _case("cf_script_names"),  # locals(), globals(), vars() in a script and a condition
    _case("cf_script_import", expected=(judge.REFUSED,)),  # import in a script: refused at the script task
    _case("cf_boundary_more", messages=("cf_nudge",), fire_timers=True),  # non-interrupting timer and message,
    _case("cf_boundary_more"),  # signal and conditional boundary events; nothing comes while the step waits
    _case("cf_event_subprocess_starts", messages=("cf_es_ping",), fire_timers=True),  # non-interrupting message and
    _case("cf_event_subprocess_starts", messages=("cf_es_stop",)),  # timer starts; an interrupting message start
    _case("cf_unfed_condition", expected=(judge.REFUSED,),  # a condition reading what only a form-less step
          says="again: 条件读取的变量 “repeat” 在模型中没有来源"),  # could have set: refused at its flow
]
MIWG = [pytest.param({p.name: p.read_bytes()}, (), False, (judge.SAME, judge.BOTH_FAIL, judge.REFUSED), "",
                     id=str(p.relative_to(CORPUS)))
        for p in sorted(CORPUS.rglob("*.bpmn"))]


@pytest.mark.parametrize(("files", "messages", "fire_timers", "expected", "says"), CONSTRUCTS + MIWG)
def test_same_result_as_bare_spiffworkflow_or_refused(sweep_db, sweeper, files, messages, fire_timers, expected, says):
    client, admin = sweeper
    verdict = judge.judge(client, admin, sweep_db, files, messages=messages, fire_timers=fire_timers)
    assert verdict.outcome in expected, verdict
    assert says in verdict.reason, verdict
