"""The budget-performance domain: records, computations, rule packs and the handlers the BPMN
models call. Importing the package registers its models, service handlers and listeners."""
from budget import escalation, handlers, models  # noqa: F401
