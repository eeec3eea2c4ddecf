"""Every user task of the shipped models that writes a record names a registered handler
(`completionHandler`); the ones that write nothing are listed here with the reason, so a new
user task has to choose one or the other."""
from __future__ import annotations

import budget  # noqa: F401  (registers the handlers)
from engine.base.hooks import REGISTRY
from tests.shipped import user_tasks

# user task → why its completion writes no record of its own
WRITES_NOTHING = {
    "ut_fe_scope": "CA-4 scope: performer and focus points stay in task data for the assess step",
    "ut_fe_confirm": "CA-4 confirm: the conclusion is recorded by exante.conclude after it",
    "ut_panel_chair": "CA-1: the chair's verdict is the called process's output to its caller",
    "ut_tp_select": "CA-2: the choice is recorded by engagement.create after it",
    "ut_km_plan": "CA-5: the performer is the gateway's choice; the tracker's F-12 is the record",
}


def test_every_record_writing_user_task_names_a_registered_handler():
    tasks = user_tasks()
    named = {tid: props.get("completionHandler") for tid, (_file, props) in tasks.items()}
    assert {tid for tid, name in named.items() if not name} == set(WRITES_NOTHING)
    unknown = {tid: name for tid, name in named.items() if name and name not in REGISTRY.task_handlers}
    assert unknown == {}
    assert not set(WRITES_NOTHING) - set(tasks), "listed tasks no longer exist"


def test_every_domain_task_handler_is_named_by_a_shipped_task_of_its_family():
    """No dead handlers, and a family's handlers serve its own models (p1.* → workflows/p1_intake,
    p2.* → workflows/p2_review, p3.* → workflows/p3_monitoring, p7.* → workflows/p7_rectification,
    common.* → workflows/common)."""
    folders = {"p1": "p1_intake", "p2": "p2_review", "p3": "p3_monitoring", "p7": "p7_rectification", "common": "common"}
    used: dict[str, set[str]] = {}
    for file, props in user_tasks().values():
        if name := props.get("completionHandler"):
            used.setdefault(name, set()).add(file.split("/")[0])
    domain = {name for name in REGISTRY.task_handlers if name.split(".")[0] in folders}
    assert domain == set(used)
    for name, where in used.items():
        assert where == {folders[name.split(".")[0]]}, (name, where)
