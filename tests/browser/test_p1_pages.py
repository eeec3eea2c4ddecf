"""P1 in the pages (issue: the spine): a filer fills and submits F-01/F-04, the unit head
returns it with an opinion, the filer finds it back in 待办 and sees the opinion."""
from __future__ import annotations

import pytest

from tests.browser.pages import login, logout, pick_person
from tests.factories import deploy_shipped

pytestmark = pytest.mark.browser
PASSWORD = "demo-pass"
OPINION = "绩效指标偏少，请补充质量指标的测算依据后重新提交。"


def add_indicator(page, i: int, l1: str, l2: str, name: str, op: str, value: str, unit: str, weight: str) -> None:
    page.click("fieldset.repeat[data-path=indicators] .add-row")
    p = f"indicators.{i}"
    page.select_option(f"select[name='{p}.l1']", l1)
    page.select_option(f"select[name='{p}.l2']", l2)
    page.fill(f"[name='{p}.name']", name)
    page.select_option(f"select[name='{p}.kind']", "QUANT")
    page.select_option(f"select[name='{p}.operator']", op)
    page.fill(f"input[name='{p}.target_value']", value)
    page.fill(f"input[name='{p}.unit']", unit)
    page.fill(f"input[name='{p}.weight']", weight)
    page.select_option(f"select[name='{p}.value_basis']", "PLAN")
    page.fill(f"[name='{p}.calc_method']", "按年度统计口径计算")
    page.fill(f"[name='{p}.data_source']", "交通运输局统计台账")


def fill_application(page, year: int, tmp_path) -> None:
    page.fill("input[name=name]", "农村公路安全生命防护工程（页面测试）")
    page.select_option("select[name=function_category]", "214")
    page.select_option("select[name=one_off_type]", "CAPITAL_CONSTRUCTION")
    page.select_option("select[name=new_or_continuing]", "NEW")
    page.fill("input[name=start_year]", str(year))
    page.fill("input[name=end_year]", str(year + 2))
    page.fill("textarea[name=legal_basis]", "《示例省农村公路条例》及市政府常务会议纪要〔2025〕12号")
    page.fill("textarea[name=necessity_text]", "全市农村公路临水临崖路段安全防护设施缺失较多，" * 3)
    page.fill("textarea[name=content_text]", "新建波形护栏、警示标志及减速设施，整治急弯陡坡路段，" * 3)
    page.click("fieldset.repeat[data-path=annual_requests] .add-row")
    page.fill("input[name='annual_requests.0.year']", str(year))
    page.fill("input[name='annual_requests.0.fiscal_amount']", "1200.5")
    page.select_option("select[name=funding_source]", "GENERAL")
    pick_person(page, "select[name=responsible_person]", "交通运输局 负责人", "示例市交通运输局 负责人 · 示例市交通运输局（本级）")
    report = tmp_path / "可行性研究报告.pdf"
    report.write_bytes(b"%PDF-1.4 feasibility study")
    page.set_input_files("input[name='_upload.attachments']", str(report))
    page.fill("textarea[name=overall_goal]", "三年内完成全市农村公路安全隐患路段整治，事故率明显下降。")
    page.fill("textarea[name=annual_goal]", "完成隐患路段整治300公里，新增护栏150公里。")
    first = page.locator("fieldset.repeat[data-path=indicators] tbody[data-rows] > tr").count()  # JN common rows
    rows = [("OUTPUT", "OUT_QTY", "隐患路段整治里程", "GE", "300", "公里", "15"),
            ("OUTPUT", "OUT_QLT", "工程验收合格率", "EQ", "100", "%", "10"),
            ("OUTPUT", "OUT_TIME", "年度任务完成率", "GE", "90", "%", "10"),
            ("OUTPUT", "OUT_COST", "每公里综合造价", "LE", "38", "万元/公里", "15"),
            ("EFFECT", "EFF_SOC", "隐患路段事故下降率", "GE", "20", "%", "30"),
            ("SATISFACTION", "SAT_SERVICE", "沿线群众满意度", "GE", "90", "%", "10")]
    for offset, row in enumerate(rows):
        add_indicator(page, first + offset, *row)


def test_fill_return_with_opinion_and_find_it_back(live_server, page, db, tmp_path):
    from budget.demo import load_demo

    deploy_shipped()
    load_demo(PASSWORD)
    base = live_server
    login(page, base, "filer.d03u01", PASSWORD)
    page.click("text=新建：项目申报入库与事前绩效评估")
    page.wait_for_selector("h1:has-text('填报')")
    year = int(page.inner_text("dl.header-block dd:nth-of-type(4)"))
    fill_application(page, year, tmp_path)
    page.click("button:has-text('提交')")
    page.wait_for_url(f"{base}/todo", timeout=20000)
    logout(page)

    login(page, base, "head.d03u01", PASSWORD)
    page.click("table.list a:has-text('单位审核')")
    assert "农村公路安全生命防护工程（页面测试）" in page.inner_text("section.context")
    page.check("input[name=verdict][value=RETURN]")
    page.fill("textarea[name=comment]", OPINION)
    page.click("button:has-text('提交')")
    page.wait_for_url(f"{base}/todo")
    logout(page)

    login(page, base, "filer.d03u01", PASSWORD)
    page.click("table.list a:has-text('填报')")
    assert OPINION in page.inner_text("section.opinions")
    assert page.input_value("input[name=name]") == "农村公路安全生命防护工程（页面测试）"
    page.screenshot(path="/tmp/pf-p1-returned.png", full_page=True)
