"""Sign-in throttling (Flask-Limiter on Redis): failed attempts are counted per account and per
address, on /login and /api/v1/auth/token alike; past the limit the answer is 429 with a Chinese
message and Retry-After, even for the right password, until the window has passed."""
from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

ACCOUNT_LIMIT = "5 per 15 minutes"  # failed attempts for one username (any address)
ADDRESS_LIMIT = "20 per 15 minutes"  # failed attempts from one address (any username)
MESSAGE = "登录失败次数过多，请 15 分钟后再试"

limiter = Limiter(key_func=get_remote_address, headers_enabled=True, strategy="moving-window",
                  key_prefix="perfflow-throttle")


def _account() -> str:
    """The username the attempt is for (form or JSON body), normalised; a body without one counts
    against the empty name."""
    body: Any = request.get_json(silent=True) if request.is_json else request.form
    name = body.get("username") if isinstance(body, dict) or hasattr(body, "getlist") else None
    return "account:" + (name.strip().lower()[:100] if isinstance(name, str) else "")


def _failed(response: Response) -> bool:
    return response.status_code == 401


def throttled(fn: Any) -> Any:
    """Both limits on a sign-in view, shared by every sign-in view (the page and the API count
    together); only failed attempts (401) count."""
    fn = limiter.shared_limit(ACCOUNT_LIMIT, scope="sign-in-account", key_func=_account, deduct_when=_failed,
                              error_message=MESSAGE, methods=["POST"])(fn)
    return limiter.shared_limit(ADDRESS_LIMIT, scope="sign-in-address", key_func=get_remote_address,
                                deduct_when=_failed, error_message=MESSAGE, methods=["POST"])(fn)


def storage_uri(redis_url: str) -> str:
    """The app's Redis for the counters (the embedded one listens on a unix socket)."""
    if not redis_url:
        return "memory://"
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://"):]
    return redis_url


def init_throttle(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri(str(app.config.get("REDIS_URL") or "")))
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": 2})
    # Redis down: sign-in still works, unthrottled, rather than locking everyone out.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)

    @app.errorhandler(RateLimitExceeded)
    def _too_many(err: RateLimitExceeded):  # noqa: ANN202  (Flask-Limiter adds Retry-After)
        if request.path.startswith("/api/"):
            return jsonify(error="too_many_requests", message=err.description), 429
        return render_template("login.html", error=err.description), 429
