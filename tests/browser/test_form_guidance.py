"""A first-time filer fills the first project request (F-01/F-04) from what the page says alone —
required marks, length counters, the hints beside each field and the indicator grid's structure
table — and it is accepted on the first submission (issue 10, point 11). On the way: an oversized
attachment is refused before anything is sent, and leaving the half-filled form asks first."""
from __future__ import annotations

import re

import pytest

from tests.browser.pages import login
from tests.factories import deploy_shipped

pytestmark = pytest.mark.browser
PASSWORD = "demo-pass"
SENTENCE = "依据相关政策文件和实地调研结果，本项目实施后可显著改善服务条件并提升群众获得感。"
FORM = "form.task-form"


def text_for(page, name: str) -> str:
    """A text as long as the field's counter asks for (its minimum, a little more)."""
    counter = page.locator(f"[data-counter-for='{name}']")
    low = int(counter.get_attribute("data-min") or 4) if counter.count() else 4
    high = int(counter.get_attribute("data-max") or 1000) if counter.count() else 1000
    return (SENTENCE * 20)[: min(high, low + 6)]


def hint(page, name: str) -> str:
    return page.locator(f"{FORM} :is(div.field, fieldset):has([name='{name}'], [data-path='{name}']) .hint").first \
        .inner_text() if name != "annual_requests" else page.inner_text("fieldset[data-path=annual_requests]")


def fill_marked_fields(page, skip: set[str]) -> None:
    """Every field showing a required mark gets a value: the first choice of a select, a text of the
    counted length."""
    for field in page.locator(f"{FORM} div.field").all():
        mark = field.locator(".req")
        if not mark.count() or not mark.first.is_visible():
            continue
        control = field.locator("input:not([type=hidden]), select, textarea").first
        name = control.get_attribute("name")
        if name in skip or control.get_attribute("type") == "file":
            continue
        if control.evaluate("e => e.tagName") == "SELECT":
            if not control.input_value():
                control.select_option(index=1)
        elif not control.input_value():
            control.fill(text_for(page, name))


def structure(page) -> list[dict]:
    """The grid's structure table as a person reads it."""
    groups = []
    for tr in page.locator(".grid-guide tr[data-group]:not([data-group='*'])").all():
        groups.append({
            "label": tr.locator("th").inner_text().strip(),
            "options": tr.locator("td.options").inner_text().strip().split("、"),
            "needs": [b.inner_text().strip() for b in tr.locator("td.needs .need").all()],
            "weight": int(re.search(r"应为 (\d+) 分", tr.locator("td.expect").inner_text())[1]),
        })
    return groups


def add_indicator(page, level1: str, level2: str, name: str, weight: str, rules: str) -> None:
    grid = page.locator("fieldset[data-path=indicators]")
    grid.locator(".add-row").click()
    row = grid.locator("tbody[data-rows] > tr").last
    pick = lambda suffix: row.locator(f"[name$='.{suffix}']")  # noqa: E731
    pick("l1").select_option(label=level1)
    pick("l2").select_option(label=level2)
    pick("name").fill(name)
    pick("kind").select_option(label="定量")
    op, value, unit = "≥", "95", "%"  # "计量单位为 % 时，指标值在 0–100 之间"
    if level1 == "满意度指标":
        assert "满意度指标：定量，计量单位 %，指标方向 ≥，指标值 60–100" in rules
        value = "90"
    if level2.startswith("成本指标"):
        assert "成本指标的指标方向为 ≤ 时，计量单位须为货币单位（含“元”，如 元/人" in rules
        op, value, unit = "≤", "1800", "元/人"
    pick("operator").select_option(label=op)
    pick("target_value").fill(value)
    pick("unit").fill(unit)
    pick("weight").fill(weight)
    pick("calc_method").fill("按年度统计口径计算")
    pick("data_source").fill("单位统计台账")


