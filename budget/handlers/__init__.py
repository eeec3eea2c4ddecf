"""Service-task handlers, script helpers, the completion listener and submission checks; importing
this package registers them all with engine.hooks."""
from budget.handlers import checks, experts, helpers, project, records, starters, thirdparty  # noqa: F401
