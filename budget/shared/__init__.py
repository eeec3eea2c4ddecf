"""Record writing several process families share: looking up the project a task's data points at,
review opinions, the project's library status, and the `today` script helper."""
from budget.shared import helpers  # noqa: F401  (registers the script helper)
