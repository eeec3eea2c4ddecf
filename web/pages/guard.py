"""Every page request's raw text is checked once before a view reads it: a query or form value
(or an upload's file name) holding NUL or another control character, or far too long, is
refused with 400 and a message naming the field — PostgreSQL cannot store NUL, and no page
field needs control characters. The API does the same per field in its schemas (web/inputs.py)."""
from __future__ import annotations

from flask import Flask, render_template, request

from forms.fields import CONTROL_RE

VALUE_MAX = 200_000  # characters in one field: far above any form's own limit (those say so themselves)


def _bad_field() -> tuple[str, str] | None:
    sources = [request.args]
    if request.method == "POST" and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(request.form)
    for source in sources:
        for name, value in source.items(multi=True):
            if CONTROL_RE.search(name) or CONTROL_RE.search(value):
                return name, "不能包含控制字符（如 NUL）"
            if len(value) > VALUE_MAX:
                return name, f"内容过长（不超过 {VALUE_MAX} 个字符）"
    if request.method == "POST" and request.mimetype == "multipart/form-data":
        for name, storage in request.files.items(multi=True):
            if CONTROL_RE.search(storage.filename or ""):
                return name, "文件名不能包含控制字符"
    return None


def init_guard(app: Flask) -> None:
    @app.before_request
    def _refuse_control_characters():  # noqa: ANN202
        if request.path.startswith("/api/"):
            return None
        found = _bad_field()
        if found is None:
            return None
        name, problem = found
        shown = CONTROL_RE.sub("?", name)[:60]
        return render_template("error.html", message=f"输入有误：“{shown}”{problem}。请修改后重新提交。"), 400
