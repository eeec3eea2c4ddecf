"""GET /api/v1/people: the pickers' directory — by name, department and role, within who the
caller may pick (web/people.py): a unit's people reach their department and the finance bureau,
the finance bureau and administrators everyone, a firm's people their firm and the bureau."""
from __future__ import annotations

import pytest

from budget.demo import load_demo

PASSWORD = "demo-pass-people"


@pytest.fixture()
def demo(db):
    load_demo(PASSWORD)
    db.session.commit()


@pytest.fixture()
def search(client, demo):
    tokens: dict[str, str] = {}

    def as_user(username: str, **params: str) -> list[dict]:
        if username not in tokens:
            reply = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            assert reply.status_code == 200, reply.get_json()
            tokens[username] = reply.get_json()["token"]
        reply = client.get("/api/v1/people", query_string=params, headers={"Authorization": f"Bearer {tokens[username]}"})
        assert reply.status_code == 200, reply.get_json()
        return reply.get_json()

    return as_user


def usernames(rows: list[dict]) -> set[str]:
    return {r["username"] for r in rows}


def test_search_by_part_of_a_chinese_name_names_unit_and_roles(search):
    found = search("perf.1", q="教育局 负责人")
    assert "depthead.d01" in usernames(found)
    person = next(r for r in found if r["username"] == "depthead.d01")
    assert person["name"] == "示例市教育局 负责人"
    assert person["org_code"] == "D01" and person["org_name"] == "示例市教育局"
    assert person["roles"] == [{"code": "DEPT_HEAD", "name": "主管部门负责人"}]
    assert person["label"] == "示例市教育局 负责人 · 示例市教育局 · 主管部门负责人"


def test_search_by_department_includes_its_units(search):
    found = usernames(search("perf.1", department="D01", limit="50"))
    assert {"dept.d01", "depthead.d01", "filer.d01u01", "head.d01u02"} <= found
    assert not any(u.endswith(("d02", "d02u01")) for u in found)


def test_search_by_role_code_and_by_role_name(search):
    heads = search("perf.1", role="UNIT_HEAD", department="D03")
    assert heads and all(r["roles"][0]["code"] == "UNIT_HEAD" for r in heads)
    assert usernames(heads) == {u for u in usernames(heads) if u.startswith("head.d03")}
    by_name = usernames(search("perf.1", q="项目单位负责人", department="D03"))
    assert by_name == usernames(heads)


def test_a_unit_filer_picks_within_their_department_and_the_finance_bureau(search):
    found = usernames(search("filer.d03u01", limit="50"))
    assert "head.d03u01" in found and "dept.d03" in found  # their unit and department
    assert {"perf.1", "fund.edu", "budget.1"} <= found  # the finance bureau
    assert not any(u.startswith(("filer.d01", "head.d02", "dept.d05")) for u in found)
    assert search("filer.d03u01", q="教育局") == []  # another department's people stay out of reach
    assert "obs.npc" not in found  # observers are not picked for work


def test_the_callers_own_unit_comes_first(search):
    """What a picker offers first (and a page without script holds): one's own unit's people."""
    first = search("filer.d03u01", limit="2")
    assert {r["org_code"] for r in first} == {"D03-U01"}
    assert {r["username"] for r in first} == {"filer.d03u01", "head.d03u01"}


def test_a_firms_people_reach_their_firm_and_the_bureau_not_other_firms_or_experts(search):
    found = usernames(search("tp.a.lead", limit="50"))
    assert "tp.a.staff" in found and "perf.1" in found
    assert not any(u.startswith(("tp.b.", "expert.", "filer.")) for u in found)
    assert "expert.e01" not in usernames(search("expert.e02", q="专家"))


def test_finance_and_administrators_reach_everyone(search):
    assert "filer.d11u01" in usernames(search("admin", q="filer.d11"))
    assert "expert.e01" in usernames(search("perf.1", q="expert.e01"))


def test_people_needs_a_token_and_a_sane_limit(client, search):
    assert client.get("/api/v1/people").status_code == 401
    assert len(search("perf.1", q="经办人", limit="3")) == 3
    token = client.post("/api/v1/auth/token", json={"username": "perf.1", "password": PASSWORD}).get_json()["token"]
    bad = client.get("/api/v1/people?limit=500", headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 422 and "limit" in bad.get_json()["errors"]


def test_the_page_search_answers_the_same_with_the_session(app, client, demo):
    client.post("/login", data={"username": "filer.d03u01", "password": PASSWORD})
    found = client.get("/people/options?q=负责人").get_json()
    assert "head.d03u01" in usernames(found)
    assert not any(u.startswith("depthead.d01") for u in usernames(found))
