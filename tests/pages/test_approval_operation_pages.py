"""The approval operations in the server-rendered pages (test client): 暂存, 抄送我的, 催办,
bad input that must change nothing, 批量同意, and the pages around them."""
from __future__ import annotations

from sqlalchemy import func, select

from engine.base.db import db as _db
from engine.base.models import AuditEvent, CarbonCopy, Deputy, HumanTask, Notification, Opinion
from engine.moves.runtime import complete_task
from engine.work.inbox import todo
from tests.pages.conftest import form_of, only_task


def _count(model, *where) -> int:  # noqa: ANN001
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_draft_is_saved_and_shown_again(db, people, login):
    filer = login("f1")
    task_id = filer.post("/start/ex_three_step_review").location.rsplit("/", 1)[-1]
    page = filer.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "暂存" in page and "提交" in page
    saved = filer.post(f"/tasks/{task_id}/draft", data={"subject": "购置打印机（暂存）", "items.0.item": "打印机",
                                                        "items.0.quantity": "2"})
    assert saved.status_code == 302 and saved.location.endswith(f"/tasks/{task_id}")
    again = filer.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "已暂存" in again and 'value="购置打印机（暂存）"' in again and 'value="打印机"' in again
    assert "上次暂存" in again
    db.session.expire_all()
    row = db.session.get(HumanTask, task_id)
    assert row.status == "READY" and row.draft["items"] == [{"item": "打印机", "quantity": "2"}]
    assert "已暂存" in filer.get("/todo").get_data(as_text=True)  # the tag in 待办


def test_cc_list_unread_first_and_mark_read(db, people, login, submitted):
    instance_id, filer = submitted()
    copied = filer.post(f"/instances/{instance_id}/cc", data={"to": "a1， o1", "note": "请知悉"}, follow_redirects=True)
    assert "已抄送给 绩效处丙、绩效处丁" in copied.get_data(as_text=True)
    reader = login("a1")
    page = reader.get("/cc").get_data(as_text=True)
    assert "费用申请（三级审核示例）" in page and "请知悉" in page and "未读" in page
    assert 'class="count unread"' in page  # the header badge: unread copies (and notifications)
    cc = db.session.scalar(select(CarbonCopy).where(CarbonCopy.to_user == "a1"))
    marked = reader.post(f"/cc/{cc.id}/read", follow_redirects=True).get_data(as_text=True)
    assert "已标为已阅" in marked and "已阅" in marked
    db.session.expire_all()
    assert db.session.get(CarbonCopy, cc.id).read_at is not None
    assert _count(CarbonCopy, CarbonCopy.to_user == "o1", CarbonCopy.read_at.is_(None)) == 1
    # someone else's copy cannot be marked through the page
    reader.post(f"/cc/{db.session.scalar(select(CarbonCopy.id).where(CarbonCopy.to_user == 'o1'))}/read")
    assert _count(CarbonCopy, CarbonCopy.to_user == "o1", CarbonCopy.read_at.is_(None)) == 1
    # notifications: the copy notified them too; mark all read empties the badge
    notes = reader.get("/notifications").get_data(as_text=True)
    assert "抄送：费用申请（三级审核示例）" in notes
    reader.post("/notifications/read-all")
    assert 'class="count unread"' not in reader.get("/cc").get_data(as_text=True)


def test_urge_twice_shows_the_rate_limit(db, people, login, submitted):
    instance_id, filer = submitted()
    first = filer.post(f"/instances/{instance_id}/urge", data={"message": ""}, follow_redirects=True)
    assert "已催办：负责人乙" in first.get_data(as_text=True)
    second = filer.post(f"/instances/{instance_id}/urge", data={"message": "请尽快"}, follow_redirects=True)
    body = second.get_data(as_text=True)
    assert second.status_code == 200 and "催办未成功：催办过于频繁" in body and "flash-error" in body
    assert _count(Notification, Notification.kind == "urge") == 1
    assert _count(Opinion, Opinion.action == "urge") == 1


