"""Hardened responses and uploads (issue 10 point 6): security headers on pages and API answers,
no inline script in any template, Secure cookies behind HTTPS, downloads with the sniffed type
and an RFC 6266 filename, DOCTYPE/entities refused in any encoding, UTF-16 models deploy."""
from __future__ import annotations

import base64
import io
import re
import uuid
from urllib.parse import quote

import pytest

from engine.base.models import Attachment
from engine.work.attachments import clean_name
from tests.factories import PASSWORD, ROOT, make_user

EXAMPLE = ROOT / "tests" / "models" / "ex_two_step_approval.bpmn"
TEMPLATES = ROOT / "web" / "templates"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.fixture()
def people(db):
    make_user("f1", ("UNIT_FILER", "UNIT", "D01-U01"))
    make_user("root", ("SYS_ADMIN", "ALL", None))
    db.session.commit()


def _assert_hardened(headers) -> None:
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in \
        csp.split("script-src", 1)[1].split(";", 1)[0]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_headers_on_a_page_and_an_api_answer(client, people, token_for):
    _assert_hardened(client.get("/login").headers)
    _assert_hardened(client.get("/api/v1/tasks", headers=token_for("f1")).headers)
    _assert_hardened(client.get("/api/v1/tasks").headers)  # a 401 too


def test_no_template_has_an_inline_script_or_handler():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
    script_url = re.compile(r"javascript:", re.IGNORECASE)
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (inline_script, handler, script_url):
            found += [f"{path.name}: {m.group(0)[:60]}" for m in pattern.finditer(text)]
    assert found == []


def test_secure_cookies_when_served_over_https(database_url, redis_url, db, people):
    from web import create_app

    app = create_app(SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=redis_url, TESTING=True,
                     WTF_CSRF_ENABLED=False, SECRET_KEY="test", PREFERRED_URL_SCHEME="https", PROXY_FIX=True)
    reply = app.test_client().post("/login", data={"username": "f1", "password": PASSWORD},
                                   headers={"X-Forwarded-Proto": "https"})
    assert reply.status_code == 302 and reply.headers["Location"].startswith(("https://", "/"))
    cookie = reply.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


def _upload(client, head, name: str, content: bytes, claimed: str):
    return client.post("/api/v1/attachments", headers=head, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content), name, claimed)})


def test_an_upload_claimed_as_html_is_served_as_an_attachment_of_its_sniffed_type(client, db, people, token_for):
    head = token_for("f1")
    reply = _upload(client, head, "photo.png", PNG, "text/html")
    assert reply.status_code == 201, reply.get_json()
    assert reply.get_json()["content_type"] == "image/png"
    got = client.get(f"/api/v1/attachments/{reply.get_json()['id']}", headers=head)
    assert got.status_code == 200 and got.mimetype == "image/png" and got.data == PNG
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in got.headers["Content-Security-Policy"] and got.headers["X-Content-Type-Options"] == "nosniff"

    # a real HTML page claimed as text: sniffed as HTML, still only ever downloaded
    page = _upload(client, head, "notes.txt", b"<html><script>alert(document.cookie)</script></html>", "text/plain")
    assert page.get_json()["content_type"] == "text/html"
    got = client.get(f"/api/v1/attachments/{page.get_json()['id']}", headers=head)
    assert got.headers["Content-Disposition"].startswith("attachment;") and got.mimetype == "text/html"

    plain = _upload(client, head, "data.csv", "项目,金额\n甲,1\n".encode(), "application/x-msdownload")
    assert plain.get_json()["content_type"] == "text/plain"


