"""P3 deploys as shipped (with CA-3, CA-5 and the DMN it uses): the deployment's checks — lanes,
forms and modes, handlers and service operators, task-data inputs and outputs — accept it."""
from __future__ import annotations

from p1_driver import ROOT

from engine.definitions.deploy import closure_files, deploy


def test_p3_deploys_with_its_call_activities(db):
    files = closure_files(ROOT / "workflows")["p3_monitoring"]
    assert {"common/ca3_target_review.bpmn", "common/ca5_key_monitoring.bpmn",
            "dmn/dt_06_monitoring_warning.dmn", "dmn/dt_07_monitoring_response.dmn"} <= set(files)
    version = deploy(files, "test")[0]
    db.session.commit()
    assert version.key == "p3_monitoring"
