"""Error pages in Chinese, in the app's layout, for 403, 404, 405, 413 and 500 on every page
path; the API (/api/…) keeps its JSON errors (web/api/errors.py answers inside its blueprint; what
Flask raises before a blueprint is chosen — an unknown URL, a wrong method — is answered here)."""
from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from web.api.spec import PREFIX

TITLES = {403: "无权访问", 404: "页面不存在", 405: "不支持的操作", 413: "提交的内容过大", 500: "服务器出错"}


def _message(code: int) -> str:
    if code == 413:
        limit = int(current_app.config["MAX_CONTENT_LENGTH"]) // (1024 * 1024)
        per_file = int(current_app.config["ATTACHMENT_MAX_BYTES"]) // (1024 * 1024)
        return (f"本次提交超过了 {limit} MB 的上限，没有保存。您填写的内容仍在上一页：点“返回上一页”，"
                f"浏览器会保留已填写的内容；请换下过大的附件（每个不超过 {per_file} MB）后再提交。")
    return {403: "您没有权限执行此操作或查看此页面。",
            404: "您要找的页面或数据不存在，或您无权查看。请检查链接，或从导航重新进入。",
            405: "此地址不支持这种请求方式。请使用页面上的按钮或链接操作。",
            500: "处理您的请求时出现了意外错误，已记录。请稍后重试；问题持续时请联系系统管理员。"}[code]


def _answer(err: HTTPException):  # noqa: ANN202
    code = err.code or 500
    if code == 500:
        from engine.base.db import db

        db.session.rollback()  # the layout reads the database (unread count); start it clean
    if request.path.startswith(PREFIX + "/") or request.path == PREFIX:
        return jsonify(error=err.name.lower().replace(" ", "_"), message=err.description), code
    return render_template("error.html", title=TITLES[code], message=_message(code), code=code,
                           back=code in (405, 413)), code


def register_error_pages(app: Flask) -> None:
    for code in TITLES:
        app.register_error_handler(code, _answer)