def test_a_hostile_filename_is_cleaned_and_sent_per_rfc_6266(client, db, people, token_for):
    assert clean_name('..\\..\\windows/system32/报告"最终"\r\n版.pdf') == '报告"最终"版.pdf'
    assert clean_name("/etc/") == "附件" and clean_name(".hidden.pdf") == "hidden.pdf"
    assert clean_name("长" * 300 + ".docx") == "长" * 195 + ".docx"
    head = token_for("f1")
    reply = _upload(client, head, "../../etc/年度绩效报告.pdf", b"%PDF-1.4\n%%EOF", "text/html")
    assert reply.status_code == 201 and reply.get_json()["name"] == "年度绩效报告.pdf"
    # an older row stored with a newline and folders is still sent with a clean header
    old = Attachment(name='../a\r\nSet-Cookie: x=1/"评价"\n.pdf', content_type="application/pdf", size=3, sha256="0",
                     content=b"%PD", uploaded_by="f1")
    db.session.add(old)
    db.session.commit()
    for ident in (reply.get_json()["id"], str(old.id)):
        got = client.get(f"/api/v1/attachments/{ident}", headers=head)
        disposition = got.headers["Content-Disposition"]
        assert "\n" not in disposition and "\r" not in disposition and "/" not in disposition.split("''")[0]
        assert disposition.startswith("attachment; filename=") and "filename*=UTF-8''" in disposition
    assert quote('"评价".pdf') in disposition and "Set-Cookie" not in got.headers


def _deploy(client, head, name: str, content: bytes):
    return client.post("/api/v1/process-models", headers=head, content_type="multipart/form-data",
                       data={"files": [(io.BytesIO(content), name)]})


def _recoded(encoding: str, codec: str, *, bom: bool = False) -> bytes:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = re.sub(r"^<\?xml[^>]*\?>", f'<?xml version="1.0" encoding="{encoding}"?>', text)
    # a fresh process id so this is a new model, not a new version of the example
    text = text.replace("ex_two_step_approval", f"ex_enc_{uuid.uuid4().hex[:6]}")
    return (b"\xff\xfe" if bom else b"") + text.encode(codec)


def _utf7_shifted(text: str) -> bytes:
    return b"+" + base64.b64encode(text.encode("utf-16-be")).rstrip(b"=") + b"-"


def test_a_utf7_model_with_a_doctype_and_an_external_entity_is_refused(client, db, people, token_for):
    head = token_for("root")
    text = EXAMPLE.read_text(encoding="utf-8")
    text = re.sub(r"^<\?xml[^>]*\?>", '<?xml version="1.0" encoding="UTF-7"?>', text)
    text = text.replace("<bpmn:definitions", "ZZDTDZZ<bpmn:definitions", 1).replace("<bpmn:process ", "ZZREFZZ<bpmn:process ", 1)
    # the declaration and the reference written wholly in UTF-7's base64, as an attacker would
    content = text.encode("utf-7").replace(b"ZZDTDZZ", _utf7_shifted(
        '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>')).replace(b"ZZREFZZ", _utf7_shifted("&x;"))
    assert b"DOCTYPE" not in content and b"ENTITY" not in content  # the raw bytes hide it
    reply = _deploy(client, head, "x.bpmn", content)
    assert reply.status_code == 400, reply.get_json()
    assert reply.get_json()["errors"] == [{"file": "x.bpmn", "element_id": None,
                                           "message": "不允许包含 DOCTYPE 或实体声明（DTD/ENTITY）"}]


@pytest.mark.parametrize(("encoding", "codec", "bom"), [("UTF-16", "utf-16-le", True), ("UTF-16LE", "utf-16-le", False),
                                                        ("UTF-16BE", "utf-16-be", False)])
def test_a_utf16_model_deploys(client, db, people, token_for, encoding, codec, bom):
    reply = _deploy(client, token_for("root"), "enc.bpmn", _recoded(encoding, codec, bom=bom))
    assert reply.status_code == 201, reply.get_json()


def test_a_utf16_model_without_bom_or_declaration_is_refused_cleanly(client, db, people, token_for):
    content = re.sub(r"^<\?xml[^>]*\?>\s*", "", EXAMPLE.read_text(encoding="utf-8")).encode("utf-16-le")
    reply = _deploy(client, token_for("root"), "bare.bpmn", content)
    assert reply.status_code == 400
    [error] = reply.get_json()["errors"]
    assert error["file"] == "bare.bpmn" and error["message"].startswith("XML 格式错误")
