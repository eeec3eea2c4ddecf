"""The model editor's page shell (issue 13 point 2): administrators only; the page carries the CSRF
token for the JS, the contract's JSON routes under /admin/models/ and its own bundle, and nothing
inline (CSP)."""
from __future__ import annotations

import re


def test_editor_page_is_for_administrators_only(login) -> None:
    assert login("f1").get("/admin/models/p1_project_intake/editor").status_code == 403


def test_editor_page_carries_token_routes_and_its_bundle(login) -> None:
    reply = login("admin").get("/admin/models/p1_project_intake/editor")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', html)
    for route in ('data-model="/admin/models/p1_project_intake/model.json"',
                  'data-catalogue="/admin/models/catalogue.json"',
                  'data-validate="/admin/models/p1_project_intake/validate.json"',
                  'data-check="/admin/models/check-expression.json"',
                  'data-draft="/admin/models/p1_project_intake/draft.json"',
                  'data-deploy="/admin/models/p1_project_intake/deploy.json"'):
        assert route in html, route
    assert "dist/modeler.js" in html and "dist/modeler-style.css" in html
    assert "请在电脑上编辑流程模型" in html
    assert "<script>" not in html and " style=" not in html