def test_bad_input_shows_chinese_errors_and_changes_nothing(db, people, login, submitted):
    instance_id, _ = submitted()
    complete_task(only_task(people["h1"]).id, people["h1"], {"verdict": "APPROVE"})
    db.session.commit()
    task = only_task(people["a1"])
    approver = login("a1")
    page = approver.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "退回" in page and "转办" in page and "委派" in page and "加签" in page
    assert "初审（负责人乙）" in page and "填报（经办人甲）" in page and "直达退回人" in page
    before = (_count(AuditEvent), _count(Opinion), _count(Notification))

    bad_user = approver.post(f"/tasks/{task.id}/transfer", data={"to": "nobody", "opinion": "请办理"})
    body = bad_user.get_data(as_text=True)
    assert bad_user.status_code == 422 and "用户 “nobody” 不存在或已停用" in body
    assert 'data-for="transfer.to"' in body and "请办理" in body  # beside the field, input kept

    fill = next(r for r in db.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == task.instance_id, HumanTask.task_name == "ut_ex3_fill")))
    no_opinion = approver.post(f"/tasks/{task.id}/return",
                               data={"target": str(fill.id), "resubmit": "JUMP_BACK", "opinion": "  "})
    body = no_opinion.get_data(as_text=True)
    assert no_opinion.status_code == 422 and "退回须填写审批意见" in body and 'data-for="return.opinion"' in body
    assert '<details id="op-return" open' in body

    nobody_signs = approver.post(f"/tasks/{task.id}/signers", data={"users": " , ", "position": "AFTER"})
    assert nobody_signs.status_code == 422 and "请选择加签人" in nobody_signs.get_data(as_text=True)

    db.session.expire_all()
    row = db.session.get(HumanTask, task.id)
    assert row.status == "READY" and row.assignee is None and row.sign_seq is None
    assert (_count(AuditEvent), _count(Opinion), _count(Notification)) == before
    assert [t.id for t in todo(people["a1"])] == [task.id]


def test_transfer_to_someone_else_moves_the_task(db, people, login, submitted):
    submitted()
    complete_task(only_task(people["h1"]).id, people["h1"], {"verdict": "APPROVE"})
    db.session.commit()
    task = only_task(people["a1"])
    moved = login("a1").post(f"/tasks/{task.id}/transfer", data={"to": "o1", "opinion": "请丁处长办理"},
                             follow_redirects=True)
    assert "已转办给 绩效处丁" in moved.get_data(as_text=True)
    assert [t.id for t in todo(people["o1"])] == [task.id]
    other = login("o1")
    assert "请丁处长办理" in other.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'class="count unread"' in other.get("/todo").get_data(as_text=True)  # the 转办 notification


def test_claim_release_and_delegate_resolve(db, people, login, submitted):
    submitted()
    complete_task(only_task(people["h1"]).id, people["h1"], {"verdict": "APPROVE"})
    db.session.commit()
    task = only_task(people["a1"])
    approver = login("a1")
    assert "认领" in approver.get(f"/tasks/{task.id}").get_data(as_text=True)
    approver.post(f"/tasks/{task.id}/claim")
    page = approver.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "已由 绩效处丙 认领" in page and "释放" in page
    assert todo(people["o1"]) == []  # claimed: no longer in the role's 待办
    approver.post(f"/tasks/{task.id}/release")
    assert [t.id for t in todo(people["o1"])] == [task.id]
    approver.post(f"/tasks/{task.id}/delegate", data={"to": "o1", "opinion": "请先核实金额"})
    helper = login("o1")
    page = helper.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "交回" in page and ">提交</button>" not in page and "绩效处丙 委派给您办理" in page
    missing = helper.post(f"/tasks/{task.id}/resolve", data={"opinion": ""})
    assert missing.status_code == 422 and "交回时须填写处理意见" in missing.get_data(as_text=True)
    helper.post(f"/tasks/{task.id}/resolve", data={"opinion": "金额核实无误"})
    page = approver.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "委派的任务已交回" in page and "金额核实无误" in page and ">提交</button>" in page


