"""Imports every module that registers background jobs, so web and worker know the same kinds."""
from engine import channels, messages, reminders, services, timers  # noqa: F401
