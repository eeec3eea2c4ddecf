"""Imports every module that registers background jobs, so web and worker know the same kinds."""
from engine.dispatch import channels  # noqa: F401
from engine.moves import messages, migration, services, timers  # noqa: F401
from engine.work import reminders, rule_tables  # noqa: F401
