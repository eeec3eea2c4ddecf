"""版本与迁移 through the pages (issue 13 point 4): 设为启用版本 needs a reason, acts, shows in the
model's audit and the badge moves; others get 403; a move refused by the engine says why in place."""
from __future__ import annotations

from engine.base.db import db as _db
from engine.definitions.deploy import deploy
from engine.moves.runtime import complete_task, start_process
from engine.work.inbox import todo
from tests.factories import EXAMPLE_MODEL, expense
from tests.integration.test_versions import variant

URL = "/admin/models/ex_two_step_approval"


def test_activate_from_the_page(people, login):
    deploy({EXAMPLE_MODEL.name: variant(add_precheck=True)}, "admin")
    _db.session.commit()
    admin = login("admin")
    page = admin.get(f"{URL}/migrations").get_data(as_text=True)
    assert "第2版 <span class=\"badge text-bg-success\">启用中</span>" in page and "设为启用版本" in page
    assert login("h1").get(f"{URL}/migrations").status_code == 403
    assert login("h1").post(f"{URL}/versions/1/activate", data={"reason": "x"}).status_code == 403
    refused = admin.post(f"{URL}/versions/1/activate", data={"reason": ""}, follow_redirects=True)
    assert "请填写切换原因" in refused.get_data(as_text=True)
    done = admin.post(f"{URL}/versions/1/activate", data={"reason": "第2版有误"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "第1版已设为启用版本" in text and "第1版 <span class=\"badge text-bg-success\">启用中</span>" in text
    assert "切换启用版本" in text.split('id="model-audit"')[1] and "第2版有误" in text
    assert admin.get("/admin/models/nope/migrations").status_code == 404


def test_move_refused_says_why_on_the_instance_page(people, login):
    instance = start_process("ex_two_step_approval", people["f1"])
    _db.session.commit()
    complete_task(todo(people["f1"])[0].id, people["f1"], expense())
    _db.session.commit()
    admin = login("admin")
    page = admin.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert "移动到…" in page and '<option value="ut_ex_fill">填写费用申请</option>' in page
    refused = admin.post(f"/instances/{instance.id}/admin/move-token",
                         data={"to_element": "end_ex_approved", "reason": "试试"}, follow_redirects=True)
    assert "不能直接移动" in refused.get_data(as_text=True)
    moved = admin.post(f"/instances/{instance.id}/admin/move-token",
                       data={"from_element": "ut_ex_approve", "to_element": "ut_ex_fill", "reason": "重填"},
                       follow_redirects=True)
    assert "流程已移动" in moved.get_data(as_text=True)
