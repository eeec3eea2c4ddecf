"""Every BPMN file of ../shared/conformance either deploys or is refused with element-level
errors — never a 500, never a half-deployed version."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.factories import ROOT, make_user

CORPUS = ROOT.parent / "shared" / "conformance"
FILES = sorted(CORPUS.rglob("*.bpmn"))


@pytest.fixture()
def admin(db, token_for):
    make_user("root", ("SYS_ADMIN", "ALL", None))
    db.session.commit()
    return token_for("root")


@pytest.mark.skipif(not FILES, reason="../shared/conformance not present")
def test_corpus_present():
    assert len(FILES) >= 21


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CORPUS)) for p in FILES])
def test_upload_deploys_or_refuses_cleanly(client, admin, path: Path):
    response = client.post("/api/v1/process-models", headers=admin, content_type="multipart/form-data",
                           data={"files": [(io.BytesIO(path.read_bytes()), path.name)]})
    assert response.status_code in (200, 201, 400), response.data[:300]
    body = response.get_json()
    if response.status_code == 400:
        assert body["errors"], body
        for error in body["errors"]:
            assert error["message"] and {"file", "element_id"} <= set(error)
        models = client.get("/api/v1/process-models", headers=admin).get_json()
        assert models == []  # nothing half-deployed
    else:
        assert body["version"] >= 1
