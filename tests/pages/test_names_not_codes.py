"""Names, not codes (issue 10 point 9): the pages a person reads — 待办, the task, the instance,
已办, 我发起的, 流程监管, 项目库 and the administrator's pages — show processes, steps, roles,
departments, units, statuses and people by name. Codes appear only where a clerk types them
(project codes such as P-D05-001). The P1 model and the demo organisation make the real codes:
`p1_project_intake`, `UNIT_HEAD`, `D05-U02`, `end_p1_in_library`, `filer.d05u02`."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from budget.demo import load_demo
from engine.base.db import db as _db
from engine.work.inbox import todo
from tests.integration.p1_driver import CORE, Flow, deploy_p1, set_packs, user
from tests.pages.conftest import PersonClient

PASSWORD = "demo-pass-names"
ROLE_CODES = ("UNIT_FILER", "UNIT_HEAD", "DEPT_OFFICER", "DEPT_HEAD", "FIN_FUND", "FIN_BUDGET", "FIN_PERF",
              "FIN_CENTER", "FIN_LEADER", "SYS_ADMIN", "EXPERT", "TP_LEAD", "THIRD_PARTY")
CODES = {
    "process key": re.compile(r"\bp1_|\bca\d_|\bst_p1|\but_p1"),
    "end event": re.compile(r"\bend_p1"),
    "role code": re.compile(r"\b(" + "|".join(ROLE_CODES) + r")\b"),
    # D05, D05-U02; not the D05 inside a project code (P-D05-001)
    "org code": re.compile(r"(?<![\w-])D\d\d(-U\d\d)?(?![\w-])|\bFD-[A-Z]{3}"),
    "status word": re.compile(r"\b(RUNNING|COMPLETED|CANCELLED|READY|WAITING|APPROVE|REJECT|IN_LIBRARY|SUBMITTED|"
                              r"DRAFT|PENDING|FAILED)\b"),
    "username": re.compile(r"\b(filer|head|dept|depthead|fund|perf|budget)\.[a-z0-9]+\b"),
    "queue name": re.compile(r"\b(service\.run|timer\.fire|notify\.deliver|reminder\.send|message\.deliver)\b"),
}


class VisibleText(HTMLParser):
    """The text a person sees: no scripts, styles, row templates, attributes or the head, and not
    the codes a page shows on purpose because a person types them (`data-code`: a model's key on
    the administrator's model page, which the deployment form asks for)."""

    HIDDEN = {"script", "style", "template", "head", "title"}

    def __init__(self) -> None:
        super().__init__()
        self.hiding: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.HIDDEN or any(name == "data-code" for name, _ in attrs):
            self.hiding.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.hiding and self.hiding[-1] == tag:
            self.hiding.pop()

    def handle_data(self, data: str) -> None:
        if not self.hiding:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def codes_in(text: str) -> dict[str, list[str]]:
    return {what: sorted({m.group(0) for m in rx.finditer(text)}) for what, rx in CODES.items() if rx.search(text)}


@pytest.fixture()
def intake(app, db):
    """Demo organisation; one request admitted into the library (end_p1_in_library) and one
    waiting for its unit head (role UNIT_HEAD, unit D05-U02)."""
    load_demo(PASSWORD)
    deploy_p1()
    set_packs(CORE)
    admitted = Flow("P-D05-002", year=None)
    admitted.intake()
    waiting = Flow("P-D05-001", year=None)
    waiting.fill()
    _db.session.commit()
    return admitted, waiting


def client_of(app, username: str) -> PersonClient:
    client = PersonClient(app, app.response_class, use_cookies=True)
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def read(client: PersonClient, url: str) -> str:
    reply = client.get(url)
    assert reply.status_code == 200, (url, reply.status_code)
    return visible(reply.get_data(as_text=True))


def test_the_main_pages_name_what_they_show(app, intake):
    admitted, waiting = intake
    head = user("head.d05u02")
    task = next(t for t in todo(head) if t.instance_id == waiting.instance.id)
    pages = {
        ("head.d05u02", "/todo"): ["项目申报入库与事前绩效评估", "示例市"],
        ("head.d05u02", f"/tasks/{task.id}"): [],
        ("head.d05u02", f"/instances/{waiting.instance.id}"): ["项目单位负责人", "第 1 版"],
        ("filer.d05u02", "/started"): ["项目单位负责人（候选："],
        ("filer.d05u01", "/started"): ["已结束"],
        ("filer.d05u01", f"/instances/{admitted.instance.id}"): ["已结束"],
        ("head.d05u01", "/done"): ["项目申报入库与事前绩效评估"],
        ("dept.d05", "/done"): [],
        ("dept.d05", "/supervision/instances"): ["进行中", "已结束"],
        ("perf.1", "/supervision/instances"): [],
        ("perf.1", "/supervision/projects"): ["P-D05-001"],  # project codes stay: clerks type them
        ("perf.1", f"/projects/{admitted.project.code}"): ["已入库", "项目申报入库与事前绩效评估"],
        ("admin", "/admin/models"): [],
        ("admin", "/admin/queue"): [],
        ("filer.d05u02", "/me/deputies"): [],
        ("filer.d05u02", "/notifications"): [],
        ("head.d05u02", "/cc"): [],
    }
    clients: dict[str, PersonClient] = {}
    found: dict[str, dict[str, list[str]]] = {}
    for (who, url), expected in pages.items():
        client = clients.setdefault(who, client_of(app, who))
        text = read(client, url)
        for words in expected:
            assert words in text, (who, url, words)
        if codes := codes_in(text):
            found[f"{who} {url}"] = codes
    assert found == {}


def test_the_end_event_and_the_unit_are_named_on_the_instance_page(app, intake):
    admitted, _ = intake
    text = read(client_of(app, "filer.d05u01"), f"/instances/{admitted.instance.id}")
    assert "已入库" in text or "入库" in text  # end_p1_in_library's name
    assert "示例市" in text  # the unit D05-U01 by name


def test_english_labels_on_request(app, intake):
    _, waiting = intake
    client = client_of(app, "filer.d05u02")
    text = read(client, "/started?lang=en")
    assert "Unit head" in text and "Running" in text
    assert "Unit head" in read(client, "/started")  # the choice is kept in the session
    assert "项目单位负责人" in read(client, "/started?lang=zh")


def test_the_walk_would_see_a_code(app, intake):
    """The check itself: the patterns find what the pages used to show."""
    assert codes_in("p1_project_intake UNIT_FILER 角色 D02-U01 end_p1_in_library RUNNING filer.d05u02") == {
        "process key": ["p1_"], "end event": ["end_p1"], "role code": ["UNIT_FILER"], "org code": ["D02-U01"],
        "status word": ["RUNNING"], "username": ["filer.d05u02"]}
    assert codes_in("项目编号 P-D05-001") == {}
