"""The treasury's page and API for P3's payment holds (and the budget division's queue of budget
adjustments): a hold decided on F-11 through the real engine, seen by the treasury and by its fund
division (read-only), released once by the treasury with a note — audit row, notices, the
project-year paid again; outside the scope 404 before anything else."""
from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from flask import g
from flask.testing import FlaskClient
from p3_calls_driver import FUND, Run, setup, warning, year
from sqlalchemy import select, text

from engine.base.db import db
from engine.base.models import Notification

W = Decimal
PASSWORD = "demo-pass-1"
REASON = "连续两个月红色预警，资金拨付条件未落实，暂缓拨款至整改到位为止。"


class Person(FlaskClient):
    def open(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        g.pop("_login_user", None)  # one app context for every request: each client is its own user
        return super().open(*args, **kwargs)


@pytest.fixture()
def held(db, app):
    setup()
    w = warning()
    run = Run("f11", warning_id=w.id)
    run.do(FUND, "ut_p3_fund_followup", {"decision": "PAYMENT_HOLD", "hold_until": "2099-10-31", "reason": REASON})
    run2 = Run("f11", warning_id=None)
    run2.do(FUND, "ut_p3_fund_followup", {"decision": "RECOVER", "amount": W(300), "reason": REASON})
    return run


def token(client, who: str) -> dict[str, str]:
    reply = client.post("/api/v1/auth/token", json={"username": who, "password": PASSWORD})
    assert reply.status_code == 200
    return {"Authorization": f"Bearer {reply.get_json()['token']}"}


def test_api_lists_by_scope_and_releases_once(app, client, held):
    holds = client.get("/api/v1/payment-holds", headers=token(client, "treasury.1"))
    assert holds.status_code == 200
    (hold,) = holds.get_json()
    assert (hold["project_code"], hold["dept_code"], hold["unit_code"], hold["hold_until"], hold["decided_by"]) == (
        "P-D04-002", "D04", "D04-U01", "2099-10-31", FUND)
    assert len(client.get("/api/v1/payment-holds", headers=token(client, FUND)).get_json()) == 1
    assert client.get("/api/v1/payment-holds", headers=token(client, "fund.edu")).get_json() == []
    assert client.get("/api/v1/payment-holds", headers=token(client, "filer.d04u01")).status_code == 403
    url = f"/api/v1/payment-holds/{hold['id']}/release"
    other = client.post(url, json={"note": "x"}, headers=token(client, "fund.edu"))
    missing = client.post(f"/api/v1/payment-holds/{uuid.uuid4()}/release", json={"note": "x"},
                          headers=token(client, "fund.edu"))
    assert (other.status_code, other.get_json()) == (missing.status_code, missing.get_json()) and other.status_code == 404
    assert client.post(url, json={"note": "单位已整改到位"}, headers=token(client, FUND)).status_code == 403
    treasury = token(client, "treasury.1")
    assert client.post(url, json={"note": "短"}, headers=treasury).status_code == 422
    assert year().hold_payment is True
    done = client.post(url, json={"note": "单位已提交整改报告，同意恢复拨款"}, headers=treasury)
    assert done.status_code == 200 and done.get_json()["changed"] is True
    assert (done.get_json()["status"], done.get_json()["released_by"]) == ("RELEASED", "treasury.1")
    again = client.post(url, json={"note": "重复提交的解除说明"}, headers=treasury)
    assert again.status_code == 200 and again.get_json()["changed"] is False
    assert again.get_json()["release_note"] == "单位已提交整改报告，同意恢复拨款"
    assert year().hold_payment is False
    assert client.get("/api/v1/payment-holds", headers=treasury).get_json() == []
    audits = db.session.execute(text("SELECT actor, action FROM audit_event WHERE action = 'hold_released'")).all()
    assert audits == [("treasury.1", "hold_released")]
    told = {n.username for n in db.session.scalars(select(Notification).where(Notification.kind == "hold_released"))}
    assert told == {FUND, "dept.d04"}


def login(app, who: str) -> Person:
    person = Person(app, use_cookies=True)
    assert person.post("/login", data={"username": who, "password": PASSWORD}).status_code == 302
    return person


def test_page_for_treasury_fund_division_and_budget_division(app, held):
    treasury = login(app, "treasury.1")
    page = treasury.get("/payment-holds").get_data(as_text=True)
    assert "暂缓拨款" in page and "农业产业化龙头企业扶持资金" in page and "2099-10-31" in page and "解除暂缓" in page
    assert "预算调整申请" not in page  # not the treasury's queue
    fund = login(app, FUND).get("/payment-holds").get_data(as_text=True)
    assert "农业产业化龙头企业扶持资金" in fund and "解除暂缓</button>" not in fund and "收回资金 300.00 万元" in fund
    budget = login(app, "budget.1").get("/payment-holds").get_data(as_text=True)
    assert "收回资金 300.00 万元" in budget and "2099-10-31" not in budget
    assert login(app, "filer.d04u01").get("/payment-holds").status_code == 403
    hold_id = held_id()
    assert login(app, "fund.edu").post(f"/payment-holds/{hold_id}/release", data={"note": "单位已整改到位"}).status_code == 404
    refused = treasury.post(f"/payment-holds/{hold_id}/release", data={"note": "短"})
    assert refused.status_code == 422 and "请填写解除说明" in refused.get_data(as_text=True)
    done = treasury.post(f"/payment-holds/{hold_id}/release", data={"note": "单位已提交整改报告，同意恢复拨款"})
    assert done.status_code == 302
    after = treasury.get("/payment-holds").get_data(as_text=True)
    assert "已解除暂缓拨款" in after and "最近已解除" in after and "目前没有暂缓拨款的项目" in after


def held_id() -> str:
    from budget.models import PaymentHold

    return str(db.session.scalar(select(PaymentHold.id)))