def test_add_and_remove_signers_on_the_task_page(db, people, login, submitted):
    submitted()
    complete_task(only_task(people["h1"]).id, people["h1"], {"verdict": "APPROVE"})
    db.session.commit()
    task = only_task(people["a1"])
    approver = login("a1")
    approver.post(f"/tasks/{task.id}/claim")
    added = approver.post(f"/tasks/{task.id}/signers", data={"users": "o1、admin", "position": "AFTER",
                                                            "order": "SEQUENTIAL", "opinion": "请会签"},
                          follow_redirects=True)
    page = added.get_data(as_text=True)
    assert "已加签：绩效处丁、管理员" in page and "多人审批" in page and "等待中" in page and "减签" in page
    signer = db.session.scalar(select(HumanTask).where(HumanTask.assignee == "admin", HumanTask.sign_seq.is_not(None)))
    removed = approver.post(f"/tasks/{task.id}/remove-signer/{signer.id}", follow_redirects=True)
    assert "已减签：管理员" in removed.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(HumanTask, signer.id).status == "CANCELLED"


def test_instance_page_opinions_prediction_comment_withdraw(db, people, login, submitted):
    instance_id, filer = submitted()
    page = filer.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert "审批预测" in page and "可能" in page and "候选：绩效处丙、绩效处丁" in page  # 审批, after the 初审 gateway
    assert "撤回" in page and "拿回：填报" in page
    filer.post(f"/instances/{instance_id}/comment", data={"text": "附件稍后补充"})
    empty = filer.post(f"/instances/{instance_id}/comment", data={"text": ""}, follow_redirects=True)
    assert "评论未成功：请填写评论内容" in empty.get_data(as_text=True)
    page = filer.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert "附件稍后补充" in page and "评论" in page
    withdrawn = filer.post(f"/instances/{instance_id}/withdraw", data={"opinion": "金额有误，撤回修改"},
                           follow_redirects=True)
    assert "已撤回" in withdrawn.get_data(as_text=True)
    again = only_task(people["f1"])
    assert again.task_name == "ut_ex3_fill" and todo(people["h1"]) == []
    timeline = filer.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert "金额有误，撤回修改" in timeline and "撤回" in timeline
    assert "拿回：" not in timeline  # the step is back in the filer's hands


def test_reclaim_from_the_instance_page(db, people, login, submitted):
    instance_id, filer = submitted()
    reclaimed = filer.post(f"/instances/{instance_id}/reclaim",
                           data={"item_id": str(db.session.scalar(select(HumanTask.id).where(
                               HumanTask.completed_by == "f1")))})
    assert reclaimed.status_code == 302 and "/tasks/" in reclaimed.location
    assert only_task(people["f1"]).task_name == "ut_ex3_fill" and todo(people["h1"]) == []


def test_reclaim_refused_once_the_next_step_was_opened(db, people, login, submitted):
    instance_id, filer = submitted()
    login("h1").get(f"/tasks/{only_task(people['h1']).id}")  # opening marks it
    item = db.session.scalar(select(HumanTask.id).where(HumanTask.completed_by == "f1"))
    refused = filer.post(f"/instances/{instance_id}/reclaim", data={"item_id": str(item)}, follow_redirects=True)
    assert "拿回未成功：下一环节已查看或办理，无法拿回" in refused.get_data(as_text=True)


def test_batch_approve_reports_each_task(db, people, login, submitted):
    submitted()
    submitted()
    filer = login("f1")
    task_id = filer.post("/start/ex_two_step_approval").location.rsplit("/", 1)[-1]
    filer.post(f"/tasks/{task_id}", data=form_of({"subject": "购置办公设备", "amount": "1", "purpose": "为新设立的科室购置设备。",
                                                  "items": [{"item": "椅子", "quantity": 1, "unit_price": "0.1"}]}))
    head = login("h1")
    ids = [str(t.id) for t in todo(people["h1"])]
    assert len(ids) == 3
    page = head.get("/todo").get_data(as_text=True)
    assert "批量同意" in page and 'name="ids"' in page and "优先级" in page and "截止时间" in page
    reply = head.post("/todo/batch", data={"ids": ids}, follow_redirects=True).get_data(as_text=True)
    assert "批量同意：成功 2 项，未成功 1 项" in reply and "该环节不允许批量审批" in reply
    assert [t.task_name for t in todo(people["h1"])] == ["ut_ex_approve"]
    assert len(todo(people["a1"])) == 2


