"""The budget-performance domain: records (models), pure computations (calc), record writing
shared by the families (shared), and one package per process family mirroring workflows/
(p1_intake, p2_review, common) holding the handlers its models name, and the monitoring views (read
side of the execution year). Importing the package registers its models, handlers, listeners and jobs."""
from budget import common, escalation, models, p1_intake, p2_review, shared  # noqa: F401
from budget.monitoring_views import export_runs  # noqa: F401  (the background X-03 export job)
