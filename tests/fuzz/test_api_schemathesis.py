"""Every API operation, fed by schemathesis from the live OpenAPI document with an administrator's
and a filer's token: no server error and every reply as documented (issue 10, point 3)."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.factories import PASSWORD, deploy_example, make_user

pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, response_schema_conformance]
EXAMPLES = 20  # per operation, valid and invalid input mixed, each sent with both tokens: about a minute


def _token(client, username: str) -> str:
    reply = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert reply.status_code == 200, reply.get_json()
    return reply.get_json()["token"]


def test_no_server_error_and_replies_as_documented(app, db, client):
    make_user("fz_admin", ("SYS_ADMIN", "ALL", None))
    make_user("fz_filer", ("EX_FILER", "UNIT", "U1"))
    deploy_example()
    db.session.commit()
    tokens = [_token(client, "fz_admin"), _token(client, "fz_filer")]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    sent: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30

    for operation in operations:
        @given(case=st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                              operation.as_strategy(GenerationMode.NEGATIVE)))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                  derandomize=True, database=None)
        def run(case) -> None:
            for token in tokens:
                sent.append(case.operation.label)
                try:
                    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
                except Exception as err:  # noqa: BLE001  (collect every operation's failure, then report)
                    failures.append(f"{case.operation.label}: {str(err)[:600]}")
                    db.session.rollback()
                    return

        run()
    assert not failures, "\n\n".join(failures)
    assert len(sent) > 20 * len(operations), "schemathesis sent too few requests to mean anything"