def test_todo_sort_and_filters(db, people, login, submitted):
    submitted()
    head = login("h1")
    for query in ("?sort=due", "?sort=priority", "?priority=2", "?overdue=1", "?sort=bogus&priority=9&page=x"):
        assert head.get(f"/todo{query}").status_code == 200
    assert "暂无待办任务" in head.get("/todo?priority=2").get_data(as_text=True)
    assert "初审" in head.get("/todo?sort=priority").get_data(as_text=True)


def test_started_shows_who_it_waits_for(db, people, login, submitted):
    _, filer = submitted()
    page = filer.get("/started").get_data(as_text=True)
    assert "当前等待" in page and "初审：项目单位负责人（候选：负责人乙）" in page


def test_deputies_add_and_cancel(db, people, login):
    approver = login("a1")
    bad = approver.post("/me/deputies", data={"deputy": "nobody", "starts_on": "2026-01-01", "ends_on": "2025-01-01"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "代理人不存在" in body and "结束日期不能早于开始日期" in body
    no_date = approver.post("/me/deputies", data={"deputy": "o1", "starts_on": "", "ends_on": "2026-01-01"})
    assert no_date.status_code == 422 and "请填写开始日期" in no_date.get_data(as_text=True)
    assert _count(Deputy) == 0
    added = approver.post("/me/deputies", data={"deputy": "o1", "starts_on": "2020-01-01", "ends_on": "2099-12-31"},
                          follow_redirects=True).get_data(as_text=True)
    assert "已设置代理：绩效处丁" in added and "生效中" in added
    assert "我代理的" in login("o1").get("/me/deputies").get_data(as_text=True)
    row = db.session.scalar(select(Deputy))
    cancelled = approver.post(f"/me/deputies/{row.id}/cancel", follow_redirects=True).get_data(as_text=True)
    assert "已取消代理：绩效处丁" in cancelled and "已取消" in cancelled
    assert login("o1").post(f"/me/deputies/{row.id}/cancel").status_code == 404  # not theirs: as if missing


def test_admin_handover(db, people, login, submitted):
    submitted()
    head_task = only_task(people["h1"])
    head = login("h1")
    head.post(f"/tasks/{head_task.id}/claim")
    admin = login("admin")
    assert "离职转办" in admin.get("/admin/models").get_data(as_text=True)
    missing = admin.post("/admin/handover", data={"from_user": "h1", "to": "ghost"}, follow_redirects=True)
    assert "离职转办未成功：接收人不存在、已停用或与原办理人相同" in missing.get_data(as_text=True)
    moved = admin.post("/admin/handover", data={"from_user": "h1", "to": "o1"}, follow_redirects=True)
    assert "已将 负责人乙 的 1 项待办转给 绩效处丁" in moved.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(HumanTask, head_task.id).assignee == "o1"
    assert login("h1").post("/admin/handover", data={"from_user": "o1", "to": "h1"}).status_code == 403


def test_pages_of_someone_who_may_not_act(db, people, login, submitted):
    instance_id, _ = submitted()
    task = only_task(people["h1"])
    stranger = login("x1")
    assert stranger.get(f"/tasks/{task.id}").status_code == 404
    assert stranger.get(f"/instances/{instance_id}").status_code == 404
    # what one may not see is 404 on every operation too, as for an id that does not exist (issue 10)
    assert stranger.post(f"/tasks/{task.id}/transfer", data={"to": "o1"}).status_code == 404
    assert stranger.post(f"/instances/{instance_id}/urge").status_code == 404
    assert stranger.post("/instances/not-a-uuid/urge").status_code == 404
    assert stranger.post("/tasks/nope/transfer").status_code == 404


def test_a_deputy_acts_and_the_timeline_says_on_whose_behalf(db, people, login, submitted):
    instance_id, _ = submitted()
    login("h1").post("/me/deputies", data={"deputy": "x1", "starts_on": "2020-01-01", "ends_on": "2099-12-31"})
    deputy = login("x1")
    task = only_task(people["x1"])
    assert task.task_name == "ut_ex3_check" and "初审" in deputy.get("/todo").get_data(as_text=True)
    done = deputy.post(f"/tasks/{task.id}", data={"verdict": "APPROVE"})
    assert done.status_code == 302
    page = login("f1").get(f"/instances/{instance_id}").get_data(as_text=True)
    assert "代 负责人乙 办理" in page


def test_a_cc_recipient_outside_the_scope_can_open_the_instance(db, people, login, submitted):
    instance_id, filer = submitted()
    outsider = login("x1")
    assert outsider.get(f"/instances/{instance_id}").status_code == 404
    filer.post(f"/instances/{instance_id}/cc", data={"to": "x1"})
    page = outsider.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert "费用申请（三级审核示例）" in page and "审批意见" in page


def test_instance_attachments_upload_list_download(db, people, login, submitted):
    import io

    instance_id, filer = submitted()
    bad = filer.post(f"/instances/{instance_id}/attachments", content_type="multipart/form-data",
                     data={"file": (io.BytesIO(b"MZ"), "tool.exe")}, follow_redirects=True)
    assert "不支持的文件类型" in bad.get_data(as_text=True)
    ok = filer.post(f"/instances/{instance_id}/attachments", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(b"%PDF-1.4 evidence"), "佐证材料.pdf")}, follow_redirects=True)
    page = ok.get_data(as_text=True)
    assert "已上传附件：佐证材料.pdf" in page and "佐证材料.pdf</a>" in page
    from engine.base.models import Attachment

    row = db.session.scalar(select(Attachment))
    assert login("h1").get(f"/instances/attachments/{row.id}").data == b"%PDF-1.4 evidence"
    assert login("x1").get(f"/instances/attachments/{row.id}").status_code == 404


