"""Every HTML form the app accepts a POST on gets hostile values — NUL bytes, numbers beyond 64
bits, non-ASCII digits, overlong text, a field sent twice — and never answers 500 (issue 10,
point 3). The routes come from the URL map, the field names from the pages' own forms."""
from __future__ import annotations

import re
import uuid

import pytest
from werkzeug.datastructures import MultiDict

from engine.base.db import db
from engine.base.models import HumanTask, ProcessInstance
from tests.factories import expense
from tests.pages.conftest import form_of
from web import inputs

pytestmark = pytest.mark.slow

HOSTILE = {
    "nul": "a\x00b",
    "huge": "9" * 40,
    "negative_huge": "-" + "9" * 25,
    "superscript": "²",
    "arabic_digits": "١٢٣",
    "overlong": "长" * 5000,
    "control": "\x1b[31m\x7f",
}
FAR_TOO_LONG = "x" * 250_001  # one field beyond the page guard's limit
NAME = re.compile(r'name="([^"]+)"')
FIELDS_SEEN_ON = ["/todo", "/me/deputies", "/admin/holidays", "/me/notifications/settings", "/admin/models",
                  "/admin/queue", "/login"]


def _post_routes(app) -> list:
    return [r for r in app.url_map.iter_rules() if "POST" in r.methods and not r.rule.startswith("/api/")]


def test_every_page_form_survives_hostile_values(app, login, people):
    filer, admin = login("f1"), login("admin")
    started = filer.post("/start/ex_two_step_approval", follow_redirects=False)
    assert started.status_code in (302, 303), started.get_data(as_text=True)[:300]
    instance = db.session.query(ProcessInstance).one()
    task = db.session.query(HumanTask).filter_by(instance_id=instance.id, status="READY").one()
    ids = {"task_id": task.id, "instance_id": instance.id, "signer_id": task.id, "key": "ex_two_step_approval"}

    names = set(form_of(expense()))
    for path in [*FIELDS_SEEN_ON, f"/tasks/{task.id}", f"/instances/{instance.id}"]:
        names |= set(NAME.findall(admin.get(path).get_data(as_text=True)))
        names |= set(NAME.findall(filer.get(path).get_data(as_text=True)))
    names |= {n for schema in vars(inputs).values() if isinstance(schema, type) and issubclass(schema, inputs.Input)
              for n in schema._declared_fields}
    names -= {"csrf_token"}
    assert {"username", "password", "day", "deputy", "reason", "resubmit"} <= names
    names |= {"item_id", "from_user", "to", "jurisdiction", "kind", "name"}  # forms shown only in some states

    routes = _post_routes(app)
    assert len(routes) >= 30
    failures = []
    for rule in routes:
        path = rule.build({a: ids.get(a, uuid.uuid4()) for a in rule.arguments}, append_unknown=False)[1]
        for label, value in HOSTILE.items():
            for who, client in (("filer", filer), ("admin", admin)):
                if rule.endpoint == "auth.logout":
                    continue
                bodies = [{n: value for n in names}]
                if label == "huge":  # every field twice (a list where one value is expected), one far too long
                    bodies += [MultiDict([(n, value) for n in names] + [(n, "RERUN") for n in names]),
                               {**bodies[0], "comment": FAR_TOO_LONG}]
                for body in bodies:
                    reply = client.post(f"{path}?year={value[:50]}&page={value[:50]}", data=body)
                    if reply.status_code >= 500:
                        failures.append(f"{who} {rule.rule} {label}: {reply.status_code}")
    assert not failures, "\n".join(failures)
