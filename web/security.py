"""Response headers every page and API answer carries (issue 10 point 6), set by one
after_request hook: a CSP that allows no inline script (scripts are static files), no framing,
no MIME sniffing, a same-origin referrer; and Secure session cookies behind HTTPS.

HTTPS: the session and remember cookies are marked Secure when `SESSION_COOKIE_SECURE` is set, or
when `PREFERRED_URL_SCHEME=https`. Behind a reverse proxy that terminates TLS set
`PROXY_FIX=1` (werkzeug's ProxyFix, one proxy trusted for X-Forwarded-Proto/Host/For) so the app
sees https, and `SESSION_COOKIE_SECURE=1`."""
from __future__ import annotations

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

# Inline styles stay allowed for now (style= attributes and <style> blocks in the templates; they
# cannot run code); scripts, objects, frames, forms and the base URI are restricted.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _secure_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_security(app: Flask) -> None:
    https = app.config.get("PREFERRED_URL_SCHEME") == "https"
    if https or app.config.get("SESSION_COOKIE_SECURE"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    if app.config.get("PROXY_FIX"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    app.after_request(_secure_headers)
