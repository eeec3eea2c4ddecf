"""Message-started event sub-processes on a spec that many instances share.

SpiffWorkflow creates such a sub-process only when its message arrives (`BpmnStartTask.trigger_wf`),
and the first time it does, it connects the process's start task to the sub-process in the spec
itself. Spiff expects one spec per workflow; ours are parsed once per model version and shared
(engine.definitions.specs): after one instance had the message, every instance started later
created the sub-process at its start, waiting for the message beside the standing subscription
(engine.moves.mailbox.standing_starts) — two subscriptions, and one message ran it twice.

So the links `trigger_wf` would make are made once when the spec is loaded, the same for every
instance, except the one that harms: the sub-process has the start task as its input (which is
what `trigger_wf` checks, and what a task spec needs to run) and the end as its output, but is
not among the start task's outputs, so a new instance does not create it."""
from __future__ import annotations

from typing import Any


def share_safely(spec: Any) -> None:
    """Make a freshly parsed process spec's message-started event sub-processes safe to share."""
    start = spec.start
    for name in getattr(start, "trigger_specs", []):
        sub = spec.task_specs[name]
        if start.name not in sub._inputs:  # `inputs` is computed from the names
            sub._inputs.append(start.name)
        if spec.end not in sub.outputs:
            sub.connect(spec.end)
