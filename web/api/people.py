"""People search for pickers: the people the caller may choose (web/people.py has the scope)."""
from __future__ import annotations

from typing import Any

from flask import g

from web import people
from web.api import api
from web.api import schemas as out
from web.api.auth import require_token
from web.api.spec import fails


@api.get("/people")
@require_token
@api.arguments(out.PeopleQuery, location="query")
@api.response(200, out.Person(many=True))
@fails(422)
def search_people(query: dict[str, Any]):  # noqa: ANN201
    """可选择的人员（按姓名、部门/单位、角色搜索；仅限我可选择的范围）"""
    found = people.search(g.api_user, query.get("q") or "", query.get("role"), query.get("department"),
                          query["limit"])
    return [p.as_dict() for p in found]
