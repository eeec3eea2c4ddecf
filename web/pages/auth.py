"""Login and logout (Flask-Login sessions; the session is regenerated at login)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from engine.base.db import db
from engine.base.identity import authenticate
from engine.base.models import SiteFlag
from web.extensions import SESSION_NONCE
from web.throttle import throttled

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect after login is a phishing aid.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("inbox.todo")


@bp.route("/login", methods=["GET", "POST"])
@throttled
def login():  # noqa: ANN201
    error = None
    if request.method == "POST":
        user = authenticate(request.form.get("username", "").strip()[:100], request.form.get("password", "")[:1024])
        if user is None:
            error = "用户名或密码错误"
        else:
            session.clear()
            nonce = user.current_nonce()
            db.session.commit()
            session[SESSION_NONCE] = nonce
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", error=error, demo=_demo_accounts()), (401 if error else 200)


def _demo_accounts() -> dict | None:
    """The demo accounts to list, when — and only when — the demo loader has run on this database."""
    flag = db.session.get(SiteFlag, "demo_data")
    return flag.value if flag is not None and flag.value.get("accounts") else None


@bp.post("/logout")
@login_required
def logout():  # noqa: ANN201
    current_user.end_sessions()  # this cookie, copies of it and the user's API tokens stop working
    db.session.commit()
    logout_user()
    session.clear()
    flash("已退出登录")
    return redirect(url_for("auth.login"))
