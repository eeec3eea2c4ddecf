"""The budget-performance domain: records (models), pure computations (calc), record writing
shared by the families (shared), and one package per process family mirroring workflows/
(p1_intake, p2_review, p3_monitoring, common) holding the handlers its models name. Importing the package registers its
models, handlers and listeners."""
from budget import common, escalation, execution, models, p1_intake, p2_review, p3_monitoring, shared  # noqa: F401
