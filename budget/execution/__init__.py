"""Execution data coming in (issue 11 point 4; entities §3.6 ExecutionRecord): monthly cumulative
payments per project-year from the treasury's execution system, by Excel upload (queued, checked
whole, applied in chunks, made current at once) or by API, versioned when a month is corrected.
P3 reads the current records (ExecutionRecord.is_current); this package owns the writing side.
Importing it registers its queue jobs."""
from budget.execution import imports  # noqa: F401
