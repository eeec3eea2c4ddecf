"""Execution data coming in (issue 11 point 4; entities §3.6 ExecutionRecord): monthly cumulative
payments per project-year from the treasury's execution system, by Excel upload (queued, checked
whole, applied in chunks, made current at once) or by API, versioned when a month is corrected.
P3 reads the current records (ExecutionRecord.is_current); this package owns the writing side.
Importing it registers its queue jobs."""
from budget.execution import imports  # noqa: F401

WRITERS = {"FIN_TREASURY", "FIN_BUDGET"}  # and system administrators
READERS = WRITERS | {"FIN_FUND", "FIN_PERF"}


def may_write(user: object) -> bool:
    from engine.work.access import is_admin

    return bool(user.role_codes() & WRITERS) or is_admin(user)  # type: ignore[attr-defined]


def may_read(user: object) -> bool:
    from engine.work.access import is_admin

    return bool(user.role_codes() & READERS) or is_admin(user)  # type: ignore[attr-defined]