def test_a_deputy_returns_and_the_timeline_says_on_whose_behalf(db, people, login, submitted):
    instance_id, _ = submitted()
    login("h1").post("/me/deputies", data={"deputy": "x1", "starts_on": "2020-01-01", "ends_on": "2099-12-31"})
    deputy = login("x1")
    task = only_task(people["x1"])
    fill = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == task.instance_id,
                                                     HumanTask.task_name == "ut_ex3_fill"))
    returned = deputy.post(f"/tasks/{task.id}/return", data={"target": str(fill.id), "opinion": "请补充询价记录"})
    assert returned.status_code == 302
    page = login("f1").get(f"/instances/{instance_id}").get_data(as_text=True)
    assert "代 负责人乙 办理 → 填报" in page and "请补充询价记录" in page


def test_observers_see_the_instance_without_comment_urge_or_cc(db, people, login, submitted):
    from tests.factories import make_user

    make_user("npc", ("OBS_NPC", "ALL", None), name="人大观察员")
    db.session.commit()
    instance_id, filer = submitted()
    assert all(form in filer.get(f"/instances/{instance_id}").get_data(as_text=True)
               for form in ('class="comment-form', 'class="inline-form op-urge', 'id="op-cc"'))
    observer = login("npc")
    page = observer.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert "费用申请（三级审核示例）" in page and "审批意见" in page and "办理记录" in page
    assert 'class="comment-form' not in page and "op-urge" not in page and 'id="op-cc"' not in page
    assert "上传附件</button>" not in page
    refused = observer.post(f"/instances/{instance_id}/comment", data={"text": "观察员想发表评论"},
                            follow_redirects=True).get_data(as_text=True)
    assert "评论未成功：观察员只能查看，不能发表评论" in refused
    assert "催办未成功：观察员只能查看，不能催办" in observer.post(
        f"/instances/{instance_id}/urge", follow_redirects=True).get_data(as_text=True)
    assert _count(Opinion, Opinion.actor == "npc") == 0 and _count(Notification, Notification.kind == "urge") == 0
