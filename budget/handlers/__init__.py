"""Service-task handlers, script helpers, the completion listener and submission checks; importing
this package registers them all with engine.base.hooks."""
from budget.handlers import (  # noqa: F401
    checks,
    experts,
    helpers,
    operations,
    project,
    records,
    starters,
    thirdparty,
)
