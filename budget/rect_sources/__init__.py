"""The senders of `msg_start_rectification` (issue 12 point 2): P3's rectification requests, the
evaluation findings the performance division registers and the audit findings an audit observer
registers — each one message per source event, through engine.moves.inbound (the delivery of
POST /api/v1/messages), kept while no P7 is deployed and picked up once one is."""
from budget.rect_sources import pickup, registration, sender  # noqa: F401
