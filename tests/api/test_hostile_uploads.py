"""Uploads a probe sent with a 500 back: a UTF-16 model, an attachment name over 200 characters,
a JSON body that is no object on the token route. Each is a 4xx with a Chinese message now."""
from __future__ import annotations

import io

from tests.factories import EXAMPLE_MODEL, make_user


def test_a_utf16_model_is_deployed_or_refused_cleanly(db, client, token_for):
    make_user("hu_admin", ("SYS_ADMIN", "ALL", None))
    db.session.commit()
    text = EXAMPLE_MODEL.read_text(encoding="utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    files = {"files": (io.BytesIO(text.encode("utf-16")), "ex_two_step_approval.bpmn")}
    reply = client.post("/api/v1/process-models", data=files, headers=token_for("hu_admin"),
                        content_type="multipart/form-data")
    assert reply.status_code in (200, 201, 400), reply.get_data(as_text=True)[:500]


def test_overlong_attachment_names_are_refused_on_the_file(db, client, token_for):
    make_user("hu_f", ("UNIT_FILER", "UNIT", "U1"))
    db.session.commit()
    name = "很长的文件名" * 40 + ".pdf"
    reply = client.post("/api/v1/attachments", data={"file": (io.BytesIO(b"%PDF-1.4"), name)},
                        headers=token_for("hu_f"), content_type="multipart/form-data")
    assert reply.status_code == 422
    assert reply.get_json()["errors"]["file"] == ["文件名不超过 200 个字符，请改短后再上传"]


def test_a_token_request_that_is_no_object_or_holds_nul_is_422(db, client):
    for body in ([1, 2], "text", 5, {"username": "a\x00b", "password": "x"}):
        reply = client.post("/api/v1/auth/token", json=body)
        assert reply.status_code == 422, (body, reply.get_data(as_text=True))
        assert reply.get_json()["errors"]
    reply = client.post("/login", data={"username": "a\x00b", "password": "x"})
    assert reply.status_code == 400 and "控制字符" in reply.get_data(as_text=True)
