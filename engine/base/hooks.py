"""How the domain reaches into the engine: service-task handlers, user-task handlers (named in the
BPMN), script helpers and operation (退回, 撤回, 拿回) listeners, registered at import time of the
domain package.

Handlers and listeners run inside the engine's transaction: whatever they write through
`engine.base.db.db.session` commits or rolls back together with the workflow move.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

ServiceHandler = Callable[..., dict[str, Any] | None]


@dataclass
class ServiceContext:
    """What a service-task handler sees: the instance row, the task's data (read it; return
    a dict to merge new values into it) and who caused the move (None for the system)."""

    instance: Any
    task_id: str
    task_name: str
    data: dict[str, Any]
    actor: Any = None


@dataclass
class TaskCompleted:
    """A human task completed (or, for a handler's `check`, about to complete) with a validated
    submission."""

    instance: Any
    task: Any  # engine.base.models.HumanTask row
    form_keys: list[str]
    form_mode: str | None
    submission: dict[str, Any]
    data: dict[str, Any]  # the task data after the submission was merged
    actor: Any = None


@dataclass
class OperationDone:
    """退回 ("return"), 撤回 ("withdraw") or 拿回 ("reclaim") moved the instance back to the step
    `target` (BPMN id). `task` is the work item it was done from (the returned or reclaimed one;
    None for 撤回), `data` that task's engine data (for 撤回 the target's), `comment` the opinion.
    An administrator's 终止 ("terminate") and 删除草稿 ("delete") end the instance: `task` and
    `target` None, `comment` the reason (engine.moves.interventions)."""

    instance: Any
    action: str
    task: Any
    actor: Any
    comment: str
    target: str | None
    data: dict[str, Any] = field(default_factory=dict)
    handler: str | None = None  # the `completionHandler` of the step it was done from


# The user-task property naming the domain handler of a step (docs/design.md, "Process packages").
HANDLER_PROPERTY = "completionHandler"

ErrorsByField = dict[str, list[str]]


@dataclass(frozen=True)
class TaskHandler:
    """What the domain does for one user task that names it (`completionHandler`):
    `complete(event)` writes its records when the task completes; `check(event)` (optional) returns
    errors that need the database, which block the completion (422); `on_return(event)` (optional)
    writes what 退回 from this task means to the domain. All run inside the move's transaction; an
    exception becomes an Incident and rolls the move back."""

    name: str
    complete: Callable[[TaskCompleted], None]
    check: Callable[[TaskCompleted], ErrorsByField] | None = None
    on_return: Callable[[OperationDone], None] | None = None


@dataclass
class StartSpec:
    """What a domain starter returns for a new instance: initial data, business key, title,
    data scope codes (unit, dept, division) and year."""

    data: dict[str, Any]
    business_key: str | None = None
    title: str | None = None
    scope: dict[str, str | None] = field(default_factory=dict)
    year: int | None = None


@dataclass
class Registry:
    services: dict[str, ServiceHandler] = field(default_factory=dict)
    background_services: set[str] = field(default_factory=set)
    service_returns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    service_params: dict[str, dict[str, str]] = field(default_factory=dict)  # parameter → Chinese label
    helpers: dict[str, Callable[..., Any]] = field(default_factory=dict)
    task_handlers: dict[str, TaskHandler] = field(default_factory=dict)
    operation_listeners: list[Callable[[OperationDone], None]] = field(default_factory=list)
    starters: dict[str, Callable[..., StartSpec]] = field(default_factory=dict)
    message_starters: dict[str, Callable[..., StartSpec | None]] = field(default_factory=dict)
    escalation_targets: list[Callable[[Any, str], list[str]]] = field(default_factory=list)
    roles: set[str] = field(default_factory=set)  # the role codes the system knows (web.labels.ROLES)


REGISTRY = Registry()


def service(name: str, *, background: bool = False, returns: tuple[str, ...] = (),
            params: Mapping[str, str] | None = None) -> Callable[[ServiceHandler], ServiceHandler]:
    """Register `fn(ctx: ServiceContext, **params) -> dict | None` as the handler of
    `<spiffworkflow:serviceTaskOperator id="name">`; `background`: slow work, run on the queue
    (engine.moves.services) unless the model's task says `async="false"`; `returns`: the names its
    result dict sets, which a user task's `inputs` may then read (checked at deployment); `params`:
    each parameter's Chinese label, which the model editor shows (a `**kwargs` operator names the
    extra parameters it reads here too)."""

    def deco(fn: ServiceHandler) -> ServiceHandler:
        REGISTRY.services[name] = fn
        REGISTRY.service_returns[name] = tuple(returns)
        REGISTRY.service_params[name] = dict(params or {})
        if background:
            REGISTRY.background_services.add(name)
        return fn

    return deco


def script_helper(name: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Expose a pure function to scripts, conditions and DMN cells under `name`."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        REGISTRY.helpers[name or fn.__name__] = fn
        return fn

    return deco


def task_handler(name: str, *, check: Callable[[TaskCompleted], ErrorsByField] | None = None,
                 on_return: Callable[[OperationDone], None] | None = None,
                 ) -> Callable[[Callable[[TaskCompleted], None]], Callable[[TaskCompleted], None]]:
    """Register `fn(event: TaskCompleted) -> None` as the handler of user tasks carrying
    `<spiffworkflow:property name="completionHandler" value="name"/>` (see TaskHandler)."""

    def deco(fn: Callable[[TaskCompleted], None]) -> Callable[[TaskCompleted], None]:
        if name in REGISTRY.task_handlers and REGISTRY.task_handlers[name].complete is not fn:
            raise ValueError(f"task handler {name!r} registered twice")
        REGISTRY.task_handlers[name] = TaskHandler(name, fn, check, on_return)
        return fn

    return deco


def handler_of(props: dict[str, str]) -> TaskHandler | None:
    """The registered handler a user task's properties name; None when it names none. A name the
    registry lacks (deployment refuses it; code changed since) raises LookupError."""
    name = (props.get(HANDLER_PROPERTY) or "").strip()
    if not name:
        return None
    if name not in REGISTRY.task_handlers:
        raise LookupError(f"完成处理器 “{name}” 未注册")
    return REGISTRY.task_handlers[name]


def on_operation(fn: Callable[[OperationDone], None]) -> Callable[[OperationDone], None]:
    """Register a listener of 退回, 撤回 and 拿回, called inside the move's transaction; if it raises,
    the move is rolled back as an Incident (like a task handler)."""
    REGISTRY.operation_listeners.append(fn)
    return fn


def starter(process_key: str) -> Callable[[Callable[..., StartSpec]], Callable[..., StartSpec]]:
    """Register `fn(actor, data: dict) -> StartSpec` preparing new instances of `process_key`
    (e.g. P1 creates the draft project first, so the request has a code and a scope)."""

    def deco(fn: Callable[..., StartSpec]) -> Callable[..., StartSpec]:
        REGISTRY.starters[process_key] = fn
        return fn

    return deco


def message_starter(
        process_key: str) -> Callable[[Callable[..., StartSpec | None]], Callable[..., StartSpec | None]]:
    """Register `fn(message_name, correlation: dict, payload: dict) -> StartSpec | None` preparing
    an instance of `process_key` that a message start event is about to start — a message posted
    from outside or thrown by another instance: data, scope, business key, title and year. None
    declines: no instance (the object has its instance already; P2 runs once per project-year
    however often it is asked to start). A process without one copies the thrower's scope, or
    starts with none for a message from outside."""

    def deco(fn: Callable[..., StartSpec | None]) -> Callable[..., StartSpec | None]:
        REGISTRY.message_starters[process_key] = fn
        return fn

    return deco


def escalation_targets(fn: Callable[[Any, str], list[str]]) -> Callable[[Any, str], list[str]]:
    """Register `fn(item, stage) -> [username]`: who hears of an overdue work item (a HumanTask
    row) at escalation `stage` — "HEAD" (ESCALATED_HEAD, and every 催办 from the second on) or
    "FIN" (ESCALATED_FIN). Called by engine.work.reminders in its transaction; the answers of all
    listeners are joined."""
    REGISTRY.escalation_targets.append(fn)
    return fn
