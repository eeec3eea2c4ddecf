"""P3 deploys as shipped (with CA-3, CA-5 and the DMN it uses): the deployment's checks — lanes,
forms and modes, handlers and service operators, task-data inputs and outputs — accept it."""
from __future__ import annotations

import pytest
from p1_driver import ROOT

from engine.base.errors import Forbidden
from engine.definitions import specs
from engine.definitions.deploy import closure_files, deploy
from engine.moves.runtime import manually_startable, start_instance
from tests.factories import make_user


def test_p3_deploys_with_its_call_activities(db):
    files = closure_files(ROOT / "workflows")["p3_monitoring"]
    assert {"common/ca3_target_review.bpmn", "common/ca5_key_monitoring.bpmn",
            "dmn/dt_06_monitoring_warning.dmn", "dmn/dt_07_monitoring_response.dmn"} <= set(files)
    version = deploy(files, "test")[0]
    db.session.commit()
    assert version.key == "p3_monitoring"


def test_p3_starts_only_from_its_message(db):
    """P3 has message starts only: no 新建 button, and a start by hand is refused (it would wait
    for a message no one sends)."""
    version = deploy(closure_files(ROOT / "workflows")["p3_monitoring"], "test")[0]
    db.session.commit()
    assert not manually_startable(specs.load(version).spec)
    fund = make_user("fund1", ("FIN_FUND", "ALL", None))
    with pytest.raises(Forbidden, match="不能手动发起"):
        start_instance("p3_monitoring", fund, {})
