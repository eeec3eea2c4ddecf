"""A refused submission of F-01/F-04 comes back with every typed value in its input — text, choices,
multi-choices, the annual amounts, the funding split and the indicator grid rows — and with the
uploaded attachment kept (issue 10, point 11: nothing typed is lost)."""
from __future__ import annotations

import io
import uuid

import lxml.html
from flask import g
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from engine.base.models import Attachment
from tests.factories import deploy_shipped

PASSWORD = "demo-pass"

TYPED = {
    "name": "城区老旧供水管网改造（退回重填）", "object_type": "PROJECT", "project_class": "SPECIFIC",
    "function_category": "212", "one_off_type": "CAPITAL_CONSTRUCTION", "new_or_continuing": "NEW",
    "start_year": "2027", "end_year": "2029", "policy_intensive": "false",
    "legal_basis": "《城镇供水管网漏损控制实施方案》市政办〔2025〕8号",
    "necessity_text": "城区供水管网建成年代久远，漏损率高达 18%，爆管事故频发，影响居民正常用水，亟需改造。",
    "content_text": "改造老旧供水管网 42 公里，更换智能水表 1.2 万只，建设分区计量系统，降低漏损率至 9% 以内。",
    "annual_requests.0.year": "2027", "annual_requests.0.fiscal_amount": "1500.5",
    "annual_requests.0.other_amount": "200",
    "annual_requests.1.year": "2028", "annual_requests.1.fiscal_amount": "900",
    "funding_source": "GENERAL",
    "funding_split.0.source": "GENERAL", "funding_split.0.share": "70",
    "funding_split.1.source": "GOV_FUND", "funding_split.1.share": "20",  # Σ 90: refused
    "responsible_person": "filer.d03u01", "scope_districts": "3", "beneficiaries": "120000",
    "large_influence": "true", "is_classified": "false",
    "overall_goal": "三年内完成城区老旧供水管网改造，漏损率降至 9% 以内，供水安全明显提升。",
    "annual_goal": "完成管网改造 20 公里并投入使用，年度漏损率下降 4 个百分点。",
    "has_service_objects": "true",
    "indicators.0.l1": "OUTPUT", "indicators.0.l2": "OUT_QTY", "indicators.0.name": "改造管网长度",
    "indicators.0.kind": "QUANT", "indicators.0.operator": "GE", "indicators.0.target_value": "20",
    "indicators.0.unit": "公里", "indicators.0.weight": "37", "indicators.0.value_basis": "PLAN",
    "indicators.0.calc_method": "竣工验收长度累计", "indicators.0.data_source": "竣工验收报告",
    "indicators.0.baseline_value": "0", "indicators.0.is_core": "true", "indicators.0.is_common": "false",
    "indicators.1.l1": "SATISFACTION", "indicators.1.l2": "SAT_SERVICE", "indicators.1.name": "居民满意度",
    "indicators.1.kind": "QUANT", "indicators.1.operator": "GE", "indicators.1.target_value": "90",
    "indicators.1.unit": "%", "indicators.1.weight": "10", "indicators.1.value_basis": "HISTORY",
    "indicators.1.calc_method": "抽样问卷调查", "indicators.1.data_source": "第三方调查报告",
    "indicators.1.library_ref": "LIB-SAT-01",
}
MULTI = {"domain_tags": ["MINSHENG", "PUBLIC_UTILITY"], "special_type": ["GOV_PROCUREMENT"]}


class PersonClient(FlaskClient):
    def open(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        g.pop("_login_user", None)  # each request is its own cookie's user (tests/pages/conftest.py)
        return super().open(*args, **kwargs)


def shown_value(page, name: str) -> str | list[str] | None:
    found = page.xpath("//form[contains(@class,'task-form')]//*[@name=$n]", n=name)
    if not found:
        return None
    el = found[0]
    if el.tag == "select":
        return next((o.get("value") for o in el.iter("option") if o.get("selected") is not None), "")
    if el.tag == "textarea":
        return el.text_content()
    if el.get("type") == "checkbox":
        return [e.get("value") for e in found if e.get("checked") is not None]
    return el.get("value")


def test_a_refused_submission_shows_every_typed_value_again(app, db):
    from budget.demo import load_demo

    deploy_shipped()
    load_demo(PASSWORD)
    client = PersonClient(app, app.response_class, use_cookies=True)
    assert client.post("/login", data={"username": "filer.d03u01", "password": PASSWORD}).status_code == 302
    started = client.post("/start/p1_project_intake")
    task_url = started.headers["Location"]
    assert "/tasks/" in task_url

    form = list(TYPED.items()) + [(k, v) for k, vs in MULTI.items() for v in vs]
    body = {"_upload.attachments": (io.BytesIO(b"%PDF-1.4 estimate"), "测算依据.pdf", "application/pdf")}
    reply = client.post(task_url, data=MultiDict([*form, *body.items()]), content_type="multipart/form-data")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422, html[:500]
    assert "各资金来源占比合计应为 100%，当前为 90%" in html
    page = lxml.html.fromstring(html)
    lost = {name: (typed, shown_value(page, name)) for name, typed in TYPED.items() if shown_value(page, name) != typed}
    lost |= {name: (typed, shown_value(page, name)) for name, typed in MULTI.items() if shown_value(page, name) != typed}
    assert lost == {}

    kept = page.xpath("//input[@type='hidden'][@name='attachments.0']/@value")
    assert len(kept) == 1
    db.session.rollback()
    assert db.session.get(Attachment, uuid.UUID(kept[0])).name == "测算依据.pdf"  # committed, not rolled back
    assert page.xpath("//form[contains(@class,'task-form')]/@data-unsaved-guard") == ["dirty"]