def fill_grid(page) -> None:
    rules = page.inner_text(".grid-guide .guide-rules")
    assert "定量指标：填写数值型指标值、计量单位和计算方法" in rules
    for group in structure(page):
        missing = [n.lstrip("✗ ").strip() for n in group["needs"] if not n.startswith("✓")]
        if not missing:
            continue
        level1 = group["label"]
        weights = [group["weight"] // len(missing)] * len(missing)
        weights[0] += group["weight"] - sum(weights)
        for i, (need, weight) in enumerate(zip(missing, weights, strict=True)):
            level2 = group["options"][0] if need.startswith("任一") else need
            add_indicator(page, level1, level2, f"{level1}{level2}{i + 1}", str(weight), rules)
        badge = page.locator(f".grid-guide tr:has(th:text-is('{level1}')) [data-sum]")
        assert badge.inner_text() == f"{group['weight']} / {group['weight']}"
    assert page.locator(".grid-guide tr[data-group='*'] [data-sum]").inner_text() == "90 / 90"
    assert not [b for b in page.locator(".grid-guide .need").all_inner_texts() if b.startswith("✗")]


def test_a_first_request_filled_from_the_page_alone_is_accepted_on_the_first_submission(
        app, live_server, page, db, tmp_path):
    from budget.demo import load_demo

    deploy_shipped()
    load_demo(PASSWORD)
    limit = app.config["ATTACHMENT_MAX_BYTES"]
    app.config["ATTACHMENT_MAX_BYTES"] = 4000  # small, so the oversized check is quick to show
    try:
        login(page, live_server, "filer.d03u01", PASSWORD)
        page.click("text=新建：项目申报入库与事前绩效评估")
        page.wait_for_selector("h1:has-text('填报')")
        task_url = page.url
        posts: list[str] = []
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

        # 附件 is required for a new project: its mark shows once 新增 is chosen.
        attachments_mark = page.locator(f"{FORM} div.field:has(input[type=file]) .req")
        assert "新增/延续为“新增”时必填" in page.inner_text(f"{FORM} div.field:has(input[type=file])")
        page.select_option("select[name=new_or_continuing]", label="新增")
        assert attachments_mark.is_visible()

        fill_marked_fields(page, skip={"start_year", "end_year", "responsible_person"})
        request_year = int(re.search(r"须包含申请年度 (\d{4}) 年", hint(page, "annual_requests"))[1])
        earliest = int(re.search(r"不早于 (\d{4}) 年", hint(page, "start_year"))[1])
        assert "项目周期最长 10 年" in hint(page, "end_year")
        page.fill("input[name=start_year]", str(max(request_year, earliest)))
        page.fill("input[name=end_year]", str(max(request_year, earliest) + 2))
        page.click("fieldset[data-path=annual_requests] .add-row")
        page.fill("input[name='annual_requests.0.year']", str(request_year))
        page.fill("input[name='annual_requests.0.fiscal_amount']", "800")  # "该年财政拨款大于 0"
        person = page.locator("[name=responsible_person]")
        if person.evaluate("e => e.tagName") == "SELECT":  # a people picker: the first person it offers
            person.select_option(index=1)
        else:  # a username: the page names the signed-in user's (header)
            person.fill(page.get_attribute("header .me .navbar-text", "title"))
        counter = page.locator("[data-counter-for=legal_basis]")
        assert re.fullmatch(r"20–2000 字，已输入 \d+ 字", counter.inner_text().strip())

        # An attachment over the stated limit is refused in the page; nothing is sent, nothing lost.
        assert "单个附件不超过 3.9 KB" in page.inner_text(f"{FORM} div.field:has(input[type=file])")
        page.set_input_files("input[name='_upload.attachments']", {
            "name": "测算依据.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 " + b"x" * 5000})
        page.click(f"{FORM} button:has-text('提交')")
        page.locator(".upload-too-large").wait_for()
        assert posts == [] and page.input_value("input[name=start_year]")
        page.set_input_files("input[name='_upload.attachments']", {
            "name": "测算依据.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 feasibility study"})

        fill_grid(page)

        # Leaving with unsaved changes asks first; staying keeps everything.
        dialogs: list[str] = []
        page.once("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
        page.click("header a.nav-link >> nth=0")
        page.wait_for_timeout(300)
        assert dialogs == ["beforeunload"] and page.url == task_url
        page.screenshot(path="/tmp/pf-p1-guided.png", full_page=True)

        page.on("dialog", lambda d: pytest.fail(f"unexpected {d.type} dialog on submit"))
        page.click(f"{FORM} button:has-text('提交')")
        page.wait_for_url(f"{live_server}/todo", timeout=20000)
        assert "已提交" in page.inner_text("main")
        assert posts == [task_url]  # accepted on the first submission
    finally:
        app.config["ATTACHMENT_MAX_BYTES"] = limit
